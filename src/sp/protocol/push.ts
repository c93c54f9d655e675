/**
 * PUSH (nanomsg's xpush): each message to one PULL peer, round robin among the writable pipes
 * of the best send priority; blocks while none can take it. Never reads what a peer sends.
 */
import { SingleContextProtocol } from './base.js';
import { PROTOCOL_IDS } from './ids.js';
import { LoadBalancer } from './load-balancer.js';
import type { PipeState } from './pipe-state.js';
import type { ProtocolFactory, ProtocolHost, ProtocolInfo } from './protocol.js';

const info: ProtocolInfo = { name: 'push', id: PROTOCOL_IDS.push, peer: PROTOCOL_IDS.pull, canSend: true, canRecv: false, contexts: false };

class Push extends SingleContextProtocol {
  private readonly out: LoadBalancer;

  constructor(host: ProtocolHost, raw: boolean) {
    super(info, host, raw);
    this.out = new LoadBalancer(host, true);
  }

  protected added(state: PipeState): void {
    this.out.add(state);
    this.host.writable();
  }

  protected removed(state: PipeState): void {
    this.out.remove(state);
  }

  received(): void {
    // a PULL peer has nothing to say; nanomsg's nn_xpush_in ignores it too
  }

  override drained(state: PipeState): void {
    this.out.add(state);
    this.host.writable();
  }

  override pollOut(): boolean {
    return this.out.canSend;
  }

  override send(body: Uint8Array, header: Uint8Array): boolean {
    return this.out.send(header, body) !== undefined;
  }
}

export const push: ProtocolFactory = { info, create: (host, raw) => new Push(host, raw) };
