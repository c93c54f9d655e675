/**
 * BUS (nanomsg's bus/xbus): every message to every directly connected peer that can take it
 * now (never back to the sender, never forwarded by a cooked node); receive is fair-queued.
 * Raw: a received message's header is the 4-byte id of the pipe it came from (as NNG; nanomsg
 * used a local pointer), and a raw send with such a header goes to every pipe but that one,
 * which is what lets a one-socket device rebroadcast without echo.
 */
import { EMPTY_BYTES, readU32, type Bytes } from '../bytes.js';
import { spError } from '../errors.js';
import { Message } from '../message.js';
import { SingleContextProtocol } from './base.js';
import { idHeader } from './backtrace.js';
import { Distributor } from './distributor.js';
import { FairQueue } from './fair-queue.js';
import { PROTOCOL_IDS } from './ids.js';
import type { PipeState } from './pipe-state.js';
import type { ProtocolFactory, ProtocolHost, ProtocolInfo } from './protocol.js';

const info: ProtocolInfo = { name: 'bus', id: PROTOCOL_IDS.bus, peer: PROTOCOL_IDS.bus, canSend: true, canRecv: true, contexts: false };

class Bus extends SingleContextProtocol {
  private readonly out = new Distributor();
  private readonly inbound: FairQueue;

  constructor(host: ProtocolHost, raw: boolean) {
    super(info, host, raw);
    this.inbound = new FairQueue(host);
  }

  protected added(state: PipeState): void {
    this.out.add(state.pipe);
  }

  protected removed(state: PipeState): void {
    this.out.remove(state.pipe);
    this.inbound.detach(state);
  }

  override drained(state: PipeState): void {
    this.out.drained(state.pipe);
  }

  received(state: PipeState, payload: Bytes): void {
    this.inbound.push(state, payload);
  }

  override send(body: Uint8Array, header: Uint8Array): boolean {
    if (!this.raw || header.length === 0) {
      this.out.send(EMPTY_BYTES, body);
    } else if (header.length === 4) {
      this.out.send(EMPTY_BYTES, body, this.states.byPipeId(readU32(header, 0))?.pipe);
    } else {
      throw spError('EINVAL', `a raw BUS header is empty or the 4-byte id of the pipe to leave out, got ${header.length} bytes`);
    }
    return true;
  }

  recvBody(): Bytes | undefined {
    return this.inbound.shift();
  }

  override recv(): Message | undefined {
    const payload = this.inbound.shift();
    if (!payload) return undefined;
    const pipe = (this.inbound.from as PipeState).pipe.id;
    return new Message(payload, this.raw ? idHeader(pipe) : undefined, pipe);
  }

  override pollIn(): boolean {
    return this.inbound.hasMessages;
  }

  override pollOut(): boolean {
    return true;
  }
}

export const bus: ProtocolFactory = { info, create: (host, raw) => new Bus(host, raw) };
