/** PULL (nanomsg's xpull): fair-queues messages from every PUSH peer; cannot send. */
import type { SpError } from '../errors.js';
import type { Pipe } from '../pipe.js';
import { BaseProtocol } from './base.js';
import { FairQueue } from './fair-queue.js';
import { PROTOCOL_IDS } from './ids.js';
import type { ProtocolFactory, ProtocolHost, ProtocolInfo } from './protocol.js';

const info: ProtocolInfo = { name: 'pull', id: PROTOCOL_IDS.pull, peer: PROTOCOL_IDS.push, canSend: false, canRecv: true };

class Pull extends BaseProtocol {
  private readonly inbound: FairQueue;

  constructor(host: ProtocolHost, raw: boolean) {
    super(info, host, raw);
    this.inbound = new FairQueue(host);
  }

  attach(pipe: Pipe): SpError | undefined {
    pipe.sink = this;
    return undefined;
  }

  detach(pipe: Pipe): void {
    this.inbound.detach(pipe);
  }

  pipeMessage(pipe: Pipe, payload: Buffer): void {
    this.inbound.push(pipe, payload);
  }

  override pollIn(): boolean {
    return this.inbound.hasMessages;
  }

  override recv(): Buffer | undefined {
    return this.inbound.shift();
  }
}

export const pull: ProtocolFactory = { info, create: (host, raw) => new Pull(host, raw) };
