/**
 * The old package's option names and what they are in nanosp. Each integer option has a
 * getter/setter method of its name on the socket (`sock.sndbuf()`, `sock.sndbuf(4096)`), and
 * each may be given to `socket(type, options)`; its value reaches libnanomsg as a C int, so the
 * compat layer converts values the same way before nanosp validates them.
 */
import type { DuplexOptions } from 'node:stream';
import type { OptionName } from '../sp/options.js';

/** The integer options: old name → nanosp option (all at NN_SOL_SOCKET). */
export const INT_OPTIONS = {
  linger: 'linger',
  sndbuf: 'sendBuffer',
  rcvbuf: 'recvBuffer',
  sndtimeo: 'sendTimeout',
  rcvtimeo: 'recvTimeout',
  reconn: 'reconnectInterval',
  maxreconn: 'reconnectIntervalMax',
  sndprio: 'sendPriority',
  rcvprio: 'recvPriority',
  rcvmaxsize: 'recvMaxSize',
  maxttl: 'maxTtl',
} as const satisfies Record<string, OptionName>;

export type IntOptionName = keyof typeof INT_OPTIONS;

/**
 * The option keys the old constructor applies, in its order (its `sol` table). `wsopt` is not
 * among them there, which is the "ignored in the constructor" defect; nanosp applies it last.
 */
export const CONSTRUCTOR_OPTIONS = [
  'linger',
  'sndbuf',
  'rcvbuf',
  'sndtimeo',
  'rcvtimeo',
  'reconn',
  'maxreconn',
  'sndprio',
  'rcvprio',
  'rcvmaxsize',
  'tcpnodelay',
  'ipv6',
  'maxttl',
  'wsopt',
] as const;

/** The ten socket types by name, with what the old package says each can do. */
export const SOCKET_KINDS = {
  pair: { sender: true, receiver: true },
  pub: { sender: true, receiver: false },
  sub: { sender: false, receiver: true },
  req: { sender: true, receiver: true },
  rep: { sender: true, receiver: true },
  push: { sender: true, receiver: false },
  pull: { sender: false, receiver: true },
  // the old package marks SURVEYOR as not a receiver: it reads responses only after a survey
  surveyor: { sender: true, receiver: false },
  respondent: { sender: true, receiver: true },
  bus: { sender: true, receiver: true },
} as const;

export type SocketType = keyof typeof SOCKET_KINDS;

export function isSocketType(type: unknown): type is SocketType {
  return typeof type === 'string' && Object.hasOwn(SOCKET_KINDS, type);
}

/**
 * What `socket(type, options)` takes: the socket options under their old names, `raw`,
 * `chan`, `dontwait`, and any `node:stream` Duplex option (`encoding`, `highWaterMark`,
 * `objectMode`, which defaults to true so that one chunk is one message).
 */
export interface SocketOptions extends DuplexOptions {
  /** AF_SP_RAW instead of AF_SP: no end-to-end behaviour, for devices (truthy). */
  raw?: boolean | number;
  /** SUB: the topics to subscribe to instead of the default `['']` (everything). */
  chan?: (string | number)[];
  /** NN_DONTWAIT on receives and on writes through the stream; default true, false for PUSH. */
  dontwait?: boolean;
  /** ms that close keeps flushing queued messages (reads back 0, as in libnanomsg 1.1). */
  linger?: number;
  /** Bytes queued toward one peer (NN_SNDBUF, default 131072). */
  sndbuf?: number;
  /** Bytes queued from one peer (NN_RCVBUF, default 131072). */
  rcvbuf?: number;
  /** NN_SNDTIMEO in ms (default -1). */
  sndtimeo?: number;
  /** NN_RCVTIMEO in ms (default -1). */
  rcvtimeo?: number;
  /** First reconnect wait in ms (NN_RECONNECT_IVL, default 100). */
  reconn?: number;
  /** Cap on the reconnect wait in ms; 0 keeps it at `reconn` (default 0). */
  maxreconn?: number;
  /** Send priority of endpoints made afterwards, 1 (highest) to 16 (default 8). */
  sndprio?: number;
  /** Receive priority of endpoints made afterwards, 1 (highest) to 16 (default 8). */
  rcvprio?: number;
  /** Largest inbound message in bytes; -1 is unlimited (default 1048576). */
  rcvmaxsize?: number;
  /** Most hops a request or survey may travel, 1 to 255 (default 8). */
  maxttl?: number;
  /** Allow IPv6 addresses (default false). */
  ipv6?: boolean;
  /** TCP_NODELAY on TCP connections (default false). */
  tcpnodelay?: boolean;
  /** WebSocket frame type for outbound messages: 'binary' (default) or 'text'. */
  wsopt?: 'text' | 'binary';
}

/** A JavaScript value as the native binding passes it to C: ToInt32. */
export function toInt32(value: unknown): number {
  return Number(value) | 0;
}

/** NN_WS_MSG_TYPE values by the names `wsopt` takes. */
export const WS_MSG_TYPES: Readonly<Record<string, number>> = { text: 0x01, binary: 0x02 };
