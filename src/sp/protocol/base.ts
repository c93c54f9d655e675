/** What every protocol does the same way: remember its host and info, refuse by default. */
import { spError, type SpError } from '../errors.js';
import { EMPTY } from '../message.js';
import type { Pipe } from '../pipe.js';
import type { Protocol, ProtocolHost, ProtocolInfo } from './protocol.js';

export abstract class BaseProtocol implements Protocol {
  recvHeader: Buffer = EMPTY;

  constructor(
    readonly info: ProtocolInfo,
    protected readonly host: ProtocolHost,
    protected readonly raw: boolean,
  ) {}

  abstract attach(pipe: Pipe): SpError | undefined;
  abstract detach(pipe: Pipe): void;
  abstract pipeMessage(pipe: Pipe, payload: Buffer): void;

  pipeWritable(_pipe: Pipe): void {}

  send(_body: Buffer, _header: Buffer): boolean {
    throw spError('ENOTSUP', `${this.info.name.toUpperCase()} sockets cannot send`);
  }

  recv(): Buffer | undefined {
    throw spError('ENOTSUP', `${this.info.name.toUpperCase()} sockets cannot receive`);
  }

  pollIn(): boolean {
    return false;
  }

  pollOut(): boolean {
    return false;
  }

  /** A message from a peer broke the protocol's header rules (or its hop limit): drop, count. */
  protected dropMalformed(): void {
    this.host.stats.droppedMessages++;
  }

  close(): void {}
}
