/**
 * PUB (nanomsg's xpub): every message to every subscriber that can take it now; a slow
 * subscriber whose send buffer is full misses messages. Never blocks, cannot receive, and
 * ignores anything a subscriber sends (nanomsg would abort; NNG closes the pipe).
 */
import { SingleContextProtocol } from './base.js';
import { Distributor } from './distributor.js';
import { PROTOCOL_IDS } from './ids.js';
import type { PipeState } from './pipe-state.js';
import type { ProtocolFactory, ProtocolHost, ProtocolInfo } from './protocol.js';

const info: ProtocolInfo = { name: 'pub', id: PROTOCOL_IDS.pub, peer: PROTOCOL_IDS.sub, canSend: true, canRecv: false, contexts: false };

class Pub extends SingleContextProtocol {
  private readonly out = new Distributor();

  constructor(host: ProtocolHost, raw: boolean) {
    super(info, host, raw);
  }

  protected added(state: PipeState): void {
    this.out.add(state.pipe);
  }

  protected removed(state: PipeState): void {
    this.out.remove(state.pipe);
  }

  override drained(state: PipeState): void {
    this.out.drained(state.pipe);
  }

  received(): void {}

  override pollOut(): boolean {
    return true;
  }

  override send(body: Uint8Array, header: Uint8Array): boolean {
    this.out.send(header, body);
    return true;
  }
}

export const pub: ProtocolFactory = { info, create: (host, raw) => new Pub(host, raw) };
