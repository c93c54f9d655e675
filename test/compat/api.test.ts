/**
 * nanosp/nanomsg's API surface against what the npm `nanomsg` 4.2.1 package does (its
 * lib/index.js, README and test/*.js: bind, connect, close, send, sockoptapi, chan, symbol,
 * symbolinfo, test.js): exports, constants, the symbol table, socket types, option methods
 * and their defaults, subscriptions, endpoint ids, send's return value and close.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import nanoDefault, * as nano from '../../src/compat/nanomsg.js';
import type { Socket, SocketOptions, SocketType } from '../../src/compat/nanomsg.js';
import { errnoOf, isErrnoName } from '../../src/sp/errors.js';
import { OPTION_SPECS } from '../../src/sp/options.js';
import { PROTOCOL_IDS } from '../../src/sp/protocol/ids.js';
import { STATISTICS } from '../../src/sp/stats.js';

const TYPES: SocketType[] = ['pair', 'pub', 'sub', 'req', 'rep', 'push', 'pull', 'surveyor', 'respondent', 'bus'];
const scratch = mkdtempSync(join(tmpdir(), 'nanosp-compat-api-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const open: Socket[] = [];
afterEach(() => {
  for (const s of open.splice(0)) s.close();
});
function sock(type: SocketType, opts?: SocketOptions): Socket {
  const s = nano.socket(type, opts);
  open.push(s);
  return s;
}

/** Run `fn` with an 'error' listener on `s`; its result and the error messages emitted meanwhile. */
function withErrors<T>(s: Socket, fn: () => T): [T, string[]] {
  const errors: string[] = [];
  const onError = (err: Error) => errors.push(err.message);
  s.on('error', onError);
  try {
    return [fn(), errors];
  } finally {
    s.off('error', onError);
  }
}

/** The message of what `fn` throws (checking its class), or undefined when it does not throw. */
function messageOf(fn: () => unknown, type: new (...args: never[]) => Error = Error): string | undefined {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(type);
    return (err as Error).message;
  }
  return undefined;
}

let unique = 0;
const inproc = (name: string) => `inproc://compat-api-${name}-${process.pid}-${++unique}`;

describe('module', () => {
  it('exports the old API, with aliases, as named exports and as the default object', () => {
    for (const name of ['socket', 'createSocket', 'Socket', 'device', 'createDevice', 'symbol', 'symbolInfo', 'term'] as const) {
      expect(typeof nano[name]).toBe('function');
      expect(nanoDefault[name]).toBe(nano[name]);
    }
    expect(nano.createSocket).toBe(nano.socket);
    expect(nano.createDevice).toBe(nano.device);
    expect(nanoDefault._bindings).toBe(nano._bindings);
    const s = sock('pub');
    expect(s).toBeInstanceOf(nano.Socket);
    expect(new nano.Socket('pull')).toBeInstanceOf(nano.Socket);
  });

  it('_bindings carries libnanomsg values (test/test.js), the named constants agree', () => {
    const b = nano._bindings;
    expect(typeof b.AF_SP).toBe('number');
    expect(typeof b.NN_PAIR).toBe('number');
    expect([b.AF_SP, b.AF_SP_RAW, b.NN_PAIR, b.NN_PUB, b.NN_SUB, b.NN_REQ, b.NN_REP, b.NN_PUSH, b.NN_PULL, b.NN_SURVEYOR, b.NN_RESPONDENT, b.NN_BUS]).toEqual([
      1, 2, 16, 32, 33, 48, 49, 80, 81, 98, 99, 112,
    ]);
    expect(b.NN_DONTWAIT).toBe(1);
    expect(b.NN_SOCKADDR_MAX).toBe(128);
    expect(Object.keys(b)).toHaveLength(121);
    // NN_MSG is a named export only: libnanomsg's symbol table does not list it
    expect(b.NN_MSG).toBeUndefined();
    expect(nano.NN_MSG).toBe(-1);
    for (const [name, value] of Object.entries(nano)) {
      if (!/^(NN|AF)_/.test(name) || name === 'NN_MSG') continue;
      expect(value, name).toBe(b[name]);
    }
  });
});

