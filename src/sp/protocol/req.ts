/**
 * REQ (nanomsg's req/xreq). Cooked: one request at a time with a request id; the request is
 * kept and sent as soon as a REP can take it (REQ is always writable), sent again after
 * resendInterval, and at once through another pipe when the pipe that carried it goes away;
 * a new request cancels the old one, whose late replies are dropped. Raw: requests go out by
 * load balancing with their header as given; replies keep their first word as the header.
 */
import { spError, type SpError } from '../errors.js';
import { LARGE_BODY } from '../message.js';
import type { Pipe } from '../pipe.js';
import { BaseProtocol } from './base.js';
import { idHeader, IdSequence, leadingId } from './backtrace.js';
import { FairQueue } from './fair-queue.js';
import { PROTOCOL_IDS } from './ids.js';
import { LoadBalancer } from './load-balancer.js';
import type { ProtocolFactory, ProtocolHost, ProtocolInfo } from './protocol.js';

const info: ProtocolInfo = { name: 'req', id: PROTOCOL_IDS.req, peer: PROTOCOL_IDS.rep, canSend: true, canRecv: true };

interface Request {
  readonly id: number;
  readonly header: Buffer;
  readonly body: Buffer;
  /** The pipe it was last sent on; undefined while it waits for one. */
  pipe: Pipe | undefined;
}

class Req extends BaseProtocol {
  private readonly out: LoadBalancer;
  private readonly inbound: FairQueue;
  private readonly ids = new IdSequence();
  private request: Request | undefined;
  private resendTimer: NodeJS.Timeout | undefined;

  constructor(host: ProtocolHost, raw: boolean) {
    super(info, host, raw);
    this.out = new LoadBalancer(host, true);
    this.inbound = new FairQueue(host);
    this.resend = this.resend.bind(this);
  }

  attach(pipe: Pipe): SpError | undefined {
    pipe.sink = this;
    this.out.add(pipe);
    this.sendRequest();
    this.host.writable();
    return undefined;
  }

  detach(pipe: Pipe): void {
    this.out.remove(pipe);
    this.inbound.detach(pipe);
    if (this.request?.pipe === pipe) {
      // nanomsg's NN_REQ_ACTION_PIPE_RM: resend at once, without waiting for the timer
      this.request.pipe = undefined;
      this.sendRequest();
    }
  }

  pipeMessage(pipe: Pipe, payload: Buffer): void {
    if (this.raw) {
      if (payload.length < 4) return this.dropMalformed();
      return this.inbound.push(pipe, payload);
    }
    const id = leadingId(payload);
    if (id < 0) return this.dropMalformed();
    // a reply to a cancelled or answered request is dropped silently, as nanomsg does
    if (this.request?.id === id) this.inbound.push(pipe, payload);
  }

  override pipeWritable(pipe: Pipe): void {
    this.out.add(pipe);
    this.sendRequest();
    this.host.writable();
  }

  override send(body: Buffer, header: Buffer): boolean {
    if (this.raw) return this.out.send(header, body) !== undefined;
    clearTimeout(this.resendTimer);
    const id = this.ids.take();
    // kept for resends: a copy, so the caller may reuse its buffer (large bodies already are one)
    this.request = { id, header: idHeader(id), body: body.length < LARGE_BODY ? Buffer.from(body) : body, pipe: undefined };
    this.sendRequest();
    return true;
  }

  /** Send the current request if it is not on a pipe yet and a pipe can take it. */
  private sendRequest(): void {
    const request = this.request;
    if (!request || request.pipe) return;
    const pipe = this.out.send(request.header, request.body);
    if (!pipe) return; // nanomsg's DELAYED state: it goes when a pipe becomes writable
    request.pipe = pipe;
    clearTimeout(this.resendTimer);
    const interval = this.host.options.resendInterval;
    // 0 turns timed resends off (NNG's rule; nanomsg would resend in a busy loop)
    this.resendTimer = interval > 0 ? setTimeout(this.resend, interval) : undefined;
  }

  private resend(): void {
    if (!this.request) return;
    this.request.pipe = undefined;
    this.sendRequest();
  }

  override recv(): Buffer | undefined {
    if (this.raw) {
      const payload = this.inbound.shift();
      if (!payload) return undefined;
      this.recvHeader = payload.subarray(0, 4);
      return payload.subarray(4);
    }
    const request = this.request;
    if (!request) throw spError('EFSM', 'REQ has no request outstanding: send a request before receiving a reply');
    for (let payload = this.inbound.shift(); payload; payload = this.inbound.shift()) {
      if (leadingId(payload) !== request.id) continue; // queued before the request was replaced
      clearTimeout(this.resendTimer);
      this.request = undefined;
      this.recvHeader = payload.subarray(0, 4);
      return payload.subarray(4);
    }
    return undefined;
  }

  override pollIn(): boolean {
    return (this.raw || this.request !== undefined) && this.inbound.hasMessages;
  }

  override pollOut(): boolean {
    return this.raw ? this.out.canSend : true;
  }

  override close(): void {
    clearTimeout(this.resendTimer);
    this.request = undefined;
  }
}

export const req: ProtocolFactory = { info, create: (host, raw) => new Req(host, raw) };
