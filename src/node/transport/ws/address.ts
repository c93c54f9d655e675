/**
 * WebSocket addresses (spec/wire.md §1.5 "Addresses", §5.3, §5.4).
 *
 * Connect: `ws://[<local>;]host[:port][/path][?query]`, as nanomsg's cws.c reads it: the port
 * defaults to 80 (443 for wss), the resource to `/`, and the `Host:` header is the host and
 * port exactly as written. Bind: `ws://<iface>:<port>[/path]` with nanomsg's TCP bind rules
 * for the interface (`*` or a literal, ENODEV otherwise) and a port that must be written;
 * port 0 binds a free port and a path is allowed, as NNG does (nanomsg refuses both, but NNG
 * routes by path and nanosp does too).
 */
import { parseLiteral, parseTcpBind, isValidHostname } from '../tcp-address.js';
import { spError } from '../../../sp/errors.js';

export interface WsBindAddress {
  /** What to pass to `server.listen({ host })`. */
  readonly host: string;
  readonly port: number;
  /** The interface as written (`*`, `127.0.0.1`, `[::1]`). */
  readonly iface: string;
  /** The path requests are routed by: as written, `/` when none was. */
  readonly path: string;
  /** The path exactly as written (maybe empty), to rebuild the URL with the real port. */
  readonly pathAsWritten: string;
}

export interface WsConnectAddress {
  /** Local address to bind before connecting (`ws://local;host:port`), if any. */
  readonly local: string | undefined;
  /** A literal address or a DNS name (resolved at each attempt). */
  readonly host: string;
  readonly port: number;
  /** Set when `host` is a literal address. */
  readonly family: 4 | 6 | undefined;
  /** The `Host:` header: host and port exactly as written. */
  readonly hostHeader: string;
  /** The request target: path and query, `/` when none was written. */
  readonly resource: string;
}

/** Characters that would break the request line or a header if they got into a path. */
const UNSAFE = /[\s\x00-\x1f\x7f]/;

/** The index where the authority ends: the first `/` or `?` (or the end). */
function authorityEnd(rest: string): number {
  for (let i = 0; i < rest.length; i++) {
    const c = rest.charCodeAt(i);
    if (c === 0x2f /* / */ || c === 0x3f /* ? */) return i;
  }
  return rest.length;
}

function checkPort(text: string, url: string, allowZero: boolean): number {
  if (!/^[0-9]+$/.test(text) || Number(text) > 65535 || (!allowZero && Number(text) === 0)) {
    throw spError('EINVAL', `the port ${JSON.stringify(text)} in ${JSON.stringify(url)} must be a number from ${allowZero ? 0 : 1} to 65535`);
  }
  return Number(text);
}

export function parseWsBind(url: string, rest: string, ipv4Only: boolean): WsBindAddress {
  const end = authorityEnd(rest);
  const authority = rest.slice(0, end);
  const path = rest.slice(end);
  if (/[?#]/.test(path)) {
    throw spError('EINVAL', `the bound address ${JSON.stringify(url)} may have a path but no query or fragment`);
  }
  if (UNSAFE.test(path)) throw spError('EINVAL', `the path in ${JSON.stringify(url)} contains white space or control characters`);
  // `<iface>:<port>` exactly as a TCP bind: ENODEV for a non-literal interface, EINVAL for the port
  const where = parseTcpBind(url, authority, ipv4Only);
  return { host: where.host, port: where.port, iface: where.iface, path: path === '' ? '/' : path, pathAsWritten: path };
}

export function parseWsConnect(url: string, rest: string, ipv4Only: boolean, defaultPort: number): WsConnectAddress {
  const end = authorityEnd(rest);
  let authority = rest.slice(0, end);
  const target = rest.slice(end);
  if (UNSAFE.test(target) || UNSAFE.test(authority)) {
    throw spError('EINVAL', `the address ${JSON.stringify(url)} contains white space or control characters`);
  }
  const resource = target === '' ? '/' : target.startsWith('?') ? `/${target}` : target;

  let local: string | undefined;
  const semi = authority.indexOf(';');
  if (semi >= 0) {
    const localText = authority.slice(0, semi);
    authority = authority.slice(semi + 1);
    if (localText !== '*') {
      const literal = parseLiteral(localText, ipv4Only);
      if (!literal) {
        throw spError('ENODEV', `the local interface ${JSON.stringify(localText)} in ${JSON.stringify(url)} must be "*" or a literal IP address`);
      }
      local = literal.address;
    }
  }

  let hostText: string;
  let port = defaultPort;
  if (authority.startsWith('[')) {
    const close = authority.indexOf(']');
    if (close < 0) throw spError('EINVAL', `the IPv6 address in ${JSON.stringify(url)} has no closing "]"`);
    hostText = authority.slice(0, close + 1);
    const after = authority.slice(close + 1);
    if (after !== '') {
      if (!after.startsWith(':')) throw spError('EINVAL', `unexpected ${JSON.stringify(after)} after the IPv6 address in ${JSON.stringify(url)}`);
      port = checkPort(after.slice(1), url, false);
    }
  } else {
    const colon = authority.lastIndexOf(':');
    hostText = colon >= 0 ? authority.slice(0, colon) : authority;
    if (colon >= 0) port = checkPort(authority.slice(colon + 1), url, false);
  }

  const literal = parseLiteral(hostText, ipv4Only);
  if (!literal && !isValidHostname(hostText)) {
    const why = parseLiteral(hostText, false) ? ' (an IPv6 address needs ipv4Only: false)' : '';
    throw spError('EINVAL', `the host ${JSON.stringify(hostText)} in ${JSON.stringify(url)} is neither a valid host name nor a literal IP address${why}`);
  }
  return {
    local,
    host: literal ? literal.address : hostText,
    port,
    family: literal?.family,
    hostHeader: authority,
    resource,
  };
}

/** The URL of a bound endpoint, with the port the kernel chose and the path as written. */
export function formatWsUrl(scheme: string, iface: string, port: number, pathAsWritten: string): string {
  return `${scheme}://${iface}:${port}${pathAsWritten}`;
}