describe('symbol and symbolInfo (test/symbol.js, test/symbolinfo.js)', () => {
  const all = Array.from({ length: 121 }, (_, i) => nano.symbolInfo(i)!);

  it('enumerate 121 symbols, then stop: symbol throws "Invalid argument", symbolInfo gives undefined', () => {
    expect(all.every((s) => s !== undefined)).toBe(true);
    expect(nano.symbolInfo(121)).toBeUndefined();
    expect(nano.symbolInfo(-1)).toBeUndefined();
    expect(messageOf(() => nano.symbol(121))).toBe('Invalid argument');
    expect(() => nano.symbol(-1)).toThrow('Invalid argument');
    for (let i = 0; i < 121; i++) expect(nano.symbol(i)).toEqual({ value: all[i]!.value, name: all[i]!.name });
    expect(Object.keys(nano.symbolInfo(0)!)).toEqual(['value', 'ns', 'type', 'unit', 'name']);
    expect(Object.keys(nano.symbol(0))).toEqual(['value', 'name']);
    // the index is converted as the binding converts it: to a 32-bit integer
    expect(nano.symbol('3' as unknown as number).name).toBe('NN_NS_TRANSPORT');
    expect(nano.symbol(2.9).name).toBe('NN_NS_DOMAIN');
  });

  it('lists names once, with values matching _bindings', () => {
    expect(new Set(all.map((s) => s.name)).size).toBe(121);
    for (const s of all) expect(nano._bindings[s.name]).toBe(s.value);
  });

  it('agrees with nanosp: protocol ids, option numbers, statistics and errno values', () => {
    const byName = new Map(all.map((s) => [s.name, s]));
    for (const type of TYPES) expect(byName.get(`NN_${type.toUpperCase()}`)).toMatchObject({ value: PROTOCOL_IDS[type], ns: 4 });
    for (const spec of Object.values(OPTION_SPECS)) {
      const entry = byName.get(spec.nnName);
      if (!entry) continue; // NNG_OPT_TLS_CONFIG is NNG's
      expect(entry.value, spec.nnName).toBe(spec.option);
      expect(entry.ns, spec.nnName).toBe(spec.level === 0 ? 6 : 7);
    }
    for (const stat of STATISTICS) expect(byName.get(stat.nnName)).toMatchObject({ value: stat.id, ns: 14, type: 1 });
    for (const s of all.filter((x) => x.ns === 11)) {
      if (isErrnoName(s.name)) expect(s.value, s.name).toBe(errnoOf(s.name));
    }
    expect(byName.get('EFSM')!.value).toBe(156384766);
    expect(byName.get('ETERM')!.value).toBe(156384765);
  });

  it('gives namespaces, types and units as spec/wire.md §6.4 lists them', () => {
    const ns = all.filter((s) => s.ns === 0).map((s) => [s.name, s.value]);
    expect(ns).toEqual(
      ['NAMESPACE', 'VERSION', 'DOMAIN', 'TRANSPORT', 'PROTOCOL', 'OPTION_LEVEL', 'SOCKET_OPTION', 'TRANSPORT_OPTION', 'OPTION_TYPE', 'OPTION_UNIT', 'FLAG', 'ERROR', 'LIMIT', 'EVENT', 'STATISTIC'].map(
        (n, i) => [`NN_NS_${n}`, i],
      ),
    );
    const get = (name: string) => all.find((s) => s.name === name)!;
    expect(get('NN_UNIT_COUNTER').value).toBe(6);
    expect(get('NN_UNIT_MESSAGES').value).toBe(5);
    expect(get('NN_SNDBUF')).toEqual({ value: 2, ns: 6, type: 1, unit: 1, name: 'NN_SNDBUF' });
    expect(get('NN_LINGER')).toMatchObject({ type: 1, unit: 2 });
    expect(get('NN_SOCKET_NAME')).toMatchObject({ value: 15, type: 2, unit: 0 });
    expect(get('NN_IPV4ONLY')).toMatchObject({ unit: 4 });
    expect(get('NN_SNDPRIO')).toMatchObject({ unit: 3 });
    expect(get('NN_STAT_MESSAGES_SENT')).toMatchObject({ value: 301, unit: 5 });
    expect(get('NN_STAT_BYTES_RECEIVED')).toMatchObject({ value: 304, unit: 1 });
    expect(get('NN_STAT_CURRENT_SND_PRIORITY')).toMatchObject({ value: 401, unit: 3 });
    expect(get('NN_STAT_CURRENT_EP_ERRORS')).toMatchObject({ value: 203, unit: 0 });
    expect(get('NN_TCP_NODELAY')).toMatchObject({ value: 1, ns: 7, unit: 4 });
  });
});

