/**
 * Endpoint addresses (spec/wire.md §5.1 generic checks, §5.2 TCP bind and connect forms,
 * including every case of nanomsg's tests/tcp.c).
 */
import { describe, it, expect } from 'vitest';
import { splitAddress, SOCKADDR_MAX } from '../../src/sp/address.js';
import { parseTcpBind, parseTcpConnect, parseLiteral, isValidHostname, formatTcpUrl } from '../../src/node/transport/tcp-address.js';
import { expectSpError } from '../helpers/assert.js';

const SCHEMES = ['inproc', 'ipc', 'tcp', 'ws'] as const;


/** The address as a user writes it, through splitAddress like the socket does. */
function bind(url: string, ipv4Only = true) {
  return parseTcpBind(url, splitAddress(url, SCHEMES).rest, ipv4Only);
}
function connect(url: string, ipv4Only = true) {
  return parseTcpConnect(url, splitAddress(url, SCHEMES).rest, ipv4Only);
}

describe('splitAddress (spec §5.1)', () => {
  it('splits scheme and rest and keeps the url', () => {
    expect(splitAddress('tcp://127.0.0.1:5555', SCHEMES)).toEqual({ url: 'tcp://127.0.0.1:5555', scheme: 'tcp', rest: '127.0.0.1:5555' });
    expect(splitAddress('inproc://a://b', SCHEMES)).toEqual({ url: 'inproc://a://b', scheme: 'inproc', rest: 'a://b' });
    expect(splitAddress('ipc:///tmp/x.ipc', SCHEMES).rest).toBe('/tmp/x.ipc');
    expect(splitAddress('inproc://', SCHEMES).rest).toBe('');
  });

  it('needs "//" right after the first colon, as nn_global_create_ep does', () => {
    expectSpError(() => splitAddress('a:b://x', SCHEMES), 'EINVAL', 22);
    expectSpError(() => splitAddress('tcp:/127.0.0.1:5555', SCHEMES), 'EINVAL', 22);
  });

  it.each([null, undefined, 42, {}, ['tcp://127.0.0.1:1'], Buffer.from('tcp://127.0.0.1:1')])(
    'refuses a non-string (%s) with EINVAL',
    (value) => {
      const err = expectSpError(() => splitAddress(value, SCHEMES), 'EINVAL', 22);
      expect(err.message).toContain(value === null ? 'null' : typeof value);
    },
  );

  it('refuses an address of 128 bytes or more with ENAMETOOLONG, accepts 127', () => {
    expect(SOCKADDR_MAX).toBe(128);
    const base = 'inproc://';
    const ok = base + 'a'.repeat(127 - base.length);
    expect(ok.length).toBe(127);
    expect(splitAddress(ok, SCHEMES).rest).toBe('a'.repeat(127 - base.length));
    const long = base + 'a'.repeat(128 - base.length);
    const err = expectSpError(() => splitAddress(long, SCHEMES), 'ENAMETOOLONG', 36);
    expect(err.message).toContain('128');
    expect(err.message).toContain('inproc://aaaa');
  });

  it('counts bytes, not characters, for the length limit', () => {
    // 9 + 59 × 2 bytes = 127 bytes: fits; one more 2-byte character does not
    expect(splitAddress('inproc://' + 'é'.repeat(59), SCHEMES).scheme).toBe('inproc');
    expectSpError(() => splitAddress('inproc://' + 'é'.repeat(60), SCHEMES), 'ENAMETOOLONG', 36);
  });

  it('checks the length before the scheme (a long unknown scheme is ENAMETOOLONG)', () => {
    expectSpError(() => splitAddress('foo://' + 'x'.repeat(200), SCHEMES), 'ENAMETOOLONG', 36);
    expectSpError(() => splitAddress('x'.repeat(200), SCHEMES), 'ENAMETOOLONG', 36);
  });

  it.each(['tcp:127.0.0.1:5555', 'tcp:/127.0.0.1:5555', '127.0.0.1:5555', '', 'tcp'])('refuses %j (no "://") with EINVAL', (url) => {
    const err = expectSpError(() => splitAddress(url, SCHEMES), 'EINVAL', 22);
    expect(err.message).toContain(JSON.stringify(url));
  });

  it.each(['udp://127.0.0.1:5555', 'TCP://127.0.0.1:5555', 'tls+tcp://127.0.0.1:5555', '://x'])('refuses the unknown scheme of %j with EPROTONOSUPPORT', (url) => {
    const err = expectSpError(() => splitAddress(url, SCHEMES), 'EPROTONOSUPPORT', 93);
    expect(err.message).toContain(url);
  });

  it('uses the scheme list it is given', () => {
    expect(splitAddress('ws://h:1/p', ['ws']).scheme).toBe('ws');
    expectSpError(() => splitAddress('tcp://h:1', ['ipc']), 'EPROTONOSUPPORT', 93);
    expectSpError(() => splitAddress('tcp://h:1', []), 'EPROTONOSUPPORT', 93);
  });
});

