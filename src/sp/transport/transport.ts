/**
 * The interface between the socket core and a transport. A transport knows addresses, bytes
 * and frames; it makes pipes and never learns what socket type it serves.
 */
import type { SplitAddress } from '../address.js';
import type { HttpServerLike } from '../bytes.js';
import type { SpError } from '../errors.js';
import type { EndpointInfo } from '../events.js';
import type { SocketOptions, TlsOptions } from '../options.js';
import type { Pipe } from '../pipe.js';

/** What an endpoint gives the transport for one bind or connect. */
export interface TransportContext {
  /** The socket's live options. */
  readonly options: SocketOptions;
  readonly endpoint: EndpointInfo;
  /** TLS settings for this endpoint (its own, else the socket's). */
  readonly tls: TlsOptions | undefined;
  /** The web server a ws/wss listener attaches to instead of listening itself (bind only). */
  readonly httpServer?: HttpServerLike | undefined;
  /**
   * The SP protocol ids of this socket and of the peer it may talk to. Stream transports
   * check them in the SP header; inproc and WebSocket need them before a pipe exists.
   */
  readonly protocol: { readonly local: number; readonly peer: number };
}

/** A pipe that is connected but has not done the SP handshake yet. */
export interface NewPipe extends Pipe {
  handshake(spec: {
    readonly localProtocol: number;
    readonly peerProtocol: number;
    readonly timeoutMs: number;
    readonly protocolName: (id: number) => string;
  }): Promise<void>;
}

export interface ListenerEvents {
  accepted(pipe: NewPipe): void;
  acceptFailed(error: SpError): void;
}

export interface Listener {
  /** The bound address, with the real port where port 0 was asked for. */
  readonly url: string;
  close(): Promise<void>;
}

export interface Dialer {
  /** One connect attempt; resolves once the connection is up (before the SP handshake). */
  dial(signal: AbortSignal): Promise<NewPipe>;
}

export interface Transport {
  readonly schemes: readonly string[];
  /** Check the address and start listening; rejects with EADDRINUSE, ENODEV, EINVAL, … */
  listen(address: SplitAddress, context: TransportContext, events: ListenerEvents): Promise<Listener>;
  /** Check the address at once (throws on a bad one) and return what dials it. */
  dialer(address: SplitAddress, context: TransportContext): Dialer;
}
