/**
 * Messaging through nanosp/nanomsg as the npm `nanomsg` 4.2.1 README and test suite use it
 * (test/inproc.js, tcp.js, ipc.js, chan.js, send.js, pushstress.js, transform.js,
 * shutdown.js, streams.js, bug105.js, standalone/device*.js), over tcp://127.0.0.1 on free
 * ports and inproc:// names unique per test. Connections are awaited through the nanosp
 * socket underneath (`sock.sp`), never by sleeping.
 */
import { once } from 'node:events';
import { createServer } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import * as nano from '../../src/compat/nanomsg.js';
import type { Socket, SocketOptions, SocketType } from '../../src/compat/nanomsg.js';
import { freePort } from '../helpers/peers.js';

const scratch = mkdtempSync(join(tmpdir(), 'nanosp-compat-msg-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const open: Socket[] = [];
afterEach(() => {
  for (const s of open.splice(0)) s.close();
});
function sock(type: SocketType, opts?: SocketOptions): Socket {
  const s = nano.socket(type, { linger: 0, ...opts });
  open.push(s);
  return s;
}

let unique = 0;
const inproc = (name: string) => `inproc://compat-msg-${name}-${process.pid}-${++unique}`;
const tcp = async () => `tcp://127.0.0.1:${await freePort()}`;

/** Resolves once `s` has at least `n` live connections. */
async function piped(s: Socket, n = 1): Promise<void> {
  while (s.sp.pipes.length < n) await once(s.sp, 'pipe', { signal: AbortSignal.timeout(5000) });
}

/** The next `n` 'data' chunks of `s`. */
function data<T = Buffer>(s: Socket, n = 1): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const got: T[] = [];
    const timer = setTimeout(() => reject(new Error(`only ${got.length} of ${n} messages arrived`)), 5000);
    const onData = (chunk: T) => {
      got.push(chunk);
      if (got.length < n) return;
      clearTimeout(timer);
      s.off('data', onData);
      resolve(got);
    };
    s.on('data', onData);
  });
}

/** The next 'error' of `s`. */
async function nextError(s: Socket): Promise<nano.NanomsgError> {
  const [err] = (await once(s, 'error', { signal: AbortSignal.timeout(5000) })) as [nano.NanomsgError];
  return err;
}

/** Let queued work run: a few turns of the event loop, not a timed wait. */
async function turns(n = 5): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
}

describe('the README example', () => {
  it('pub/sub over TCP: the SUB prints what the PUB sends', async () => {
    const pub = sock('pub');
    const sub = sock('sub');
    const addr = await tcp();
    pub.bind(addr);
    sub.connect(addr);
    await piped(pub);
    const got = data(sub);
    pub.send('Hello from nanomsg!');
    expect((await got).map(String)).toEqual(['Hello from nanomsg!']);
  });

  it('setEncoding("utf8") gives strings', async () => {
    const a = sock('pair');
    const b = sock('pair');
    const addr = inproc('encoding');
    a.bind(addr);
    b.connect(addr);
    b.setEncoding('utf8');
    const got = data<string>(b);
    a.send('hello from nanømsg!');
    expect(await got).toEqual(['hello from nanømsg!']);
  });
});

