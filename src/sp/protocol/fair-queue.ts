/**
 * Receiving from many pipes (nanomsg's fq): each pipe keeps its own inbox; the user receives
 * from the readable pipes of the highest receive priority in turn, one message each. A pipe
 * whose inbox reaches recvBuffer bytes stops being read until the user catches up, so a fast
 * sender is slowed down instead of filling memory.
 */
import { EMPTY } from '../message.js';
import type { Pipe } from '../pipe.js';
import { PriorityList } from './priority-list.js';
import type { ProtocolHost } from './protocol.js';

export class FairQueue {
  private readonly readable = new PriorityList();
  private readonly paused = new Set<Pipe>();
  /** Pipes that went away with messages still to be received, and those messages' bytes. */
  private readonly gone = new Set<Pipe>();
  private goneBytes = 0;

  constructor(private readonly host: ProtocolHost) {}

  /** Keep a message read from `pipe` for the user. */
  push(pipe: Pipe, payload: Buffer): void {
    pipe.inbox.push(payload);
    pipe.inboxBytes += payload.length;
    if (!pipe.inReadable) {
      pipe.inReadable = true;
      this.readable.add(pipe, pipe.recvPriority);
      this.host.readable();
    }
    if (pipe.inboxBytes >= this.host.options.recvBuffer && !this.paused.has(pipe)) {
      this.paused.add(pipe);
      pipe.pauseReading();
    }
  }

  /** The next message in turn, with the pipe it came from, or undefined. */
  shift(): Buffer | undefined {
    const pipe = this.readable.peek();
    if (!pipe) return undefined;
    const payload = pipe.inbox.shift() ?? EMPTY;
    this.from = pipe;
    pipe.inboxBytes -= payload.length;
    if (this.gone.size > 0 && this.gone.has(pipe)) {
      this.goneBytes -= payload.length;
      if (pipe.inbox.length === 0) this.gone.delete(pipe);
    }
    if (pipe.inbox.length === 0) {
      pipe.inReadable = false;
      this.readable.remove(pipe, pipe.recvPriority);
    } else {
      this.readable.advance();
    }
    if (this.paused.size > 0 && this.paused.has(pipe) && pipe.inboxBytes < this.host.options.recvBuffer / 2) {
      this.paused.delete(pipe);
      pipe.resumeReading();
    }
    return payload;
  }

  /** The pipe the last `shift()` took its message from. */
  from: Pipe | undefined;

  get hasMessages(): boolean {
    return !this.readable.isEmpty;
  }

  /**
   * A pipe went away. Messages it already delivered stay receivable (a peer that sends and
   * exits at once must not lose them), up to recvBuffer bytes for all gone pipes together, so
   * that peers connecting, sending and leaving cannot make the socket hold more and more;
   * beyond that a gone pipe's messages are dropped, as nanomsg drops what a removed pipe held.
   */
  detach(pipe: Pipe): void {
    this.paused.delete(pipe);
    if (pipe.inboxBytes === 0) return;
    if (this.goneBytes + pipe.inboxBytes > this.host.options.recvBuffer) return this.discard(pipe);
    this.gone.add(pipe);
    this.goneBytes += pipe.inboxBytes;
  }

  /** Drop every message held for `pipe` (a SUB unsubscribing, a REQ cancelling). */
  discard(pipe: Pipe): void {
    if (this.gone.delete(pipe)) this.goneBytes -= pipe.inboxBytes;
    pipe.inbox.clear();
    pipe.inboxBytes = 0;
    if (pipe.inReadable) {
      pipe.inReadable = false;
      this.readable.remove(pipe, pipe.recvPriority);
    }
    if (this.paused.delete(pipe)) pipe.resumeReading();
  }
}
