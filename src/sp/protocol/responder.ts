/**
 * REP and RESPONDENT (nanomsg's rep/xrep, respondent/xrespondent), which behave alike:
 * requests are fair-queued; each carries a backtrace that must end in an id (else it is
 * dropped) within maxTtl words (else dropped); the reply goes back down the pipe the request
 * came from, and is dropped silently if that pipe is gone or full, as nanomsg does.
 * Raw: the header handed up is [pipe key][backtrace], and a raw send routes on that key.
 */
import { spError, type SpError } from '../errors.js';
import type { Pipe } from '../pipe.js';
import { BaseProtocol } from './base.js';
import { backtraceLength } from './backtrace.js';
import { FairQueue } from './fair-queue.js';
import { PROTOCOL_IDS } from './ids.js';
import type { ProtocolFactory, ProtocolHost, ProtocolInfo } from './protocol.js';

class Responder extends BaseProtocol {
  private readonly inbound: FairQueue;
  /** Pipes by key (the pipe id, 31 bits) for raw sends. */
  private readonly pipes = new Map<number, Pipe>();
  /** Where the reply to the last received request goes (cooked). */
  private replyTo: Pipe | undefined;
  private replyTrace: Buffer | undefined;

  constructor(info: ProtocolInfo, host: ProtocolHost, raw: boolean) {
    super(info, host, raw);
    this.inbound = new FairQueue(host);
  }

  attach(pipe: Pipe): SpError | undefined {
    pipe.sink = this;
    this.pipes.set(pipe.id, pipe);
    return undefined;
  }

  detach(pipe: Pipe): void {
    this.pipes.delete(pipe.id);
    this.inbound.detach(pipe);
  }

  pipeMessage(pipe: Pipe, payload: Buffer): void {
    if (backtraceLength(payload, this.host.options.maxTtl) < 0) return this.dropMalformed();
    this.inbound.push(pipe, payload);
  }

  override recv(): Buffer | undefined {
    // nanomsg's rep.c: every receive cancels the unanswered request, even one that finds nothing
    this.replyTo = undefined;
    this.replyTrace = undefined;
    for (let payload = this.inbound.shift(); payload; payload = this.inbound.shift()) {
      const pipe = this.inbound.from as Pipe;
      const length = backtraceLength(payload, this.host.options.maxTtl);
      if (length < 0) {
        this.dropMalformed(); // maxTtl was lowered after it arrived
        continue;
      }
      const trace = payload.subarray(0, length);
      if (this.raw) {
        const header = Buffer.allocUnsafe(4 + length);
        header.writeUInt32BE(pipe.id, 0);
        trace.copy(header, 4);
        this.recvHeader = header;
      } else {
        this.replyTo = pipe;
        this.replyTrace = trace;
        this.recvHeader = trace;
      }
      return payload.subarray(length);
    }
    return undefined;
  }

  override send(body: Buffer, header: Buffer): boolean {
    let pipe: Pipe | undefined;
    let trace: Buffer;
    if (this.raw) {
      if (header.length < 4) return true; // no pipe key: dropped, as nanomsg's xrep does
      pipe = this.pipes.get(header.readUInt32BE(0));
      trace = header.subarray(4);
    } else {
      if (!this.replyTrace) {
        throw spError('EFSM', `${this.info.name.toUpperCase()} has no ${this.info.name === 'rep' ? 'request' : 'survey'} to answer: receive one before sending`);
      }
      pipe = this.replyTo;
      trace = this.replyTrace;
      this.replyTo = undefined;
      this.replyTrace = undefined;
    }
    // gone or full: the reply is dropped and the send still succeeds (nanomsg)
    if (pipe && this.pipes.has(pipe.id) && pipe.writable) pipe.send(trace, body);
    return true;
  }

  override pollIn(): boolean {
    return this.inbound.hasMessages;
  }

  override pollOut(): boolean {
    return this.raw || this.replyTrace !== undefined;
  }
}

function responderFactory(info: ProtocolInfo): ProtocolFactory {
  return { info, create: (host, raw) => new Responder(info, host, raw) };
}

export const rep = responderFactory({ name: 'rep', id: PROTOCOL_IDS.rep, peer: PROTOCOL_IDS.req, canSend: true, canRecv: true });
export const respondent = responderFactory({
  name: 'respondent',
  id: PROTOCOL_IDS.respondent,
  peer: PROTOCOL_IDS.surveyor,
  canSend: true,
  canRecv: true,
});
