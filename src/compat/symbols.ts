/**
 * libnanomsg's symbol table (nn_symbol / nn_symbol_info, spec/wire.md §6.4), in libnanomsg's
 * own order: 121 entries, each a name, a value, the namespace it belongs to, and for options
 * and statistics the value's type and unit. The npm `nanomsg` package exposes the same names
 * and values as the numeric properties of its `_bindings` object. NN_MSG is not in the table
 * (libnanomsg does not list it either).
 */

/** Namespaces (NN_NS_*). */
const NS = {
  NAMESPACE: 0,
  VERSION: 1,
  DOMAIN: 2,
  TRANSPORT: 3,
  PROTOCOL: 4,
  OPTION_LEVEL: 5,
  SOCKET_OPTION: 6,
  TRANSPORT_OPTION: 7,
  OPTION_TYPE: 8,
  OPTION_UNIT: 9,
  FLAG: 10,
  ERROR: 11,
  LIMIT: 12,
  EVENT: 13,
  STATISTIC: 14,
} as const;

/** Value types (NN_TYPE_*). */
const TYPE = { NONE: 0, INT: 1, STR: 2 } as const;

/** Units (NN_UNIT_*). */
const UNIT = { NONE: 0, BYTES: 1, MILLISECONDS: 2, PRIORITY: 3, BOOLEAN: 4, MESSAGES: 5, COUNTER: 6 } as const;

/** What `symbolInfo(i)` returns (nn_symbol_properties), keys in the old package's order. */
export interface SymbolInfo {
  value: number;
  ns: number;
  type: number;
  unit: number;
  name: string;
}

/** What `symbol(i)` returns. */
export interface SymbolValue {
  value: number;
  name: string;
}

type Row = readonly [name: string, value: number, ns: number, type?: number, unit?: number];

const { INT, STR } = TYPE;
const { BYTES, MILLISECONDS, PRIORITY, BOOLEAN, MESSAGES, COUNTER } = UNIT;

