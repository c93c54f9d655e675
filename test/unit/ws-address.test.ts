/** WebSocket addresses (spec/wire.md §1.5 "Addresses", §5.3, §5.4). */
import { describe, expect, it } from 'vitest';
import { formatWsUrl, parseWsBind, parseWsConnect } from '../../src/node/transport/ws/address.js';

function connect(url: string, ipv4Only = true, defaultPort = 80) {
  return parseWsConnect(url, url.slice(url.indexOf('://') + 3), ipv4Only, defaultPort);
}

function bind(url: string, ipv4Only = true) {
  return parseWsBind(url, url.slice(url.indexOf('://') + 3), ipv4Only);
}

describe('connect addresses', () => {
  it('defaults the port to 80 (wss: 443) and the resource to /, and keeps Host as written', () => {
    expect(connect('ws://127.0.0.1')).toEqual({ local: undefined, host: '127.0.0.1', port: 80, family: 4, hostHeader: '127.0.0.1', resource: '/' });
    expect(connect('wss://example.com', true, 443)).toMatchObject({ host: 'example.com', port: 443, family: undefined, hostHeader: 'example.com' });
  });

  it('takes the port, path and query', () => {
    expect(connect('ws://example.com:5555/a/b?x=1')).toMatchObject({ port: 5555, hostHeader: 'example.com:5555', resource: '/a/b?x=1' });
    expect(connect('ws://example.com:5555?x=1')).toMatchObject({ port: 5555, resource: '/?x=1' });
    expect(connect('ws://h:000080/')).toMatchObject({ port: 80, resource: '/' });
  });

  it('takes bracketed IPv6 literals when IPv6 is on', () => {
    expect(connect('ws://[::1]:5555/p', false)).toMatchObject({ host: '::1', port: 5555, family: 6, hostHeader: '[::1]:5555', resource: '/p' });
    expect(connect('ws://[::1]', false)).toMatchObject({ host: '::1', port: 80 });
    expect(() => connect('ws://[::1]:5555')).toThrow(expect.objectContaining({ code: 'EINVAL', message: expect.stringContaining('ipv4Only: false') }));
  });

  it('takes a local interface before ";"', () => {
    expect(connect('ws://127.0.0.1;127.0.0.1:5555')).toMatchObject({ local: '127.0.0.1', port: 5555 });
    expect(connect('ws://*;127.0.0.1:5555')).toMatchObject({ local: undefined });
    expect(() => connect('ws://eth0;127.0.0.1:5555')).toThrow(expect.objectContaining({ code: 'ENODEV' }));
  });

  it.each([
    'ws://127.0.0.1:0',
    'ws://127.0.0.1:65536',
    'ws://127.0.0.1:port',
    'ws://127.0.0.1:',
    'ws://:5555',
    'ws://*:5555',
    'ws://-host:5555',
    'ws://abc...123:5555',
    'ws://[::1:5555',
    'ws://[::1]x:5555',
    'ws://host:5555/a b',
  ])('refuses %s with EINVAL', (url) => {
    expect(() => connect(url, false)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
  });
});

describe('bind addresses', () => {
  it('takes * or a literal, a port (0: any free one) and a path', () => {
    expect(bind('ws://*:5555')).toEqual({ host: '0.0.0.0', port: 5555, iface: '*', path: '/', pathAsWritten: '' });
    expect(bind('ws://*:5555', false)).toMatchObject({ host: '::' });
    expect(bind('ws://127.0.0.1:0/sp/a')).toEqual({ host: '127.0.0.1', port: 0, iface: '127.0.0.1', path: '/sp/a', pathAsWritten: '/sp/a' });
    expect(bind('ws://[::1]:0/', false)).toMatchObject({ host: '::1', iface: '[::1]', path: '/', pathAsWritten: '/' });
  });

  it('refuses a non-literal interface with ENODEV, as TCP does', () => {
    expect(() => bind('ws://eth10000:5555')).toThrow(expect.objectContaining({ code: 'ENODEV' }));
    expect(() => bind('ws://localhost:5555/p')).toThrow(expect.objectContaining({ code: 'ENODEV' }));
  });

  it.each(['ws://*', 'ws://*:', 'ws://*:x', 'ws://*:70000', 'ws://*:5555/p?q=1', 'ws://*:5555?q', 'ws://*:5555/a#b', 'ws://*:5555/a b'])('refuses %s with EINVAL', (url) => {
    expect(() => bind(url)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
  });

  it('formats the bound URL with the real port and the path as written', () => {
    expect(formatWsUrl('ws', '127.0.0.1', 4242, '/p')).toBe('ws://127.0.0.1:4242/p');
    expect(formatWsUrl('wss', '*', 443, '')).toBe('wss://*:443');
  });
});