describe.each([
  ['inproc', async () => inproc('t')],
  ['tcp', tcp],
  ['ipc', async () => `ipc://${join(scratch, `t${++unique}.ipc`)}`],
  ['ws', async () => `ws://127.0.0.1:${await freePort()}`],
])('over %s (test/inproc.js, tcp.js, ipc.js, ws.js)', (_name, address) => {
  it('pub/sub reaches three subscribers', async () => {
    const addr = await address();
    const pub = sock('pub');
    pub.bind(addr);
    const subs = [sock('sub'), sock('sub'), sock('sub')];
    for (const s of subs) s.connect(addr);
    await piped(pub, 3);
    const got = Promise.all(subs.map((s) => data(s)));
    pub.send('hello world');
    expect((await got).map((m) => String(m[0]))).toEqual(['hello world', 'hello world', 'hello world']);
  });

  it('pair talks both ways', async () => {
    const addr = await address();
    const s1 = sock('pair');
    const s2 = sock('pair');
    s1.bind(addr);
    s2.connect(addr);
    const first = data(s1);
    s2.send('hello world');
    expect(String((await first)[0])).toBe('hello world');
    const back = data(s2);
    s1.send('back');
    expect(String((await back)[0])).toBe('back');
  });

  it('req/rep: knock knock, who is there', async () => {
    const addr = await address();
    const req = sock('req');
    const rep = sock('rep');
    rep.bind(addr);
    req.connect(addr);
    rep.on('data', (buf: Buffer) => rep.send(`who's there? (${buf})`));
    for (let i = 0; i < 3; i++) {
      const reply = data(req);
      req.send(`knock ${i}`);
      expect(String((await reply)[0])).toBe(`who's there? (knock ${i})`);
    }
  });

  it('surveyor collects one answer from each respondent', async () => {
    const addr = await address();
    const sur = sock('surveyor');
    sur.bind(addr);
    const resps = [sock('respondent'), sock('respondent'), sock('respondent')];
    resps.forEach((r, i) => {
      r.connect(addr);
      r.on('data', (buf: Buffer) => r.send(`r${i}: ${buf}`));
    });
    await piped(sur, 3);
    const got = data(sur, 3);
    sur.send('knock knock');
    expect((await got).map(String).sort()).toEqual(['r0: knock knock', 'r1: knock knock', 'r2: knock knock']);
  });

  it('bus: every node hears every other node', async () => {
    const addrs = [await address(), await address(), await address()];
    const buses = addrs.map((a) => {
      const b = sock('bus');
      b.bind(a);
      return b;
    });
    for (let i = 0; i < 3; i++) for (let j = i + 1; j < 3; j++) buses[i]!.connect(addrs[j]!);
    await Promise.all(buses.map((b) => piped(b, 2)));
    const got = Promise.all(buses.map((b) => data(b, 2)));
    buses.forEach((b, i) => b.send(`bus${i}`));
    expect((await got).map((m) => m.map(String).sort())).toEqual([
      ['bus1', 'bus2'],
      ['bus0', 'bus2'],
      ['bus0', 'bus1'],
    ]);
  });
});

/** A free port on ::1, or undefined where the machine has no IPv6 loopback. */
function ipv6Port(): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(undefined));
    server.listen(0, '::1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe('IPv6 (README: socket.bind("tcp://::1:5555"), test/sockoptapi.js)', () => {
  it('with ipv6: true a PUB binds tcp://::1 and a SUB receives through it', async (ctx) => {
    const port = await ipv6Port();
    if (port === undefined) ctx.skip();
    const addr = `tcp://::1:${port}`;
    const pub = sock('pub', { ipv6: true });
    const sub = sock('sub', { ipv6: true });
    expect(pub.bind(addr)).toBe(1);
    sub.connect(addr);
    await piped(pub);
    const got = data(sub);
    pub.send('hello world');
    expect(String((await got)[0])).toBe('hello world');
  });

  it('without it an IPv6 address is refused', () => {
    const pub = sock('pub');
    const errors: string[] = [];
    pub.on('error', (e: Error) => errors.push(e.message));
    expect(pub.bind('tcp://::1:5555')).toBeNull();
    expect(errors).toEqual(['No such device']);
  });
});

describe('WebSocket frames (README: socket.wsopt)', () => {
  it('wsopt("text") from the constructor or the setter sends text frames that arrive intact', async () => {
    for (const viaConstructor of [true, false]) {
      const addr = `ws://127.0.0.1:${await freePort()}`;
      const a = sock('pair', viaConstructor ? { wsopt: 'text' } : {});
      if (!viaConstructor) expect(a.wsopt('text')).toBe(true);
      expect(a.wsopt()).toBe('text');
      const b = sock('pair', { encoding: 'utf8' });
      a.bind(addr);
      b.connect(addr);
      const got = data<string>(b);
      a.send('héllo in a text frame');
      expect(await got).toEqual(['héllo in a text frame']);
    }
  });
});

describe('pipeline (test/pushstress.js)', () => {
  it('PUSH spreads messages over two PULLs; encoding gives strings; dontwait defaults hold', async () => {
    const addr = await tcp();
    const push = sock('push');
    push.bind(addr);
    const pulls = [sock('pull', { encoding: 'utf8' }), sock('pull', { encoding: 'utf8' })];
    for (const p of pulls) p.connect(addr);
    await piped(push, 2);
    const got = pulls.map((p) => data<string>(p, 50));
    for (let i = 0; i < 100; i++) push.send(`msg ${i}`);
    const [a, b] = await Promise.all(got);
    expect([...a!, ...b!].sort()).toEqual(Array.from({ length: 100 }, (_, i) => `msg ${i}`).sort());
    expect(typeof a![0]).toBe('string');
    expect([push.dontwait(), push.nndontwait, pulls[0]!.dontwait(), pulls[0]!.nndontwait]).toEqual([false, 0, true, 1]);
  });

  it('a PUSH queues messages until a PULL appears, whatever the flags', async () => {
    const push = sock('push');
    expect(push.send('early1')).toBe(6);
    expect(push.send('early2', nano.NN_DONTWAIT)).toBe(6);
    await turns();
    const addr = inproc('early');
    const pull = sock('pull', { encoding: 'utf8' });
    const got = data<string>(pull, 2);
    pull.bind(addr);
    push.connect(addr);
    expect(await got).toEqual(['early1', 'early2']);
  });

  it('thousands of sends in one go arrive in order (no blocking send, no lost message)', async () => {
    const addr = await tcp();
    const pull = sock('pull', { encoding: 'utf8' });
    const push = sock('push');
    pull.connect(addr);
    push.bind(addr);
    const got = data<string>(pull, 5000);
    for (let i = 0; i < 5000; i++) push.send(String(i));
    expect(await got).toEqual(Array.from({ length: 5000 }, (_, i) => String(i)));
  });
});

