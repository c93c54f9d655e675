/**
 * A protocol's state for one pipe, installed as the pipe's sink: the messages read from it
 * and not yet received, and its place in the lists of readable and writable pipes. The
 * protocol owns it, so a transport's pipe carries no protocol fields and the hot path needs
 * no map lookup: the pipe hands each message straight to its state.
 */
import type { Bytes } from '../bytes.js';
import type { Pipe, PipeSink } from '../pipe.js';
import { Queue } from '../queue.js';

/** What a protocol does with its pipes' messages and drains. */
export interface PipeEvents<S extends PipeState = PipeState> {
  received(state: S, payload: Bytes): void;
  drained(state: S): void;
  /** Bytes that count against the pipe's recvBuffer; by default all of its inbox. */
  heldBytes?(state: S): number;
}

export class PipeState implements PipeSink {
  /** Messages read from this peer and not yet received by the user. */
  readonly inbox = new Queue<Bytes>();
  /** Bytes in `inbox`. */
  inboxBytes = 0;
  /** Listed among the readable pipes of a fair queue. */
  inReadable = false;
  /** Listed among the writable pipes of a load balancer. */
  inWritable = false;
  /** Cleared when the protocol detaches the pipe: replies to it are then dropped. */
  attached = true;

  constructor(
    readonly pipe: Pipe,
    // any: each protocol's events take its own subclass of PipeState, which is what it installs
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    private readonly events: PipeEvents<any>,
  ) {}

  get queuedBytes(): number {
    return this.events.heldBytes ? this.events.heldBytes(this) : this.inboxBytes;
  }

  pipeMessage(_pipe: Pipe, payload: Bytes): void {
    this.events.received(this, payload);
  }

  pipeWritable(): void {
    this.events.drained(this);
  }
}

/** Each protocol's states by pipe, for attach and detach (never on the hot path). */
export class PipeStates<S extends PipeState> {
  private readonly byPipe = new Map<Pipe, S>();
  private readonly byId = new Map<number, S>();

  get size(): number {
    return this.byPipe.size;
  }

  add(state: S): S {
    this.byPipe.set(state.pipe, state);
    this.byId.set(state.pipe.id, state);
    state.pipe.sink = state;
    return state;
  }

  /** Forget `pipe`; its state, or undefined if it was never attached. */
  remove(pipe: Pipe): S | undefined {
    const state = this.byPipe.get(pipe);
    if (!state) return undefined;
    this.byPipe.delete(pipe);
    this.byId.delete(pipe.id);
    state.attached = false;
    return state;
  }

  byPipeId(id: number): S | undefined {
    return this.byId.get(id);
  }

  values(): IterableIterator<S> {
    return this.byPipe.values();
  }
}
