/**
 * SUB (nanomsg's xsub): keeps the messages whose body starts with a subscribed topic, fair
 * queued across publishers. Filtering happens as messages arrive, so unwanted ones never take
 * buffer space. It never writes a byte to a PUB (nanomsg's PUB would abort). Raw SUB filters
 * too, as nanomsg's does (NNG's raw SUB does not).
 */
import { spError, type SpError } from '../errors.js';
import type { Pipe } from '../pipe.js';
import { BaseProtocol } from './base.js';
import { FairQueue } from './fair-queue.js';
import { PROTOCOL_IDS } from './ids.js';
import type { ProtocolFactory, ProtocolHost, ProtocolInfo } from './protocol.js';
import { SubscriptionTrie } from './trie.js';

const info: ProtocolInfo = { name: 'sub', id: PROTOCOL_IDS.sub, peer: PROTOCOL_IDS.pub, canSend: false, canRecv: true };

class Sub extends BaseProtocol {
  private readonly inbound: FairQueue;
  private readonly topics = new SubscriptionTrie();

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
    if (this.topics.matches(payload)) this.inbound.push(pipe, payload);
  }

  override pollIn(): boolean {
    return this.inbound.hasMessages;
  }

  override recv(): Buffer | undefined {
    return this.inbound.shift();
  }

  setProtocolOption(name: string, topic: Buffer): void {
    if (name === 'subscribe') {
      this.topics.subscribe(topic);
    } else if (!this.topics.unsubscribe(topic)) {
      throw spError('EINVAL', `cannot unsubscribe from ${JSON.stringify(topic.toString('latin1'))}: it is not subscribed`);
    }
  }
}

export const sub: ProtocolFactory = { info, create: (host, raw) => new Sub(host, raw) };
