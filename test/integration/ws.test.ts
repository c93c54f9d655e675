/**
 * The WebSocket transports end to end (spec/wire.md §1.5): nanosp to nanosp over ws:// for
 * each pattern, several sockets sharing one port by path, large messages and recvMaxSize,
 * text frames; hand-driven clients and servers that send exactly the bytes a test needs
 * (bad requests, unfinished requests, wrong protocols, unmasked frames, pings, Close); one
 * check each against nanocat and nngcat; and wss:// with a throwaway certificate.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SpSocket } from '../../src/index.js';
import { acceptKey, handshakeLimits } from '../../src/node/transport/ws/handshake.js';
import { recvText, whilePeerRuns } from '../helpers/interop.js';
import { describePeer, freePort, hasCommand, startPeer } from '../helpers/peers.js';
import { next, testSocket } from '../helpers/sockets.js';

const MiB = 1024 * 1024;

/** Bind `a` on ws://127.0.0.1:0`path`, connect `b`, wait until both have a pipe. */
async function wsLinked(a: SpSocket, b: SpSocket, path = '/sp'): Promise<string> {
  const ep = await a.bind(`ws://127.0.0.1:0${path}`);
  const piped = Promise.all([next(a, 'pipe'), next(b, 'pipe')]);
  b.connect(ep.url);
  await piped;
  return ep.url;
}

function portOf(url: string): number {
  return Number(/:(\d+)(\/|$)/.exec(url.slice(url.indexOf('://') + 3))?.[1]);
}

// ---- a hand-driven peer ---------------------------------------------------------------------

interface Frame {
  fin: boolean;
  op: number;
  masked: boolean;
  payload: Buffer;
}

/** Complete frames at the start of `bytes` (masked ones unmasked), and where they end. */
function parseFrames(bytes: Buffer): { frames: Frame[]; end: number } {
  const frames: Frame[] = [];
  let off = 0;
  for (;;) {
    if (bytes.length - off < 2) break;
    const b0 = bytes[off]!;
    const b1 = bytes[off + 1]!;
    let len = b1 & 0x7f;
    let p = off + 2;
    if (len === 126) {
      if (bytes.length < p + 2) break;
      len = bytes.readUInt16BE(p);
      p += 2;
    } else if (len === 127) {
      if (bytes.length < p + 8) break;
      len = Number(bytes.readBigUInt64BE(p));
      p += 8;
    }
    const masked = (b1 & 0x80) !== 0;
    const key = masked ? bytes.subarray(p, p + 4) : undefined;
    if (masked) p += 4;
    if (bytes.length < p + len) break;
    const payload = Buffer.from(bytes.subarray(p, p + len));
    if (key) for (let i = 0; i < len; i++) payload[i] = payload[i]! ^ key[i % 4]!;
    frames.push({ fin: (b0 & 0x80) !== 0, op: b0 & 0x0f, masked, payload });
    off = p + len;
  }
  return { frames, end: off };
}

/** One frame as a client sends it (masked unless told otherwise). */
function clientFrame(op: number, payload: Buffer | string, options: { fin?: boolean; masked?: boolean; announce?: number } = {}): Buffer {
  const data = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const masked = options.masked ?? true;
  const len = options.announce ?? data.length;
  const head = [((options.fin ?? true) ? 0x80 : 0) | op];
  const m = masked ? 0x80 : 0;
  if (len < 126) head.push(m | len);
  else if (len < 65536) head.push(m | 126, len >> 8, len & 0xff);
  else {
    const b = Buffer.alloc(8);
    b.writeBigUInt64BE(BigInt(len));
    head.push(m | 127, ...b);
  }
  if (!masked) return Buffer.concat([Buffer.from(head), data]);
  const key = randomBytes(4);
  return Buffer.concat([Buffer.from(head), key, Buffer.from(data.map((byte, i) => byte ^ key[i % 4]!))]);
}

function closeFrameCode(frame: Frame | undefined): number | undefined {
  return frame && frame.op === 0x8 && frame.payload.length >= 2 ? frame.payload.readUInt16BE(0) : undefined;
}

/** A raw TCP connection that records everything it receives. */
class Raw {
  received = Buffer.alloc(0);
  ended = false;
  readonly closed: Promise<void>;
  private waiters = new Set<() => void>();

  constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.received = Buffer.concat([this.received, chunk]);
      this.wakeAll();
    });
    socket.on('error', () => {});
    this.closed = once(socket, 'close').then(() => {
      this.ended = true;
      this.wakeAll();
    });
  }

  private wakeAll(): void {
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const wake of waiters) wake();
  }

  /** Wait until `parse(received)` gives something; fails if the connection closes first. */
  async until<T>(parse: (received: Buffer) => T | undefined, what: string): Promise<T> {
    for (;;) {
      const got = parse(this.received);
      if (got !== undefined) return got;
      if (this.ended) throw new Error(`the connection closed before ${what}; received ${JSON.stringify(this.received.toString('latin1'))}`);
      await new Promise<void>((resolve) => this.waiters.add(resolve));
    }
  }

  /** The HTTP head received (up to the blank line). */
  head(): Promise<string> {
    return this.until((b) => {
      const at = b.indexOf('\r\n\r\n');
      return at < 0 ? undefined : b.toString('latin1', 0, at);
    }, 'an HTTP head');
  }

  /** The frames received after the HTTP head, once there are at least `count`. */
  frames(count: number): Promise<Frame[]> {
    return this.until((b) => {
      const at = b.indexOf('\r\n\r\n');
      if (at < 0) return undefined;
      const { frames } = parseFrames(b.subarray(at + 4));
      return frames.length >= count ? frames : undefined;
    }, `${count} frames`);
  }

  write(data: Buffer | string): Promise<void> {
    return new Promise((resolve, reject) => this.socket.write(data, (err) => (err ? reject(err) : resolve())));
  }
}

const raws: Raw[] = [];
afterEach(() => {
  for (const r of raws.splice(0)) r.socket.destroy();
});

async function rawConnect(port: number): Promise<Raw> {
  const socket = connect({ host: '127.0.0.1', port });
  const raw = new Raw(socket);
  raws.push(raw);
  await once(socket, 'connect');
  socket.setNoDelay(true);
  return raw;
}

const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';

function upgradeRequest(path: string, protocol: string | undefined): string {
  return (
    `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
    `Sec-WebSocket-Key: ${KEY}\r\nSec-WebSocket-Version: 13\r\n` +
    (protocol === undefined ? '' : `Sec-WebSocket-Protocol: ${protocol}\r\n`) +
    '\r\n'
  );
}

/** A raw client upgraded to a nanosp server at `url`, after the server attached the pipe. */
async function rawClient(server: SpSocket, url: string, protocol: string): Promise<Raw> {
  const piped = next(server, 'pipe');
  const raw = await rawConnect(portOf(url));
  await raw.write(upgradeRequest(new URL(url.replace(/^ws/, 'http')).pathname, protocol));
  const head = await raw.head();
  expect(head.split('\r\n')[0]).toBe('HTTP/1.1 101 Switching Protocols');
  await piped;
  return raw;
}

// ---- nanosp to nanosp -----------------------------------------------------------------------

describe('ws:// between nanosp sockets', () => {
  it('PAIR exchanges messages both ways', async () => {
    const a = testSocket('pair');
    const b = testSocket('pair');
    await wsLinked(a, b);
    for (let i = 0; i < 50; i++) {
      await b.send(`ABC${i}`);
      expect(String(await a.recv())).toBe(`ABC${i}`);
      await a.send(`DEF${i}`);
      expect(String(await b.recv())).toBe(`DEF${i}`);
    }
    for (let i = 0; i < 200; i++) await b.send(`XYZ${i}`);
    for (let i = 0; i < 200; i++) expect(String(await a.recv())).toBe(`XYZ${i}`);
  });

  it('PUSH/PULL delivers in order, the pusher dialing or binding', async () => {
    for (const pusherBinds of [false, true]) {
      const push = testSocket('push');
      const pull = testSocket('pull');
      if (pusherBinds) await wsLinked(push, pull);
      else await wsLinked(pull, push);
      for (let i = 0; i < 100; i++) await push.send(`m${i}`);
      for (let i = 0; i < 100; i++) expect(String(await pull.recv())).toBe(`m${i}`);
    }
  });

  it('PUB/SUB filters by topic', async () => {
    const pub = testSocket('pub');
    const sub = testSocket('sub');
    sub.subscribe('a.');
    await wsLinked(pub, sub);
    await pub.send('b.skip');
    await pub.send('a.one');
    await pub.send('a.two');
    expect(String(await sub.recv())).toBe('a.one');
    expect(String(await sub.recv())).toBe('a.two');
  });

  it('REQ/REP carries the request id both ways', async () => {
    const rep = testSocket('rep');
    const req = testSocket('req');
    await wsLinked(rep, req);
    for (const text of ['one', 'two', '']) {
      await req.send(text);
      expect(String(await rep.recv())).toBe(text);
      await rep.send(`re:${text}`);
      expect(String(await req.recv())).toBe(`re:${text}`);
    }
  });

  it('reports the real port and the path of a port-0 bind', async () => {
    const s = testSocket('pull');
    const ep = await s.bind('ws://127.0.0.1:0/some/path');
    expect(ep.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/some\/path$/);
    expect(portOf(ep.url)).toBeGreaterThan(0);
    const bare = await s.bind('ws://127.0.0.1:0');
    expect(bare.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
  });

  it('refuses bad bind addresses as TCP does', async () => {
    const s = testSocket('pull');
    await expect(s.bind('ws://eth10000:5555')).rejects.toMatchObject({ code: 'ENODEV' });
    await expect(s.bind('ws://*:some_port')).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(s.bind('ws://127.0.0.1')).rejects.toMatchObject({ code: 'EINVAL' });
    expect(() => s.connect('ws://-bad:5555')).toThrow(expect.objectContaining({ code: 'EINVAL' }));
  });

  it('refuses a port another server holds with EADDRINUSE', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as { port: number };
    try {
      await expect(testSocket('pull').bind(`ws://127.0.0.1:${port}`)).rejects.toMatchObject({ code: 'EADDRINUSE' });
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});

