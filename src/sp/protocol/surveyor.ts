/**
 * SURVEYOR (nanomsg's surveyor/xsurveyor). Cooked: a survey goes to every respondent that can
 * take it now; responses carrying its id are collected until surveyDeadline; then the first
 * receive fails with ETIMEDOUT and later ones with EFSM until the next survey. A new survey
 * cancels the old one, and late responses to it are never delivered. Raw: surveys are
 * broadcast with their header as given; responses keep their first word as the header.
 */
import { spError, type SpError } from '../errors.js';
import type { Pipe } from '../pipe.js';
import { BaseProtocol } from './base.js';
import { idHeader, IdSequence, leadingId } from './backtrace.js';
import { Distributor } from './distributor.js';
import { FairQueue } from './fair-queue.js';
import { PROTOCOL_IDS } from './ids.js';
import type { ProtocolFactory, ProtocolHost, ProtocolInfo } from './protocol.js';

const info: ProtocolInfo = {
  name: 'surveyor',
  id: PROTOCOL_IDS.surveyor,
  peer: PROTOCOL_IDS.respondent,
  canSend: true,
  canRecv: true,
};

type SurveyState = 'none' | 'active' | 'expired';

class Surveyor extends BaseProtocol {
  private readonly out = new Distributor();
  private readonly inbound: FairQueue;
  private readonly ids = new IdSequence();
  private state: SurveyState = 'none';
  private surveyId = 0;
  private deadline: NodeJS.Timeout | undefined;

  constructor(host: ProtocolHost, raw: boolean) {
    super(info, host, raw);
    this.inbound = new FairQueue(host);
    this.expire = this.expire.bind(this);
  }

  attach(pipe: Pipe): SpError | undefined {
    pipe.sink = this;
    this.out.add(pipe);
    return undefined;
  }

  detach(pipe: Pipe): void {
    this.out.remove(pipe);
    this.inbound.detach(pipe);
  }

  pipeMessage(pipe: Pipe, payload: Buffer): void {
    if (this.raw) {
      if (payload.length < 4) return this.dropMalformed();
      return this.inbound.push(pipe, payload);
    }
    const id = leadingId(payload);
    if (id < 0) return this.dropMalformed();
    if (this.state === 'active' && id === this.surveyId) this.inbound.push(pipe, payload);
  }

  override send(body: Buffer, header: Buffer): boolean {
    if (this.raw) {
      this.out.send(header, body);
      return true;
    }
    clearTimeout(this.deadline);
    this.surveyId = this.ids.take();
    this.state = 'active';
    this.out.send(idHeader(this.surveyId), body);
    this.deadline = setTimeout(this.expire, this.host.options.surveyDeadline);
    return true;
  }

  private expire(): void {
    this.state = 'expired';
    // wake a blocked receive so that it fails with ETIMEDOUT now
    this.host.readable();
  }

  override recv(): Buffer | undefined {
    if (!this.raw) {
      if (this.state === 'none') throw spError('EFSM', 'SURVEYOR has no survey going on: send a survey before receiving responses');
      if (this.state === 'expired') {
        this.state = 'none';
        throw spError('ETIMEDOUT', `the survey's deadline (surveyDeadline ${this.host.options.surveyDeadline} ms) has passed`);
      }
    }
    for (let payload = this.inbound.shift(); payload; payload = this.inbound.shift()) {
      if (payload.length < 4 || (!this.raw && leadingId(payload) !== this.surveyId)) continue;
      this.recvHeader = payload.subarray(0, 4);
      return payload.subarray(4);
    }
    return undefined;
  }

  override pollIn(): boolean {
    // with no survey going on, a receive fails at once: nanomsg reports IN so a poller wakes
    return this.inbound.hasMessages || (!this.raw && this.state !== 'active');
  }

  override pollOut(): boolean {
    return true;
  }

  override close(): void {
    clearTimeout(this.deadline);
  }
}

export const surveyor: ProtocolFactory = { info, create: (host, raw) => new Surveyor(host, raw) };
