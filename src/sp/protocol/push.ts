/**
 * PUSH (nanomsg's xpush): each message to one PULL peer, round robin among the writable pipes
 * of the best send priority; blocks while none can take it. Never reads what a peer sends.
 */
import type { SpError } from '../errors.js';
import type { Pipe } from '../pipe.js';
import { BaseProtocol } from './base.js';
import { PROTOCOL_IDS } from './ids.js';
import { LoadBalancer } from './load-balancer.js';
import type { ProtocolFactory, ProtocolHost, ProtocolInfo } from './protocol.js';

const info: ProtocolInfo = { name: 'push', id: PROTOCOL_IDS.push, peer: PROTOCOL_IDS.pull, canSend: true, canRecv: false };

class Push extends BaseProtocol {
  private readonly out: LoadBalancer;

  constructor(host: ProtocolHost, raw: boolean) {
    super(info, host, raw);
    this.out = new LoadBalancer(host, true);
  }

  attach(pipe: Pipe): SpError | undefined {
    pipe.sink = this;
    this.out.add(pipe);
    this.host.writable();
    return undefined;
  }

  detach(pipe: Pipe): void {
    this.out.remove(pipe);
  }

  pipeMessage(): void {
    // a PULL peer has nothing to say; nanomsg's nn_xpush_in ignores it too
  }

  override pipeWritable(pipe: Pipe): void {
    this.out.add(pipe);
    this.host.writable();
  }

  override pollOut(): boolean {
    return this.out.canSend;
  }

  override send(body: Buffer, header: Buffer): boolean {
    return this.out.send(header, body) !== undefined;
  }
}

export const push: ProtocolFactory = { info, create: (host, raw) => new Push(host, raw) };
