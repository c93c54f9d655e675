/**
 * Protocols with one context only (PAIR, PUSH, PULL, PUB, BUS, and every raw socket): the
 * protocol is its own default context. What they do alike: remember the host, refuse what
 * the type cannot do, count malformed messages.
 */
import type { Bytes } from '../bytes.js';
import { spError, type SpError } from '../errors.js';
import type { Message } from '../message.js';
import type { Pipe } from '../pipe.js';
import { PipeState, PipeStates, type PipeEvents } from './pipe-state.js';
import type { ContextHost, Protocol, ProtocolContext, ProtocolHost, ProtocolInfo } from './protocol.js';

export abstract class SingleContextProtocol implements Protocol, ProtocolContext, PipeEvents {
  protected readonly states = new PipeStates<PipeState>();
  readonly sharedQueue = true;

  constructor(
    readonly info: ProtocolInfo,
    protected readonly host: ProtocolHost,
    protected readonly raw: boolean,
  ) {}

  get context(): ProtocolContext {
    return this;
  }

  attach(pipe: Pipe): SpError | undefined {
    this.added(this.states.add(new PipeState(pipe, this)));
    return undefined;
  }

  detach(pipe: Pipe): void {
    const state = this.states.remove(pipe);
    if (state) this.removed(state);
  }

  /** A pipe was attached (its state is its sink). */
  protected abstract added(state: PipeState): void;
  /** A pipe went away. */
  protected abstract removed(state: PipeState): void;

  abstract received(state: PipeState, payload: Bytes): void;

  drained(_state: PipeState): void {}

  openContext(_host: ContextHost): ProtocolContext {
    throw spError('ENOTSUP', `${this.raw ? 'raw ' : ''}${this.info.name.toUpperCase()} sockets have no contexts`);
  }

  send(_body: Uint8Array, _header: Uint8Array): boolean {
    throw spError('ENOTSUP', `${this.info.name.toUpperCase()} sockets cannot send`);
  }

  recv(): Message | undefined {
    throw spError('ENOTSUP', `${this.info.name.toUpperCase()} sockets cannot receive`);
  }

  pollIn(): boolean {
    return false;
  }

  pollOut(): boolean {
    return false;
  }

  /** A message from a peer broke the protocol's header rules (or its hop limit): drop, count. */
  protected dropMalformed(): void {
    this.host.stats.droppedMessages++;
  }

  close(): void {}
}
