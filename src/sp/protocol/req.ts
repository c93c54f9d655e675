/**
 * REQ, cooked (nanomsg's req; NNG's req0 contexts). Each context has at most one request
 * outstanding, with its own id; the request is kept and sent as soon as a REP can take it
 * (REQ is always writable), sent again after the context's resendInterval, and at once
 * through another pipe when the pipe that carried it goes away. A reply is routed to its
 * context by id and to no other; a new request cancels the context's old one, whose late
 * replies are dropped. Raw REQ is in raw-requester.ts.
 *
 * Where NNG and nanomsg differ, a user context (not the socket's own) follows NNG: with
 * resendInterval 0 a request whose pipe goes away fails its receive with ECONNRESET (NNG's
 * req0_pipe_close); a new request that replaces one a receive waits for rejects that receive
 * with ECANCELED; a receive that gives up abandons its request. The socket keeps nanomsg's
 * behaviour: it resends on another pipe, and its receives wait for the current request.
 */
import { copyBytes, type Bytes } from '../bytes.js';
import { spError, type SpError } from '../errors.js';
import { LARGE_BODY, Message, shareBody } from '../message.js';
import type { Pipe } from '../pipe.js';
import { Queue } from '../queue.js';
import { idHeader, IdSequence, leadingId } from './backtrace.js';
import { PROTOCOL_IDS } from './ids.js';
import { LoadBalancer } from './load-balancer.js';
import { PipeState, PipeStates, type PipeEvents } from './pipe-state.js';
import type { ContextHost, Protocol, ProtocolContext, ProtocolFactory, ProtocolHost, ProtocolInfo } from './protocol.js';
import { RawRequester } from './raw-requester.js';

const info: ProtocolInfo = { name: 'req', id: PROTOCOL_IDS.req, peer: PROTOCOL_IDS.rep, canSend: true, canRecv: true, contexts: true };

/** A pipe, and the contexts whose request went out on it last. */
class ReqPipe extends PipeState {
  readonly carrying = new Set<ReqContext>();
}

interface Request {
  readonly id: number;
  readonly header: Bytes;
  readonly body: Uint8Array;
  /** The pipe it was last sent on; undefined while it waits for one. */
  pipe: ReqPipe | undefined;
  /** It went out at least once: before that, no reply can be its own (NNG drops one). */
  sent: boolean;
}

class ReqContext implements ProtocolContext {
  request: Request | undefined;
  /** The reply, once it came and until it is received. */
  reply: Message | undefined;
  /** Why the request failed (its pipe went away with resending off), until a receive reports it. */
  failure: SpError | undefined;
  /** Listed in the requests waiting for a writable pipe. */
  queued = false;
  timer: ReturnType<typeof setTimeout> | undefined;
  readonly resend = (): void => this.owner.resend(this);

  constructor(
    private readonly owner: Req,
    readonly host: ContextHost,
  ) {}

  send(body: Uint8Array): boolean {
    this.owner.start(this, body);
    return true;
  }

  recv(): Message | undefined {
    const reply = this.reply;
    if (reply) {
      this.reply = undefined;
      return reply;
    }
    const failure = this.failure;
    if (failure) {
      this.failure = undefined;
      throw failure;
    }
    if (!this.request) throw spError('EFSM', 'REQ has no request outstanding: send a request before receiving a reply');
    return undefined;
  }

  pollIn(): boolean {
    return this.reply !== undefined || this.failure !== undefined;
  }

  pollOut(): boolean {
    return true;
  }

  recvAbandoned(): void {
    // NNG: giving up on the reply aborts the request; its late reply must not surface later
    if (!this.host.isDefault) this.owner.cancel(this);
  }

  close(): void {
    this.owner.cancel(this);
  }
}

class Req implements Protocol, PipeEvents<ReqPipe> {
  readonly info = info;
  readonly context: ReqContext;
  private readonly out: LoadBalancer<ReqPipe>;
  private readonly states = new PipeStates<ReqPipe>();
  /** Contexts by the id of their outstanding request. */
  private readonly requests = new Map<number, ReqContext>();
  /** Contexts whose request waits for a writable pipe, in the order they asked. */
  private readonly waiting = new Queue<ReqContext>();
  private readonly ids = new IdSequence();

  constructor(
    private readonly host: ProtocolHost,
    context: ContextHost,
  ) {
    this.out = new LoadBalancer(host, true);
    this.context = new ReqContext(this, context);
  }

  openContext(host: ContextHost): ProtocolContext {
    return new ReqContext(this, host);
  }