describe('socket(type, options)', () => {
  it('throws for an unknown type, as the old package: Error("unrecognised socket type <type>")', () => {
    expect(messageOf(() => nano.socket('foo' as SocketType))).toBe('unrecognised socket type foo');
    expect(() => (nano.socket as (t?: string) => Socket)()).toThrow('unrecognised socket type undefined');
  });

  it('describes each type as the old package does, raw or not', () => {
    const receivers = ['pair', 'sub', 'req', 'rep', 'pull', 'respondent', 'bus'];
    const senders = ['pair', 'pub', 'req', 'rep', 'push', 'surveyor', 'respondent', 'bus'];
    for (const type of TYPES) {
      for (const raw of [false, true]) {
        const s = sock(type, { raw });
        expect(s.type).toBe(type);
        expect(s.af_domain).toBe(raw ? 2 : 1);
        expect(s.protocol).toBe(PROTOCOL_IDS[type]);
        expect(s.receiver).toBe(receivers.includes(type));
        expect(s.sender).toBe(senders.includes(type));
        expect(s.channels).toEqual(type === 'sub' ? { '': true } : {});
        expect(s.bound).toEqual({});
        expect(s.connected).toEqual({});
        expect(s.dontwait()).toBe(type !== 'push');
        expect(s.nndontwait).toBe(type === 'push' ? 0 : 1);
        expect(s.readableObjectMode && s.writableObjectMode).toBe(true);
        expect(typeof s.binding).toBe('number');
      }
    }
    expect(sock('pair', { raw: 1 }).af_domain).toBe(2);
  });

  it('reads back libnanomsg 1.1 defaults (README, test/sockoptapi.js)', () => {
    for (const type of TYPES) {
      const s = sock(type);
      expect({
        linger: s.linger(),
        sndbuf: s.sndbuf(),
        rcvbuf: s.rcvbuf(),
        sndtimeo: s.sndtimeo(),
        rcvtimeo: s.rcvtimeo(),
        reconn: s.reconn(),
        maxreconn: s.maxreconn(),
        sndprio: s.sndprio(),
        rcvprio: s.rcvprio(),
        rcvmaxsize: s.rcvmaxsize(),
        maxttl: s.maxttl(),
        ipv6: s.ipv6(),
        tcpnodelay: s.tcpnodelay(),
        wsopt: s.wsopt(),
      }).toEqual({
        linger: 0,
        sndbuf: 131072,
        rcvbuf: 131072,
        sndtimeo: -1,
        rcvtimeo: -1,
        reconn: 100,
        maxreconn: 0,
        sndprio: 8,
        rcvprio: 8,
        rcvmaxsize: 1048576,
        maxttl: 8,
        ipv6: false,
        tcpnodelay: false,
        wsopt: 'binary',
      });
    }
  });

  it('applies every option key given to the constructor (test/sockoptapi.js), wsopt included', () => {
    const s = sock('push', { tcpnodelay: true, linger: 3000, sndbuf: 202400 });
    expect([s.tcpnodelay(), s.linger(), s.sndbuf()]).toEqual([true, 0, 202400]);
    expect(s.sp.getOption('linger')).toBe(3000); // kept and honoured, though it reads back 0
    const all = sock('sub', {
      chan: ['x', 'y'],
      encoding: 'utf8',
      sndbuf: 1000,
      rcvbuf: 2000,
      sndtimeo: 10,
      rcvtimeo: 20,
      reconn: 30,
      maxreconn: 40,
      sndprio: 2,
      rcvprio: 3,
      rcvmaxsize: 5000,
      maxttl: 9,
      ipv6: true,
      tcpnodelay: true,
      dontwait: false,
      wsopt: 'text',
    });
    expect(all.channels).toEqual({ x: true, y: true });
    expect(all.readableEncoding).toBe('utf8');
    expect([all.sndbuf(), all.rcvbuf(), all.sndtimeo(), all.rcvtimeo(), all.reconn(), all.maxreconn()]).toEqual([1000, 2000, 10, 20, 30, 40]);
    expect([all.sndprio(), all.rcvprio(), all.rcvmaxsize(), all.maxttl(), all.ipv6(), all.tcpnodelay(), all.dontwait()]).toEqual([2, 3, 5000, 9, true, true, false]);
    // the old constructor ignored wsopt; nanosp applies it, as the README promises
    expect(all.wsopt()).toBe('text');
    expect(sock('push', { dontwait: true }).dontwait()).toBe(true);
    expect(sock('pull', { dontwait: false }).nndontwait).toBe(0);
  });

  it('throws for a bad option value or a bad chan, as the old constructor', () => {
    expect(messageOf(() => nano.socket('pub', { sndprio: 99 }))).toBe('Invalid argument: pubsndprio@99\n');
    expect(messageOf(() => nano.socket('sub', { chan: 'x' as unknown as string[] }), TypeError)).toBe('chan requires an Array');
    // chan on a type without subscriptions: an 'error' event, which throws without a listener
    expect(messageOf(() => nano.socket('pub', { chan: ['x'] }))).toBe('Protocol not available : x');
  });

  it('keeps objectMode: false when asked (one stream chunk is then not one message)', () => {
    const s = sock('pair', { objectMode: false });
    expect([s.readableObjectMode, s.writableObjectMode]).toEqual([false, false]);
  });
});