describe('parseTcpBind (spec §5.2)', () => {
  it('binds * to 0.0.0.0 with ipv4Only and to :: without', () => {
    expect(bind('tcp://*:5555')).toEqual({ host: '0.0.0.0', port: 5555, iface: '*' });
    expect(bind('tcp://*:5555', false)).toEqual({ host: '::', port: 5555, iface: '*' });
  });

  it('binds a literal IPv4 address', () => {
    expect(bind('tcp://127.0.0.1:5555')).toEqual({ host: '127.0.0.1', port: 5555, iface: '127.0.0.1' });
    expect(bind('tcp://0.0.0.0:1')).toEqual({ host: '0.0.0.0', port: 1, iface: '0.0.0.0' });
  });

  it('binds a literal IPv6 address in brackets when IPv6 is on, keeping the brackets in iface', () => {
    expect(bind('tcp://[::1]:5555', false)).toEqual({ host: '::1', port: 5555, iface: '[::1]' });
    expect(bind('tcp://[fe80::1:2]:80', false)).toEqual({ host: 'fe80::1:2', port: 80, iface: '[fe80::1:2]' });
  });

  it('refuses an IPv6 literal with ipv4Only as ENODEV (nanomsg: iface resolve fails), hinting at ipv4Only', () => {
    const err = expectSpError(() => bind('tcp://[::1]:5555', true), 'ENODEV', 19);
    expect(err.message).toContain('[::1]');
    expect(err.message).toContain('ipv4Only');
  });

  it.each(['eth10000', 'localhost', 'example.com', '', '[127.0.0.1', '1.2.3.4.5'])('refuses the non-literal interface %j with ENODEV', (iface) => {
    const url = `tcp://${iface}:5555`;
    const err = expectSpError(() => bind(url), 'ENODEV', 19);
    expect(err.message).toContain(JSON.stringify(iface));
  });

  it('accepts port 0 (an ephemeral port, as NNG) and 65535', () => {
    expect(bind('tcp://127.0.0.1:0').port).toBe(0);
    expect(bind('tcp://*:0').port).toBe(0);
    expect(bind('tcp://*:65535').port).toBe(65535);
  });

  it.each([
    ['tcp://*:', '""'],
    ['tcp://127.0.0.1:', '""'],
    ['tcp://*:1000000', '"1000000"'],
    ['tcp://127.0.0.1:1000000', '"1000000"'],
    ['tcp://*:65536', '"65536"'],
    ['tcp://*:some_port', '"some_port"'],
    ['tcp://*:-1', '"-1"'],
    ['tcp://*:+80', '"+80"'],
    ['tcp://*: 80', '" 80"'],
    ['tcp://*:80 ', '"80 "'],
    ['tcp://*:0x50', '"0x50"'],
    ['tcp://*:8.0', '"8.0"'],
  ])('refuses the port of %s with EINVAL and names it', (url, shown) => {
    const err = expectSpError(() => bind(url), 'EINVAL', 22);
    expect(err.message).toContain(shown);
  });

  it('refuses an address without a port with EINVAL', () => {
    expectSpError(() => bind('tcp://127.0.0.1'), 'EINVAL', 22);
    expectSpError(() => bind('tcp://*'), 'EINVAL', 22);
  });

  it('checks the port before the interface, as nanomsg (bad port and bad iface → EINVAL)', () => {
    expectSpError(() => bind('tcp://eth0:x'), 'EINVAL', 22);
  });

  // nanomsg's nn_port_resolve accepts any number of digits while the value stays ≤ 65535,
  // and spec §5.2 says only "all digits and 1–65535"; leading zeros are such a port.
  it('accepts a port with leading zeros (000080 is port 80, as nanomsg)', () => {
    expect(bind('tcp://*:000080').port).toBe(80);
  });
});

