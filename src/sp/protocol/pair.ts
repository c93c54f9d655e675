/**
 * PAIR v0 (nanomsg's pair/xpair): exactly one peer. A second connection finishes the SP
 * handshake and is then refused and closed, as nanomsg's nn_excl_add does (EISCONN); a
 * connecting peer keeps retrying. Raw PAIR behaves the same.
 */
import { spError, type SpError } from '../errors.js';
import type { Pipe } from '../pipe.js';
import { BaseProtocol } from './base.js';
import { FairQueue } from './fair-queue.js';
import { PROTOCOL_IDS } from './ids.js';
import type { ProtocolFactory, ProtocolHost, ProtocolInfo } from './protocol.js';

const info: ProtocolInfo = { name: 'pair', id: PROTOCOL_IDS.pair, peer: PROTOCOL_IDS.pair, canSend: true, canRecv: true };

class Pair extends BaseProtocol {
  private peer: Pipe | undefined;
  private readonly inbound: FairQueue;

  constructor(host: ProtocolHost, raw: boolean) {
    super(info, host, raw);
    this.inbound = new FairQueue(host);
  }

  attach(pipe: Pipe): SpError | undefined {
    if (this.peer) return spError('EISCONN', `PAIR already has a peer (pipe ${this.peer.id}); the new connection is refused`);
    this.peer = pipe;
    pipe.sink = this;
    this.host.writable();
    return undefined;
  }

  detach(pipe: Pipe): void {
    if (this.peer !== pipe) return;
    this.peer = undefined;
    this.inbound.detach(pipe);
  }

  pipeMessage(pipe: Pipe, payload: Buffer): void {
    this.inbound.push(pipe, payload);
  }

  override pipeWritable(pipe: Pipe): void {
    if (pipe === this.peer) this.host.writable();
  }

  override send(body: Buffer, header: Buffer): boolean {
    const peer = this.peer;
    if (!peer || !peer.writable) return false;
    peer.send(header, body);
    return true;
  }

  override pollIn(): boolean {
    return this.inbound.hasMessages;
  }

  override pollOut(): boolean {
    return this.peer !== undefined && this.peer.writable;
  }

  override recv(): Buffer | undefined {
    return this.inbound.shift();
  }
}

export const pair: ProtocolFactory = { info, create: (host, raw) => new Pair(host, raw) };
