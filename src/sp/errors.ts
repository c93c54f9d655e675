/**
 * Every error a nanosp user can see: an `SpError` carrying nanomsg's errno name and number
 * (Linux values, as libnanomsg reports them there; nanomsg's own codes EFSM and ETERM are
 * NN_HAUSNUMERO + n) and a message naming what was wrong with which value.
 */

/** nanomsg's NN_HAUSNUMERO: the base for error codes the platform lacks (`src/nn.h`). */
export const NN_HAUSNUMERO = 156384712;

/** errno name → [number, the text glibc's strerror (or nn_strerror) gives for it]. */
const ERRNO = {
  EPERM: [1, 'Operation not permitted'],
  ENOENT: [2, 'No such file or directory'],
  EINTR: [4, 'Interrupted system call'],
  EIO: [5, 'Input/output error'],
  EBADF: [9, 'Bad file descriptor'],
  EAGAIN: [11, 'Resource temporarily unavailable'],
  ENOMEM: [12, 'Cannot allocate memory'],
  EACCES: [13, 'Permission denied'],
  EFAULT: [14, 'Bad address'],
  EBUSY: [16, 'Device or resource busy'],
  EEXIST: [17, 'File exists'],
  ENODEV: [19, 'No such device'],
  ENOTDIR: [20, 'Not a directory'],
  EINVAL: [22, 'Invalid argument'],
  ENFILE: [23, 'Too many open files in system'],
  EMFILE: [24, 'Too many open files'],
  EPIPE: [32, 'Broken pipe'],
  ENAMETOOLONG: [36, 'File name too long'],
  EPROTO: [71, 'Protocol error'],
  ENOTSOCK: [88, 'Socket operation on non-socket'],
  EMSGSIZE: [90, 'Message too long'],
  ENOPROTOOPT: [92, 'Protocol not available'],
  EPROTONOSUPPORT: [93, 'Protocol not supported'],
  ENOTSUP: [95, 'Operation not supported'],
  EAFNOSUPPORT: [97, 'Address family not supported by protocol'],
  EADDRINUSE: [98, 'Address already in use'],
  EADDRNOTAVAIL: [99, 'Cannot assign requested address'],
  ENETDOWN: [100, 'Network is down'],
  ENETUNREACH: [101, 'Network is unreachable'],
  ENETRESET: [102, 'Network dropped connection on reset'],
  ECONNABORTED: [103, 'Software caused connection abort'],
  ECONNRESET: [104, 'Connection reset by peer'],
  ENOBUFS: [105, 'No buffer space available'],
  EISCONN: [106, 'Transport endpoint is already connected'],
  ENOTCONN: [107, 'Transport endpoint is not connected'],
  ETIMEDOUT: [110, 'Connection timed out'],
  ECONNREFUSED: [111, 'Connection refused'],
  ECANCELED: [125, 'Operation canceled'],
  EHOSTDOWN: [112, 'Host is down'],
  EHOSTUNREACH: [113, 'No route to host'],
  ETERM: [NN_HAUSNUMERO + 53, 'Nanomsg library was terminated'],
  EFSM: [NN_HAUSNUMERO + 54, 'Operation cannot be performed in this state'],
} as const satisfies Record<string, readonly [number, string]>;

export type ErrnoName = keyof typeof ERRNO;

const BY_NUMBER = new Map<number, ErrnoName>(
  (Object.keys(ERRNO) as ErrnoName[]).map((name) => [ERRNO[name][0], name]),
);

/** The errno number of a name (`errnoOf('EINVAL') === 22`). */
export function errnoOf(name: ErrnoName): number {
  return ERRNO[name][0];
}

/** nn_strerror: the C library's text, plus nanomsg's texts for EFSM and ETERM. */
export function strerror(code: ErrnoName | number): string {
  const name = typeof code === 'number' ? BY_NUMBER.get(code) : code;
  return name ? ERRNO[name][1] : `Unknown error ${code}`;
}

/** The errno name for a number, if nanosp knows it. */
export function errnoName(errno: number): ErrnoName | undefined {
  return BY_NUMBER.get(errno);
}

export function isErrnoName(name: string): name is ErrnoName {
  return Object.hasOwn(ERRNO, name);
}

export class SpError extends Error {
  override readonly name = 'SpError';
  /** nanomsg's errno name, such as `EINVAL` or `EFSM`. */
  readonly code: ErrnoName;
  /** The errno number libnanomsg reports on Linux for the same failure. */
  readonly errno: number;

  constructor(code: ErrnoName, detail: string, options?: { cause?: unknown }) {
    super(`${code} (${ERRNO[code][1]}): ${detail}`, options);
    this.code = code;
    this.errno = ERRNO[code][0];
  }
}

/** Shorthand used at every throw site, so each one reads as the condition it reports. */
export function spError(code: ErrnoName, detail: string, cause?: unknown): SpError {
  return cause === undefined ? new SpError(code, detail) : new SpError(code, detail, { cause });
}

/**
 * An SpError without a stack, for outcomes that happen in bulk and say nothing about the
 * caller's code: EAGAIN from trySend/tryRecv in a loop, connections that die during their
 * handshake in a connection storm. Capturing a stack was most of their cost.
 */
export function quietError(code: ErrnoName, detail: string): SpError {
  const errorClass = Error as { stackTraceLimit?: number };
  const limit = errorClass.stackTraceLimit;
  errorClass.stackTraceLimit = 0;
  try {
    return new SpError(code, detail);
  } finally {
    errorClass.stackTraceLimit = limit;
  }
}

/**
 * The errno name behind an error from `node:net`, `node:fs` and friends, which carry it in
 * `code` ('ECONNREFUSED'). DNS failures carry getaddrinfo codes instead ('ENOTFOUND',
 * 'EAI_AGAIN'); nanomsg never reports those as an errno, so callers test `isDnsError` first.
 */
export function errnoNameOf(err: unknown, fallback: ErrnoName = 'EIO'): ErrnoName {
  if (err instanceof SpError) return err.code;
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && isErrnoName(code)) return code;
  if (code === 'EWOULDBLOCK') return 'EAGAIN';
  if (code === 'ENOTSUP' || code === 'EOPNOTSUPP') return 'ENOTSUP';
  return fallback;
}

/** getaddrinfo failures: Node reports them with these codes instead of an errno. */
export function isDnsError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code === 'ENOTFOUND' || code.startsWith('EAI_'));
}

/** Turn any error from the platform into an SpError that names what was being done. */
export function toSpError(err: unknown, doing: string, fallback: ErrnoName = 'EIO'): SpError {
  if (err instanceof SpError) return err;
  const code = errnoNameOf(err, fallback);
  const reason = err instanceof Error ? err.message : String(err);
  return spError(code, `${doing}: ${reason}`, err);
}