describe('ws:// sockets sharing one port by path (as NNG)', () => {
  it('routes each path to its own socket, refuses unknown paths, and closes with the last one', async () => {
    const one = testSocket('rep');
    const two = testSocket('rep');
    const epOne = await one.bind('ws://127.0.0.1:0/one');
    const port = portOf(epOne.url);
    const epTwo = await two.bind(`ws://127.0.0.1:${port}/two`);
    expect(epTwo.url).toBe(`ws://127.0.0.1:${port}/two`);
    await expect(testSocket('rep').bind(`ws://127.0.0.1:${port}/one`)).rejects.toMatchObject({ code: 'EADDRINUSE' });

    const toOne = testSocket('req');
    const toTwo = testSocket('req');
    const piped = Promise.all([next(one, 'pipe'), next(two, 'pipe'), next(toOne, 'pipe'), next(toTwo, 'pipe')]);
    toOne.connect(epOne.url);
    toTwo.connect(epTwo.url);
    await piped;
    for (const [client, server, name] of [[toOne, one, 'one'], [toTwo, two, 'two']] as const) {
      await client.send(`to ${name}`);
      expect(String(await server.recv())).toBe(`to ${name}`);
      await server.send(`from ${name}`);
      expect(String(await client.recv())).toBe(`from ${name}`);
    }

    // NNG: a dial to a path nobody serves is refused
    const lost = testSocket('req', { reconnectInterval: 10_000 });
    const refused = next(lost, 'pipe-broken');
    lost.connect(`ws://127.0.0.1:${port}/three`);
    const [event] = await refused;
    expect(event.error.code).toBe('ECONNREFUSED');
    expect(event.error.message).toContain('404 Not Found');

    // closing one endpoint leaves the other serving
    await epOne.close();
    await toTwo.send('still there');
    expect(String(await two.recv())).toBe('still there');

    // the last one closes the server: the port is free for a new bind
    await epTwo.close();
    const again = testSocket('pull');
    const epAgain = await again.bind(`ws://127.0.0.1:${port}/one`);
    expect(epAgain.url).toBe(`ws://127.0.0.1:${port}/one`);
  });

  it('lets concurrent binds of one explicit port share the server', async () => {
    const port = await freePort();
    const [a, b] = [testSocket('pull'), testSocket('pull')];
    const eps = await Promise.all([a.bind(`ws://127.0.0.1:${port}/a`), b.bind(`ws://127.0.0.1:${port}/b`)]);
    expect(eps.map((ep) => ep.url)).toEqual([`ws://127.0.0.1:${port}/a`, `ws://127.0.0.1:${port}/b`]);
    const push = testSocket('push');
    const piped = next(b, 'pipe');
    push.connect(`ws://127.0.0.1:${port}/b`);
    await piped;
    await push.send('to b');
    expect(String(await b.recv())).toBe('to b');
  });
});

