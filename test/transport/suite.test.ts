/**
 * One transport suite, run over every transport nanosp serves (as NNG's tests/trantest.h
 * does): address errors, connection refused then reconnect once the listener appears, a
 * duplicate bind refused, send/receive one and many messages, a 4 MiB message accepted with
 * recvMaxSize raised and refused by the default, close while connecting, close while a
 * message is in flight, and an endpoint shutdown dropping its pipes.
 *
 * Each transport is one row of TRANSPORTS, the WebSocket rows (ws, wss) among them. Every
 * wait is on an event or a received message.
 */
import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Endpoint, EndpointOptions, SocketInit, SocketType, SpSocket } from '../../src/index.js';
import { uniqueIpcPath } from '../helpers/cat.js';
import { describeTls, useCerts, type TestCerts } from '../helpers/certs.js';
import { freePort } from '../helpers/peers.js';
import { next, testSocket } from '../helpers/sockets.js';
import { patterned } from '../helpers/patterned.js';

const MiB = 1024 * 1024;

afterEach(() => {
  vi.restoreAllMocks();
});

/** An address that must be refused, and with which code. */
interface BadAddress {
  readonly url: string;
  readonly code: string;
  /** Which call refuses it: bind rejects, connect throws at once. */
  readonly on: 'bind' | 'connect' | 'both';
}

/** A listener that takes connections and never answers: nanosp's attempt stays in progress. */
interface SilentListener {
  readonly url: string;
  /** The first connection it accepted. */
  readonly accepted: Promise<Socket>;
  close(): Promise<void>;
}

interface TransportCase {
  readonly name: string;
  /** Opens the transport's block: plain describe, or one that needs a tool and makes what it needs. */
  readonly describe: (name: string, body: () => void) => void;
  /** For nanosp bind: port 0, a unique path, a unique name. */
  bindUrl(): Promise<string>;
  /** An address nobody serves yet, that a later bind can take (a free port, a unique path or name). */
  freeUrl(): Promise<string>;
  /** Given to every socket of the suite. */
  socketOptions?(): SocketInit;
  /** Given to every connect of the suite. */
  connectOptions?(): EndpointOptions;
  readonly badAddresses: readonly BadAddress[];
  /** Addresses that look odd but must be taken (inproc names are any string). */
  readonly oddButValid?: () => readonly string[];
  /**
   * inproc: a connector with no binder waits silently (nanomsg). Otherwise the codes a connect
   * to an address nobody serves fails with before it retries.
   */
  readonly refusedWith: readonly string[] | 'waits';
  /** nanomsg's inproc does not enforce recvMaxSize. */
  readonly enforcesRecvMaxSize: boolean;
  /** For close-while-connecting: a listener that accepts and stays silent. */
  silentListener?(): Promise<SilentListener>;
}

/** The generic checks of nn_global_create_ep (spec/wire.md §5.1), for any scheme. */
function genericBad(scheme: string): BadAddress[] {
  return [
    { url: `${scheme}:/x`, code: 'EINVAL', on: 'both' },
    { url: `${scheme}://${'a'.repeat(128 - scheme.length - 3)}`, code: 'ENAMETOOLONG', on: 'both' },
  ];
}

/** nanomsg's tests/tcp.c address table (spec/wire.md §5.2), for tcp:// and tls+tcp://. */
function tcpBad(scheme: string): BadAddress[] {
  return [
    ...genericBad(scheme),
    { url: `${scheme}://*:`, code: 'EINVAL', on: 'bind' },
    { url: `${scheme}://*:1000000`, code: 'EINVAL', on: 'bind' },
    { url: `${scheme}://*:some_port`, code: 'EINVAL', on: 'bind' },
    { url: `${scheme}://eth10000:5555`, code: 'ENODEV', on: 'bind' },
    { url: `${scheme}://eth10000;127.0.0.1:5555`, code: 'ENODEV', on: 'connect' },
    { url: `${scheme}://127.0.0.1`, code: 'EINVAL', on: 'both' },
    { url: `${scheme}://:5555`, code: 'EINVAL', on: 'connect' },
    { url: `${scheme}://-hostname:5555`, code: 'EINVAL', on: 'connect' },
    { url: `${scheme}://abc.123.---.#:5555`, code: 'EINVAL', on: 'connect' },
    { url: `${scheme}://[::1]:5555`, code: 'EINVAL', on: 'connect' },
    { url: `${scheme}://abc...123:5555`, code: 'EINVAL', on: 'connect' },
    { url: `${scheme}://.123:5555`, code: 'EINVAL', on: 'connect' },
    { url: `${scheme}://127.0.0.1:0`, code: 'EINVAL', on: 'connect' },
  ];
}

