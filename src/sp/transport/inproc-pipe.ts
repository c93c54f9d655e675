/**
 * The two ends of an inproc connection. Messages pass as bytes, without framing; header and
 * body are joined as a stream transport would, so the receiving protocol parses them the same
 * way. As in nanomsg, the receiver's recvBuffer bounds what may be queued toward it (an empty
 * queue always takes one message) and recvMaxSize does not apply. Delivery happens on the next
 * tick, in order, so a send never runs the receiver's code inside the sender's call.
 */
import { copyBytes, joinBytes, type Bytes } from '../bytes.js';
import { takeUnshared } from '../message.js';
import { spError } from '../errors.js';
import type { EndpointInfo } from '../events.js';
import type { SocketOptions } from '../options.js';
import { InboxPipe } from '../inbox-pipe.js';
import { defer } from '../defer.js';

function peerGone(pipe: InprocPipe): void {
  pipe.peerGone();
}

function deliverTick(pipe: InprocPipe): void {
  pipe.deliverScheduled = false;
  pipe.deliver();
}

export class InprocPipe extends InboxPipe {
  private peer: InprocPipe | undefined;
  private blocked = false;
  private released: Promise<void> | undefined;
  deliverScheduled = false;

  constructor(
    endpoint: EndpointInfo,
    remoteAddress: string,
    private readonly options: SocketOptions,
  ) {
    super(endpoint, remoteAddress);
  }

  /** Join two fresh pipes. */
  static pair(a: InprocPipe, b: InprocPipe): void {
    a.peer = b;
    b.peer = a;
  }

  /** Protocols were matched when the pipes were made: nothing to exchange. */
  handshake(): Promise<void> {
    return this.closed ? Promise.reject(spError('ECONNRESET', 'the inproc peer went away before the connection was up')) : Promise.resolve();
  }

  get writable(): boolean {
    const peer = this.peer;
    if (this.closed || !peer || peer.closed) return false;
    const queued = peer.inboxBytes + peer.heldBytes;
    if (queued === 0 || queued < peer.options.recvBuffer) return true;
    this.blocked = true;
    return false;
  }

  send(header: Uint8Array, body: Uint8Array): void {
    const peer = this.peer;
    if (!peer || peer.closed) return;
    this.stats.messagesSent++;
    this.stats.bytesSent += header.length + body.length;
    // the receiver owns what it gets and the sender may reuse its buffer at once: a copy,
    // unless send already made one that nobody else holds (large bodies, one receiver)
    peer.take(header.length > 0 ? joinBytes(header, body) : takeUnshared(body) ? (body as Bytes) : copyBytes(body));
  }

  private take(payload: Bytes): void {
    this.arrive(payload);
    if (!this.deliverScheduled) {
      this.deliverScheduled = true;
      defer(deliverTick, this);
    }
  }

  /** Hand queued messages to our protocol, then let the peer know our inbox shrank. */
  override deliver(): void {
    super.deliver();
    this.peer?.unblock();
  }

  /** Our queue toward the peer shrank: tell our protocol if it was waiting. */
  private unblock(): void {
    if (this.blocked && !this.closed && this.writable) {
      this.blocked = false;
      this.sink?.pipeWritable(this);
    }
  }

  /** The peer closed: take what it had already sent, then this end is broken. */
  /** @internal */
  peerGone(): void {
    if (this.closed) return;
    this.paused = false;
    this.deliver();
    this.ended('broken', spError('ECONNRESET', 'the inproc peer closed the connection'));
  }

  close(): Promise<void> {
    if (this.released) return this.released;
    this.closed = true;
    this.owner = undefined;
    this.sink = undefined;
    this.dropInbox();
    const peer = this.peer;
    this.peer = undefined;
    // what we sent is already queued at the peer: it is delivered before the peer learns we left
    if (peer) defer(peerGone, peer);
    this.released = Promise.resolve();
    return this.released;
  }
}
