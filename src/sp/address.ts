/**
 * Endpoint addresses: nanomsg's generic checks (spec/wire.md §5.1), shared by every transport;
 * each transport parses the rest of its own addresses (TCP's forms: src/node/transport/tcp-address.ts).
 */
import { utf8Length } from './bytes.js';
import { spError } from './errors.js';

/** nanomsg's NN_SOCKADDR_MAX: an address must be shorter than this many bytes. */
export const SOCKADDR_MAX = 128;

export interface SplitAddress {
  /** The address exactly as given. */
  readonly url: string;
  /** The part before `://`, such as `tcp`. */
  readonly scheme: string;
  /** The part after `://`, handed to the transport. */
  readonly rest: string;
}

/** nn_global_create_ep's checks, in its order: length, `://`, then a scheme nanosp serves. */
export function splitAddress(url: unknown, schemes: readonly string[]): SplitAddress {
  if (typeof url !== 'string') {
    throw spError('EINVAL', `the address must be a string such as "tcp://127.0.0.1:5555", got ${url === null ? 'null' : typeof url}`);
  }
  const bytes = utf8Length(url);
  if (bytes >= SOCKADDR_MAX) {
    throw spError('ENAMETOOLONG', `the address must be shorter than ${SOCKADDR_MAX} bytes, got ${bytes}: ${url.slice(0, 40)}…`);
  }
  // nn_global_create_ep: the first ':' must be followed by '//'
  const sep = url.indexOf(':');
  if (sep < 0 || !url.startsWith('//', sep + 1)) throw spError('EINVAL', `the address ${JSON.stringify(url)} has no "scheme://" part`);
  const scheme = url.slice(0, sep);
  if (!schemes.includes(scheme)) {
    throw spError(
      'EPROTONOSUPPORT',
      `the address ${JSON.stringify(url)} uses the transport "${scheme}", which nanosp does not serve (it knows ${schemes.join(', ')})`,
    );
  }
  return { url, scheme, rest: url.slice(sep + 3) };
}