describe('parseTcpConnect (spec §5.2)', () => {
  it('connects to a literal IPv4 address', () => {
    expect(connect('tcp://127.0.0.1:5555')).toEqual({ local: undefined, host: '127.0.0.1', port: 5555, family: 4 });
  });

  it('connects to a host name, resolved later (no family yet)', () => {
    expect(connect('tcp://localhost:80')).toEqual({ local: undefined, host: 'localhost', port: 80, family: undefined });
    expect(connect('tcp://a-b.c0.example:65535')).toEqual({ local: undefined, host: 'a-b.c0.example', port: 65535, family: undefined });
  });

  it('refuses [::1]:5555 with EINVAL when ipv4Only, accepts it as IPv6 otherwise', () => {
    const err = expectSpError(() => connect('tcp://[::1]:5555', true), 'EINVAL', 22);
    expect(err.message).toContain('[::1]');
    expect(err.message).toContain('ipv4Only');
    expect(connect('tcp://[::1]:5555', false)).toEqual({ local: undefined, host: '::1', port: 5555, family: 6 });
  });

  it('accepts an IPv4 literal in brackets (nanomsg strips them)', () => {
    expect(connect('tcp://[127.0.0.1]:5555')).toMatchObject({ host: '127.0.0.1', family: 4 });
  });

  it('refuses port 0 on connect with EINVAL', () => {
    const err = expectSpError(() => connect('tcp://127.0.0.1:0'), 'EINVAL', 22);
    expect(err.message).toContain('"0"');
  });

  // nanomsg tests/tcp.c, as listed in spec §5.2
  it.each([
    ['tcp://*:', 'EINVAL', 22, '""'],
    ['tcp://*:1000000', 'EINVAL', 22, '1000000'],
    ['tcp://*:some_port', 'EINVAL', 22, 'some_port'],
    ['tcp://eth10000;127.0.0.1:5555', 'ENODEV', 19, 'eth10000'],
    ['tcp://127.0.0.1', 'EINVAL', 22, 'tcp://127.0.0.1'],
    ['tcp://:5555', 'EINVAL', 22, '""'],
    ['tcp://-hostname:5555', 'EINVAL', 22, '-hostname'],
    ['tcp://abc.123.---.#:5555', 'EINVAL', 22, 'abc.123.---.#'],
    ['tcp://[::1]:5555', 'EINVAL', 22, '[::1]'],
    ['tcp://abc...123:5555', 'EINVAL', 22, 'abc...123'],
    ['tcp://.123:5555', 'EINVAL', 22, '.123'],
  ] as const)('%s → %s', (url, code, errno, named) => {
    const err = expectSpError(() => connect(url, true), code, errno);
    expect(err.message).toContain(named);
  });

  it('refuses * as the remote host with EINVAL', () => {
    expectSpError(() => connect('tcp://*:5555'), 'EINVAL', 22);
  });

  it('binds to a literal local interface given before ";"', () => {
    expect(connect('tcp://127.0.0.1;127.0.0.2:5555')).toEqual({ local: '127.0.0.1', host: '127.0.0.2', port: 5555, family: 4 });
    expect(connect('tcp://192.168.0.1;example.com:80')).toEqual({ local: '192.168.0.1', host: 'example.com', port: 80, family: undefined });
    expect(connect('tcp://[::1];[::1]:5555', false)).toEqual({ local: '::1', host: '::1', port: 5555, family: 6 });
  });

  it('treats a local interface of * as no local binding', () => {
    expect(connect('tcp://*;127.0.0.1:5555')).toEqual({ local: undefined, host: '127.0.0.1', port: 5555, family: 4 });
    expect(connect('tcp://*;example.com:5555')).toEqual({ local: undefined, host: 'example.com', port: 5555, family: undefined });
  });

  it.each(['eth0', 'localhost', '', '[::1]'])('refuses the non-literal local interface %j with ENODEV (ipv4Only)', (local) => {
    const err = expectSpError(() => connect(`tcp://${local};127.0.0.1:5555`), 'ENODEV', 19);
    expect(err.message).toContain(JSON.stringify(local));
  });

  it('checks port, then host, then local interface, as nanomsg does', () => {
    // bad local and bad port: the port wins
    expectSpError(() => connect('tcp://eth0;127.0.0.1:x'), 'EINVAL', 22);
    // bad local and bad host: the host wins
    expectSpError(() => connect('tcp://eth0;-bad:5555'), 'EINVAL', 22);
  });

  it('takes the port after the last colon', () => {
    expectSpError(() => connect('tcp://127.0.0.1:5555:6666'), 'EINVAL', 22);
    expect(connect('tcp://[::1]:5555', false).port).toBe(5555);
  });
});

