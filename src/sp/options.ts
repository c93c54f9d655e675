/**
 * Socket options: nanomsg's table (spec/wire.md §4) under camelCase names, with nanomsg's
 * defaults and validation. `ProtocolName`-specific options are refused with ENOPROTOOPT on
 * sockets of other types, as nanomsg refuses an option at the wrong level.
 */
import { utf8Length, type TlsOptions } from './bytes.js';
import { spError } from './errors.js';

export type { TlsOptions };

export interface SocketOptions {
  /** ms a blocking send waits before ETIMEDOUT; negative waits for ever (NN_SNDTIMEO). */
  sendTimeout: number;
  /** ms a blocking receive waits before ETIMEDOUT; negative waits for ever (NN_RCVTIMEO). */
  recvTimeout: number;
  /** ms `close()` keeps flushing queued outbound data; negative waits for ever (NN_LINGER). */
  linger: number;
  /** Bytes queued toward one peer before that pipe stops taking messages (NN_SNDBUF). */
  sendBuffer: number;
  /** Bytes queued from one peer before nanosp stops reading it (NN_RCVBUF). */
  recvBuffer: number;
  /** ms before the first reconnect wait grows (NN_RECONNECT_IVL). */
  reconnectInterval: number;
  /** Cap on the reconnect wait in ms; 0 keeps it at reconnectInterval (NN_RECONNECT_IVL_MAX). */
  reconnectIntervalMax: number;
  /** 1 (highest) to 16, given to endpoints made afterwards (NN_SNDPRIO). */
  sendPriority: number;
  /** 1 (highest) to 16, given to endpoints made afterwards (NN_RCVPRIO). */
  recvPriority: number;
  /** IPv4 only: IPv6 literals are refused and names resolve to A records (NN_IPV4ONLY). */
  ipv4Only: boolean;
  /** The name diagnostics print, at most 63 bytes; defaults to the socket's number (NN_SOCKET_NAME). */
  socketName: string;
  /** Largest inbound message in bytes, protocol header included; −1 is unlimited (NN_RCVMAXSIZE). */
  recvMaxSize: number;
  /** Most hops a request or survey may have travelled, 1–255 (NN_MAXTTL). */
  maxTtl: number;
  /** TCP_NODELAY on every TCP connection made afterwards (NN_TCP_NODELAY). */
  tcpNoDelay: boolean;
  /** REQ: ms before an unanswered request is sent again (NN_REQ_RESEND_IVL). */
  resendInterval: number;
  /** SURVEYOR: ms a survey collects responses (NN_SURVEYOR_DEADLINE). */
  surveyDeadline: number;
  /** WebSocket frames for outbound messages (NN_WS_MSG_TYPE). */
  wsMessageType: 'binary' | 'text';
  /** TLS settings for `tls+tcp://` and `wss://` endpoints. */
  tls: TlsOptions | undefined;
  /**
   * nanosp: connections a listener lets wait to be accepted (the `listen(2)` backlog), for
   * endpoints bound afterwards. nanomsg's fixed 100 is the default.
   */
  listenBacklog: number;
  /**
   * nanosp: 0 to 1, how much of each reconnect wait is random (a wait w becomes w × (1 ± j)),
   * so that clients restarted together do not redial in step. 0, nanomsg's fixed waits, is the
   * default.
   */
  reconnectJitter: number;
}

export type OptionName = keyof SocketOptions;

/** nanomsg's level and number for each option, for `nn_setsockopt`-style callers. */
export interface OptionSpec {
  readonly level: number;
  readonly option: number;
  readonly nnName: string;
  /** Socket types that know the option (cooked only when `cookedOnly`); all when absent. */
  readonly only?: readonly string[];
  readonly cookedOnly?: boolean;
  readonly check: (value: unknown, name: string) => unknown;
}

const NN_SOL_SOCKET = 0;

function integer(value: unknown, name: string, min: number, max: number, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw spError('EINVAL', `${name} must be ${what}, got ${describe(value)}`);
  }
  return value;
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (value === null || typeof value !== 'object') return String(value);
  return Array.isArray(value) ? 'an array' : 'an object';
}