describe('option methods (test/sockoptapi.js)', () => {
  it('set with true, read back, converting values to C ints', () => {
    const s = sock('push');
    expect(s.tcpnodelay(false)).toBe(false);
    expect(s.tcpnodelay()).toBe(false);
    expect(s.tcpnodelay(true)).toBe(true);
    expect(s.tcpnodelay()).toBe(true);
    expect(s.linger(5000)).toBe(true);
    expect(s.linger()).toBe(0);
    expect(s.sndbuf(1024)).toBe(true);
    expect(s.sndbuf()).toBe(1024);
    expect(s.rcvbuf(102400)).toBe(true);
    expect(s.rcvbuf()).toBe(102400);
    expect(s.sndtimeo(500)).toBe(true);
    expect(s.sndtimeo()).toBe(500);
    expect(s.sndtimeo(1.7)).toBe(true);
    expect(s.sndtimeo()).toBe(1);
    expect(s.rcvtimeo(200)).toBe(true);
    expect(s.rcvtimeo()).toBe(200);
    expect(s.reconn(500)).toBe(true);
    expect(s.reconn()).toBe(500);
    expect(s.maxreconn(100000)).toBe(true);
    expect(s.maxreconn()).toBe(100000);
    expect(s.sndprio(3)).toBe(true);
    expect(s.sndprio()).toBe(3);
    expect(s.rcvprio(10)).toBe(true);
    expect(s.rcvprio()).toBe(10);
    expect(s.rcvmaxsize()).toBe(1048576);
    expect(s.rcvmaxsize(10000000)).toBe(true);
    expect(s.rcvmaxsize()).toBe(10000000);
    expect(s.rcvmaxsize(-1)).toBe(true);
    expect(s.ipv6()).toBe(false);
    expect(s.ipv6(true)).toBe(true);
    expect(s.ipv6()).toBe(true);
    expect(s.ipv6(0)).toBe(false);
    expect(s.maxttl()).toBe(8);
    expect(s.maxttl(12)).toBe(true);
    expect(s.maxttl()).toBe(12);
    expect(s.wsopt()).toBe('binary');
    expect(s.wsopt('text')).toBe(true);
    expect(s.wsopt()).toBe('text');
    expect(s.wsopt('binary')).toBe(true);
    expect(s.wsopt()).toBe('binary');
    expect(s.dontwait()).toBe(false);
    expect(s.dontwait(true)).toBe(true);
    expect(s.dontwait()).toBe(true);
    // an explicit undefined reads (the integer options) or sets false (the boolean ones)
    expect(s.sndbuf(undefined as unknown as number)).toBe(1024);
    expect(s.tcpnodelay(undefined)).toBe(false);
  });

  it('throw "<strerror>: <type><option>@<value>\\n" for values libnanomsg refuses', () => {
    const s = sock('pub');
    const cases: [string, unknown][] = [
      ['sndprio', 0],
      ['sndprio', 17],
      ['sndprio', 'abc'],
      ['rcvprio', 17],
      ['sndbuf', 0],
      ['sndbuf', -1],
      ['rcvbuf', -1],
      ['maxttl', 0],
      ['maxttl', 256],
      ['reconn', -5],
      ['maxreconn', -1],
      ['rcvmaxsize', -2],
    ];
    for (const [name, value] of cases) {
      expect(messageOf(() => (s as unknown as Record<string, (v: unknown) => unknown>)[name]!(value)), `${name}(${String(value)})`).toBe(
        `Invalid argument: pub${name}@${String(value)}\n`,
      );
    }
    expect(messageOf(() => s.wsopt('foo' as 'text'))).toBe('Invalid argument: pub wsopt@foo\n');
    expect(s.linger(Number('x'))).toBe(true); // any int is a linger
    expect(s.sndprio()).toBe(8);
  });

  it('errors carry code and errno besides the old message', () => {
    const s = sock('pub');
    let caught: nano.NanomsgError | undefined;
    try {
      s.sndprio(0);
    } catch (err) {
      caught = err as nano.NanomsgError;
    }
    expect(caught).toMatchObject({ code: 'EINVAL', errno: 22 });
    expect(caught?.cause).toBeInstanceOf(Error);
  });
});

