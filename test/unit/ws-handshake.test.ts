/**
 * The WebSocket opening handshake as SP uses it (RFC 6455 §4, spec/wire.md §1.5): the accept
 * key, the request and response texts, nanomsg's server checks and refusal reasons, the
 * client's checks on the 101, the protocol names, and the bounded head reader.
 */
import { describe, expect, it } from 'vitest';
import {
  acceptKey,
  buildRefusal,
  buildRequest,
  buildSwitchingResponse,
  checkOfferedProtocol,
  checkRequest,
  checkResponse,
  HeadReader,
  newKey,
  parseHead,
  wsProtocolName,
  type Refusal,
  type WsRequest,
} from '../../src/node/transport/ws/handshake.js';

const RFC_KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
const RFC_ACCEPT = 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=';

const IDS = { pair: 0x10, pub: 0x20, sub: 0x21, req: 0x30, rep: 0x31, push: 0x50, pull: 0x51, surveyor: 0x62, respondent: 0x63, bus: 0x70 };

function request(lines: string[], startLine = 'GET /chat HTTP/1.1'): string {
  return [startLine, ...lines].join('\r\n');
}

const GOOD = [
  'Host: server.example.com',
  'Upgrade: websocket',
  'Connection: Upgrade',
  `Sec-WebSocket-Key: ${RFC_KEY}`,
  'Sec-WebSocket-Version: 13',
  'Sec-WebSocket-Protocol: rep.sp.nanomsg.org',
];

function without(name: string): string[] {
  return GOOD.filter((line) => !line.toLowerCase().startsWith(name.toLowerCase() + ':'));
}

function refusal(result: WsRequest | Refusal): Refusal {
  if (!('status' in result)) throw new Error(`expected a refusal, got ${JSON.stringify(result)}`);
  return result;
}

describe('keys', () => {
  it("computes RFC 6455's example accept key", () => {
    expect(acceptKey(RFC_KEY)).toBe(RFC_ACCEPT);
  });

  it('makes fresh 16-byte base64 keys', () => {
    const a = newKey();
    const b = newKey();
    expect(Buffer.from(a, 'base64')).toHaveLength(16);
    expect(a).toMatch(/^[A-Za-z0-9+/]{22}==$/);
    expect(a).not.toBe(b);
  });
});

describe('protocol names (spec/wire.md §1.5 table)', () => {
  it.each(Object.entries(IDS))('%s is %s.sp.nanomsg.org', (name, id) => {
    expect(wsProtocolName(id)).toBe(`${name}.sp.nanomsg.org`);
  });

  it('names PAIR v1 as NNG does', () => {
    expect(wsProtocolName(0x11)).toBe('pair1.sp.nanomsg.org');
  });
});

