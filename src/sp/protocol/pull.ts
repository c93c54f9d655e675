/** PULL (nanomsg's xpull): fair-queues messages from every PUSH peer; cannot send. */
import type { Bytes } from '../bytes.js';
import { Message } from '../message.js';
import { SingleContextProtocol } from './base.js';
import { FairQueue } from './fair-queue.js';
import { PROTOCOL_IDS } from './ids.js';
import type { PipeState } from './pipe-state.js';
import type { ProtocolFactory, ProtocolHost, ProtocolInfo } from './protocol.js';

const info: ProtocolInfo = { name: 'pull', id: PROTOCOL_IDS.pull, peer: PROTOCOL_IDS.push, canSend: false, canRecv: true, contexts: false };

class Pull extends SingleContextProtocol {
  private readonly inbound: FairQueue;

  constructor(host: ProtocolHost, raw: boolean) {
    super(info, host, raw);
    this.inbound = new FairQueue(host);
  }

  protected added(): void {}

  protected removed(state: PipeState): void {
    this.inbound.detach(state);
  }

  received(state: PipeState, payload: Bytes): void {
    this.inbound.push(state, payload);
  }

  override pollIn(): boolean {
    return this.inbound.hasMessages;
  }

  recvBody(): Bytes | undefined {
    return this.inbound.shift();
  }

  override recv(): Message | undefined {
    return this.inbound.shiftMessage();
  }
}

export const pull: ProtocolFactory = { info, create: (host, raw) => new Pull(host, raw) };