describe('subscriptions (test/chan.js)', () => {
  it('channels given to the constructor let prefixed messages through and no others', async () => {
    const pub = sock('pub');
    const sub = sock('sub', { chan: ['foo', 'hello'] });
    const addr = inproc('chan');
    pub.bind(addr);
    sub.connect(addr);
    const got = data(sub, 2);
    for (const m of ['foo world', 'bar world', 'hi world']) pub.send(m);
    process.nextTick(() => pub.send('hello world'));
    expect((await got).map(String)).toEqual(['foo world', 'hello world']);
  });

  it('chan after creation, and rmchan while messages flow', async () => {
    const pub = sock('pub');
    const sub = sock('sub');
    const addr = inproc('rmchan');
    pub.bind(addr);
    sub.connect(addr);
    sub.chan(['hello', 'foo', 'bar']);
    await piped(pub);
    const got = data(sub, 3);
    pub.send('hello world');
    pub.send('bar world');
    expect((await data(sub, 0 + 2)).map(String)).toEqual(['hello world', 'bar world']);
    sub.rmchan('hello');
    for (let i = 0; i < 10; i++) pub.send('hello world');
    pub.send('foo world');
    expect((await got).map(String)).toEqual(['hello world', 'bar world', 'foo world']);
  });

  it('without chan a SUB gets everything; after rmchan("") nothing', async () => {
    const pub = sock('pub');
    const sub = sock('sub');
    const addr = inproc('default');
    pub.bind(addr);
    sub.connect(addr);
    await piped(pub);
    const got = data(sub, 2);
    pub.send('foo world');
    pub.send('bar world');
    expect((await got).map(String)).toEqual(['foo world', 'bar world']);
    sub.rmchan('');
    let late = 0;
    sub.on('data', () => late++);
    pub.send('baz world');
    await turns(10);
    expect(late).toBe(0);
  });
});

describe('payloads (test/send.js, test/transform.js)', () => {
  it('strings are not NUL-terminated; buffers, numbers and typed arrays go as bytes', async () => {
    const pub = sock('pub');
    const sub = sock('sub');
    const addr = inproc('payloads');
    pub.bind(addr);
    sub.connect(addr);
    await piped(pub);
    const got = data(sub, 5);
    pub.send('hello');
    pub.send(Buffer.from('hello'));
    pub.send(2 ** 42);
    pub.send(new Uint16Array([1, 2]));
    pub.send(Buffer.alloc(0));
    expect((await got).map((b) => b.toString('hex'))).toEqual([
      Buffer.from('hello').toString('hex'),
      Buffer.from('hello').toString('hex'),
      Buffer.from('4398046511104').toString('hex'),
      '01000200',
      '',
    ]);
  });

  it('transform and restore hooks, on the instance or on Socket.prototype', async () => {
    const pub = sock('pub');
    const sub = sock('sub');
    pub.transform = (buf: unknown) => Buffer.concat([Buffer.from([0x00]), Buffer.isBuffer(buf) ? buf : Buffer.from(String(buf))]);
    sub.restore = (buf: Buffer) => Buffer.concat([Buffer.from([0xff]), buf]);
    const addr = inproc('transform');
    pub.bind(addr);
    sub.connect(addr);
    await piped(pub);
    const got = data(sub);
    pub.send('hello world');
    const [buf] = await got;
    expect([buf![0], buf![1], buf!.subarray(2).toString()]).toEqual([0xff, 0x00, 'hello world']);

    nano.Socket.prototype.restore = (b: Buffer) => Buffer.concat([Buffer.from('<'), b]);
    try {
      const a = sock('pair');
      const b = sock('pair');
      const addr2 = inproc('proto');
      a.bind(addr2);
      b.connect(addr2);
      const got2 = data(b);
      a.send('x');
      expect(String((await got2)[0])).toBe('<x');
    } finally {
      delete nano.Socket.prototype.restore;
    }
  });
});

