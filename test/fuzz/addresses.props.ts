/**
 * Endpoint addresses (src/sp/address.ts, tcp-address.ts, ws/address.ts, ipc.ts): anything a
 * user passes is an address or an SpError naming what is wrong (EINVAL, ENAMETOOLONG,
 * EPROTONOSUPPORT, ENODEV), never another throw; the addresses nanosp itself writes (a bound
 * endpoint's URL) read back the same.
 */
import { deepStrictEqual, equal, ok } from 'node:assert/strict';
import fc from 'fast-check';
import { splitAddress, SOCKADDR_MAX } from '../../src/sp/address.js';
import { SpError, type ErrnoName } from '../../src/sp/errors.js';
import { parseIpcAddress } from '../../src/node/transport/ipc.js';
import { formatTcpUrl, isValidHostname, parseTcpBind, parseTcpConnect } from '../../src/node/transport/tcp-address.js';
import { formatWsUrl, parseWsBind, parseWsConnect } from '../../src/node/transport/ws/address.js';
import { pure, type FuzzProperty } from './harness/property.js';

const SCHEMES = ['inproc', 'ipc', 'unix', 'abstract', 'tcp', 'ws', 'wss', 'tls+tcp'];

/** Run `fn`; an SpError with one of `codes` is fine, any other throw fails. */
function onlySpErrors<T>(codes: readonly ErrnoName[], fn: () => T): T | undefined {
  try {
    return fn();
  } catch (err) {
    ok(err instanceof SpError, `not an SpError: ${String(err)}`);
    ok(codes.includes(err.code), `${err.code}: ${err.message}`);
    return undefined;
  }
}

/** Address text that is often nearly right: pieces of real addresses glued at random. */
const restArb: fc.Arbitrary<string> = fc
  .array(fc.oneof(fc.constantFrom('*', '127.0.0.1', '[::1]', '::1', 'localhost', ':', ';', '/', '?', '#', '[', ']', '%', ' ', '0', '5555', '65536', 'eth0', '-a', '..'), fc.domain(), fc.ipV4(), fc.ipV6(), fc.string({ maxLength: 6 })), { maxLength: 6 })
  .map((parts) => parts.join(''));

const portArb = fc.integer({ min: 1, max: 65535 });
const ifaceArb = fc.oneof(fc.constant('*'), fc.ipV4(), fc.ipV6().map((a) => `[${a}]`));
const hostArb = fc.oneof(fc.domain(), fc.ipV4(), fc.ipV6().map((a) => `[${a}]`));
const pathArb = fc.stringMatching(/^(\/[A-Za-z0-9._~%-]{0,8}){0,3}$/);

/** nanomsg's host name rule, written here from spec/wire.md §5.2. */
function hostnameOracle(name: string): boolean {
  const labels = name.split('.');
  return name.length >= 1 && name.length <= 255 && !name.startsWith('-') && labels.every((l) => /^[A-Za-z0-9-]{1,63}$/.test(l));
}

export const addressProperties: readonly FuzzProperty[] = [
  pure('splitAddress takes anything: an address that splits back into itself, or EINVAL, ENAMETOOLONG, EPROTONOSUPPORT', 1000, () =>
    fc.property(fc.oneof(fc.tuple(fc.constantFrom(...SCHEMES, 'http', ''), fc.constantFrom('://', ':/', '//', ':'), restArb).map(([s, sep, rest]) => s + sep + rest), fc.string({ maxLength: 140 }), fc.anything({ withNullPrototype: true, withBigInt: true })), (url) => {
      const split = onlySpErrors(['EINVAL', 'ENAMETOOLONG', 'EPROTONOSUPPORT'], () => splitAddress(url, SCHEMES));
      if (!split) return;
      equal(split.url, `${split.scheme}://${split.rest}`);
      ok(SCHEMES.includes(split.scheme) && Buffer.byteLength(split.url) < SOCKADDR_MAX);
    }),
  ),

  pure("each transport's parser takes any address text: a target, or EINVAL, ENODEV or ENAMETOOLONG", 1000, () =>
    fc.property(restArb, fc.boolean(), fc.constantFrom('ipc', 'abstract'), (rest, ipv4Only, ipcScheme) => {
      const url = `x://${rest}`;
      const codes: ErrnoName[] = ['EINVAL', 'ENODEV', 'ENAMETOOLONG'];
      const bind = onlySpErrors(codes, () => parseTcpBind(url, rest, ipv4Only));
      if (bind) ok(bind.port >= 0 && bind.port <= 65535);
      const target = onlySpErrors(codes, () => parseTcpConnect(url, rest, ipv4Only));
      if (target) ok(target.port >= 1 && target.port <= 65535 && target.host !== '');
      onlySpErrors(codes, () => parseWsBind(url, rest, ipv4Only));
      const ws = onlySpErrors(codes, () => parseWsConnect(url, rest, ipv4Only, 80));
      if (ws) ok(ws.resource.startsWith('/') && !/\s/.test(ws.resource + ws.hostHeader));
      onlySpErrors(codes, () => parseIpcAddress({ url, scheme: ipcScheme, rest }));
    }),
  ),

  pure("a bound endpoint's URL (tcp, ws) reads back as the same interface, port and path", 1000, () =>
    fc.property(ifaceArb, fc.integer({ min: 0, max: 65535 }), pathArb, (iface, port, path) => {
      const tcp = formatTcpUrl('tcp', iface, port);
      const bound = parseTcpBind(tcp, splitAddress(tcp, SCHEMES).rest, false);
      deepStrictEqual([bound.iface, bound.port], [iface, port]);
      const ws = formatWsUrl('ws', iface, port, path);
      const wsBound = parseWsBind(ws, splitAddress(ws, SCHEMES).rest, false);
      deepStrictEqual([wsBound.iface, wsBound.port, wsBound.pathAsWritten, wsBound.path], [iface, port, path, path === '' ? '/' : path]);
    }),
  ),

  pure('a connect URL (tcp, ws) gives its host, port, Host header and resource as written', 1000, () =>
    fc.property(fc.option(fc.oneof(fc.constant('*'), fc.ipV4()), { nil: undefined }), hostArb, fc.option(portArb, { nil: undefined }), pathArb, fc.option(fc.stringMatching(/^[A-Za-z0-9=&]{0,8}$/), { nil: undefined }), (local, host, port, path, query) => {
      const authority = `${local === undefined ? '' : `${local};`}${host}${port === undefined ? '' : `:${port}`}`;
      const bare = host.startsWith('[') ? host.slice(1, -1) : host;
      const ws = parseWsConnect('ws', authority + path + (query === undefined ? '' : `?${query}`), false, 80);
      deepStrictEqual(
        [ws.host, ws.port, ws.hostHeader.slice(ws.hostHeader.indexOf(';') + 1), ws.resource, ws.local],
        [bare, port ?? 80, `${host}${port === undefined ? '' : `:${port}`}`, (path === '' ? '/' : path) + (query === undefined ? '' : `?${query}`), local === '*' ? undefined : local],
      );
      if (port === undefined) return;
      const tcp = parseTcpConnect('tcp', authority, false);
      deepStrictEqual([tcp.host, tcp.port, tcp.local], [bare, port, local === '*' ? undefined : local]);
    }),
  ),

  pure('host names are checked by the rule nanomsg has (labels of letters, digits and "-")', 1000, () =>
    fc.property(fc.oneof(fc.domain(), fc.stringMatching(/^[A-Za-z0-9.-]{0,70}$/), fc.string({ maxLength: 20 })), (name) => {
      equal(isValidHostname(name), hostnameOracle(name));
    }),
  ),
];