const INT32_MAX = 2 ** 31 - 1;
const INT32_MIN = -(2 ** 31);

const anyInt = (v: unknown, n: string) => integer(v, n, INT32_MIN, INT32_MAX, 'a 32-bit integer (negative means infinite)');
const positive = (v: unknown, n: string) => integer(v, n, 1, INT32_MAX, 'a positive integer of bytes');
const nonNegative = (v: unknown, n: string) => integer(v, n, 0, INT32_MAX, 'an integer of milliseconds, 0 or more');
const priority = (v: unknown, n: string) => integer(v, n, 1, 16, 'an integer from 1 (highest) to 16');

function flag(value: unknown, name: string): boolean {
  if (value === true || value === 1) return true;
  if (value === false || value === 0) return false;
  throw spError('EINVAL', `${name} must be true or false (or 1 or 0), got ${describe(value)}`);
}

export const OPTION_SPECS: { readonly [K in OptionName]: OptionSpec } = {
  linger: { level: NN_SOL_SOCKET, option: 1, nnName: 'NN_LINGER', check: anyInt },
  sendBuffer: { level: NN_SOL_SOCKET, option: 2, nnName: 'NN_SNDBUF', check: positive },
  recvBuffer: { level: NN_SOL_SOCKET, option: 3, nnName: 'NN_RCVBUF', check: positive },
  sendTimeout: { level: NN_SOL_SOCKET, option: 4, nnName: 'NN_SNDTIMEO', check: anyInt },
  recvTimeout: { level: NN_SOL_SOCKET, option: 5, nnName: 'NN_RCVTIMEO', check: anyInt },
  reconnectInterval: { level: NN_SOL_SOCKET, option: 6, nnName: 'NN_RECONNECT_IVL', check: nonNegative },
  reconnectIntervalMax: { level: NN_SOL_SOCKET, option: 7, nnName: 'NN_RECONNECT_IVL_MAX', check: nonNegative },
  sendPriority: { level: NN_SOL_SOCKET, option: 8, nnName: 'NN_SNDPRIO', check: priority },
  recvPriority: { level: NN_SOL_SOCKET, option: 9, nnName: 'NN_RCVPRIO', check: priority },
  ipv4Only: { level: NN_SOL_SOCKET, option: 14, nnName: 'NN_IPV4ONLY', check: flag },
  socketName: {
    level: NN_SOL_SOCKET,
    option: 15,
    nnName: 'NN_SOCKET_NAME',
    check(value, name) {
      if (typeof value !== 'string') throw spError('EINVAL', `${name} must be a string, got ${describe(value)}`);
      const bytes = utf8Length(value);
      if (bytes > 63) throw spError('EINVAL', `${name} must be at most 63 bytes, got ${bytes} bytes`);
      return value;
    },
  },
  recvMaxSize: {
    level: NN_SOL_SOCKET,
    option: 16,
    nnName: 'NN_RCVMAXSIZE',
    check: (v, n) => integer(v, n, -1, Number.MAX_SAFE_INTEGER, 'a size in bytes, 0 or more, or -1 for unlimited'),
  },
  maxTtl: {
    level: NN_SOL_SOCKET,
    option: 17,
    nnName: 'NN_MAXTTL',
    check: (v, n) => integer(v, n, 1, 255, 'an integer from 1 to 255'),
  },
  tcpNoDelay: { level: -3, option: 1, nnName: 'NN_TCP_NODELAY', check: flag },
  resendInterval: {
    level: 48,
    option: 1,
    nnName: 'NN_REQ_RESEND_IVL',
    only: ['req'],
    cookedOnly: true,
    check: (v, n) => integer(v, n, 0, INT32_MAX, 'an integer of milliseconds, 0 or more'),
  },
  surveyDeadline: {
    level: 98,
    option: 1,
    nnName: 'NN_SURVEYOR_DEADLINE',
    only: ['surveyor'],
    cookedOnly: true,
    check: (v, n) => integer(v, n, 0, INT32_MAX, 'an integer of milliseconds, 0 or more'),
  },
  wsMessageType: {
    level: -4,
    option: 1,
    nnName: 'NN_WS_MSG_TYPE',
    check(value, name) {
      if (value === 'binary' || value === 0x02) return 'binary';
      if (value === 'text' || value === 0x01) return 'text';
      throw spError('EINVAL', `${name} must be 'binary' (0x02) or 'text' (0x01), got ${describe(value)}`);
    },
  },
  tls: {
    level: -5,
    option: 0,
    nnName: 'NNG_OPT_TLS_CONFIG',
    check(value, name) {
      if (value === undefined) return undefined;
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        throw spError('EINVAL', `${name} must be an object of node:tls options, got ${describe(value)}`);
      }
      return { ...(value as Record<string, unknown>) } as TlsOptions;
    },
  },
  listenBacklog: {
    level: -6,
    option: 1,
    nnName: 'NANOSP_LISTEN_BACKLOG',
    check: (v, n) => integer(v, n, 1, 65_535, 'an integer from 1 to 65535 (the OS caps it at net.core.somaxconn)'),
  },
  reconnectJitter: {
    level: -6,
    option: 2,
    nnName: 'NANOSP_RECONNECT_JITTER',
    check(value, name) {
      if (typeof value !== 'number' || !(value >= 0 && value <= 1)) throw spError('EINVAL', `${name} must be a number from 0 to 1, got ${describe(value)}`);
      return value;
    },
  },
};