describe('ws:// message sizes and types', () => {
  it('carries a 4 MiB message each way when recvMaxSize allows it', async () => {
    const a = testSocket('pair', { recvMaxSize: 8 * MiB });
    const b = testSocket('pair', { recvMaxSize: 8 * MiB });
    await wsLinked(a, b);
    const big = randomBytes(4 * MiB);
    await b.send(big); // client to server: masked
    expect((await a.recv()).equals(big)).toBe(true);
    await a.send(big); // server to client: unmasked, by reference
    expect((await b.recv()).equals(big)).toBe(true);
  });

  it('drops the connection on a 4 MiB message over the default recvMaxSize, with Close 1009', async () => {
    const a = testSocket('pair');
    const b = testSocket('pair', { reconnectInterval: 10_000 });
    await wsLinked(a, b);
    const broken = next(a, 'pipe-broken');
    const senderLost = next(b, 'pipe-broken');
    await b.send(randomBytes(4 * MiB));
    const [event] = await broken;
    expect(event.error.code).toBe('EMSGSIZE');
    expect(event.error.message).toContain('recvMaxSize 1048576');
    const [lost] = await senderLost;
    expect(lost.error.message).toContain('code 1009');
    expect(a.stats.messagesReceived).toBe(0);
  });

  it('sends text frames when wsMessageType is text, read live', async () => {
    const push = testSocket('push', { wsMessageType: 'text' });
    const ep = await push.bind('ws://127.0.0.1:0/');
    const raw = await rawClient(push, ep.url, 'push.sp.nanomsg.org');
    await push.send('in text');
    const [first] = await raw.frames(1);
    expect(first).toMatchObject({ fin: true, op: 0x1, masked: false });
    expect(String(first?.payload)).toBe('in text');
    push.setOption('wsMessageType', 'binary');
    await push.send('in binary');
    const frames = await raw.frames(2);
    expect(frames[1]).toMatchObject({ op: 0x2 });
  });

  it('exchanges text messages between nanosp sockets', async () => {
    const a = testSocket('pair', { wsMessageType: 'text' });
    const b = testSocket('pair', { wsMessageType: 'text' });
    await wsLinked(a, b);
    await b.send('héllo');
    expect(String(await a.recv())).toBe('héllo');
    await a.send('wörld');
    expect(String(await b.recv())).toBe('wörld');
  });
});

// ---- bad input from the network -------------------------------------------------------------

