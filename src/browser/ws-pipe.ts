/**
 * A pipe over the browser's own WebSocket: one SP message per WebSocket message, the SP
 * header inline at the start of the payload (spec/nng.md §5). The browser frames, masks and
 * answers pings itself; what is left here is flow control the browser does not give:
 *
 * - sending: the browser never refuses a send, it buffers; the pipe counts as writable while
 *   `bufferedAmount` is under sendBuffer, and polls until it drains (there is no event for it);
 * - receiving: a page cannot stop the server sending, so while the protocol has paused the
 *   pipe its messages wait here, and a pipe whose page falls further behind than
 *   PAUSED_LIMIT_FACTOR × recvBuffer is dropped (and redialled) rather than growing for ever.
 */
import { stringBytes, viewBytes, joinBytes, type Bytes } from '../sp/bytes.js';
import { spError, type SpError } from '../sp/errors.js';
import type { EndpointInfo } from '../sp/events.js';
import type { SocketOptions } from '../sp/options.js';
import { InboxPipe } from '../sp/inbox-pipe.js';
import type { NewPipe } from '../sp/transport/transport.js';
import { CONNECTING, OPEN, type WebSocketLike } from './web-socket.js';

/** How often a pipe waiting for `bufferedAmount` to shrink looks again, in ms. */
const DRAIN_POLL_MS = 10;
/** A paused pipe keeps up to this many times recvBuffer before it is dropped. */
const PAUSED_LIMIT_FACTOR = 8;
/** The only close codes a page may send are 1000 and 3000–4999. */
const CLOSE_NORMAL = 1000;

function pollDrain(pipe: BrowserWsPipe): void {
  pipe.drainCheck();
}

export class BrowserWsPipe extends InboxPipe implements NewPipe {
  private blocked = false;
  private drainTimer: ReturnType<typeof setTimeout> | undefined;
  private released: Promise<void> | undefined;

  constructor(
    private readonly ws: WebSocketLike,
    endpoint: EndpointInfo,
    remoteAddress: string,
    private readonly options: SocketOptions,
  ) {
    super(endpoint, remoteAddress);
    ws.onmessage = (event) => this.onMessage(event.data);
    ws.onclose = (event) => this.onClose(event.code, event.reason);
    // an error is always followed by close, which says more
    ws.onerror = null;
  }

  /** The subprotocol was checked when the connection opened: nothing more to exchange. */
  handshake(): Promise<void> {
    return this.closed ? Promise.reject(spError('ECONNRESET', `the server at ${this.remoteAddress} closed the WebSocket right after it opened`)) : Promise.resolve();
  }

  // ---- receiving -------------------------------------------------------------------------

  private onMessage(data: unknown): void {
    if (this.closed) return;
    let payload: Bytes;
    // a text message is taken as its UTF-8 bytes, as nanomsg takes NN_WS_MSG_TYPE text
    if (typeof data === 'string') payload = stringBytes(data);
    else if (data instanceof ArrayBuffer) payload = viewBytes(new Uint8Array(data));
    else return this.fail(spError('EPROTO', `the WebSocket delivered a ${Object.prototype.toString.call(data)}, not an ArrayBuffer (binaryType was changed?)`));
    const max = this.options.recvMaxSize;
    if (max >= 0 && payload.length > max) {
      return this.fail(spError('EMSGSIZE', `the server sent a message of ${payload.length} bytes, over recvMaxSize ${max}; the connection is dropped as nanomsg does`));
    }
    this.arrive(payload);
    if (this.paused && this.inboxBytes > PAUSED_LIMIT_FACTOR * this.options.recvBuffer) {
      return this.fail(spError('ENOBUFS', `the page fell ${this.inboxBytes} bytes behind this WebSocket (more than ${PAUSED_LIMIT_FACTOR} × recvBuffer); the connection is dropped and dialled again`));
    }
    this.deliver();
  }

  // ---- sending ---------------------------------------------------------------------------

  get writable(): boolean {
    if (this.closed || this.ws.readyState !== OPEN) return false;
    const buffered = this.ws.bufferedAmount;
    if (buffered === 0 || buffered < this.options.sendBuffer) return true;
    if (!this.blocked) {
      this.blocked = true;
      this.drainTimer = setTimeout(pollDrain, DRAIN_POLL_MS, this);
    }
    return false;
  }

  send(header: Uint8Array, body: Uint8Array): void {
    if (this.closed) return;
    const length = header.length + body.length;
    this.stats.messagesSent++;
    this.stats.bytesSent += length;
    // the browser copies what it is given before send returns, so the caller may reuse body
    this.ws.send(header.length === 0 ? body : joinBytes(header, body));
  }

  /** @internal The drain poll: tell the protocol once the browser's buffer has room again. */
  drainCheck(): void {
    this.drainTimer = undefined;
    if (this.closed || !this.blocked) return;
    if (this.ws.bufferedAmount < this.options.sendBuffer) {
      this.blocked = false;
      this.sink?.pipeWritable(this);
    } else {
      this.drainTimer = setTimeout(pollDrain, DRAIN_POLL_MS, this);
    }
  }

  // ---- ending ----------------------------------------------------------------------------

  private onClose(code: number, reason: string): void {
    if (this.closed) return;
    // what arrived before the close is the application's, if the protocol will take it now
    this.deliver();
    const said = `code ${code}${reason ? ` (${JSON.stringify(reason)})` : ''}`;
    this.ended('broken', spError('ECONNRESET', `the server at ${this.remoteAddress} closed the WebSocket with ${said}`));
    this.release();
  }

  /** The peer broke a rule or a limit: drop the connection (the endpoint dials again). */
  private fail(error: SpError): void {
    if (this.closed) return;
    this.ended('broken', error);
    this.closeSocket(error.message);
    this.release();
  }

  close(lingerMs = 0): Promise<void> {
    if (this.released) return this.released;
    this.closed = true;
    this.owner = undefined;
    this.sink = undefined;
    this.dropInbox();
    if (lingerMs === 0 || this.ws.bufferedAmount === 0 || this.ws.readyState !== OPEN) {
      this.closeSocket('');
      return this.release();
    }
    // linger: let the browser's buffer drain first, for up to lingerMs (negative: unbounded)
    const deadline = lingerMs < 0 ? Infinity : Date.now() + lingerMs;
    this.released = new Promise<void>((resolve) => {
      const check = () => {
        if (this.ws.bufferedAmount === 0 || this.ws.readyState !== OPEN || Date.now() >= deadline) {
          this.closeSocket('');
          resolve();
        } else setTimeout(check, DRAIN_POLL_MS);
      };
      check();
    });
    this.stopTimers();
    return this.released;
  }

  private closeSocket(reason: string): void {
    const ws = this.ws;
    ws.onmessage = null;
    ws.onclose = null;
    if (ws.readyState === OPEN || ws.readyState === CONNECTING) {
      // a close reason may be at most 123 bytes of UTF-8; 40 characters stay under it whatever they are
      ws.close(CLOSE_NORMAL, reason.length > 40 ? `${reason.slice(0, 39)}…` : reason);
    }
  }

  private stopTimers(): void {
    clearTimeout(this.drainTimer);
    this.drainTimer = undefined;
    this.blocked = false;
  }

  private release(): Promise<void> {
    this.closed = true;
    this.stopTimers();
    this.dropInbox();
    this.released ??= Promise.resolve();
    return this.released;
  }
}