describe('REP and REQ', () => {
  it('REP reads one request at a time: the next one once the reply went (test/bug105.js)', async () => {
    const addr = await tcp();
    const rep = sock('rep', { encoding: 'utf8' });
    rep.bind(addr);
    const clients = [sock('req', { encoding: 'utf8' }), sock('req', { encoding: 'utf8' })];
    for (const c of clients) c.connect(addr);
    await piped(rep, 2);
    const requests: string[] = [];
    rep.on('data', (m: string) => requests.push(m));
    const replies = clients.map((c) => data<string>(c));
    clients.forEach((c, i) => c.send(`from ${i}`));
    while (requests.length === 0) await turns(1);
    await turns(10);
    expect(requests).toHaveLength(1); // the second waits for the first reply
    rep.send(`re: ${requests[0]}`);
    while (requests.length < 2) await turns(1);
    rep.send(`re: ${requests[1]}`);
    expect((await Promise.all(replies)).map((r) => r[0])).toEqual(['re: from 0', 're: from 1']);
  });

  it('a REP reply without a request is one error event, "Operation cannot be performed in this state"', async () => {
    const rep = sock('rep');
    const err = nextError(rep);
    rep.send('unasked');
    expect(await err).toMatchObject({ message: 'Operation cannot be performed in this state', code: 'EFSM' });
  });

  it('a send on a SUB is an error event, "Operation not supported"', async () => {
    const sub = sock('sub');
    const err = nextError(sub);
    sub.send('x');
    expect((await err).message).toBe('Operation not supported');
  });
});

describe('endpoints (test/shutdown.js, test/inproc.js)', () => {
  it('shutdown(addr) drops that endpoint and its connections only', async () => {
    const [a1, a2] = [await tcp(), await tcp()];
    const p1 = sock('pub');
    const p2 = sock('pub');
    p1.bind(a1);
    p2.bind(a2);
    const sub = sock('sub', { encoding: 'utf8' });
    expect([sub.connect(a1), sub.connect(a2)]).toEqual([1, 2]);
    await Promise.all([piped(p1), piped(p2)]);
    const removed = once(p1.sp, 'pipe-removed');
    expect(sub.shutdown(a1)).toBe(0);
    expect(Object.keys(sub.connected)).toEqual([a2]);
    await removed;
    const got = data<string>(sub);
    p1.send('from p1');
    p2.send('from p2');
    expect(await got).toEqual(['from p2']);
  });

  it('a second bind of an address in use returns an id, then emits "Address already in use" and nulls it', async () => {
    for (const addr of [await tcp(), inproc('twice')]) {
      const a = sock('pair');
      const b = sock('pair');
      expect(a.bind(addr)).toBe(1);
      const err = nextError(b);
      expect(b.bind(addr)).toBe(1);
      expect(await err).toMatchObject({ message: 'Address already in use', code: 'EADDRINUSE', errno: 98 });
      expect(b.bound[addr]).toBeNull();
      expect(b.bind(inproc('next'))).toBe(2);
    }
  });
});

describe('streams (test/streams.js, README)', () => {
  it('a SUB piped into a PUSH: 1001 messages reach the PULL', async () => {
    const [a1, a2] = [await tcp(), await tcp()];
    const pub = sock('pub', { tcpnodelay: true });
    const sub = sock('sub', { tcpnodelay: true });
    const push = sock('push');
    const pull = sock('pull');
    pull.setEncoding('utf8');
    pub.bind(a1);
    sub.connect(a1);
    pull.bind(a2);
    push.connect(a2);
    sub.pipe(push);
    await Promise.all([piped(pub), piped(push)]);
    const got = data<string>(pull, 1001);
    for (let i = 0; i < 1001; i++) pub.send('hello from nanomsg pub socket!');
    const all = await got;
    expect(all.every((m) => m === 'hello from nanomsg pub socket!')).toBe(true);
  });

  it('a Readable piped into a socket sends each chunk as a message; the socket pipes out to a Writable', async () => {
    const addr = inproc('streams');
    const push = sock('push');
    const pull = sock('pull', { encoding: 'utf8' });
    pull.bind(addr);
    push.connect(addr);
    const seen: string[] = [];
    const sink = new Writable({
      objectMode: true,
      write(chunk: string, _enc, cb) {
        seen.push(chunk);
        cb();
      },
    });
    pull.pipe(sink);
    const finished = once(push, 'finish');
    Readable.from(['a', 'b', 'c']).pipe(push);
    await finished;
    while (seen.length < 3) await once(pull, 'data');
    expect(seen).toEqual(['a', 'b', 'c']);
    expect(push.sp.closed).toBe(false); // the end of the source does not close the socket
  });

  it('messages wait in the stream before a data listener, up to its highWaterMark (16), the rest in the socket', async () => {
    const addr = inproc('buffered');
    const pull = sock('pull');
    const push = sock('push');
    pull.bind(addr);
    push.connect(addr);
    for (let i = 0; i < 40; i++) push.send(String(i));
    while (pull.readableLength < 16) await turns(1);
    await turns(10);
    expect(pull.readableLength).toBe(16);
    const got = await data(pull, 40);
    expect(got.map(String)).toEqual(Array.from({ length: 40 }, (_, i) => String(i)));
  });
});