describe('ws:// listener against bad clients', () => {
  it('answers a plain HTTP GET with 400, closes it, and keeps serving', async () => {
    const rep = testSocket('rep');
    const ep = await rep.bind('ws://127.0.0.1:0');
    const raw = await rawConnect(portOf(ep.url));
    await raw.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    expect((await raw.head()).split('\r\n')[0]).toBe('HTTP/1.1 400 Bad Request');
    await raw.closed;
    expect(rep.stats.acceptedConnections).toBe(0);

    const req = testSocket('req');
    const piped = next(rep, 'pipe');
    req.connect(ep.url);
    await piped;
    await req.send('after');
    expect(String(await rep.recv())).toBe('after');
  });

  it('answers an unsupported version with 400 and the version it speaks', async () => {
    const rep = testSocket('rep');
    const ep = await rep.bind('ws://127.0.0.1:0');
    const raw = await rawConnect(portOf(ep.url));
    await raw.write(upgradeRequest('/', 'rep.sp.nanomsg.org').replace('Version: 13', 'Version: 8'));
    const head = await raw.head();
    expect(head).toContain('HTTP/1.1 400 Unsupported WebSocket Version\r\nSec-WebSocket-Version: 13');
    await raw.closed;
  });

  it('drops a client that never finishes its request after the timeout, and keeps serving', async () => {
    const saved = handshakeLimits.timeoutMs;
    handshakeLimits.timeoutMs = 200;
    try {
      const rep = testSocket('rep');
      const ep = await rep.bind('ws://127.0.0.1:0');
      const raw = await rawConnect(portOf(ep.url));
      await raw.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n');
      const started = Date.now();
      await raw.closed;
      expect(Date.now() - started).toBeGreaterThanOrEqual(150);
      expect(raw.received).toHaveLength(0);

      const req = testSocket('req');
      const piped = next(rep, 'pipe');
      req.connect(ep.url);
      await piped;
    } finally {
      handshakeLimits.timeoutMs = saved;
    }
  });

  it('refuses a request head over 8 KiB with 400', async () => {
    const rep = testSocket('rep');
    const ep = await rep.bind('ws://127.0.0.1:0');
    const raw = await rawConnect(portOf(ep.url));
    await raw.write(`GET / HTTP/1.1\r\nX-Filler: ${'a'.repeat(9000)}`);
    expect((await raw.head()).split('\r\n')[0]).toBe('HTTP/1.1 400 Bad Request');
    await raw.closed;
  });

  it.each([
    ['another socket type', 'pull.sp.nanomsg.org', '400 Incompatible Socket Type'],
    ['no SP protocol', 'chat', '400 Unrecognized Socket Type'],
    ['no protocol at all (PAIR, for a REP)', undefined, '400 Incompatible Socket Type'],
  ])('refuses a client asking for %s with 400 and never attaches it', async (_name, protocol, status) => {
    const rep = testSocket('rep');
    const ep = await rep.bind('ws://127.0.0.1:0');
    const broken = next(rep, 'pipe-broken');
    const raw = await rawConnect(portOf(ep.url));
    await raw.write(upgradeRequest('/', protocol));
    expect((await raw.head()).split('\r\n')[0]).toBe(`HTTP/1.1 ${status}`);
    await raw.closed;
    const [event] = await broken;
    expect(event.pipe).toBeUndefined();
    expect(event.error.code).toBe('EPROTO');
    expect(rep.pipes).toHaveLength(0);
  });

  it('accepts a PAIR client that names no protocol, as nanomsg does', async () => {
    const pair = testSocket('pair');
    const ep = await pair.bind('ws://127.0.0.1:0');
    const piped = next(pair, 'pipe');
    const raw = await rawConnect(portOf(ep.url));
    await raw.write(upgradeRequest('/', undefined));
    const head = await raw.head();
    expect(head).toContain('HTTP/1.1 101 Switching Protocols');
    expect(head).not.toContain('Sec-WebSocket-Protocol');
    await piped;
  });

  it('reports a nanosp dialer of the wrong type refused on both sides', async () => {
    const rep = testSocket('rep');
    const push = testSocket('push', { reconnectInterval: 10_000 });
    const ep = await rep.bind('ws://127.0.0.1:0');
    const serverSide = next(rep, 'pipe-broken');
    const clientSide = next(push, 'pipe-broken');
    push.connect(ep.url);
    const [[server], [client]] = await Promise.all([serverSide, clientSide]);
    expect(server.error.code).toBe('EPROTO');
    expect(client.error.code).toBe('ECONNREFUSED');
    expect(client.error.message).toContain('400 Incompatible Socket Type');
    expect(rep.pipes).toHaveLength(0);
    expect(push.pipes).toHaveLength(0);
  });

  it('answers 101 with exactly the fields NNG checks', async () => {
    const rep = testSocket('rep');
    const ep = await rep.bind('ws://127.0.0.1:0/p');
    const raw = await rawClient(rep, ep.url, 'rep.sp.nanomsg.org');
    const head = await raw.head();
    expect(head.split('\r\n').slice(1).sort()).toEqual(
      ['Upgrade: websocket', 'Connection: Upgrade', `Sec-WebSocket-Accept: ${acceptKey(KEY)}`, 'Sec-WebSocket-Protocol: rep.sp.nanomsg.org'].sort(),
    );
  });

  it('takes frames sent right after the request and frames split into single bytes', async () => {
    const pull = testSocket('pull');
    const ep = await pull.bind('ws://127.0.0.1:0');
    const piped = next(pull, 'pipe');
    const raw = await rawConnect(portOf(ep.url));
    await raw.write(Buffer.concat([Buffer.from(upgradeRequest('/', 'pull.sp.nanomsg.org')), clientFrame(0x2, 'early')]));
    await piped;
    expect(String(await pull.recv())).toBe('early');
    const frame = clientFrame(0x2, 'byte by byte');
    for (let i = 0; i < frame.length; i++) await raw.write(frame.subarray(i, i + 1));
    expect(String(await pull.recv())).toBe('byte by byte');
  });

  it('reassembles a message sent as NNG does, in 64 KiB continuation frames, with a ping between', async () => {
    const pull = testSocket('pull');
    const ep = await pull.bind('ws://127.0.0.1:0');
    const raw = await rawClient(pull, ep.url, 'pull.sp.nanomsg.org');
    const body = randomBytes(200_000);
    const frames: Buffer[] = [];
    for (let off = 0; off < body.length; off += 65536) {
      frames.push(clientFrame(off === 0 ? 0x2 : 0x0, body.subarray(off, off + 65536), { fin: off + 65536 >= body.length }));
      if (off === 0) frames.push(clientFrame(0x9, 'hb'));
    }
    await raw.write(Buffer.concat(frames));
    expect((await pull.recv()).equals(body)).toBe(true);
    const [pong] = await raw.frames(1);
    expect(pong).toMatchObject({ op: 0xa, masked: false });
    expect(String(pong?.payload)).toBe('hb');
  });

  it.each([
    ['an unmasked frame', 1002, () => clientFrame(0x2, 'x', { masked: false }), 'EPROTO', 'clients must mask'],
    ['invalid UTF-8 in a text frame', 1007, () => clientFrame(0x1, Buffer.from([0xff, 0xfe])), 'EPROTO', 'not valid UTF-8'],
    ['a frame over recvMaxSize', 1009, () => clientFrame(0x2, Buffer.alloc(0), { announce: 2 * MiB }), 'EMSGSIZE', 'recvMaxSize'],
    ['reserved bits', 1002, () => Buffer.from([0xc2, 0x80, 0, 0, 0, 0]), 'EPROTO', 'reserved bits'],
  ])('answers %s with Close %i and drops the connection', async (_name, code, make, errno, detail) => {
    const pull = testSocket('pull');
    const ep = await pull.bind('ws://127.0.0.1:0');
    const raw = await rawClient(pull, ep.url, 'pull.sp.nanomsg.org');
    const broken = next(pull, 'pipe-broken');
    await raw.write(make());
    const [close] = await raw.frames(1);
    expect(closeFrameCode(close)).toBe(code);
    await raw.closed;
    const [event] = await broken;
    expect(event.error.code).toBe(errno);
    expect(event.error.message).toContain(detail);
  });

  it('answers a Close from the client with Close and reports the pipe broken', async () => {
    const pull = testSocket('pull');
    const ep = await pull.bind('ws://127.0.0.1:0');
    const raw = await rawClient(pull, ep.url, 'pull.sp.nanomsg.org');
    const broken = next(pull, 'pipe-broken');
    await raw.write(clientFrame(0x8, Buffer.from([0x03, 0xe8, 0x62, 0x79, 0x65])));
    const [close] = await raw.frames(1);
    expect(closeFrameCode(close)).toBe(1000);
    await raw.closed;
    const [event] = await broken;
    expect(event.error.code).toBe('ECONNRESET');
    expect(event.error.message).toContain('closed the WebSocket with code 1000 ("bye")');
  });

  it('ends a server-side connection without a Close frame when nanosp closes (nanomsg clients then reconnect)', async () => {
    const pull = testSocket('pull');
    const ep = await pull.bind('ws://127.0.0.1:0');
    const raw = await rawClient(pull, ep.url, 'pull.sp.nanomsg.org');
    await pull.close();
    await raw.closed;
    expect((await raw.frames(0)).length).toBe(0);
  });
});