const ROWS: readonly Row[] = [
  ...Object.entries(NS).map(([name, value]): Row => [`NN_NS_${name}`, value, NS.NAMESPACE]),
  ['NN_TYPE_NONE', TYPE.NONE, NS.OPTION_TYPE],
  ['NN_TYPE_INT', TYPE.INT, NS.OPTION_TYPE],
  ['NN_TYPE_STR', TYPE.STR, NS.OPTION_TYPE],
  ['NN_UNIT_NONE', UNIT.NONE, NS.OPTION_UNIT],
  ['NN_UNIT_BYTES', UNIT.BYTES, NS.OPTION_UNIT],
  ['NN_UNIT_MILLISECONDS', UNIT.MILLISECONDS, NS.OPTION_UNIT],
  ['NN_UNIT_PRIORITY', UNIT.PRIORITY, NS.OPTION_UNIT],
  ['NN_UNIT_BOOLEAN', UNIT.BOOLEAN, NS.OPTION_UNIT],
  // libnanomsg lists COUNTER before MESSAGES
  ['NN_UNIT_COUNTER', UNIT.COUNTER, NS.OPTION_UNIT],
  ['NN_UNIT_MESSAGES', UNIT.MESSAGES, NS.OPTION_UNIT],
  // libnanomsg 1.1.5's ABI version: current 5, revision 1, age 0
  ['NN_VERSION_CURRENT', 5, NS.VERSION],
  ['NN_VERSION_REVISION', 1, NS.VERSION],
  ['NN_VERSION_AGE', 0, NS.VERSION],
  ['AF_SP', 1, NS.DOMAIN],
  ['AF_SP_RAW', 2, NS.DOMAIN],
  ['NN_INPROC', -1, NS.TRANSPORT],
  ['NN_IPC', -2, NS.TRANSPORT],
  ['NN_TCP', -3, NS.TRANSPORT],
  ['NN_WS', -4, NS.TRANSPORT],
  ['NN_PAIR', 16, NS.PROTOCOL],
  ['NN_PUB', 32, NS.PROTOCOL],
  ['NN_SUB', 33, NS.PROTOCOL],
  ['NN_REP', 49, NS.PROTOCOL],
  ['NN_REQ', 48, NS.PROTOCOL],
  ['NN_PUSH', 80, NS.PROTOCOL],
  ['NN_PULL', 81, NS.PROTOCOL],
  ['NN_SURVEYOR', 98, NS.PROTOCOL],
  ['NN_RESPONDENT', 99, NS.PROTOCOL],
  ['NN_BUS', 112, NS.PROTOCOL],
  ['NN_SOCKADDR_MAX', 128, NS.LIMIT],
  ['NN_SOL_SOCKET', 0, NS.OPTION_LEVEL],
  ['NN_LINGER', 1, NS.SOCKET_OPTION, INT, MILLISECONDS],
  ['NN_SNDBUF', 2, NS.SOCKET_OPTION, INT, BYTES],
  ['NN_RCVBUF', 3, NS.SOCKET_OPTION, INT, BYTES],
  ['NN_RCVMAXSIZE', 16, NS.SOCKET_OPTION, INT, BYTES],
  ['NN_SNDTIMEO', 4, NS.SOCKET_OPTION, INT, MILLISECONDS],
  ['NN_RCVTIMEO', 5, NS.SOCKET_OPTION, INT, MILLISECONDS],
  ['NN_RECONNECT_IVL', 6, NS.SOCKET_OPTION, INT, MILLISECONDS],
  ['NN_RECONNECT_IVL_MAX', 7, NS.SOCKET_OPTION, INT, MILLISECONDS],
  ['NN_SNDPRIO', 8, NS.SOCKET_OPTION, INT, PRIORITY],
  ['NN_RCVPRIO', 9, NS.SOCKET_OPTION, INT, PRIORITY],
  ['NN_SNDFD', 10, NS.SOCKET_OPTION, INT],
  ['NN_RCVFD', 11, NS.SOCKET_OPTION, INT],
  ['NN_DOMAIN', 12, NS.SOCKET_OPTION, INT],
  ['NN_PROTOCOL', 13, NS.SOCKET_OPTION, INT],
  ['NN_IPV4ONLY', 14, NS.SOCKET_OPTION, INT, BOOLEAN],
  ['NN_SOCKET_NAME', 15, NS.SOCKET_OPTION, STR],
  ['NN_MAXTTL', 17, NS.SOCKET_OPTION, INT],
  ['NN_SUB_SUBSCRIBE', 1, NS.TRANSPORT_OPTION, STR],
  ['NN_SUB_UNSUBSCRIBE', 2, NS.TRANSPORT_OPTION, STR],
  ['NN_REQ_RESEND_IVL', 1, NS.TRANSPORT_OPTION, INT, MILLISECONDS],
  ['NN_SURVEYOR_DEADLINE', 1, NS.TRANSPORT_OPTION, INT, MILLISECONDS],
  ['NN_TCP_NODELAY', 1, NS.TRANSPORT_OPTION, INT, BOOLEAN],
  ['NN_WS_MSG_TYPE', 1, NS.TRANSPORT_OPTION, INT],
  ['NN_DONTWAIT', 1, NS.FLAG],
  ['NN_WS_MSG_TYPE_TEXT', 0x01, NS.FLAG],
  ['NN_WS_MSG_TYPE_BINARY', 0x02, NS.FLAG],
  ['NN_POLLIN', 1, NS.EVENT],
  ['NN_POLLOUT', 2, NS.EVENT],
  // errno values as libnanomsg reports them on Linux; EFSM and ETERM are NN_HAUSNUMERO + 54, + 53
  ...(
    [
      ['EADDRINUSE', 98],
      ['EADDRNOTAVAIL', 99],
      ['EAFNOSUPPORT', 97],
      ['EAGAIN', 11],
      ['EBADF', 9],
      ['ECONNREFUSED', 111],
      ['EFAULT', 14],
      ['EFSM', 156384766],
      ['EINPROGRESS', 115],
      ['EINTR', 4],
      ['EINVAL', 22],
      ['EMFILE', 24],
      ['ENAMETOOLONG', 36],
      ['ENETDOWN', 100],
      ['ENOBUFS', 105],
      ['ENODEV', 19],
      ['ENOMEM', 12],
      ['ENOPROTOOPT', 92],
      ['ENOTSOCK', 88],
      ['ENOTSUP', 95],
      ['EPROTO', 71],
      ['EPROTONOSUPPORT', 93],
      ['ETERM', 156384765],
      ['ETIMEDOUT', 110],
      ['EACCES', 13],
      ['ECONNABORTED', 103],
      ['ECONNRESET', 104],
      ['EHOSTUNREACH', 113],
      ['EMSGSIZE', 90],
      ['ENETRESET', 102],
      ['ENETUNREACH', 101],
      ['ENOTCONN', 107],
    ] as const
  ).map(([name, value]): Row => [name, value, NS.ERROR]),
  ['NN_STAT_ESTABLISHED_CONNECTIONS', 101, NS.STATISTIC, INT, COUNTER],
  ['NN_STAT_ACCEPTED_CONNECTIONS', 102, NS.STATISTIC, INT, COUNTER],
  ['NN_STAT_DROPPED_CONNECTIONS', 103, NS.STATISTIC, INT, COUNTER],
  ['NN_STAT_BROKEN_CONNECTIONS', 104, NS.STATISTIC, INT, COUNTER],
  ['NN_STAT_CONNECT_ERRORS', 105, NS.STATISTIC, INT, COUNTER],
  ['NN_STAT_BIND_ERRORS', 106, NS.STATISTIC, INT, COUNTER],
  ['NN_STAT_ACCEPT_ERRORS', 107, NS.STATISTIC, INT, COUNTER],
  ['NN_STAT_MESSAGES_SENT', 301, NS.STATISTIC, INT, MESSAGES],
  ['NN_STAT_MESSAGES_RECEIVED', 302, NS.STATISTIC, INT, MESSAGES],
  ['NN_STAT_BYTES_SENT', 303, NS.STATISTIC, INT, BYTES],
  ['NN_STAT_BYTES_RECEIVED', 304, NS.STATISTIC, INT, BYTES],
  ['NN_STAT_CURRENT_CONNECTIONS', 201, NS.STATISTIC, INT],
  ['NN_STAT_INPROGRESS_CONNECTIONS', 202, NS.STATISTIC, INT],
  ['NN_STAT_CURRENT_SND_PRIORITY', 401, NS.STATISTIC, INT, PRIORITY],
  ['NN_STAT_CURRENT_EP_ERRORS', 203, NS.STATISTIC, INT],
];