describe('close', () => {
  it('delivers messages still queued (the README: close tries to deliver outstanding messages)', async () => {
    const addr = inproc('flush');
    const pull = sock('pull', { encoding: 'utf8' });
    const push = nano.socket('push');
    pull.bind(addr);
    push.connect(addr);
    await piped(push);
    const got = data<string>(pull);
    push.send('last words');
    expect(push.close()).toBe(0);
    expect(await got).toEqual(['last words']);
  });

  it('after close, send queues nothing and emits nothing', async () => {
    const s = nano.socket('pair');
    s.close();
    const errors: Error[] = [];
    s.on('error', (e: Error) => errors.push(e));
    expect(s.send('x')).toBe(1);
    await turns();
    expect(errors).toEqual([]);
  });
});

describe('device (test/standalone/device*.js)', () => {
  it('a bidirectional device between two raw PAIRs; closing one ends it with "lib err: 9"', async () => {
    const [a1, a2] = [inproc('dev1'), inproc('dev2')];
    const r1 = sock('pair', { raw: 1 });
    const r2 = sock('pair', { raw: 1 });
    r1.bind(a1);
    r2.bind(a2);
    const d = nano.device(r1, r2);
    expect([d.s1, d.s2]).toEqual([r1.binding, r2.binding]);
    const s1 = sock('pair');
    const s2 = sock('pair');
    s1.connect(a1);
    s2.connect(a2);
    const hello = data(s2);
    s1.send('Hello');
    expect(String((await hello)[0])).toBe('Hello');
    const world = data(s1);
    s2.send('World');
    expect(String((await world)[0])).toBe('World');
    const ended = once(d, 'error');
    r1.close();
    const [err] = (await ended) as [nano.NanomsgError];
    expect(err.message).toBe('lib err: 9\nBad file descriptor');
    expect(err.code).toBe('EBADF');
  });

  it('a one-way device from a raw PULL to a raw PUSH', async () => {
    const [a1, a2] = [inproc('uni1'), inproc('uni2')];
    const r1 = sock('pull', { raw: true });
    const r2 = sock('push', { raw: true });
    r1.bind(a1);
    r2.bind(a2);
    const d = nano.createDevice(r1, r2);
    const s1 = sock('push');
    const s2 = sock('pull');
    s1.connect(a1);
    s2.connect(a2);
    const got = data(s2);
    s1.send('Hello');
    expect(String((await got)[0])).toBe('Hello');
    const ended = once(d, 'error');
    r2.close();
    expect(((await ended)[0] as Error).message).toBe('lib err: 9\nBad file descriptor');
  });

  it('a loopback device on one raw BUS', async () => {
    const addr = inproc('loop');
    const r1 = sock('bus', { raw: true });
    r1.bind(addr);
    const d = nano.device(r1);
    expect(d.s2).toBe(-1);
    const s1 = sock('bus');
    const s2 = sock('bus');
    s1.connect(addr);
    s2.connect(addr);
    await piped(r1, 2);
    const got = data(s2);
    s1.send('Hello');
    expect(String((await got)[0])).toBe('Hello');
    const ended = once(d, 'error');
    r1.close();
    await ended;
  });

  it('sockets that are not raw end the device with "lib err: 22"', async () => {
    const d = nano.device(sock('pair'), sock('pair'));
    const [err] = (await once(d, 'error')) as [Error];
    expect(err.message).toBe('lib err: 22\nInvalid argument');
  });

  it('needs at least one socket', () => {
    expect(() => nano.device(undefined as unknown as Socket)).toThrow('expected at least one Socket argument');
  });
});
