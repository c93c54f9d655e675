/**
 * A pipe: one live, handshaken connection to one peer, whatever the transport. Protocols see
 * only this: send a message if `writable`, take messages from `inbox`, pause reading when the
 * inbox is full. Transports subclass it; the socket core attaches it to a protocol.
 */
import type { SpError } from './errors.js';
import type { EndpointInfo, PipeCloseReason, PipeInfo } from './events.js';
import { Queue } from './queue.js';

/** Where a pipe delivers what it reads (the socket's protocol, once attached). */
export interface PipeSink {
  pipeMessage(pipe: Pipe, payload: Buffer): void;
  /** The pipe was not writable and now is. */
  pipeWritable(pipe: Pipe): void;
}

/** Who owns the pipe's life (its endpoint): told once when it ends, with why. */
export interface PipeOwner {
  pipeClosed(pipe: Pipe, reason: PipeCloseReason, error: SpError | undefined): void;
}

let nextPipeId = (Math.random() * 0x7fff_ffff) >>> 0;

/** Pipe ids are 31-bit, never 0, and start at a random value as the SP RFCs ask. */
function allocatePipeId(): number {
  nextPipeId = (nextPipeId + 1) & 0x7fff_ffff;
  if (nextPipeId === 0) nextPipeId = 1;
  return nextPipeId;
}

export abstract class Pipe implements PipeInfo {
  readonly id = allocatePipeId();
  sink: PipeSink | undefined;
  owner: PipeOwner | undefined;

  // Protocol state kept on the pipe itself, so the hot path needs no map lookups.
  /** Messages read from this peer and not yet received by the user. */
  readonly inbox = new Queue<Buffer>();
  /** Bytes in `inbox`. */
  inboxBytes = 0;
  /** Listed among the readable pipes of a fair queue. */
  inReadable = false;
  /** Listed among the writable pipes of a load balancer or distributor. */
  inWritable = false;
  /** Captured from the endpoint when it was made (NN_SNDPRIO / NN_RCVPRIO), 1 = highest. */
  sendPriority = 8;
  recvPriority = 8;

  protected closed = false;

  constructor(
    readonly endpoint: EndpointInfo,
    readonly remoteAddress: string,
  ) {}

  get isClosed(): boolean {
    return this.closed;
  }

  /** True while the pipe takes another message without exceeding its send buffer. */
  abstract get writable(): boolean;
  /** Queue one message (header, then body); callers check `writable` first. */
  abstract send(header: Buffer, body: Buffer): void;
  /** Stop reading from the peer (its inbox is full) / start again. */
  abstract pauseReading(): void;
  abstract resumeReading(): void;
  /** Begin delivering to `sink` (called once, after the protocol attached the pipe). */
  abstract run(): void;
  /**
   * Close from this side. With `lingerMs` > 0, queued output is flushed for up to that long
   * first (negative: for as long as it takes); resolves once the transport is released.
   */
  abstract close(lingerMs?: number): Promise<void>;

  /** For subclasses: report the end once, to the owner. */
  protected ended(reason: PipeCloseReason, error: SpError | undefined): void {
    if (this.closed) return;
    this.closed = true;
    const owner = this.owner;
    this.owner = undefined;
    owner?.pipeClosed(this, reason, error);
  }

  toJSON(): { id: number; endpoint: EndpointInfo; remoteAddress: string } {
    return { id: this.id, endpoint: this.endpoint, remoteAddress: this.remoteAddress };
  }
}