const TABLE: readonly Readonly<SymbolInfo>[] = ROWS.map(([name, value, ns, type = TYPE.NONE, unit = UNIT.NONE]) =>
  Object.freeze({ value, ns, type, unit, name }),
);

/** Every symbol by name, as the old package's `_bindings` carries them (numbers only). */
export const SYMBOLS: Readonly<Record<string, number>> = Object.freeze(Object.fromEntries(TABLE.map((s) => [s.name, s.value])));

/** The number of entries nn_symbol enumerates. */
export const SYMBOL_COUNT = TABLE.length;

/** The index as the native binding reads it: a JavaScript value converted to a 32-bit integer. */
function toIndex(index: unknown): number {
  return Number(index) | 0;
}

/** nn_symbol(i): `{ value, name }`; an index out of range throws `Invalid argument`, as libnanomsg's EINVAL. */
export function symbol(index: number): SymbolValue {
  const entry = TABLE[toIndex(index)];
  if (!entry) throw new Error('Invalid argument');
  return { value: entry.value, name: entry.name };
}

/** nn_symbol_info(i): `{ value, ns, type, unit, name }`, or undefined past the end of the table. */
export function symbolInfo(index: number): SymbolInfo | undefined {
  const entry = TABLE[toIndex(index)];
  return entry ? { value: entry.value, ns: entry.ns, type: entry.type, unit: entry.unit, name: entry.name } : undefined;
}