describe('chan and rmchan (test/chan.js, README)', () => {
  it('replace the default "" subscription with the first channel, and remove only registered ones', () => {
    const sub = sock('sub');
    expect(sub.channels).toEqual({ '': true });
    sub.chan(['a', 'b']);
    expect(sub.channels).toEqual({ a: true, b: true });
    sub.rmchan('a', 'zzz');
    expect(sub.channels).toEqual({ b: true });
    sub.chan(['']);
    expect(sub.channels).toEqual({ b: true, '': true });
    sub.chan([5]);
    expect(sub.channels).toEqual({ 5: true, b: true });
    sub.rmchan('b', '5', '');
    expect(sub.channels).toEqual({});
    expect(messageOf(() => sub.chan('a' as unknown as string[]), TypeError)).toBe('chan requires an Array');
    expect(sock('sub', { chan: [] }).channels).toEqual({});
  });

  it('report failures as "<strerror> : <topic>" errors', () => {
    const pub = sock('pub');
    expect(withErrors(pub, () => pub.chan(['a']))).toEqual([undefined, ['Protocol not available : a']]);
    expect(pub.channels).toEqual({});
    const sub = sock('sub', { chan: [] });
    sub.close();
    expect(withErrors(sub, () => sub.chan(['q']))).toEqual([undefined, ['Bad file descriptor : q']]);
  });
});

describe('bind, connect and shutdown (test/bind.js, test/connect.js)', () => {
  const bad: [string, string][] = [
    ['inproc:/missing_first_slash', 'Invalid argument'],
    [`inproc://${'a'.repeat(128)}`, 'File name too long'],
    ['tcp://', 'Invalid argument'],
    ['tcp://127.0.0.1:port', 'Invalid argument'],
    ['tcp://127.0.0.1:65536', 'Invalid argument'],
    ['tcp://127.0.0.1', 'Invalid argument'],
    ['zmq://127.0.0.1:6000', 'Protocol not supported'],
  ];

  it.each(['bind', 'connect'] as const)('%s reports a bad address at once: null, an error event, a null entry', (verb) => {
    const s = sock('pub');
    const map = verb === 'bind' ? s.bound : s.connected;
    for (const [addr, message] of bad) {
      expect(withErrors(s, () => s[verb](addr)), addr).toEqual([null, [message]]);
      expect(map[addr]).toBeNull();
    }
    if (verb === 'bind') expect(withErrors(s, () => s.bind('tcp://eth99:555'))).toEqual([null, ['No such device']]);
    // with no 'error' listener the event throws, as EventEmitter does
    expect(messageOf(() => s[verb]('tcp://'))).toBe('Invalid argument');
  });

  it('hands out endpoint ids from 1, in the order made, and records them by address', () => {
    const s = sock('pair');
    const ipc = `ipc://${join(scratch, 'ids.ipc')}`;
    const a = inproc('a');
    const b = inproc('b');
    expect(withErrors(s, () => s.bind(a))).toEqual([1, []]);
    expect(withErrors(s, () => s.bind('tcp://127.0.0.1:port'))).toEqual([null, ['Invalid argument']]);
    expect(withErrors(s, () => s.bind(ipc))).toEqual([2, []]);
    expect(withErrors(s, () => s.connect(b))).toEqual([3, []]);
    expect(withErrors(s, () => s.connect('tcp://127.0.0.1:1'))).toEqual([4, []]);
    expect(withErrors(s, () => s.connect('tcp://nonexistent.invalid:5555'))).toEqual([5, []]);
    expect(s.bound).toEqual({ [a]: 1, 'tcp://127.0.0.1:port': null, [ipc]: 2 });
    expect(s.connected).toEqual({ [b]: 3, 'tcp://127.0.0.1:1': 4, 'tcp://nonexistent.invalid:5555': 5 });
  });

  it('shutdown returns 0, forgets the address; unknown addresses give undefined, dead ids an error', () => {
    const s = sock('pair');
    const a = inproc('shut');
    s.bind(a);
    s.connect('tcp://127.0.0.1:1');
    withErrors(s, () => s.bind('tcp://127.0.0.1:port'));
    expect(withErrors(s, () => s.shutdown(a))).toEqual([0, []]);
    expect(withErrors(s, () => s.shutdown(a))).toEqual([undefined, []]);
    expect(withErrors(s, () => s.shutdown(inproc('never')))).toEqual([undefined, []]);
    expect(withErrors(s, () => s.shutdown('tcp://127.0.0.1:port'))).toEqual([null, ['Invalid argument']]);
    expect(withErrors(s, () => s.shutdown('tcp://127.0.0.1:1'))).toEqual([0, []]);
    expect([s.bound, s.connected]).toEqual([{}, {}]);
  });
});