/**
 * The TCP table for ws:// and wss://: a connect without a port goes to the default port (80,
 * 443), so only a bind needs one.
 */
function wsBad(scheme: string): BadAddress[] {
  return tcpBad(scheme).map((bad) => (bad.url === `${scheme}://127.0.0.1` ? { ...bad, on: 'bind' as const } : bad));
}

/** Start `server` as a silent listener: it keeps what it accepts, and closes it all on close(). */
async function silent(server: Server, event: 'connection' | 'secureConnection', listen: (done: () => void) => void, url: () => string): Promise<SilentListener> {
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
  });
  // read and drop what nanosp sends (its SP header), so the end of the connection is seen
  const accepted = once(server, event).then(([socket]) => (socket as Socket).resume());
  await new Promise<void>((resolve) => listen(resolve));
  return {
    url: url(),
    accepted,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

const portOf = (server: Server): number => (server.address() as { port: number }).port;

let inprocCount = 0;
const inprocName = () => `inproc://suite-${process.pid}-${++inprocCount}`;

// one set of certificates per TLS row: each row's describe block makes and removes its own
let tlsCerts: TestCerts;
let wssCerts: TestCerts;

const TRANSPORTS: readonly TransportCase[] = [
  {
    name: 'tcp',
    describe,
    bindUrl: () => Promise.resolve('tcp://127.0.0.1:0'),
    freeUrl: async () => `tcp://127.0.0.1:${await freePort()}`,
    badAddresses: tcpBad('tcp'),
    refusedWith: ['ECONNREFUSED'],
    enforcesRecvMaxSize: true,
    silentListener: () => {
      const server = createServer();
      return silent(server, 'connection', (done) => server.listen(0, '127.0.0.1', done), () => `tcp://127.0.0.1:${portOf(server)}`);
    },
  },
  {
    name: 'ipc',
    describe,
    bindUrl: () => Promise.resolve(`ipc://${uniqueIpcPath('suite')}`),
    freeUrl: () => Promise.resolve(`ipc://${uniqueIpcPath('suite')}`),
    badAddresses: [
      ...genericBad('ipc'),
      { url: 'ipc://', code: 'EINVAL', on: 'both' },
      { url: 'unix://', code: 'EINVAL', on: 'both' },
      // sun_path holds 107 bytes and a NUL; nanomsg would abort on this one
      { url: `ipc:///${'p'.repeat(107)}`, code: 'ENAMETOOLONG', on: 'both' },
      { url: `abstract://${'p'.repeat(107)}`, code: 'ENAMETOOLONG', on: 'both' },
    ],
    // nothing at the path: the UNIX connect fails with ENOENT (ECONNREFUSED for a stale file)
    refusedWith: ['ENOENT', 'ECONNREFUSED'],
    enforcesRecvMaxSize: true,
    silentListener: () => {
      const path = uniqueIpcPath('silent');
      const server = createServer();
      return silent(server, 'connection', (done) => server.listen(path, done), () => `ipc://${path}`);
    },
  },
  {
    name: 'inproc',
    describe,
    bindUrl: () => Promise.resolve(inprocName()),
    freeUrl: () => Promise.resolve(inprocName()),
    // only the generic length rule applies; the name itself is never invalid
    badAddresses: [genericBad('inproc')[1] as BadAddress, { url: 'inproc:/name', code: 'EINVAL', on: 'both' }],
    oddButValid: () => [`inproc://odd ${process.pid}/with:colons?and#more%${inprocCount++}`, `inproc://${'n'.repeat(100)}-${inprocCount++}`, 'inproc://'],
    refusedWith: 'waits',
    enforcesRecvMaxSize: false,
  },
  {
    name: 'tls+tcp',
    // certificates are made once for the block; without openssl it is skipped (CI: fails)
    describe: (name, body) =>
      describeTls(name, () => {
        tlsCerts = useCerts();
        body();
      }),
    bindUrl: () => Promise.resolve('tls+tcp://127.0.0.1:0'),
    freeUrl: async () => `tls+tcp://127.0.0.1:${await freePort()}`,
    // every socket can listen (certificate on the socket); every dialer trusts it (per endpoint)
    socketOptions: () => ({ tls: tlsCerts.listener() }),
    connectOptions: () => ({ tls: tlsCerts.dialer() }),
    badAddresses: tcpBad('tls+tcp'),
    refusedWith: ['ECONNREFUSED'],
    enforcesRecvMaxSize: true,
    // TLS is up but the SP header never comes: nanosp is in its SP handshake
    silentListener: () => {
      const server = createTlsServer(tlsCerts.listener());
      return silent(server, 'secureConnection', (done) => server.listen(0, '127.0.0.1', done), () => `tls+tcp://127.0.0.1:${portOf(server)}`);
    },
  },
  {
    name: 'ws',
    describe,
    bindUrl: () => Promise.resolve('ws://127.0.0.1:0/suite'),
    freeUrl: async () => `ws://127.0.0.1:${await freePort()}/suite`,
    badAddresses: wsBad('ws'),
    refusedWith: ['ECONNREFUSED'],
    enforcesRecvMaxSize: true,
    // the TCP connection is up but the HTTP upgrade is never answered
    silentListener: () => {
      const server = createServer();
      return silent(server, 'connection', (done) => server.listen(0, '127.0.0.1', done), () => `ws://127.0.0.1:${portOf(server)}/`);
    },
  },
  {
    name: 'wss',
    describe: (name, body) =>
      describeTls(name, () => {
        wssCerts = useCerts();
        body();
      }),
    bindUrl: () => Promise.resolve('wss://127.0.0.1:0/suite'),
    freeUrl: async () => `wss://127.0.0.1:${await freePort()}/suite`,
    socketOptions: () => ({ tls: wssCerts.listener() }),
    connectOptions: () => ({ tls: wssCerts.dialer() }),
    badAddresses: wsBad('wss'),
    refusedWith: ['ECONNREFUSED'],
    enforcesRecvMaxSize: true,
    silentListener: () => {
      const server = createTlsServer(wssCerts.listener());
      return silent(server, 'secureConnection', (done) => server.listen(0, '127.0.0.1', done), () => `wss://127.0.0.1:${portOf(server)}/`);
    },
  },
];

/** Counts of the live handles (sockets, servers, connects in progress) by type; timers apart. */
function handles(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const type of process.getActiveResourcesInfo()) if (type !== 'Timeout' && type !== 'Immediate') counts[type] = (counts[type] ?? 0) + 1;
  return counts;
}