describe('isValidHostname (nanomsg nn_dns_check_hostname)', () => {
  it.each(['localhost', 'a', 'A-b', 'example.com', 'abc.123', 'x--y.z', '0', 'a.---', 'abc.123.---.def'])('accepts %j', (name) => {
    expect(isValidHostname(name)).toBe(true);
  });

  it.each(['', '-hostname', '.123', 'abc.', 'abc...123', 'a..b', 'abc.123.---.#', 'a_b', 'a b', 'hé', '*', '[::1]', 'a:b'])('refuses %j', (name) => {
    expect(isValidHostname(name)).toBe(false);
  });

  it('allows labels of 63 characters but not 64', () => {
    expect(isValidHostname('a'.repeat(63))).toBe(true);
    expect(isValidHostname('a'.repeat(64))).toBe(false);
    expect(isValidHostname(`x.${'a'.repeat(63)}.y`)).toBe(true);
    expect(isValidHostname(`x.${'a'.repeat(64)}.y`)).toBe(false);
  });

  it('allows 255 characters in all but not 256', () => {
    const label = 'a'.repeat(63);
    const name255 = [label, label, label, label].join('.'); // 4 × 63 + 3 = 255
    expect(name255.length).toBe(255);
    expect(isValidHostname(name255)).toBe(true);
    const name256 = ['a'.repeat(61), label, label, label, 'bb'].join('.'); // every label ≤ 63
    expect(name256.length).toBe(256);
    expect(isValidHostname(name256)).toBe(false);
    expect(isValidHostname(name256.slice(1))).toBe(true); // 255 with the same labels
  });
});

describe('parseLiteral', () => {
  it('recognises IPv4 always and IPv6 only when allowed, with or without brackets', () => {
    expect(parseLiteral('10.0.0.1', true)).toEqual({ address: '10.0.0.1', family: 4 });
    expect(parseLiteral('[10.0.0.1]', true)).toEqual({ address: '10.0.0.1', family: 4 });
    expect(parseLiteral('::1', true)).toBeUndefined();
    expect(parseLiteral('::1', false)).toEqual({ address: '::1', family: 6 });
    expect(parseLiteral('[::1]', false)).toEqual({ address: '::1', family: 6 });
    expect(parseLiteral('[::1', false)).toBeUndefined();
    expect(parseLiteral('localhost', false)).toBeUndefined();
    expect(parseLiteral('', false)).toBeUndefined();
    expect(parseLiteral('[]', false)).toBeUndefined();
  });
});

describe('formatTcpUrl', () => {
  it('rebuilds the URL with the real port', () => {
    expect(formatTcpUrl('tcp', '127.0.0.1', 40123)).toBe('tcp://127.0.0.1:40123');
    expect(formatTcpUrl('tcp', '*', 5555)).toBe('tcp://*:5555');
    expect(formatTcpUrl('tcp', '[::1]', 1)).toBe('tcp://[::1]:1');
  });

  it('round-trips through parseTcpBind', () => {
    const parsed = bind('tcp://[::1]:0', false);
    const url = formatTcpUrl('tcp', parsed.iface, 45678);
    expect(bind(url, false)).toEqual({ host: '::1', port: 45678, iface: '[::1]' });
  });
});
