/**
 * nanomsg's 15 per-socket statistics (spec/diagnostics.md §3.3), kept as plain numbers so the
 * hot path pays one increment. Counters only grow; levels go up and down. The stack updates
 * them where nanomsg does; `src/diag` reads them and never writes.
 */

export class SocketStats {
  /** Connections a connecting endpoint made (at TCP connect, before the SP handshake). */
  establishedConnections = 0;
  /** Connections a bound endpoint accepted. */
  acceptedConnections = 0;
  /** Live connections closed because the local endpoint or socket was closed. */
  droppedConnections = 0;
  /** Live connections that failed: peer closed or reset, bad header, oversized or truncated frame. */
  brokenConnections = 0;
  /** Failed connect attempts (every retry counts). */
  connectErrors = 0;
  /** Never incremented by nanomsg 1.1.x; kept for the table's shape. */
  bindErrors = 0;
  /** Errors a listener reported while accepting. */
  acceptErrors = 0;
  messagesSent = 0;
  messagesReceived = 0;
  /** Body bytes only, without protocol headers (nanomsg tests/stats.c). */
  bytesSent = 0;
  bytesReceived = 0;
  /** Pipes attached and accepted by the protocol. */
  currentConnections = 0;
  /** Connect attempts under way. */
  inprogressConnections = 0;
  /** The load balancer's current send priority (PUSH, REQ); 0 before any, −1 when none is left. */
  currentSndPriority = 0;
  /** Endpoints whose last attempt failed and has not succeeded since. */
  currentEpErrors = 0;
  /**
   * nanosp's own counter, not one of nanomsg's 15: inbound messages a protocol dropped because
   * their SP header was malformed (no request or survey id, too short) or had too many hops.
   */
  droppedMessages = 0;
  /**
   * nanosp's own counter: messages a send let go without a peer taking them because the pipe
   * they were addressed to was gone or full (polyamorous PAIR v1, as NNG's tx_drop).
   */
  droppedSends = 0;
  /** nanosp's own counter: pipes the application refused in a 'pipe-adding' listener (NNG's reject). */
  rejectedConnections = 0;
}

/**
 * One pipe's traffic (NNG's pipe statistics), counted by its transport as whole SP messages,
 * header included, as they cross the wire.
 */
export class PipeStats {
  messagesSent = 0;
  messagesReceived = 0;
  bytesSent = 0;
  bytesReceived = 0;
}

/** One endpoint's share of the socket's connection counters (NNG's dialer and listener statistics). */
export class EndpointStats {
  /** A dialer's connections made (TCP connect, before the SP handshake). */
  establishedConnections = 0;
  /** A listener's connections accepted. */
  acceptedConnections = 0;
  /** Connections closed from this side (endpoint or socket closed). */
  droppedConnections = 0;
  /** Connections that failed after they were made (peer gone, bad header, refused by the protocol or the application). */
  brokenConnections = 0;
  /** A dialer's failed attempts. */
  connectErrors = 0;
  /** A listener's failed accepts. */
  acceptErrors = 0;
}

/** The 15 statistics nanomsg has (SocketStats also keeps nanosp's droppedMessages, droppedSends and rejectedConnections). */
export type StatisticKey = Exclude<keyof SocketStats, 'droppedMessages' | 'droppedSends' | 'rejectedConnections'>;

export interface StatisticInfo {
  /** The property of SocketStats. */
  readonly key: StatisticKey;
  /** nanomsg's name, as printed and published (`established_connections`). */
  readonly name: string;
  /** `NN_STAT_*` constant name and number. */
  readonly nnName: string;
  readonly id: number;
  readonly kind: 'counter' | 'level';
}

/** In nanomsg's report order: 11 counters, 3 levels, then current_ep_errors. */
export const STATISTICS: readonly StatisticInfo[] = [
  ['establishedConnections', 'established_connections', 101, 'counter'],
  ['acceptedConnections', 'accepted_connections', 102, 'counter'],
  ['droppedConnections', 'dropped_connections', 103, 'counter'],
  ['brokenConnections', 'broken_connections', 104, 'counter'],
  ['connectErrors', 'connect_errors', 105, 'counter'],
  ['bindErrors', 'bind_errors', 106, 'counter'],
  ['acceptErrors', 'accept_errors', 107, 'counter'],
  ['messagesSent', 'messages_sent', 301, 'counter'],
  ['messagesReceived', 'messages_received', 302, 'counter'],
  ['bytesSent', 'bytes_sent', 303, 'counter'],
  ['bytesReceived', 'bytes_received', 304, 'counter'],
  ['currentConnections', 'current_connections', 201, 'level'],
  ['inprogressConnections', 'inprogress_connections', 202, 'level'],
  ['currentSndPriority', 'current_snd_priority', 401, 'level'],
  ['currentEpErrors', 'current_ep_errors', 203, 'level'],
].map(([key, name, id, kind]) => ({
  key: key as StatisticKey,
  name: name as string,
  nnName: `NN_STAT_${(name as string).toUpperCase()}`,
  id: id as number,
  kind: kind as 'counter' | 'level',
}));