function moreThan(now: Record<string, number>, before: Record<string, number>): Record<string, number> {
  const extra: Record<string, number> = {};
  for (const [type, n] of Object.entries(now)) if (n > (before[type] ?? 0)) extra[type] = n - (before[type] ?? 0);
  return extra;
}

/**
 * Watch for leaks from now on. `check()` expects every timer set meanwhile to have fired or
 * been cleared (closing clears timers at once, so this is checked at once), and no handle
 * beyond those live at the start (a handle of an earlier test may still be closing then; it
 * may go, nothing may be added). Handles close asynchronously and no event says when, so
 * those are looked at again every 10 ms for up to a second.
 */
function leakWatch(): { check(): Promise<void> } {
  const before = handles();
  const timers: NodeJS.Timeout[] = [];
  const realSetTimeout = globalThis.setTimeout;
  const spy = vi.spyOn(globalThis, 'setTimeout').mockImplementation(((...args: Parameters<typeof setTimeout>) => {
    const timer = realSetTimeout(...args);
    timers.push(timer);
    return timer;
  }) as typeof setTimeout);
  // node's Timeout marks itself destroyed once it fired (one-shot) or was cleared
  const live = () => timers.filter((timer) => !(timer as unknown as { _destroyed: boolean })._destroyed && timer.hasRef());
  return {
    async check() {
      spy.mockRestore();
      expect(live().length, 'timers left running').toBe(0);
      const until = Date.now() + 1000;
      while (Object.keys(moreThan(handles(), before)).length > 0 && Date.now() < until) {
        await new Promise<void>((resolve) => realSetTimeout(resolve, 10));
      }
      expect(moreThan(handles(), before), 'handles left open').toEqual({});
    },
  };
}