describe('send (test/send.js)', () => {
  it('returns msg.length for strings and buffers, undefined for numbers, bound or not', () => {
    const pub = sock('pub');
    pub.bind(inproc('send'));
    expect(pub.send('ABC')).toBe(3);
    expect(pub.send('héllo')).toBe(5); // characters, as the old package returned
    expect(pub.send(Buffer.from('héllo'))).toBe(6);
    expect(pub.send(2 ** 42)).toBeUndefined();
    expect(pub.send(new Uint16Array([1, 2]))).toBe(2);
    expect(pub.send('x', nano.NN_DONTWAIT)).toBe(1);
    expect(sock('pub').send('ABC')).toBe(3);
  });
});

describe('close (test/close.js)', () => {
  it('returns 0 and emits close once; later calls return the same', () => {
    const s = nano.socket('pub');
    let closes = 0;
    s.on('close', () => closes++);
    expect(s.closed).toBe(false);
    expect(s.close()).toBe(0);
    expect(closes).toBe(1);
    expect(s.close()).toBe(0);
    expect(closes).toBe(1);
    expect(s.closed).toBe(true);
    expect(s.sp.closed).toBe(true);
  });

  it('leaves getters undefined and makes setters, bind and connect fail with EBADF', () => {
    const s = nano.socket('pub');
    s.close();
    expect([s.linger(), s.sndbuf(), s.maxttl(), s.dontwait()]).toEqual([undefined, undefined, undefined, true]);
    expect(messageOf(() => s.sndbuf(100))).toBe('Bad file descriptor: pubsndbuf@100\n');
    expect(messageOf(() => s.ipv6())).toBe('Bad file descriptor: pub ipv6@getsockopt\n');
    expect(messageOf(() => s.ipv6(true))).toBe('Bad file descriptor: pub ipv6@activing\n');
    expect(messageOf(() => s.tcpnodelay())).toBe('Bad file descriptor: pub nodelay@getsockopt\n');
    expect(messageOf(() => s.tcpnodelay(false))).toBe('Bad file descriptor: pub nodelay@deactiving\n');
    expect(messageOf(() => s.wsopt())).toBe('Bad file descriptor: pub wsopt@getsockopt\n');
    expect(withErrors(s, () => s.bind(inproc('closed')))).toEqual([null, ['Bad file descriptor']]);
    expect(withErrors(s, () => s.connect(inproc('closed')))).toEqual([null, ['Bad file descriptor']]);
    // send after close queues nothing and reports nothing (the old package crashed here)
    expect(withErrors(s, () => s.send('x'))).toEqual([1, []]);
  });

  it('destroy() closes the nanomsg socket too', async () => {
    const s = nano.socket('pull');
    const closed = new Promise((resolve) => s.once('close', resolve));
    s.destroy();
    await closed;
    expect(s.sp.closed).toBe(true);
    expect(s.closed).toBe(true);
    expect(s.close()).toBe(0);
  });
});
