/**
 * SURVEYOR, cooked (nanomsg's surveyor; NNG's surv0 contexts). Each context runs its own
 * survey: an id, a deadline (surveyDeadline) and a queue of the responses carrying that id.
 * A survey goes to every respondent that can take it now; when its deadline passes the next
 * receive fails with ETIMEDOUT and later ones with EFSM until the next survey. A new survey
 * cancels only its own context's old one, whose late responses are never delivered.
 * The socket's own context queues responses per pipe and stops reading a pipe whose queue is
 * full, as nanomsg does; a context opened with `context()` has one queue, and responses beyond
 * recvBuffer bytes waiting in it are dropped (best effort, as NNG; one is always taken).
 * Raw SURVEYOR is in raw-requester.ts.
 */
import type { Bytes } from '../bytes.js';
import { spError, type SpError } from '../errors.js';
import { Message } from '../message.js';
import type { Pipe } from '../pipe.js';
import { Queue } from '../queue.js';
import { idHeader, IdSequence, leadingId } from './backtrace.js';
import { Distributor } from './distributor.js';
import { FairQueue } from './fair-queue.js';
import { PROTOCOL_IDS } from './ids.js';
import { PipeState, PipeStates, type PipeEvents } from './pipe-state.js';
import type { ContextHost, Protocol, ProtocolContext, ProtocolFactory, ProtocolHost, ProtocolInfo } from './protocol.js';
import { RawRequester } from './raw-requester.js';

const info: ProtocolInfo = {
  name: 'surveyor',
  id: PROTOCOL_IDS.surveyor,
  peer: PROTOCOL_IDS.respondent,
  canSend: true,
  canRecv: true,
  contexts: true,
};

type SurveyState = 'none' | 'active' | 'expired';

class SurveyContext implements ProtocolContext {
  state: SurveyState = 'none';
  id = 0;
  timer: ReturnType<typeof setTimeout> | undefined;
  /** A user context's responses (the socket's own are in `inbound`, per pipe). */
  readonly responses = new Queue<Message>();
  responseBytes = 0;
  readonly expire = (): void => this.owner.expire(this);

  constructor(
    private readonly owner: Surveyor,
    readonly host: ContextHost,
    /** The socket's own context: per-pipe queues with back-pressure, as nanomsg's. */
    private readonly inbound?: FairQueue,
  ) {}

  send(body: Uint8Array): boolean {
    this.owner.start(this, body);
    return true;
  }

  recv(): Message | undefined {
    if (this.state === 'none') throw spError('EFSM', 'SURVEYOR has no survey going on: send a survey before receiving responses');
    if (this.state === 'expired') {
      this.state = 'none';
      this.drop();
      throw spError('ETIMEDOUT', `the survey's deadline (surveyDeadline ${this.host.options.surveyDeadline} ms) has passed`);
    }
    if (this.inbound) return this.fromPipes(this.inbound);
    const response = this.responses.shift();
    if (response) this.responseBytes -= response.body.length;
    return response;
  }

  /** The next response to the running survey; older ones still queued are skipped. */
  private fromPipes(inbound: FairQueue): Message | undefined {
    for (let payload = inbound.shift(); payload; payload = inbound.shift()) {
      if (leadingId(payload) !== this.id) continue;
      return Message.split(payload, 4, (inbound.from as PipeState).pipe.id);
    }
    return undefined;
  }

  /** Keep a response to the running survey. */
  offer(state: PipeState, payload: Bytes, limit: number): void {
    if (this.inbound) return this.inbound.push(state, payload);
    if (this.responses.length > 0 && this.responseBytes + payload.length > limit) return;
    this.responses.push(Message.split(payload, 4, state.pipe.id));
    this.responseBytes += payload.length - 4;
    if (this.responses.length === 1) this.host.readable();
  }

  pollIn(): boolean {
    // with no survey going on, a receive fails at once: nanomsg reports IN so a poller wakes
    return (this.inbound ? this.inbound.hasMessages : this.responses.length > 0) || this.state !== 'active';
  }

  pollOut(): boolean {
    return true;
  }

  /** Forget the queued responses. */
  drop(): void {
    this.responses.clear();
    this.responseBytes = 0;
  }

  close(): void {
    this.owner.cancel(this);
  }
}

class Surveyor implements Protocol, PipeEvents {
  readonly info = info;
  readonly context: SurveyContext;
  private readonly out = new Distributor();
  private readonly states = new PipeStates<PipeState>();
  /** Contexts by the id of their running survey. */
  private readonly surveys = new Map<number, SurveyContext>();
  private readonly ids = new IdSequence();
  private readonly inbound: FairQueue;

  constructor(
    private readonly host: ProtocolHost,
    context: ContextHost,
  ) {
    this.inbound = new FairQueue(host, () => context.readable());
    this.context = new SurveyContext(this, context, this.inbound);
  }

  openContext(host: ContextHost): ProtocolContext {
    return new SurveyContext(this, host);
  }

  attach(pipe: Pipe): SpError | undefined {
    this.out.add(this.states.add(new PipeState(pipe, this)).pipe);
    return undefined;
  }

  detach(pipe: Pipe): void {
    const state = this.states.remove(pipe);
    if (!state) return;
    this.out.remove(pipe);
    this.inbound.detach(state);
  }

  received(state: PipeState, payload: Bytes): void {
    const id = leadingId(payload);
    if (id < 0) {
      this.host.stats.droppedMessages++;
      return;
    }
    // a response to a survey that expired or was replaced is dropped, as nanomsg does
    this.surveys.get(id)?.offer(state, payload, this.host.options.recvBuffer);
  }

  drained(state: PipeState): void {
    this.out.drained(state.pipe);
  }

  start(ctx: SurveyContext, body: Uint8Array): void {
    const replaced = ctx.state === 'active';
    this.cancel(ctx);
    if (replaced && !ctx.host.isDefault) ctx.host.cancelRecv(spError('ECANCELED', 'a new survey on this context replaced the one the receive waited for'));
    ctx.id = this.ids.take();
    ctx.state = 'active';
    this.surveys.set(ctx.id, ctx);
    this.out.send(idHeader(ctx.id), body);
    ctx.timer = setTimeout(ctx.expire, ctx.host.options.surveyDeadline);
  }

  expire(ctx: SurveyContext): void {
    ctx.timer = undefined;
    this.surveys.delete(ctx.id);
    ctx.state = 'expired';
    ctx.drop(); // nothing may be received from it now: the next receive is ETIMEDOUT
    // wake a blocked receive so that it fails with ETIMEDOUT now
    ctx.host.readable();
  }

  cancel(ctx: SurveyContext): void {
    clearTimeout(ctx.timer);
    ctx.timer = undefined;
    this.surveys.delete(ctx.id);
    ctx.state = 'none';
    ctx.drop();
  }

  close(): void {
    for (const ctx of [...this.surveys.values()]) this.cancel(ctx);
    clearTimeout(this.context.timer);
  }
}

export const surveyor: ProtocolFactory = {
  info,
  create: (host, raw, context) => (raw ? new RawRequester(info, host, 'all') : new Surveyor(host, context)),
};
