/**
 * REP and RESPONDENT (nanomsg's rep/xrep, respondent/xrespondent; NNG's rep0/respond0
 * contexts), which behave alike: requests are fair-queued and taken by whichever context
 * receives next; each carries a backtrace that must end in an id (else it is dropped) within
 * maxTtl words (else dropped). A context keeps the backtrace and pipe of the request it
 * received last, and its one reply goes back down that pipe; a reply whose pipe is gone or
 * full is dropped and the send still succeeds, as nanomsg and NNG both do.
 * Raw: the header handed up is [pipe key][backtrace], and a raw send routes on that key.
 */
import { allocBytes, readU32, writeU32, type Bytes } from '../bytes.js';
import { spError, type SpError } from '../errors.js';
import { Message } from '../message.js';
import type { Pipe } from '../pipe.js';
import { backtraceLength } from './backtrace.js';
import { FairQueue } from './fair-queue.js';
import { PROTOCOL_IDS } from './ids.js';
import { PipeState, PipeStates, type PipeEvents } from './pipe-state.js';
import type { ContextHost, Protocol, ProtocolContext, ProtocolFactory, ProtocolHost, ProtocolInfo } from './protocol.js';

class ResponderContext implements ProtocolContext {
  /** Where the reply to the last received request goes (cooked). */
  replyTo: PipeState | undefined;
  replyTrace: Bytes | undefined;
  readonly sharedQueue = true;

  constructor(
    private readonly owner: Responder,
    readonly host: ContextHost,
  ) {}

  recv(): Message | undefined {
    return this.owner.take(this);
  }

  send(body: Uint8Array, header: Uint8Array): boolean {
    this.owner.reply(this, body, header);
    return true;
  }

  pollIn(): boolean {
    return this.owner.hasRequests;
  }

  pollOut(): boolean {
    return this.owner.raw || this.replyTrace !== undefined;
  }

  close(): void {
    this.replyTo = undefined;
    this.replyTrace = undefined;
  }
}

class Responder implements Protocol, PipeEvents {
  readonly context: ResponderContext;
  private readonly inbound: FairQueue;
  private readonly states = new PipeStates<PipeState>();

  constructor(
    readonly info: ProtocolInfo,
    private readonly host: ProtocolHost,
    readonly raw: boolean,
    context: ContextHost,
  ) {
    this.inbound = new FairQueue(host);
    this.context = new ResponderContext(this, context);
  }

  get hasRequests(): boolean {
    return this.inbound.hasMessages;
  }

  openContext(host: ContextHost): ProtocolContext {
    return new ResponderContext(this, host);
  }

  attach(pipe: Pipe): SpError | undefined {
    this.states.add(new PipeState(pipe, this));
    return undefined;
  }

  detach(pipe: Pipe): void {
    const state = this.states.remove(pipe);
    if (state) this.inbound.detach(state);
  }

  received(state: PipeState, payload: Bytes): void {
    if (backtraceLength(payload, this.host.options.maxTtl) < 0) {
      this.host.stats.droppedMessages++;
      return;
    }
    this.inbound.push(state, payload);
  }

  drained(): void {}

  /** The next request for `ctx`, which now owes its reply (cooked). */
  take(ctx: ResponderContext): Message | undefined {
    // nanomsg's rep.c: every receive cancels the unanswered request, even one that finds nothing
    ctx.replyTo = undefined;
    ctx.replyTrace = undefined;
    for (let payload = this.inbound.shift(); payload; payload = this.inbound.shift()) {
      const state = this.inbound.from as PipeState;
      const length = backtraceLength(payload, this.host.options.maxTtl);
      if (length < 0) {
        this.host.stats.droppedMessages++; // maxTtl was lowered after it arrived
        continue;
      }
      const trace = payload.subarray(0, length);
      const body = payload.subarray(length);
      if (!this.raw) {
        ctx.replyTo = state;
        ctx.replyTrace = trace;
        return new Message(body, trace, state.pipe.id);
      }
      const header = allocBytes(4 + length);
      writeU32(header, 0, state.pipe.id);
      header.set(trace, 4);
      return new Message(body, header, state.pipe.id);
    }
    return undefined;
  }

  reply(ctx: ResponderContext, body: Uint8Array, header: Uint8Array): void {
    let state: PipeState | undefined;
    let trace: Uint8Array;
    if (this.raw) {
      if (header.length < 4) return; // no pipe key: dropped, as nanomsg's xrep does
      state = this.states.byPipeId(readU32(header, 0));
      trace = header.subarray(4);
    } else {
      if (!ctx.replyTrace) {
        throw spError('EFSM', `${this.info.name.toUpperCase()} has no ${this.info.name === 'rep' ? 'request' : 'survey'} to answer: receive one before sending`);
      }
      state = ctx.replyTo;
      trace = ctx.replyTrace;
      ctx.replyTo = undefined;
      ctx.replyTrace = undefined;
    }
    // gone or full: the reply is dropped and the send still succeeds (nanomsg, NNG)
    if (state && state.attached && state.pipe.writable) state.pipe.send(trace, body);
  }

  close(): void {}
}

function responderFactory(info: ProtocolInfo): ProtocolFactory {
  return { info, create: (host, raw, context) => new Responder(info, host, raw, context) };
}

export const rep = responderFactory({ name: 'rep', id: PROTOCOL_IDS.rep, peer: PROTOCOL_IDS.req, canSend: true, canRecv: true, contexts: true });
export const respondent = responderFactory({
  name: 'respondent',
  id: PROTOCOL_IDS.respondent,
  peer: PROTOCOL_IDS.surveyor,
  canSend: true,
  canRecv: true,
  contexts: true,
});
