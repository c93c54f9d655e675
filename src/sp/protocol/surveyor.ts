/**
 * SURVEYOR, cooked (nanomsg's surveyor; NNG's surv0 contexts). Each context runs its own
 * survey: an id, a deadline (surveyDeadline) and a queue of the responses carrying that id.
 * A survey goes to every respondent that can take it now; when its deadline passes the next
 * receive fails with ETIMEDOUT and later ones with EFSM until the next survey. A new survey
 * cancels only its own context's old one, whose late responses are never delivered.
 * Responses are best effort (as in NNG): beyond recvBuffer bytes queued on one context they
 * are dropped. Raw SURVEYOR is in raw-requester.ts.
 */
import type { Bytes } from '../bytes.js';
import { spError, type SpError } from '../errors.js';
import { Message } from '../message.js';
import type { Pipe } from '../pipe.js';
import { Queue } from '../queue.js';
import { idHeader, IdSequence, leadingId } from './backtrace.js';
import { Distributor } from './distributor.js';
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
  readonly responses = new Queue<Message>();
  responseBytes = 0;
  readonly expire = (): void => this.owner.expire(this);

  constructor(
    private readonly owner: Surveyor,
    readonly host: ContextHost,
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
    const response = this.responses.shift();
    if (response) this.responseBytes -= response.body.length;
    return response;
  }

  pollIn(): boolean {
    // with no survey going on, a receive fails at once: nanomsg reports IN so a poller wakes
    return this.responses.length > 0 || this.state !== 'active';
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

  constructor(
    private readonly host: ProtocolHost,
    context: ContextHost,
  ) {
    this.context = new SurveyContext(this, context);
  }

  openContext(host: ContextHost): ProtocolContext {
    return new SurveyContext(this, host);
  }

  attach(pipe: Pipe): SpError | undefined {
    this.out.add(this.states.add(new PipeState(pipe, this)).pipe);
    return undefined;
  }

  detach(pipe: Pipe): void {
    if (this.states.remove(pipe)) this.out.remove(pipe);
  }

  received(state: PipeState, payload: Bytes): void {
    const id = leadingId(payload);
    if (id < 0) {
      this.host.stats.droppedMessages++;
      return;
    }
    const ctx = this.surveys.get(id);
    if (!ctx || ctx.responseBytes + payload.length > this.host.options.recvBuffer) return;
    ctx.responses.push(new Message(payload.subarray(4), payload.subarray(0, 4), state.pipe.id));
    ctx.responseBytes += payload.length - 4;
    if (ctx.responses.length === 1) ctx.host.readable();
  }

  drained(): void {}

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
