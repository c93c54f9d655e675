/**
 * PAIR v0 (nanomsg's pair/xpair): exactly one peer. A second connection finishes the SP
 * handshake and is then refused and closed, as nanomsg's nn_excl_add does (EISCONN); a
 * connecting peer keeps retrying. Raw PAIR behaves the same.
 */
import type { Bytes } from '../bytes.js';
import { spError, type SpError } from '../errors.js';
import { Message } from '../message.js';
import type { Pipe } from '../pipe.js';
import { SingleContextProtocol } from './base.js';
import { FairQueue } from './fair-queue.js';
import { PROTOCOL_IDS } from './ids.js';
import type { PipeState } from './pipe-state.js';
import type { ProtocolFactory, ProtocolHost, ProtocolInfo } from './protocol.js';

const info: ProtocolInfo = { name: 'pair', id: PROTOCOL_IDS.pair, peer: PROTOCOL_IDS.pair, canSend: true, canRecv: true, contexts: false };

class Pair extends SingleContextProtocol {
  private peer: PipeState | undefined;
  private readonly inbound: FairQueue;

  constructor(host: ProtocolHost, raw: boolean) {
    super(info, host, raw);
    this.inbound = new FairQueue(host);
  }

  override attach(pipe: Pipe): SpError | undefined {
    if (this.peer) return spError('EISCONN', `PAIR already has a peer (pipe ${this.peer.pipe.id}); the new connection is refused`);
    return super.attach(pipe);
  }

  protected added(state: PipeState): void {
    this.peer = state;
    this.host.writable();
  }

  protected removed(state: PipeState): void {
    if (this.peer !== state) return;
    this.peer = undefined;
    this.inbound.detach(state);
  }

  received(state: PipeState, payload: Bytes): void {
    this.inbound.push(state, payload);
  }

  override drained(state: PipeState): void {
    if (state === this.peer) this.host.writable();
  }

  override send(body: Uint8Array, header: Uint8Array): boolean {
    const pipe = this.peer?.pipe;
    if (!pipe || !pipe.writable) return false;
    pipe.send(header, body);
    return true;
  }

  override pollIn(): boolean {
    return this.inbound.hasMessages;
  }

  override pollOut(): boolean {
    return this.peer !== undefined && this.peer.pipe.writable;
  }

  /** send's own test, exactly. */
  cannotSendNow(): boolean {
    return !this.pollOut();
  }

  recvBody(): Bytes | undefined {
    return this.inbound.shift();
  }

  override recv(): Message | undefined {
    return this.inbound.shiftMessage();
  }
}

export const pair: ProtocolFactory = { info, create: (host, raw) => new Pair(host, raw) };
