/**
 * What the stack tells the world. Each socket is an emitter with the typed events below;
 * `src/diag` (and any program) listens, and nothing in the stack knows who does. Process-wide
 * watchers learn of sockets as they are made and closed.
 */
import type { SpError } from './errors.js';

/** What an endpoint is, as events report it. */
export interface EndpointInfo {
  /** Per socket, from 1, never reused (nanomsg's endpoint id). */
  readonly id: number;
  /** The address; for a bound endpoint with port 0, the port the kernel chose. */
  readonly url: string;
  readonly kind: 'bind' | 'connect';
}

/** One live, handshaken connection, as events report it. */
export interface PipeInfo {
  /** Process-wide, 31 bits, never 0. */
  readonly id: number;
  readonly endpoint: EndpointInfo;
  /** The peer as the transport names it (`127.0.0.1:5555`, an ipc path, …). */
  readonly remoteAddress: string;
}

/** Why a pipe went away. */
export type PipeCloseReason =
  /** The peer closed, reset, or sent something that broke the protocol (counted as broken). */
  | 'broken'
  /** This side closed it: endpoint shutdown or socket close (counted as dropped). */
  | 'dropped'
  /** The protocol refused it, such as a second peer on PAIR. */
  | 'rejected';

export interface EndpointEvent {
  readonly endpoint: EndpointInfo;
}
export interface EndpointFailure extends EndpointEvent {
  readonly error: SpError;
}
export interface PipeFailure extends EndpointEvent {
  /**
   * Undefined when the connection broke before the SP handshake completed, or when the
   * protocol refused it (EISCONN); the pipe the application refused (EACCES, 'pipe-adding').
   */
  readonly pipe: PipeInfo | undefined;
  readonly error: SpError;
}
/**
 * nanomsg's per-endpoint error state: `error` is set when an endpoint's error changes to a
 * new errno, and undefined when it clears (the endpoint connected or accepted again). Repeats
 * of the same errno are not reported, so this is what NN_PRINT_ERRORS prints.
 */
export interface EndpointErrorEvent extends EndpointEvent {
  readonly error: SpError | undefined;
}

/**
 * A pipe passed the SP handshake and is about to be attached: a listener may refuse it before
 * it carries a single message (an allow-list of addresses, a cap on peers), as NNG's pre-add
 * pipe notification. A listener that throws refuses it too.
 */
export interface PipeAddingEvent {
  readonly pipe: PipeInfo;
  /** Refuse the pipe: it is closed, counted in stats.rejectedConnections, and its endpoint reports EACCES. */
  reject(reason?: string): void;
}

export interface SocketEventMap {
  /** A pipe passed the handshake; refuse it here with `event.reject()` (or leave it be). */
  'pipe-adding': [event: PipeAddingEvent];
  /** A pipe was attached: the SP handshake passed and the protocol took it. */
  pipe: [pipe: PipeInfo];
  'pipe-removed': [pipe: PipeInfo, reason: PipeCloseReason];
  /** A connecting endpoint's connection is up (before the SP handshake, as nanomsg counts it). */
  connected: [event: EndpointEvent];
  /** A bound endpoint accepted a connection. */
  accepted: [event: EndpointEvent];
  /** A connect attempt failed; the endpoint will retry after its backoff. */
  'connect-failed': [event: EndpointFailure];
  /** A host name did not resolve; nanomsg retries this silently (no counter, no error state). */
  'resolve-failed': [event: EndpointFailure];
  /** A bind failed (the address is taken, not local, not permitted, …); bind() rejects too. */
  'bind-failed': [event: EndpointFailure];
  /** A listener failed to accept a connection. */
  'accept-failed': [event: EndpointFailure];
  /** A connection failed after it was made: peer gone, bad SP header, wrong peer, bad frame. */
  'pipe-broken': [event: PipeFailure];
  /** A live connection was closed from this side. */
  'pipe-dropped': [event: EndpointEvent & { readonly pipe: PipeInfo }];
  /** The endpoint's error state changed (see EndpointErrorEvent). */
  'endpoint-error': [event: EndpointErrorEvent];
  /** The socket closed; every call on it now fails with EBADF. */
  close: [];
}

/**
 * Process-wide watchers of sockets' lives, so that a listener (the Node layer's
 * diagnostics_channel channels, and through them `src/diag`) finds every socket without the
 * stack importing it. With no watcher they cost one check.
 */
export interface SocketLifeWatcher {
  /**
   * A socket starts being made, before it takes its number: nanomsg makes its statistics
   * socket at that moment, so it is socket 0.
   */
  creating?(type: string): void;
  opened?(socket: unknown): void;
  closed?(socket: unknown): void;
}

export const socketLifeWatchers = new Set<SocketLifeWatcher>();
