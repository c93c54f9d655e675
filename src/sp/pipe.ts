/**
 * A pipe: one live, handshaken connection to one peer, whatever the transport. Protocols see
 * only this: send a message if `writable`, receive what the pipe hands its sink, pause reading
 * when they hold enough of its messages. Transports subclass it; the socket core attaches it
 * to a protocol, which keeps its own per-pipe state in the sink it installs.
 */
import type { Bytes } from './bytes.js';
import type { SpError } from './errors.js';
import type { EndpointInfo, PipeCloseReason, PipeInfo } from './events.js';
import { PipeStats } from './stats.js';

/** Where a pipe delivers what it reads: the protocol's state for this pipe, once attached. */
export interface PipeSink {
  pipeMessage(pipe: Pipe, payload: Bytes): void;
  /** The pipe was not writable and now is. */
  pipeWritable(pipe: Pipe): void;
  /**
   * Bytes the protocol holds from this pipe that the user has not received yet: a transport
   * that cannot stop its peer by itself (inproc) counts them toward recvBuffer.
   */
  readonly queuedBytes: number;
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
  /** Messages and bytes through this pipe, kept by its transport. */
  readonly stats = new PipeStats();
  sink: PipeSink | undefined;
  owner: PipeOwner | undefined;
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

  /** Bytes the protocol holds from this pipe (0 before it is attached). */
  protected get heldBytes(): number {
    return this.sink?.queuedBytes ?? 0;
  }

  /** True while the pipe takes another message without exceeding its send buffer. */
  abstract get writable(): boolean;
  /** Queue one message (header, then body); callers check `writable` first. */
  abstract send(header: Uint8Array, body: Uint8Array): void;
  /**
   * Stop reading from the peer (the protocol holds enough of its messages) / start again. A
   * transport that cannot stop its peer (a browser's WebSocket) keeps what arrives meanwhile
   * and hands it over on resume, counting it toward its own limit (and closing the pipe past it).
   */
  abstract pauseReading(): void;
  abstract resumeReading(): void;
  /** Begin delivering to `sink` (called once, after the protocol attached the pipe). */
  abstract run(): void;
  /**
   * Close from this side. With `lingerMs` > 0, queued output is flushed for up to that long
   * first (negative: for as long as it takes); resolves once the transport is released.
   */
  abstract close(lingerMs?: number): Promise<void>;

  /**
   * The protocol found that the peer broke its rules (a malformed header): the pipe ends as
   * broken — counted, reported to its endpoint — and is closed.
   */
  reject(error: SpError): void {
    if (this.closed) return;
    this.ended('broken', error);
    void this.close(0);
  }

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
