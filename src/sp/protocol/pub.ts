/**
 * PUB (nanomsg's xpub): every message to every subscriber that can take it now; a slow
 * subscriber whose send buffer is full misses messages. Never blocks, cannot receive, and
 * ignores anything a subscriber sends (nanomsg would abort; NNG closes the pipe).
 */
import type { SpError } from '../errors.js';
import type { Pipe } from '../pipe.js';
import { BaseProtocol } from './base.js';
import { Distributor } from './distributor.js';
import { PROTOCOL_IDS } from './ids.js';
import type { ProtocolFactory, ProtocolHost, ProtocolInfo } from './protocol.js';

const info: ProtocolInfo = { name: 'pub', id: PROTOCOL_IDS.pub, peer: PROTOCOL_IDS.sub, canSend: true, canRecv: false };

class Pub extends BaseProtocol {
  private readonly out = new Distributor();

  constructor(host: ProtocolHost, raw: boolean) {
    super(info, host, raw);
  }

  attach(pipe: Pipe): SpError | undefined {
    pipe.sink = this;
    this.out.add(pipe);
    return undefined;
  }

  detach(pipe: Pipe): void {
    this.out.remove(pipe);
  }

  pipeMessage(): void {}

  override pollOut(): boolean {
    return true;
  }

  override send(body: Buffer, header: Buffer): boolean {
    this.out.send(header, body);
    return true;
  }
}

export const pub: ProtocolFactory = { info, create: (host, raw) => new Pub(host, raw) };
