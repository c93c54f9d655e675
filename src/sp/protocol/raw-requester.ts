/**
 * Raw REQ and raw SURVEYOR (nanomsg's xreq and xsurveyor), used by devices: requests or
 * surveys go out with their header as given — REQ's to one peer by load balancing (blocking
 * while none can take it), SURVEYOR's to every peer — and each reply or response keeps its
 * first word (the id) as its header; one shorter than that is dropped and counted.
 */
import type { Bytes } from '../bytes.js';
import { Message } from '../message.js';
import { SingleContextProtocol } from './base.js';
import { Distributor } from './distributor.js';
import { FairQueue } from './fair-queue.js';
import { LoadBalancer } from './load-balancer.js';
import type { PipeState } from './pipe-state.js';
import type { ProtocolHost, ProtocolInfo } from './protocol.js';

export class RawRequester extends SingleContextProtocol {
  private readonly inbound: FairQueue;
  private readonly one: LoadBalancer | undefined;
  private readonly all: Distributor | undefined;

  /** `to`: 'one' peer per request (REQ) or 'all' of them (SURVEYOR). */
  constructor(info: ProtocolInfo, host: ProtocolHost, to: 'one' | 'all') {
    super(info, host, true);
    this.inbound = new FairQueue(host);
    if (to === 'one') this.one = new LoadBalancer(host, true);
    else this.all = new Distributor();
  }

  protected added(state: PipeState): void {
    if (this.one) {
      this.one.add(state);
      this.host.writable();
    } else this.all?.add(state.pipe);
  }

  protected removed(state: PipeState): void {
    this.one?.remove(state);
    this.all?.remove(state.pipe);
    this.inbound.detach(state);
  }

  received(state: PipeState, payload: Bytes): void {
    if (payload.length < 4) return this.dropMalformed();
    this.inbound.push(state, payload);
  }

  override drained(state: PipeState): void {
    if (!this.one) return this.all?.drained(state.pipe);
    this.one.add(state);
    this.host.writable();
  }

  override send(body: Uint8Array, header: Uint8Array): boolean {
    if (this.one) return this.one.send(header, body) !== undefined;
    this.all?.send(header, body);
    return true;
  }

  override recv(): Message | undefined {
    const payload = this.inbound.shift();
    if (!payload) return undefined;
    return Message.split(payload, 4, (this.inbound.from as PipeState).pipe.id);
  }

  override pollIn(): boolean {
    return this.inbound.hasMessages;
  }

  override pollOut(): boolean {
    return this.one ? this.one.canSend : true;
  }
}