/** Unhandled rejections and uncaught exceptions while `work` runs. */
async function unhandledDuring(work: () => Promise<void>): Promise<unknown[]> {
  const seen: unknown[] = [];
  const onError = (err: unknown) => seen.push(err);
  process.on('unhandledRejection', onError);
  process.on('uncaughtException', onError);
  try {
    await work();
    // a rejection nobody handles is reported once the microtasks of the current task ran
    await new Promise<void>((resolve) => setImmediate(resolve));
  } finally {
    process.off('unhandledRejection', onError);
    process.off('uncaughtException', onError);
  }
  return seen;
}

for (const t of TRANSPORTS) {
  const sock = (type: SocketType, init?: SocketInit): SpSocket => testSocket(type, { ...t.socketOptions?.(), ...init });
  const bind = async (s: SpSocket, url?: string): Promise<Endpoint> => s.bind(url ?? (await t.bindUrl()));
  const connect = (s: SpSocket, url: string): Endpoint => s.connect(url, t.connectOptions?.());

  /** Bind `a`, connect `b`, and wait until both have the pipe. */
  const link = async (a: SpSocket, b: SpSocket): Promise<{ bound: Endpoint; dialing: Endpoint }> => {
    const bound = await bind(a);
    const piped = Promise.all([next(a, 'pipe'), next(b, 'pipe')]);
    const dialing = connect(b, bound.url);
    await piped;
    return { bound, dialing };
  };

  t.describe(`transport suite: ${t.name}`, () => {
    describe('addresses', () => {
      it('refuses bad addresses with the errno nanomsg gives', async () => {
        const s = sock('pair');
        for (const bad of t.badAddresses) {
          if (bad.on !== 'connect') {
            await expect(s.bind(bad.url), `bind ${bad.url}`).rejects.toMatchObject({ name: 'SpError', code: bad.code });
          }
          if (bad.on !== 'bind') {
            expect(() => s.connect(bad.url, t.connectOptions?.()), `connect ${bad.url}`).toThrow(expect.objectContaining({ name: 'SpError', code: bad.code }));
          }
        }
        // nothing half-made is left behind
        expect(s.endpoints).toEqual([]);
      });

      if (t.oddButValid) {
        it('takes any name: binds and connects never fail on the name itself', async () => {
          for (const url of t.oddButValid!()) {
            const a = sock('pair');
            const b = sock('pair');
            const bound = await bind(a, url);
            expect(bound.url).toBe(url);
            const piped = Promise.all([next(a, 'pipe'), next(b, 'pipe')]);
            connect(b, url);
            await piped;
            await b.send(url);
            expect(String(await a.recv())).toBe(url);
            await Promise.all([a.close(), b.close()]);
          }
        });
      }

      it('a second bind of the same address fails with EADDRINUSE; the first keeps serving', async () => {
        const first = sock('pair');
        const ep = await bind(first);
        const second = sock('pair');
        const failed = vi.fn();
        second.on('bind-failed', failed);
        await expect(bind(second, ep.url)).rejects.toMatchObject({ name: 'SpError', code: 'EADDRINUSE', errno: 98 });
        expect(failed).toHaveBeenCalledOnce();
        expect(second.endpoints).toEqual([]);
        const client = sock('pair');
        const piped = Promise.all([next(first, 'pipe'), next(client, 'pipe')]);
        connect(client, ep.url);
        await piped;
        await client.send('still bound');
        expect(String(await first.recv())).toBe('still bound');
      });
    });

    describe('connecting', () => {
      it(
        t.refusedWith === 'waits'
          ? 'a connect before the bind waits without errors and attaches once the binder appears'
          : 'a connect before the listener exists fails, retries, and attaches once the listener appears',
        async () => {
          const url = await t.freeUrl();
          const client = sock('pair', { reconnectInterval: 10 });
          const failures = vi.fn();
          const endpointErrors = vi.fn();
          client.on('connect-failed', failures);
          client.on('endpoint-error', endpointErrors);
          if (t.refusedWith === 'waits') {
            const ep = connect(client, url);
            expect(client.stats.inprogressConnections).toBe(1);
            expect(ep.error).toBeUndefined();
          } else {
            const failed = next(client, 'connect-failed');
            const ep = connect(client, url);
            const [failure] = await failed;
            expect(t.refusedWith).toContain(failure.error.code);
            expect(ep.error?.code).toBe(failure.error.code);
            expect(client.pipes).toHaveLength(0);
          }
          const server = sock('pair');
          const piped = Promise.all([next(client, 'pipe'), next(server, 'pipe')]);
          await bind(server, url);
          await piped;
          await client.send('late');
          expect(String(await server.recv())).toBe('late');
          await server.send('welcome');
          expect(String(await client.recv())).toBe('welcome');
          expect(client.stats.establishedConnections).toBe(1);
          expect(client.stats.currentEpErrors).toBe(0);
          expect(client.endpoints[0]!.error).toBeUndefined();
          if (t.refusedWith === 'waits') {
            expect(failures).not.toHaveBeenCalled();
            expect(endpointErrors).not.toHaveBeenCalled();
            expect(client.stats.connectErrors).toBe(0);
          } else {
            expect(client.stats.connectErrors).toBeGreaterThanOrEqual(1);
            expect(endpointErrors.mock.calls.at(-1)?.[0].error).toBeUndefined(); // cleared on success
          }
        },
      );

      it('close while connecting: the socket closes cleanly and leaves nothing running', async () => {
        const url = await t.freeUrl();
        const leaks = leakWatch();
        const client = sock('pair');
        const piped = vi.fn();
        client.on('pipe', piped);
        connect(client, url);
        expect(client.stats.inprogressConnections).toBe(1);
        await client.close();
        expect(client.endpoints).toEqual([]);
        await leaks.check();
        // the cancelled attempt has unwound (it may do so just after close() resolved)
        expect(client.stats.inprogressConnections).toBe(0);
        // a listener that appears now finds nobody waiting for it
        const server = sock('pair');
        const other = sock('pair');
        const serverPiped = Promise.all([next(server, 'pipe'), next(other, 'pipe')]);
        await bind(server, url);
        connect(other, url);
        await serverPiped;
        expect(server.stats.acceptedConnections).toBe(1);
        expect(piped).not.toHaveBeenCalled();
      });

      if (t.refusedWith !== 'waits') {
        it('close while waiting to reconnect: the retry timer goes with the socket', async () => {
          const url = await t.freeUrl();
          const leaks = leakWatch();
          // nanomsg's backoff: the first retry is at once, the next after reconnectInterval
          const client = sock('pair', { reconnectInterval: 60_000 });
          let failed = 0;
          const twice = new Promise<void>((resolve) => client.on('connect-failed', () => ++failed === 2 && resolve()));
          connect(client, url);
          await twice;
          await client.close();
          expect(client.endpoints).toEqual([]);
          await leaks.check();
          expect(client.stats.inprogressConnections).toBe(0);
        });
      }

      if (t.silentListener) {
        it('close in the middle of the handshake: the socket closes cleanly and drops the connection', async () => {
          const silent = await t.silentListener!();
          try {
            const leaks = leakWatch();
            const client = sock('pair');
            const broken = vi.fn();
            client.on('pipe-broken', broken);
            client.on('pipe', broken);
            const connected = next(client, 'connected');
            connect(client, silent.url);
            // the connection (and TLS) is up on both sides: nanosp sent its SP header and waits
            const [serverSide] = await Promise.all([silent.accepted, connected]);
            const dropped = once(serverSide, 'close', { signal: AbortSignal.timeout(2000) });
            serverSide.on('error', () => {});
            await client.close();
            await dropped;
            expect(client.endpoints).toEqual([]);
            expect(client.stats.inprogressConnections).toBe(0);
            expect(broken).not.toHaveBeenCalled();
            serverSide.destroy();
            await leaks.check();
          } finally {
            await silent.close();
          }
        });
      }
    });

    describe('messages', () => {
      it('sends and receives one message each way (PAIR)', async () => {
        const a = sock('pair');
        const b = sock('pair');
        await link(a, b);
        await b.send('ping');
        expect(String(await a.recv())).toBe('ping');
        await a.send('pong');
        expect(String(await b.recv())).toBe('pong');
        await b.send('');
        expect((await a.recv()).length).toBe(0);
      });

      it('sends and receives 1000 messages each way at once, in order (PAIR)', async () => {
        const a = sock('pair');
        const b = sock('pair');
        await link(a, b);
        const N = 1000;
        const body = (from: string, i: number) => `${from}-${i}-${'x'.repeat(i % 97)}`;
        const pump = async (from: SpSocket, name: string) => {
          for (let i = 0; i < N; i++) await from.send(body(name, i));
        };
        const drain = async (to: SpSocket, name: string) => {
          for (let i = 0; i < N; i++) expect(String(await to.recv())).toBe(body(name, i));
        };
        await Promise.all([pump(a, 'a'), pump(b, 'b'), drain(b, 'a'), drain(a, 'b')]);
        expect(a.stats.messagesReceived).toBe(N);
        expect(b.stats.messagesReceived).toBe(N);
      });

      it('PUSH/PULL: the puller gets what the pusher sends, in order', async () => {
        const pull = sock('pull');
        const push = sock('push');
        await link(pull, push);
        for (let i = 0; i < 10; i++) await push.send(`job ${i}`);
        for (let i = 0; i < 10; i++) expect(String(await pull.recv())).toBe(`job ${i}`);
      });

      it('PUB/SUB: the subscriber gets the topics it subscribed to', async () => {
        const pub = sock('pub');
        const sub = sock('sub');
        sub.subscribe('news.');
        await link(pub, sub);
        await pub.send('weather: rain');
        await pub.send('news.first');
        await pub.send('news.second');
        expect(String(await sub.recv())).toBe('news.first');
        expect(String(await sub.recv())).toBe('news.second');
      });

      it('a 4 MiB message passes with recvMaxSize −1 on the receiver', async () => {
        const a = sock('pair', { recvMaxSize: -1 });
        const b = sock('pair');
        await link(a, b);
        const big = patterned(4 * MiB);
        await b.send(big);
        const got = await a.recv();
        expect(got.length).toBe(big.length);
        expect(got.equals(big)).toBe(true);
      });

      it('large messages reach the dialer byte for byte: around a read, the in-place threshold and runs of equal sizes', async () => {
        const a = sock('pair');
        const b = sock('pair', { recvMaxSize: -1 });
        await link(a, b);
        const dense = (size: number, seed: number) => {
          const body = Buffer.allocUnsafe(size);
          for (let i = 0; i < size; i++) body[i] = (i * 7 + seed) & 0xff;
          return body;
        };
        const sizes = [1, 16 * 1024 - 1, 16 * 1024, 64 * 1024 + 9, 64 * 1024, 64 * 1024, 64 * 1024, 64 * 1024, 100, MiB + 3];
        const got: Uint8Array[] = [];
        const receiving = (async () => {
          for (let i = 0; i < sizes.length; i++) got.push(await b.recv());
        })();
        for (const [i, size] of sizes.entries()) await a.send(dense(size, i));
        await receiving;
        // compared once all have arrived: a later read into memory a message views would show
        for (const [i, size] of sizes.entries()) expect(Buffer.from(got[i] as Uint8Array).equals(dense(size, i)), `message ${i} (${size} bytes)`).toBe(true);
      });

      if (t.enforcesRecvMaxSize) {
        it('a 4 MiB message over the default 1 MiB limit breaks the pipe (EMSGSIZE) and nothing is delivered', async () => {
          const a = sock('pair');
          const b = sock('pair', { reconnectInterval: 10 });
          await link(a, b);
          expect(a.getOption('recvMaxSize')).toBe(MiB);
          const broken = next(a, 'pipe-broken');
          const repiped = new Promise<void>((resolve) => a.on('pipe', () => resolve()));
          await b.send(patterned(4 * MiB));
          const [event] = await broken;
          expect(event.error.code).toBe('EMSGSIZE');
          expect(event.pipe).toBeDefined();
          expect(a.stats.brokenConnections).toBe(1);
          // the dialer comes back, and the next message is the first one delivered
          await repiped;
          await b.send('after');
          expect(String(await a.recv())).toBe('after');
          expect(a.stats.messagesReceived).toBe(1);
        });
      } else {
        it('a 4 MiB message passes with the default recvMaxSize (nanomsg inproc does not enforce it)', async () => {
          const a = sock('pair');
          const b = sock('pair');
          await link(a, b);
          const broken = vi.fn();
          a.on('pipe-broken', broken);
          const big = patterned(4 * MiB);
          await b.send(big);
          expect((await a.recv()).equals(big)).toBe(true);
          expect(broken).not.toHaveBeenCalled();
          expect(a.stats.brokenConnections).toBe(0);
        });
      }
    });

    describe('closing', () => {
      it('the sender closes while a 4 MiB message is in flight: no crash, nothing partial delivered', async () => {
        const a = sock('pair', { recvMaxSize: -1 });
        const b = sock('pair');
        await link(a, b);
        const big = patterned(4 * MiB);
        const seen = await unhandledDuring(async () => {
          const broken = next(a, 'pipe-broken');
          await b.send(big);
          await b.close();
          const [event] = await broken;
          expect(event.pipe).toBeDefined();
        });
        expect(seen).toEqual([]);
        expect(a.pipes).toHaveLength(0);
        // either the whole message arrived before the break, or nothing of it did
        const delivered: Buffer[] = [];
        for (;;) {
          try {
            delivered.push(a.tryRecv());
          } catch (err) {
            expect(err).toMatchObject({ code: 'EAGAIN' });
            break;
          }
        }
        expect(delivered.length).toBeLessThanOrEqual(1);
        if (delivered[0]) expect(delivered[0].equals(big)).toBe(true);
      });

      it('the receiver closes while a 4 MiB message is in flight: the sender sees a broken pipe and lives on', async () => {
        const a = sock('pair', { recvMaxSize: -1 });
        const b = sock('pair', { reconnectInterval: 10 });
        const { bound } = await link(a, b);
        const seen = await unhandledDuring(async () => {
          const broken = next(b, 'pipe-broken');
          await b.send(patterned(4 * MiB));
          await a.close();
          const [event] = await broken;
          expect(event.pipe).toBeDefined();
        });
        expect(seen).toEqual([]);
        // the sender is fine: a new listener on the same address gets its next message
        const c = sock('pair');
        const piped = next(c, 'pipe');
        await bind(c, bound.url);
        await piped;
        await b.send('next');
        expect(String(await c.recv())).toBe('next');
      });

      it("an endpoint's close (nn_shutdown) drops that endpoint's pipes only", async () => {
        const pull = sock('pull');
        const ep1 = await bind(pull);
        const ep2 = await bind(pull);
        const p1 = sock('push');
        const p2 = sock('push');
        const piped = Promise.all([next(p1, 'pipe'), next(p2, 'pipe'), new Promise<void>((resolve) => {
          let n = 0;
          pull.on('pipe', () => ++n === 2 && resolve());
        })]);
        connect(p1, ep1.url);
        const p2ep = connect(p2, ep2.url);
        await piped;

        const removed = next(pull, 'pipe-removed');
        const p1Broken = next(p1, 'pipe-broken');
        await ep1.close();
        const [pipe, reason] = await removed;
        expect(reason).toBe('dropped');
        expect(pipe.endpoint.id).toBe(ep1.id);
        await p1Broken;
        expect(pull.endpoints.map((e) => e.id)).toEqual([ep2.id]);
        expect(pull.pipes.map((p) => p.endpoint.id)).toEqual([ep2.id]);
        expect(pull.stats.droppedConnections).toBe(1);
        await p2.send('still here');
        expect(String(await pull.recv())).toBe('still here');

        // the same from the connecting side
        const p2Removed = next(p2, 'pipe-removed');
        const pullBroken = next(pull, 'pipe-broken');
        await p2ep.close();
        expect((await p2Removed)[1]).toBe('dropped');
        await pullBroken;
        expect(p2.pipes).toHaveLength(0);
        expect(p2.endpoints).toEqual([]);
        expect(pull.pipes).toHaveLength(0);
      });
    });
  });
}
