/**
 * Receiving from many pipes (nanomsg's fq): each pipe keeps its own inbox; the user receives
 * from the readable pipes of the highest receive priority in turn, one message each. A pipe
 * whose inbox reaches recvBuffer bytes stops being read until the user catches up, so a fast
 * sender is slowed down instead of filling memory.
 */
import { EMPTY_BYTES, type Bytes } from '../bytes.js';
import { Message } from '../message.js';
import type { PipeState } from './pipe-state.js';
import { PriorityList } from './priority-list.js';
import type { ProtocolHost } from './protocol.js';

export class FairQueue<S extends PipeState = PipeState> {
  private readonly readable = new PriorityList<S>();
  private readonly paused = new Set<S>();
  /** Pipes that went away with messages still to be received, and those messages' bytes. */
  private readonly gone = new Set<S>();
  private goneBytes = 0;
  /** The pipe the last `shift()` took its message from. */
  from: S | undefined;
  /** Whether a full inbox stops its pipe being read; else what arrives for it is dropped. */
  private pausing = true;

  /** `wake`: told when the queue goes from empty to not empty (the socket's readable). */
  constructor(
    private readonly host: ProtocolHost,
    private readonly wake: () => void = () => host.readable(),
  ) {}

  /** Keep a message read from `state`'s pipe for the user (or drop it: full, and not pausing). */
  push(state: S, payload: Bytes): void {
    if (!this.pausing && state.inboxBytes >= this.host.options.recvBuffer) return;
    state.inbox.push(payload);
    state.inboxBytes += payload.length;
    if (!state.inReadable) {
      state.inReadable = true;
      this.readable.add(state, state.pipe.recvPriority);
      this.wake();
    }
    if (this.pausing && state.inboxBytes >= this.host.options.recvBuffer && !this.paused.has(state)) {
      this.paused.add(state);
      state.pipe.pauseReading();
    }
  }

  /** The next message in turn (its pipe in `from`), or undefined. */
  shift(): Bytes | undefined {
    const state = this.readable.peek();
    if (!state) return undefined;
    const payload = state.inbox.shift() ?? EMPTY_BYTES;
    this.from = state;
    state.inboxBytes -= payload.length;
    if (this.gone.size > 0 && this.gone.has(state)) {
      this.goneBytes -= payload.length;
      if (state.inbox.length === 0) this.gone.delete(state);
    }
    if (state.inbox.length === 0) {
      state.inReadable = false;
      this.readable.remove(state, state.pipe.recvPriority);
    } else {
      this.readable.advance();
    }
    if (this.paused.size > 0 && this.paused.has(state) && state.inboxBytes < this.host.options.recvBuffer / 2) {
      this.paused.delete(state);
      state.pipe.resumeReading();
    }
    return payload;
  }

  /** shift()'s payload as a Message that names its pipe, for a protocol with no SP header (PAIR v0, PULL, SUB). */
  shiftMessage(): Message | undefined {
    const payload = this.shift();
    return payload && new Message(payload, undefined, (this.from as S).pipe.id);
  }

  /** Bytes held for `state`'s pipe that count against its recvBuffer (none while not pausing). */
  heldBytes(state: S): number {
    return this.pausing ? state.inboxBytes : 0;
  }

  /**
   * Stop (or start again) pausing pipes whose inbox is full, dropping instead: a pipe that
   * others read from too (SUB contexts) must not stop for this queue's reader. Paused pipes
   * resume at once.
   */
  setPausing(pausing: boolean): void {
    this.pausing = pausing;
    if (pausing) return;
    for (const state of this.paused) state.pipe.resumeReading();
    this.paused.clear();
  }

  get hasMessages(): boolean {
    return !this.readable.isEmpty;
  }

  /**
   * A pipe went away. Messages it already delivered stay receivable (a peer that sends and
   * exits at once must not lose them), up to recvBuffer bytes for all gone pipes together, so
   * that peers connecting, sending and leaving cannot make the socket hold more and more;
   * beyond that a gone pipe's messages are dropped, as nanomsg drops what a removed pipe held.
   */
  detach(state: S): void {
    this.paused.delete(state);
    if (state.inboxBytes === 0) return;
    if (this.goneBytes + state.inboxBytes > this.host.options.recvBuffer) return this.discard(state);
    this.gone.add(state);
    this.goneBytes += state.inboxBytes;
  }

  /** Drop the held messages `keep` refuses (a SUB unsubscribing), from every pipe. */
  prune(keep: (payload: Bytes) => boolean): void {
    for (const state of this.readable.items()) {
      // counted by messages, not bytes: an empty message taken back frees no bytes
      const removed = state.inbox.filter(keep);
      if (removed.length === 0) continue;
      let freed = 0;
      for (const payload of removed) freed += payload.length;
      state.inboxBytes -= freed;
      if (this.gone.has(state)) {
        this.goneBytes -= freed;
        if (state.inbox.length === 0) this.gone.delete(state);
      }
      if (state.inbox.length === 0) {
        state.inReadable = false;
        this.readable.remove(state, state.pipe.recvPriority);
      }
      if (this.paused.has(state) && state.inboxBytes < this.host.options.recvBuffer / 2) {
        this.paused.delete(state);
        state.pipe.resumeReading();
      }
    }
  }

  /** Drop every message held for `state`'s pipe. */
  discard(state: S): void {
    if (this.gone.delete(state)) this.goneBytes -= state.inboxBytes;
    state.inbox.clear();
    state.inboxBytes = 0;
    if (state.inReadable) {
      state.inReadable = false;
      this.readable.remove(state, state.pipe.recvPriority);
    }
    if (this.paused.delete(state)) state.pipe.resumeReading();
  }
}