/** nanomsg's defaults (socketName is filled in by the socket with its number). */
export function defaultOptions(socketName: string): SocketOptions {
  return {
    sendTimeout: -1,
    recvTimeout: -1,
    // nanomsg documents 1000 ms but never implemented linger; nanosp does flush for this long.
    linger: 1000,
    sendBuffer: 128 * 1024,
    recvBuffer: 128 * 1024,
    reconnectInterval: 100,
    reconnectIntervalMax: 0,
    sendPriority: 8,
    recvPriority: 8,
    ipv4Only: true,
    socketName,
    recvMaxSize: 1024 * 1024,
    maxTtl: 8,
    tcpNoDelay: false,
    resendInterval: 60_000,
    surveyDeadline: 1000,
    wsMessageType: 'binary',
    tls: undefined,
    listenBacklog: 100,
    reconnectJitter: 0,
  };
}

export function isOptionName(name: string): name is OptionName {
  return Object.hasOwn(OPTION_SPECS, name);
}

/**
 * Validate one option for a socket of `type` and return the value to store.
 * Unknown names and options of another socket type give ENOPROTOOPT; bad values give EINVAL.
 */
export function checkOption(type: string, raw: boolean, name: string, value: unknown): unknown {
  const checked = OPTION_SPECS[checkOptionName(type, raw, name)].check(value, name);
  // NNG sizes PAIR v1's hop limit to NNI_MAX_MAX_TTL; nanomsg's 1..255 stays for REQ/REP and SURVEYOR
  if (name === 'maxTtl' && type === 'pair1' && (checked as number) > PAIR1_MAX_TTL) {
    throw spError('EINVAL', `maxTtl on a pair1 socket must be an integer from 1 to ${PAIR1_MAX_TTL} (NNG's limit), got ${String(value)}`);
  }
  return checked;
}

/** NNG's NNI_MAX_MAX_TTL: PAIR v1 sockets take maxTtl 1..15. */
export const PAIR1_MAX_TTL = 15;

/** The option `name` exists for a socket of `type` (else ENOPROTOOPT), for getting or setting. */
export function checkOptionName(type: string, raw: boolean, name: string): OptionName {
  if (!isOptionName(name)) throw spError('ENOPROTOOPT', `unknown socket option ${JSON.stringify(name)}`);
  const spec = OPTION_SPECS[name];
  if (spec.only && (!spec.only.includes(type) || (spec.cookedOnly && raw))) {
    const kind = spec.cookedOnly ? `cooked ${spec.only.join('/')}` : spec.only.join('/');
    throw spError('ENOPROTOOPT', `option ${name} applies to ${kind} sockets only, not ${raw ? 'raw ' : ''}${type}`);
  }
  return name;
}

/** Options a constructor call may pass: every socket option, each optional. */
export type SocketOptionsInit = Partial<SocketOptions>;