// ---- nanosp as a client against a hand-driven server ----------------------------------------

describe('ws:// dialer against a hand-driven server', () => {
  let server: Server | undefined;
  afterEach(async () => {
    // the server closes once its connections have: drop the raw ends first
    for (const r of raws.splice(0)) r.socket.destroy();
    if (server) await new Promise((resolve) => server?.close(resolve));
    server = undefined;
  });

  /** A server that answers every upgrade with `answer(key)`; resolves each connection. */
  async function fakeServer(answer: (key: string, request: string) => string): Promise<{ port: number; next: () => Promise<Raw> }> {
    const queue: Raw[] = [];
    const waiting: ((raw: Raw) => void)[] = [];
    server = createServer((socket) => {
      const raw = new Raw(socket);
      raws.push(raw);
      void raw.head().then(
        (head) => {
          const key = /Sec-WebSocket-Key: (\S+)/i.exec(head)?.[1] ?? '';
          socket.write(answer(key, head), 'latin1');
        },
        () => {},
      );
      const waiter = waiting.shift();
      if (waiter) waiter(raw);
      else queue.push(raw);
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    return { port, next: () => (queue.length > 0 ? Promise.resolve(queue.shift() as Raw) : new Promise((resolve) => waiting.push(resolve))) };
  }

  const ok = (key: string, extra = '') =>
    `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptKey(key)}\r\n${extra}\r\n`;

  it("sends nanomsg's request naming the server's protocol, masks its frames, and sends Close 1000 on close", async () => {
    const fake = await fakeServer((key) => ok(key, 'Sec-WebSocket-Protocol: pull.sp.nanomsg.org\r\n'));
    const push = testSocket('push', { linger: 1000 });
    const piped = next(push, 'pipe');
    push.connect(`ws://127.0.0.1:${fake.port}/a/b?c=d`);
    const raw = await fake.next();
    const head = await raw.head();
    const lines = head.split('\r\n');
    expect(lines[0]).toBe('GET /a/b?c=d HTTP/1.1');
    expect(lines).toContain(`Host: 127.0.0.1:${fake.port}`);
    expect(lines).toContain('Upgrade: websocket');
    expect(lines).toContain('Connection: Upgrade');
    expect(lines).toContain('Sec-WebSocket-Version: 13');
    expect(lines).toContain('Sec-WebSocket-Protocol: pull.sp.nanomsg.org');
    await piped;
    await push.send('one');
    await push.send('two');
    const frames = await raw.frames(2);
    expect(frames.map((f) => [f.op, f.masked, String(f.payload)])).toEqual([
      [2, true, 'one'],
      [2, true, 'two'],
    ]);
    await push.close();
    const all = await raw.frames(3);
    expect(all[2]?.masked).toBe(true);
    expect(closeFrameCode(all[2])).toBe(1000);
  });

  it('takes a 101 without Sec-WebSocket-Protocol and frames sent right behind it; answers pings', async () => {
    const fake = await fakeServer((key) => ok(key) + Buffer.from([0x82, 0x05]).toString('latin1') + 'early');
    const pull = testSocket('pull');
    pull.connect(`ws://127.0.0.1:${fake.port}`);
    expect(String(await pull.recv({ timeout: 5000 }))).toBe('early');
    const raw = await fake.next();
    await raw.write(Buffer.from([0x89, 0x02, 0x68, 0x62]));
    const [pong] = await raw.frames(1);
    expect(pong).toMatchObject({ op: 0xa, masked: true });
    expect(String(pong?.payload)).toBe('hb');
  });

  it.each([
    ['a wrong accept key', (key: string) => ok(key + 'x'), 'EPROTO', 'does not match'],
    ['another protocol', (key: string) => ok(key, 'Sec-WebSocket-Protocol: pub.sp.nanomsg.org\r\n'), 'EPROTO', 'asked for "pull.sp.nanomsg.org"'],
    ['a 404', () => 'HTTP/1.1 404 Not Found\r\n\r\n', 'ECONNREFUSED', '404 Not Found'],
    ['a 200', () => 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n', 'EPROTO', 'instead of 101'],
    ['garbage', () => 'SSH-2.0-OpenSSH_9.6\r\n\r\n', 'EPROTO', 'did not answer with HTTP'],
  ])('refuses a server answering with %s', async (_name, answer, code, detail) => {
    const fake = await fakeServer(answer);
    const push = testSocket('push', { reconnectInterval: 10_000 });
    const broken = next(push, 'pipe-broken');
    push.connect(`ws://127.0.0.1:${fake.port}`);
    const [event] = await broken;
    expect(event.error.code).toBe(code);
    expect(event.error.message).toContain(detail);
    expect(push.pipes).toHaveLength(0);
    await (await fake.next()).closed;
  });

  it('gives up on a server that never answers after the timeout', async () => {
    const saved = handshakeLimits.timeoutMs;
    handshakeLimits.timeoutMs = 200;
    try {
      const fake = await fakeServer(() => '');
      const push = testSocket('push', { reconnectInterval: 10_000 });
      const broken = next(push, 'pipe-broken');
      push.connect(`ws://127.0.0.1:${fake.port}`);
      const [event] = await broken;
      expect(event.error.code).toBe('ETIMEDOUT');
    } finally {
      handshakeLimits.timeoutMs = saved;
    }
  });
});

// ---- the real peers -------------------------------------------------------------------------

describePeer('nanocat', 'ws:// interop with nanocat (libnanomsg 1.1.5)', () => {
  it('a nanosp REQ gets the answer of nanocat --rep bound on ws', async () => {
    const port = await freePort();
    const peer = startPeer('nanocat', ['--rep', '--bind', `ws://127.0.0.1:${port}`, '-Q', '-D', 'pong']);
    const req = testSocket('req');
    req.connect(`ws://127.0.0.1:${port}`);
    await req.send('ping');
    expect(await recvText(req, peer)).toBe('pong');
    await whilePeerRuns(peer, peer.line('"ping"'));
  });
});

describePeer('nngcat', 'ws:// interop with nngcat (NNG 1.5.2)', () => {
  it('a nanosp PULL bound on ws receives from nngcat --push0', async () => {
    const pull = testSocket('pull');
    const ep = await pull.bind('ws://127.0.0.1:0');
    const peer = startPeer('nngcat', ['--push0', '--dial', `ws://127.0.0.1:${portOf(ep.url)}/`, '-D', 'hi', '-i', '1']);
    expect(await recvText(pull, peer)).toBe('hi');
  });

  it('a nanosp REQ gets the answer of nngcat --rep0 listening on a ws path', async () => {
    const port = await freePort();
    const peer = startPeer('nngcat', ['--rep0', '--listen', `ws://127.0.0.1:${port}/path`, '-D', 'pong', '-Q']);
    const req = testSocket('req');
    req.connect(`ws://127.0.0.1:${port}/path`);
    await req.send('ping');
    expect(await recvText(req, peer)).toBe('pong');
    await whilePeerRuns(peer, peer.line('"ping"'));
  });
});

// ---- wss:// ---------------------------------------------------------------------------------

/** `describe` for tests that need openssl: skipped with a notice without it, failing under CI. */
function describeWithOpenssl(name: string, body: () => void): void {
  if (hasCommand('openssl')) describe(name, body);
  else if (process.env.CI) {
    describe(name, () => {
      it('needs openssl', () => {
        throw new Error('openssl is not installed; CI must install it to test wss://');
      });
    });
  } else {
    console.warn(`[nanosp tests] skipping "${name}": openssl is not installed`);
    describe.skip(name, body);
  }
}

describeWithOpenssl('wss:// with a throwaway certificate', () => {
  let dir = '';
  const pems = { cert: '', key: '', otherCert: '', certFile: '', keyFile: '' };

  function selfSigned(name: string): { cert: string; key: string; certFile: string; keyFile: string } {
    const certFile = join(dir, `${name}.crt`);
    const keyFile = join(dir, `${name}.key`);
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile, '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-days', '2'],
      { stdio: 'ignore' },
    );
    return { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8'), certFile, keyFile };
  }

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'nanosp-wss-'));
    const right = selfSigned('server');
    const other = selfSigned('other');
    Object.assign(pems, { cert: right.cert, key: right.key, certFile: right.certFile, keyFile: right.keyFile, otherCert: other.cert });
    writeFileSync(join(dir, 'README'), 'throwaway certificates for nanosp tests\n');
  });

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('runs REQ/REP over wss, naming the server by host name and by IP address', async () => {
    const rep = testSocket('rep', { tls: { cert: pems.cert, key: pems.key } });
    const ep = await rep.bind('wss://127.0.0.1:0/secure');
    expect(ep.url).toMatch(/^wss:\/\/127\.0\.0\.1:\d+\/secure$/);
    const port = portOf(ep.url);
    for (const host of ['localhost', '127.0.0.1']) {
      const req = testSocket('req', { tls: { ca: pems.cert } });
      const piped = next(req, 'pipe');
      req.connect(`wss://${host}:${port}/secure`);
      await piped;
      await req.send(`hello ${host}`);
      expect(String(await rep.recv())).toBe(`hello ${host}`);
      await rep.send('secret');
      expect(String(await req.recv())).toBe('secret');
      await req.close();
    }
  });

  it('refuses a client that does not trust the certificate, without crashing, and serves on', async () => {
    const rep = testSocket('rep', { tls: { cert: pems.cert, key: pems.key } });
    const ep = await rep.bind('wss://127.0.0.1:0');
    for (const tls of [undefined, { ca: pems.otherCert }]) {
      const wrong = testSocket('req', { reconnectInterval: 10_000, ...(tls ? { tls } : {}) });
      const failed = next(wrong, 'connect-failed');
      wrong.connect(ep.url);
      const [event] = await failed;
      expect(event.error.code).toBe('EPROTO');
      expect(event.error.message).toContain('the TLS handshake failed');
      expect(event.error.message).toMatch(/self[- ]signed/i);
      expect(wrong.pipes).toHaveLength(0);
    }
    expect(rep.stats.acceptedConnections).toBe(0);
    const good = testSocket('req', { tls: { ca: pems.cert } });
    const piped = next(rep, 'pipe');
    good.connect(ep.url);
    await piped;
  });

  it('refuses a wss bind without a certificate or key with EINVAL naming what is missing', async () => {
    const s = testSocket('rep');
    await expect(s.bind('wss://127.0.0.1:0')).rejects.toMatchObject({ code: 'EINVAL', message: expect.stringContaining('the tls option is missing') });
    await expect(s.bind('wss://127.0.0.1:0', { tls: { cert: pems.cert } })).rejects.toMatchObject({ code: 'EINVAL', message: expect.stringContaining('tls.key is missing') });
  });

  it('refuses ws and wss on one port', async () => {
    const a = testSocket('rep', { tls: { cert: pems.cert, key: pems.key } });
    const ep = await a.bind('wss://127.0.0.1:0/a');
    await expect(testSocket('rep').bind(`ws://127.0.0.1:${portOf(ep.url)}/b`)).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });

  describePeer('nngcat', 'wss:// interop with nngcat (NNG 1.5.2, mbedTLS)', () => {
    it('a nanosp REQ gets the answer of nngcat --rep0 listening on wss', async () => {
      const port = await freePort();
      const peer = startPeer('nngcat', ['--rep0', '--listen', `wss://127.0.0.1:${port}/`, '--cert', pems.certFile, '--key', pems.keyFile, '-D', 'pong', '-Q']);
      const req = testSocket('req', { tls: { ca: pems.cert } });
      req.connect(`wss://127.0.0.1:${port}/`);
      await req.send('ping');
      expect(await recvText(req, peer)).toBe('pong');
      await whilePeerRuns(peer, peer.line('"ping"'));
    });
  });
});