describe('request and response texts', () => {
  it("builds nanomsg's client request", () => {
    expect(buildRequest('/', '127.0.0.1:5555', RFC_KEY, 'rep.sp.nanomsg.org')).toBe(
      'GET / HTTP/1.1\r\nHost: 127.0.0.1:5555\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        `Sec-WebSocket-Key: ${RFC_KEY}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: rep.sp.nanomsg.org\r\n\r\n`,
    );
  });

  it('builds the 101 with lower-case websocket and the echoed protocol, or none', () => {
    expect(buildSwitchingResponse(RFC_KEY, 'rep.sp.nanomsg.org')).toBe(
      'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        `Sec-WebSocket-Accept: ${RFC_ACCEPT}\r\nSec-WebSocket-Protocol: rep.sp.nanomsg.org\r\n\r\n`,
    );
    expect(buildSwitchingResponse(RFC_KEY, undefined)).not.toContain('Sec-WebSocket-Protocol');
  });

  it('builds refusals with their reason and any extra fields', () => {
    expect(buildRefusal({ status: 404, reason: 'Not Found' })).toBe('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
    expect(buildRefusal({ status: 400, reason: 'Unsupported WebSocket Version', headers: ['Sec-WebSocket-Version: 13'] })).toBe(
      'HTTP/1.1 400 Unsupported WebSocket Version\r\nSec-WebSocket-Version: 13\r\nContent-Length: 0\r\nConnection: close\r\n\r\n',
    );
  });
});

describe('parseHead', () => {
  it('lower-cases names, trims values and joins repeated fields', () => {
    const head = parseHead('GET / HTTP/1.1\r\nX-One:  a \r\nx-one: b\r\nEmpty:');
    expect(head).toEqual({ startLine: 'GET / HTTP/1.1', headers: new Map([['x-one', 'a, b'], ['empty', '']]) });
  });

  it('refuses folded and malformed lines', () => {
    expect(parseHead('GET / HTTP/1.1\r\nA: b\r\n c')).toBe('folded header lines are not allowed');
    expect(parseHead('GET / HTTP/1.1\r\nno colon here')).toMatch(/malformed header line/);
    expect(parseHead('GET / HTTP/1.1\r\nBad Name: x')).toMatch(/malformed header line/);
  });
});

describe("checkRequest (nanomsg's server checks)", () => {
  it('accepts a good request and routes by path without the query', () => {
    expect(checkRequest(request(GOOD, 'GET /chat?x=1 HTTP/1.1'))).toEqual({
      uri: '/chat?x=1',
      path: '/chat',
      key: RFC_KEY,
      protocols: ['rep.sp.nanomsg.org'],
    });
  });

  it("takes NNG 1.5.2's empty target (a dial to a URL without a path) as the root path", () => {
    expect(checkRequest(request(GOOD, 'GET  HTTP/1.1'))).toMatchObject({ uri: '/', path: '/' });
  });

  it('compares field names and the Upgrade and Connection values case-insensitively', () => {
    const lines = ['HOST: h', 'upgrade: WebSocket', 'connection: keep-alive, UPGRADE', `sec-websocket-key: ${RFC_KEY}`, 'SEC-WEBSOCKET-VERSION: 13'];
    expect(checkRequest(request(lines, 'GET / HTTP/1.1'))).toEqual({ uri: '/', path: '/', key: RFC_KEY, protocols: undefined });
  });

  it('splits an offered protocol list', () => {
    const lines = [...without('Sec-WebSocket-Protocol'), 'Sec-WebSocket-Protocol: a, rep.sp.nanomsg.org'];
    expect(checkRequest(request(lines))).toMatchObject({ protocols: ['a', 'rep.sp.nanomsg.org'] });
  });

  it.each([
    ['a POST', request(GOOD, 'POST / HTTP/1.1'), 'request line'],
    ['HTTP/1.0', request(GOOD, 'GET / HTTP/1.0'), 'request line'],
    ['an absolute URI', request(GOOD, 'GET http://h/ HTTP/1.1'), 'request line'],
    ['no Host', request(without('Host')), 'no Host'],
    ['no Upgrade', request(without('Upgrade')), 'not a WebSocket upgrade'],
    ['Upgrade: h2c', request([...without('Upgrade'), 'Upgrade: h2c']), 'not a WebSocket upgrade'],
    ['Connection without upgrade', request([...without('Connection'), 'Connection: keep-alive']), 'does not contain "upgrade"'],
    ['no key', request(without('Sec-WebSocket-Key')), 'Sec-WebSocket-Key'],
    ['a short key', request([...without('Sec-WebSocket-Key'), 'Sec-WebSocket-Key: abc=']), 'Sec-WebSocket-Key'],
    ['no version', request(without('Sec-WebSocket-Version')), 'no Sec-WebSocket-Version'],
    ['a plain HTTP GET', 'GET / HTTP/1.1\r\nHost: x', 'not a WebSocket upgrade'],
  ])('answers 400 Bad Request to %s', (_name, text, detail) => {
    const r = refusal(checkRequest(text));
    expect(r.status).toBe(400);
    expect(r.reason).toBe('Bad Request');
    expect(r.detail).toContain(detail);
  });

  it('answers 400 Unsupported WebSocket Version with the version it speaks', () => {
    const r = refusal(checkRequest(request([...without('Sec-WebSocket-Version'), 'Sec-WebSocket-Version: 8'])));
    expect(r).toMatchObject({ status: 400, reason: 'Unsupported WebSocket Version', headers: ['Sec-WebSocket-Version: 13'] });
  });
});

describe('checkOfferedProtocol', () => {
  it("accepts the server's own name and echoes the client's spelling", () => {
    expect(checkOfferedProtocol(['rep.sp.nanomsg.org'], IDS.rep, IDS.req)).toEqual({ echo: 'rep.sp.nanomsg.org' });
    expect(checkOfferedProtocol(['x', 'REP.sp.nanomsg.org'], IDS.rep, IDS.req)).toEqual({ echo: 'REP.sp.nanomsg.org' });
  });

  it('takes a missing name as PAIR, as nanomsg does', () => {
    expect(checkOfferedProtocol(undefined, IDS.pair, IDS.pair)).toEqual({ echo: undefined });
    expect(checkOfferedProtocol(undefined, IDS.rep, IDS.req)).toMatchObject({ status: 400, reason: 'Incompatible Socket Type' });
  });

  it("refuses another SP socket's name as incompatible and an unknown name as unrecognized", () => {
    // a REP client sends req.sp.nanomsg.org: right for a REQ server, wrong for a REQ
    expect(checkOfferedProtocol(['req.sp.nanomsg.org'], IDS.rep, IDS.req)).toMatchObject({ status: 400, reason: 'Incompatible Socket Type' });
    expect(checkOfferedProtocol(['pair1.sp.nanomsg.org'], IDS.pair, IDS.pair)).toMatchObject({ status: 400, reason: 'Incompatible Socket Type' });
    const r = checkOfferedProtocol(['chat'], IDS.rep, IDS.req);
    expect(r).toMatchObject({ status: 400, reason: 'Unrecognized Socket Type' });
    expect((r as Refusal).detail).toContain('needs "rep.sp.nanomsg.org"');
  });
});

describe("checkResponse (the client's checks)", () => {
  const ok = (lines: string[] = []) =>
    ['HTTP/1.1 101 Switching Protocols', 'Upgrade: websocket', 'Connection: Upgrade', `Sec-WebSocket-Accept: ${RFC_ACCEPT}`, ...lines].join('\r\n');

  it('accepts a 101 with or without the echoed protocol', () => {
    expect(checkResponse(ok(['Sec-WebSocket-Protocol: rep.sp.nanomsg.org']), RFC_KEY, 'rep.sp.nanomsg.org')).toBeUndefined();
    expect(checkResponse(ok(), RFC_KEY, 'rep.sp.nanomsg.org')).toBeUndefined();
  });

  it('reports a 4xx as a refusal with the server reason', () => {
    const err = checkResponse('HTTP/1.1 404 Not Found\r\nContent-Length: 0', RFC_KEY, 'rep.sp.nanomsg.org');
    expect(err?.code).toBe('ECONNREFUSED');
    expect(err?.message).toContain('404 Not Found');
    expect(checkResponse('HTTP/1.1 400 Incompatible Socket Type', RFC_KEY, 'x')?.message).toContain('400 Incompatible Socket Type');
  });

  it.each([
    ['a 200', 'HTTP/1.1 200 OK\r\nContent-Length: 0', 'instead of 101'],
    ['not HTTP', 'SSH-2.0-OpenSSH', 'did not answer with HTTP'],
    ['a wrong accept key', ok().replace(RFC_ACCEPT, acceptKey('other')), 'does not match'],
    ['no accept key', ok().replace(`Sec-WebSocket-Accept: ${RFC_ACCEPT}`, 'X: y'), 'does not match'],
    ['no Upgrade', ok().replace('Upgrade: websocket', 'X: y'), 'Upgrade'],
    ['no Connection: Upgrade', ok().replace('Connection: Upgrade', 'Connection: close'), 'Connection'],
    ['another protocol', ok(['Sec-WebSocket-Protocol: pull.sp.nanomsg.org']), 'asked for "rep.sp.nanomsg.org"'],
  ])('refuses %s with EPROTO', (_name, text, detail) => {
    const err = checkResponse(text, RFC_KEY, 'rep.sp.nanomsg.org');
    expect(err?.code).toBe('EPROTO');
    expect(err?.message).toContain(detail);
  });
});

describe('HeadReader', () => {
  const head = 'GET / HTTP/1.1\r\nHost: x';
  const bytes = Buffer.from(`${head}\r\n\r\n`);
  const frames = Buffer.from([0x82, 0x81, 1, 2, 3, 4, 5]);

  it('finds the end at every split and keeps what follows it untouched', () => {
    const whole = Buffer.concat([bytes, frames]);
    for (let cut = 0; cut <= whole.length; cut++) {
      const reader = new HeadReader(8192);
      const first = reader.push(whole.subarray(0, cut));
      if (cut >= bytes.length) {
        // the head ended in the first chunk: what followed it there is the rest
        expect(first, `cut ${cut}`).toEqual({ head, rest: cut > bytes.length ? whole.subarray(bytes.length, cut) : undefined });
      } else {
        expect(first, `cut ${cut}`).toBeUndefined();
        expect(reader.push(whole.subarray(cut)), `cut ${cut}`).toEqual({ head, rest: frames });
      }
    }
  });

  it('finds the end fed a byte at a time', () => {
    const reader = new HeadReader(8192);
    let got;
    for (let i = 0; i < bytes.length && got === undefined; i++) got = reader.push(bytes.subarray(i, i + 1));
    expect(got).toEqual({ head, rest: undefined });
  });

  it('takes a head of exactly the limit and refuses one byte more', () => {
    const filler = (n: number) => Buffer.from(`GET / HTTP/1.1\r\nX: ${'a'.repeat(n)}\r\n\r\n`);
    const exact = filler(100 - 'GET / HTTP/1.1\r\nX: \r\n\r\n'.length);
    expect(exact).toHaveLength(100);
    expect(new HeadReader(100).push(exact)).toMatchObject({ rest: undefined });
    const over = filler(101 - 'GET / HTTP/1.1\r\nX: \r\n\r\n'.length);
    expect(new HeadReader(100).push(over)).toBe('too-large');
  });
});
