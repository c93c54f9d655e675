/**
 * BUS (nanomsg's bus/xbus): every message to every directly connected peer that can take it
 * now (never back to the sender, never forwarded by a cooked node); receive is fair-queued.
 * Raw: a received message's header is the 4-byte id of the pipe it came from (as NNG; nanomsg
 * used a local pointer), and a raw send with such a header goes to every pipe but that one,
 * which is what lets a one-socket device rebroadcast without echo.
 */
import { spError, type SpError } from '../errors.js';
import { EMPTY } from '../message.js';
import type { Pipe } from '../pipe.js';
import { BaseProtocol } from './base.js';
import { idHeader } from './backtrace.js';
import { Distributor } from './distributor.js';
import { FairQueue } from './fair-queue.js';
import { PROTOCOL_IDS } from './ids.js';
import type { ProtocolFactory, ProtocolHost, ProtocolInfo } from './protocol.js';

const info: ProtocolInfo = { name: 'bus', id: PROTOCOL_IDS.bus, peer: PROTOCOL_IDS.bus, canSend: true, canRecv: true };

class Bus extends BaseProtocol {
  private readonly out = new Distributor();
  private readonly inbound: FairQueue;
  private readonly pipes = new Map<number, Pipe>();

  constructor(host: ProtocolHost, raw: boolean) {
    super(info, host, raw);
    this.inbound = new FairQueue(host);
  }

  attach(pipe: Pipe): SpError | undefined {
    pipe.sink = this;
    this.out.add(pipe);
    this.pipes.set(pipe.id, pipe);
    return undefined;
  }

  detach(pipe: Pipe): void {
    this.out.remove(pipe);
    this.pipes.delete(pipe.id);
    this.inbound.detach(pipe);
  }

  pipeMessage(pipe: Pipe, payload: Buffer): void {
    this.inbound.push(pipe, payload);
  }

  override send(body: Buffer, header: Buffer): boolean {
    if (!this.raw || header.length === 0) {
      this.out.send(EMPTY, body);
    } else if (header.length === 4) {
      this.out.send(EMPTY, body, this.pipes.get(header.readUInt32BE(0)));
    } else {
      throw spError('EINVAL', `a raw BUS header is empty or the 4-byte id of the pipe to leave out, got ${header.length} bytes`);
    }
    return true;
  }

  override recv(): Buffer | undefined {
    const payload = this.inbound.shift();
    if (payload && this.raw) this.recvHeader = idHeader((this.inbound.from as Pipe).id);
    return payload;
  }

  override pollIn(): boolean {
    return this.inbound.hasMessages;
  }

  override pollOut(): boolean {
    return true;
  }
}

export const bus: ProtocolFactory = { info, create: (host, raw) => new Bus(host, raw) };