  attach(pipe: Pipe): SpError | undefined {
    this.out.add(this.states.add(new ReqPipe(pipe, this)));
    this.flush();
    this.host.writable();
    return undefined;
  }

  detach(pipe: Pipe): void {
    const state = this.states.remove(pipe);
    if (!state) return;
    this.out.remove(state);
    for (const ctx of state.carrying) {
      (ctx.request as Request).pipe = undefined;
      // nanomsg's NN_REQ_ACTION_PIPE_RM: resend at once, without waiting for the timer
      if (ctx.host.options.resendInterval > 0 || ctx.host.isDefault) this.enqueue(ctx);
      else this.fail(ctx, spError('ECONNRESET', `the connection that carried the request went away and resending is off (resendInterval 0)`));
    }
    state.carrying.clear();
    this.flush();
  }

  received(state: ReqPipe, payload: Bytes): void {
    const id = leadingId(payload);
    if (id < 0) {
      this.host.stats.droppedMessages++;
      return;
    }
    // a reply to a cancelled or answered request is dropped silently, as nanomsg does
    const ctx = this.requests.get(id);
    if (!ctx || !(ctx.request as Request).sent) return;
    this.finish(ctx);
    ctx.reply = Message.split(payload, 4, state.pipe.id);
    ctx.host.readable();
  }

  drained(state: ReqPipe): void {
    this.out.add(state);
    this.flush();
    this.host.writable();
  }

  /** A new request on `ctx`, replacing whatever it had. */
  start(ctx: ReqContext, body: Uint8Array): void {
    const replaced = ctx.request !== undefined;
    this.cancel(ctx);
    if (replaced && !ctx.host.isDefault) ctx.host.cancelRecv(spError('ECANCELED', 'a new request on this context replaced the one the receive waited for'));
    const id = this.ids.take();
    // kept for resends: a copy, so the caller may reuse its buffer (large bodies already are
    // send's own), and shared, so that no inproc receiver takes it and no transport pools it
    shareBody(body);
    ctx.request = { id, header: idHeader(id), body: body.length < LARGE_BODY ? copyBytes(body) : body, pipe: undefined, sent: false };
    this.requests.set(id, ctx);
    this.enqueue(ctx);
    this.flush();
  }

  /** Forget `ctx`'s request, reply and failure. */
  cancel(ctx: ReqContext): void {
    if (ctx.request) this.finish(ctx);
    if (ctx.queued) {
      ctx.queued = false;
      this.waiting.remove(ctx);
    }
    ctx.reply = undefined;
    ctx.failure = undefined;
  }

  resend(ctx: ReqContext): void {
    const request = ctx.request;
    if (!request) return;
    request.pipe?.carrying.delete(ctx);
    request.pipe = undefined;
    this.enqueue(ctx);
    this.flush();
  }

  /** The request is answered or cancelled: no more resends, its id is free. */
  private finish(ctx: ReqContext): void {
    const request = ctx.request as Request;
    this.requests.delete(request.id);
    request.pipe?.carrying.delete(ctx);
    clearTimeout(ctx.timer);
    ctx.timer = undefined;
    ctx.request = undefined;
  }

  private fail(ctx: ReqContext, error: SpError): void {
    this.cancel(ctx);
    ctx.failure = error;
    ctx.host.readable();
  }

  private enqueue(ctx: ReqContext): void {
    if (ctx.queued) return;
    ctx.queued = true;
    this.waiting.push(ctx);
  }

  /** Send the waiting requests while pipes can take them (nanomsg's DELAYED state ends). */
  private flush(): void {
    const waiting = this.waiting;
    while (waiting.length > 0) {
      const ctx = waiting.peek() as ReqContext;
      const request = ctx.request;
      if (request && !request.pipe) {
        const state = this.out.send(request.header, request.body);
        if (!state) return;
        request.pipe = state;
        request.sent = true;
        state.carrying.add(ctx);
        clearTimeout(ctx.timer);
        const interval = ctx.host.options.resendInterval;
        // 0 turns timed resends off (NNG's rule; nanomsg would resend in a busy loop)
        ctx.timer = interval > 0 ? setTimeout(ctx.resend, interval) : undefined;
      }
      waiting.shift();
      ctx.queued = false;
    }
  }

  close(): void {
    for (const ctx of [...this.requests.values()]) this.cancel(ctx);
    this.waiting.clear();
  }
}

export const req: ProtocolFactory = {
  info,
  create: (host, raw, context) => (raw ? new RawRequester(info, host, 'one') : new Req(host, context)),
};
