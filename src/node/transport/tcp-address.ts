/**
 * The TCP address forms (spec/wire.md §5.2), also used by ws:// and tls+tcp://: literal
 * addresses, host names as nanomsg checks them, bind interfaces and connect targets.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { spError } from '../../sp/errors.js';

/** A literal IP address, optionally in brackets; undefined when it is not one (or is IPv6 and IPv6 is off). */
export function parseLiteral(text: string, ipv4Only: boolean): { address: string; family: 4 | 6 } | undefined {
  const inner = text.length >= 2 && text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  if (isIPv4(inner)) return { address: inner, family: 4 };
  if (!ipv4Only && isIPv6(inner)) return { address: inner, family: 6 };
  return undefined;
}

/**
 * nanomsg's host name rule (nn_dns_check_hostname): 1–255 characters of labels made of
 * letters, digits and '-', each label 1–63 characters, no empty label, not starting with '-'.
 */
export function isValidHostname(name: string): boolean {
  if (name.length < 1 || name.length > 255 || name.startsWith('-')) return false;
  for (const label of name.split('.')) {
    if (label.length < 1 || label.length > 63 || !/^[A-Za-z0-9-]+$/.test(label)) return false;
  }
  return true;
}

/** A port after the last colon: all digits, at most 65535; 0 only where `allowZero`. */
function parsePort(text: string, url: string, allowZero: boolean): number {
  // any number of digits, as nn_port_resolve takes them ("000080" is port 80)
  if (!/^[0-9]+$/.test(text) || Number(text) > 65535 || (!allowZero && Number(text) === 0)) {
    throw spError('EINVAL', `the port ${JSON.stringify(text)} in ${JSON.stringify(url)} must be a number from ${allowZero ? 0 : 1} to 65535`);
  }
  return Number(text);
}

function splitPort(rest: string, url: string): [host: string, port: string] {
  const colon = rest.lastIndexOf(':');
  if (colon < 0) throw spError('EINVAL', `the address ${JSON.stringify(url)} has no ":port"`);
  return [rest.slice(0, colon), rest.slice(colon + 1)];
}

export interface TcpBindAddress {
  /** What to pass to `server.listen({ host })`. */
  readonly host: string;
  readonly port: number;
  /** The interface as written (`*`, `127.0.0.1`, `[::1]`), to rebuild the URL with the real port. */
  readonly iface: string;
}

/**
 * `tcp://<iface>:<port>` for bind: `*` or a literal address (ENODEV otherwise; nanomsg never
 * resolves names here). Port 0 binds a free port as NNG does; nanomsg refuses it.
 */
export function parseTcpBind(url: string, rest: string, ipv4Only: boolean): TcpBindAddress {
  const [iface, portText] = splitPort(rest, url);
  const port = parsePort(portText, url, true);
  if (iface === '*') return { host: ipv4Only ? '0.0.0.0' : '::', port, iface };
  const literal = parseLiteral(iface, ipv4Only);
  if (!literal) {
    const why = parseLiteral(iface, false) ? ' (an IPv6 address needs ipv4Only: false)' : '';
    throw spError('ENODEV', `the interface ${JSON.stringify(iface)} in ${JSON.stringify(url)} must be "*" or a literal IP address${why}`);
  }
  return { host: literal.address, port, iface };
}

export interface TcpConnectAddress {
  /** Local address to bind before connecting (`tcp://local;host:port`). */
  readonly local: string | undefined;
  /** A literal address or a DNS name (resolved at each connect). */
  readonly host: string;
  readonly port: number;
  /** Set when `host` is already a literal address. */
  readonly family: 4 | 6 | undefined;
}

/** `tcp://[<local-iface>;]<host>:<port>` for connect (spec/wire.md §5.2). */
export function parseTcpConnect(url: string, rest: string, ipv4Only: boolean): TcpConnectAddress {
  const semi = rest.indexOf(';');
  const localText = semi >= 0 ? rest.slice(0, semi) : undefined;
  const [hostText, portText] = splitPort(semi >= 0 ? rest.slice(semi + 1) : rest, url);
  const port = parsePort(portText, url, false);
  const literal = parseLiteral(hostText, ipv4Only);
  if (!literal && !isValidHostname(hostText)) {
    const why = parseLiteral(hostText, false) ? ' (an IPv6 address needs ipv4Only: false)' : '';
    throw spError('EINVAL', `the host ${JSON.stringify(hostText)} in ${JSON.stringify(url)} is neither a valid host name nor a literal IP address${why}`);
  }
  let local: string | undefined;
  if (localText !== undefined) {
    if (localText === '*') local = undefined;
    else {
      const localLiteral = parseLiteral(localText, ipv4Only);
      if (!localLiteral) {
        throw spError('ENODEV', `the local interface ${JSON.stringify(localText)} in ${JSON.stringify(url)} must be "*" or a literal IP address`);
      }
      local = localLiteral.address;
    }
  }
  return { local, host: literal ? literal.address : hostText, port, family: literal?.family };
}

/** The URL of a bound TCP endpoint with the port the kernel chose. */
export function formatTcpUrl(scheme: string, iface: string, port: number): string {
  return `${scheme}://${iface}:${port}`;
}
