/**
 * Pipe admission ('pipe-adding', NNG's pre-add pipe notification; spec/nng.md §4 item 5) over
 * real TCP on loopback and IPC: a listener that refuses a peer (by address, or because enough
 * peers are in) keeps that peer from ever delivering a message while the others carry on; the
 * refusal is counted in stats.rejectedConnections and reported as 'pipe-broken' with EACCES
 * naming the pipe, which 'pipe' never announced. A listener that throws refuses the pipe; a
 * listener that closes the socket is safe; a dialing socket refuses too, and its endpoint
 * redials with its backoff and is refused again. NN_PRINT_ERRORS prints one line per endpoint
 * and peer host, however often the peer retries.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { resetDiagnostics } from '../../src/diag/index.js';
import { configureDiagnostics, type PipeFailure, type PipeInfo, type SpSocket } from '../../src/index.js';
import type { SocketEventMap } from '../../src/sp/events.js';
import { next, testSocket } from '../helpers/sockets.js';

afterEach(() => {
  resetDiagnostics();
});

let ipcCount = 0;
/** A fresh IPC address for this process. */
function ipcUrl(): string {
  return `ipc://${join(tmpdir(), `nanosp-admission-${process.pid}-${++ipcCount}.ipc`)}`;
}

/** Wait for `event` on `s` until `done()` holds (checked first, then after each event). */
async function until<K extends keyof SocketEventMap>(s: SpSocket, event: K, done: () => boolean, timeoutMs = 5000): Promise<void> {
  const signal = AbortSignal.timeout(timeoutMs);
  while (!done()) await once(s, event, { signal });
}

/** What a socket reports about its pipes, as it happens. */
function record(s: SpSocket): { adding: PipeInfo[]; piped: PipeInfo[]; broken: PipeFailure[]; refused: () => PipeFailure[] } {
  const adding: PipeInfo[] = [];
  const piped: PipeInfo[] = [];
  const broken: PipeFailure[] = [];
  s.on('pipe-adding', (event) => adding.push(event.pipe));
  s.on('pipe', (pipe) => piped.push(pipe));
  s.on('pipe-broken', (event) => broken.push(event));
  return { adding, piped, broken, refused: () => broken.filter((e) => e.error.code === 'EACCES') };
}

/** The port of a tcp:// URL. */
function portOf(url: string): number {
  return Number(new URL(url).port);
}

/** Receive until every body in `wanted` came in; everything received, with its pipe id. */
async function receiveAll(s: SpSocket, wanted: string[]): Promise<{ body: string; pipe: number }[]> {
  const got: { body: string; pipe: number }[] = [];
  const missing = new Set(wanted);
  while (missing.size > 0) {
    const m = await s.recvMessage({ timeout: 5000 });
    const body = String(m.body);
    got.push({ body, pipe: m.pipe });
    missing.delete(body);
  }
  return got;
}

/** Every refusal has the EACCES error and names a pipe that 'pipe-adding' saw and 'pipe' never did. */
function expectRefusals(s: SpSocket, log: ReturnType<typeof record>, endpointId: number, reason: RegExp): void {
  const refused = log.refused();
  expect(refused.length).toBeGreaterThan(0);
  expect(s.stats.rejectedConnections).toBe(refused.length);
  const addingIds = new Set(log.adding.map((p) => p.id));
  const pipedIds = new Set(log.piped.map((p) => p.id));
  for (const event of refused) {
    expect(event.error.code).toBe('EACCES');
    expect(event.error.message).toMatch(reason);
    expect(event.endpoint.id).toBe(endpointId);
    expect(event.pipe).toBeDefined();
    expect(addingIds.has(event.pipe!.id)).toBe(true);
    expect(pipedIds.has(event.pipe!.id)).toBe(false);
    expect(event.error.message).toContain(String(event.pipe!.id));
  }
}

describe("'pipe-adding' on a bound socket", () => {
  it('refuses one of three peers by address: it never delivers, the other two keep working (tcp)', async () => {
    const pull = testSocket('pull');
    const ep = await pull.bind('tcp://127.0.0.1:0');
    const log = record(pull);
    pull.on('pipe-adding', (event) => {
      if (event.pipe.remoteAddress.startsWith('127.0.0.2:')) event.reject('not on the allow-list');
    });

    const a = testSocket('push');
    const b = testSocket('push');
    const c = testSocket('push', { reconnectInterval: 10, reconnectIntervalMax: 10 });
    // the refused peer has messages waiting the whole time: each of its short-lived pipes may take some
    const cSends = Array.from({ length: 5 }, (_, i) => c.send(`c${i}`).then(
      () => 'sent',
      (err: { code?: string }) => err.code,
    ));
    a.connect(ep.url);
    b.connect(ep.url);
    // the same endpoint, from another loopback address (nanomsg's `tcp://local;host:port`)
    c.connect(`tcp://127.0.0.2;127.0.0.1:${portOf(ep.url)}`);
    await until(pull, 'pipe', () => log.piped.length >= 2);
    // refused, redialed, refused again
    await until(pull, 'pipe-broken', () => log.refused().length >= 3);

    for (const p of log.piped) expect(p.remoteAddress).toMatch(/^127\.0\.0\.1:\d+$/);
    for (const e of log.refused()) expect(e.pipe!.remoteAddress).toMatch(/^127\.0\.0\.2:\d+$/);
    expect(log.refused()[0]!.error.message).toContain('not on the allow-list');
    expectRefusals(pull, log, ep.id, /refused/);
    expect(pull.stats.currentConnections).toBe(2);
    expect(pull.pipes.map((p) => p.id).sort()).toEqual(log.piped.map((p) => p.id).sort());

    await a.send('a1');
    await b.send('b1');
    await a.send('a2');
    await b.send('b2');
    const got = await receiveAll(pull, ['a1', 'a2', 'b1', 'b2']);
    expect(got.map((m) => m.body).sort()).toEqual(['a1', 'a2', 'b1', 'b2']);
    const [pa, pb] = [got.find((m) => m.body === 'a1')!.pipe, got.find((m) => m.body === 'b1')!.pipe];
    expect(pa).not.toBe(pb);
    expect(got.find((m) => m.body === 'a2')!.pipe).toBe(pa);
    expect(got.find((m) => m.body === 'b2')!.pipe).toBe(pb);
    expect(new Set([pa, pb])).toEqual(new Set(log.piped.map((p) => p.id)));
    await expect(pull.recv({ timeout: 0 })).rejects.toMatchObject({ code: 'EAGAIN' });

    await c.close();
    // whatever went into the refused peer's short-lived pipes never reached the receiver
    expect((await Promise.all(cSends)).every((r) => r === 'sent' || r === 'EBADF')).toBe(true);
    await expect(pull.recv({ timeout: 0 })).rejects.toMatchObject({ code: 'EAGAIN' });
    expect(pull.stats.messagesReceived).toBe(4);
  });

  it.each([
    ['tcp', () => 'tcp://127.0.0.1:0'],
    ['ipc', ipcUrl],
  ])('refuses by count over %s: the third peer is turned away, counted each time it retries', async (_name, address) => {
    const pull = testSocket('pull');
    const ep = await pull.bind(address());
    const log = record(pull);
    let admitted = 0;
    pull.on('pipe-adding', (event) => {
      if (admitted >= 2) return event.reject('two peers are enough');
      admitted++;
    });

    const a = testSocket('push');
    const b = testSocket('push');
    const c = testSocket('push', { reconnectInterval: 10, reconnectIntervalMax: 10 });
    a.connect(ep.url);
    await until(pull, 'pipe', () => log.piped.length === 1);
    b.connect(ep.url);
    await until(pull, 'pipe', () => log.piped.length === 2);
    const cSent = c.send('from c').then(
      () => 'sent',
      (err: { code?: string }) => err.code,
    );
    c.connect(ep.url);
    await until(pull, 'pipe-broken', () => log.refused().length >= 3);
    expectRefusals(pull, log, ep.id, /two peers are enough/);
    expect(log.piped).toHaveLength(2);
    expect(log.adding.length).toBe(2 + log.refused().length);

    await a.send('from a');
    await b.send('from b');
    const got = await receiveAll(pull, ['from a', 'from b']);
    expect(got.map((m) => m.body).sort()).toEqual(['from a', 'from b']);
    expect(new Set(got.map((m) => m.pipe))).toEqual(new Set(log.piped.map((p) => p.id)));
    await c.close();
    expect(['sent', 'EBADF']).toContain(await cSent);
    await expect(pull.recv({ timeout: 0 })).rejects.toMatchObject({ code: 'EAGAIN' });
  });

  it('a listener that throws refuses the pipe; the socket lives on and takes the next one', async () => {
    const pull = testSocket('pull');
    const ep = await pull.bind('tcp://127.0.0.1:0');
    const log = record(pull);
    let calls = 0;
    pull.on('pipe-adding', () => {
      if (++calls === 1) throw new Error('the allow-list is not loaded yet');
    });
    const push = testSocket('push', { reconnectInterval: 10 });
    push.connect(ep.url);
    await until(pull, 'pipe', () => log.piped.length === 1);
    expect(log.refused()).toHaveLength(1);
    expectRefusals(pull, log, ep.id, /the allow-list is not loaded yet/);
    expect(pull.closed).toBe(false);
    await push.send('through');
    const m = await pull.recvMessage({ timeout: 5000 });
    expect(String(m.body)).toBe('through');
    expect(m.pipe).toBe(log.piped[0]!.id);
    expect(m.pipe).not.toBe(log.refused()[0]!.pipe!.id);
  });

  it('rejecting with no reason, or with a reason twice, still refuses once', async () => {
    const pull = testSocket('pull');
    const ep = await pull.bind('tcp://127.0.0.1:0');
    const log = record(pull);
    pull.on('pipe-adding', (event) => {
      event.reject();
      event.reject('again');
    });
    const push = testSocket('push', { reconnectInterval: 10, reconnectIntervalMax: 10 });
    push.connect(ep.url);
    await until(pull, 'pipe-broken', () => log.refused().length >= 2);
    expectRefusals(pull, log, ep.id, /refused/);
    expect(log.adding).toHaveLength(log.refused().length);
  });

  it('closing the socket inside the listener is safe: no throw, no unhandled rejection, the socket ends closed', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (err: unknown): void => void unhandled.push(err);
    process.on('unhandledRejection', onUnhandled);
    try {
      const pull = testSocket('pull');
      const ep = await pull.bind('tcp://127.0.0.1:0');
      const log = record(pull);
      let threw: unknown;
      let closing: Promise<void> | undefined;
      pull.on('pipe-adding', () => {
        try {
          closing = pull.close();
        } catch (err) {
          threw = err;
        }
      });
      const closed = next(pull, 'close');
      const push = testSocket('push', { reconnectInterval: 10 });
      push.connect(ep.url);
      await closed;
      expect(threw).toBeUndefined();
      expect(closing).toBeInstanceOf(Promise);
      await closing;
      expect(pull.closed).toBe(true);
      expect(pull.pipes).toEqual([]);
      expect(log.piped).toEqual([]);
      expect(pull.stats.currentConnections).toBe(0);
      await expect(pull.recv()).rejects.toMatchObject({ code: 'EBADF' });
      expect(() => pull.on('pipe-adding', () => {})).not.toThrow();
      // the peer keeps dialing a port nobody listens on any more, and that is all
      await until(push, 'connect-failed', () => push.stats.connectErrors >= 2);
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  // was a bug: the connection was counted twice, as dropped and as broken, and a 'pipe-broken'
  // (EBADF, no pipe) was emitted after 'close'
  it('closing the socket inside the listener counts that connection once, as dropped', async () => {
    const pull = testSocket('pull');
    const ep = await pull.bind('tcp://127.0.0.1:0');
    const after: string[] = [];
    let isClosed = false;
    pull.on('close', () => (isClosed = true));
    for (const event of ['pipe-broken', 'pipe-dropped', 'pipe', 'pipe-removed'] as const) {
      pull.on(event, () => {
        if (isClosed) after.push(event);
      });
    }
    let closing: Promise<void> | undefined;
    pull.on('pipe-adding', () => void (closing = pull.close()));
    const push = testSocket('push');
    push.connect(ep.url);
    await next(pull, 'close');
    await closing;
    expect(pull.stats.acceptedConnections).toBe(1);
    expect(pull.stats.droppedConnections + pull.stats.brokenConnections).toBe(1);
    // a socket's close drops its pipes after 'close' (as for any live pipe); nothing else follows
    expect(after.filter((event) => event !== 'pipe-dropped')).toEqual([]);
  });

  // was a bug: the endpoint's shutdown dropped the pipe ('pipe-dropped'), then the socket
  // attached it anyway and emitted 'pipe'; the dead pipe stayed in socket.pipes
  it('closing the endpoint inside the listener leaves no pipe behind', async () => {
    const pull = testSocket('pull');
    const ep = await pull.bind('tcp://127.0.0.1:0');
    const log = record(pull);
    pull.on('pipe-adding', () => void ep.close());
    const push = testSocket('push', { reconnectInterval: 10 });
    const dropped = next(pull, 'pipe-dropped');
    push.connect(ep.url);
    await dropped;
    // let the admission finish
    await new Promise((resolve) => setImmediate(resolve));
    expect(log.piped).toEqual([]);
    expect(pull.pipes).toEqual([]);
    expect(pull.stats.currentConnections).toBe(0);
  });

  it('the process exits by itself after the socket was closed inside the listener', async () => {
    const fixture = fileURLToPath(new URL('./fixtures/admission-close.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', fixture, 'tcp://127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (t: string) => (stdout += t));
    child.stderr.setEncoding('utf8').on('data', (t: string) => (stderr += t));
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    try {
      const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
      expect({ code, signal }, `stderr: ${stderr}`).toEqual({ code: 0, signal: null });
    } finally {
      clearTimeout(timer);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    expect(JSON.parse(stdout)).toEqual({ closed: true, piped: 0, pipes: 0, problems: [] });
  });
});

describe("'pipe-adding' on a dialing socket", () => {
  it('refuses the connection, redials with its backoff and is refused again, counted each time', async () => {
    const pull = testSocket('pull');
    const ep = await pull.bind('tcp://127.0.0.1:0');
    // nanomsg's backoff: waits of 0, 20, 60, then the 100 cap
    const push = testSocket('push', { reconnectInterval: 20, reconnectIntervalMax: 100 });
    const log = record(push);
    const at: number[] = [];
    push.on('pipe-adding', (event) => {
      at.push(performance.now());
      event.reject('this server is not trusted');
    });
    const dialer = push.connect(ep.url);
    await until(push, 'pipe-broken', () => log.refused().length >= 5);
    expectRefusals(push, log, dialer.id, /this server is not trusted/);
    for (const e of log.refused()) expect(e.endpoint.kind).toBe('connect');
    expect(push.stats.establishedConnections).toBeGreaterThanOrEqual(5);
    expect(push.stats.currentConnections).toBe(0);
    expect(log.piped).toEqual([]);
    expect(() => push.trySend('x')).toThrow(expect.objectContaining({ code: 'EAGAIN' }));
    const gaps = at.slice(1, 5).map((t, i) => t - (at[i] as number));
    // allow a few ms of timer slack either way
    expect(gaps[1]).toBeGreaterThanOrEqual(15);
    expect(gaps[2]).toBeGreaterThanOrEqual(55);
    expect(gaps[3]).toBeGreaterThanOrEqual(95);
    // nothing ever reached the listening side
    await expect(pull.recv({ timeout: 0 })).rejects.toMatchObject({ code: 'EAGAIN' });
  });

  it('admits the connection when the listener lets it be', async () => {
    const pull = testSocket('pull');
    const ep = await pull.bind(ipcUrl());
    const push = testSocket('push');
    const seen: PipeInfo[] = [];
    push.on('pipe-adding', (event) => seen.push(event.pipe));
    const piped = next(push, 'pipe');
    const dialer = push.connect(ep.url);
    const [pipe] = await piped;
    expect(seen.map((p) => p.id)).toEqual([pipe.id]);
    expect(pipe.endpoint.id).toBe(dialer.id);
    expect(push.stats.rejectedConnections).toBe(0);
    await push.send('hi');
    expect(String(await pull.recv({ timeout: 5000 }))).toBe('hi');
  });
});

describe('NN_PRINT_ERRORS for refused pipes', () => {
  /** Capture what the diagnostics print, one entry per write. */
  function capture(printErrors: boolean): string[] {
    const written: string[] = [];
    configureDiagnostics({ printErrors, stderr: { write: (text: string) => written.push(text) } });
    return written;
  }

  const line = (name: string, address: string, host: string): string =>
    `nanomsg: socket.${name}[${address}]: Error: Permission denied (the application refused a connection from ${host})\n`;

  it('one line per endpoint and host, however often the peer retries', async () => {
    const written = capture(true);
    const gate = testSocket('pull', { socketName: 'gate' });
    const ep = await gate.bind('tcp://127.0.0.1:0');
    const address = `127.0.0.1:${portOf(ep.url)}`;
    const log = record(gate);
    gate.on('pipe-adding', (event) => event.reject());

    const a = testSocket('push', { reconnectInterval: 5, reconnectIntervalMax: 5 });
    a.connect(ep.url);
    await until(gate, 'pipe-broken', () => log.refused().length >= 6);
    expect(written).toEqual([line('gate', address, '127.0.0.1')]);

    // another peer from the same host on the same endpoint: nothing new
    const b = testSocket('push', { reconnectInterval: 5, reconnectIntervalMax: 5 });
    b.connect(ep.url);
    const before = log.refused().length;
    await until(gate, 'pipe-broken', () => log.refused().length >= before + 6);
    expect(written).toHaveLength(1);

    // the same endpoint, another host: its own line, once
    const c = testSocket('push', { reconnectInterval: 5, reconnectIntervalMax: 5 });
    c.connect(`tcp://127.0.0.2;${address}`);
    const fromC = (): number => log.refused().filter((e) => e.pipe!.remoteAddress.startsWith('127.0.0.2:')).length;
    await until(gate, 'pipe-broken', () => fromC() >= 4);
    expect(written).toEqual([line('gate', address, '127.0.0.1'), line('gate', address, '127.0.0.2')]);
    expect(gate.stats.rejectedConnections).toBe(log.refused().length);
    // a refusal is not an endpoint error
    expect(gate.stats.currentEpErrors).toBe(0);
  });

  it('the same host on a second endpoint gets its own line', async () => {
    const written = capture(true);
    const gate = testSocket('pull', { socketName: 'two-doors' });
    const ep1 = await gate.bind('tcp://127.0.0.1:0');
    const ep2 = await gate.bind('tcp://127.0.0.1:0');
    const log = record(gate);
    gate.on('pipe-adding', (event) => event.reject('closed for today'));
    const a = testSocket('push', { reconnectInterval: 5, reconnectIntervalMax: 5 });
    a.connect(ep1.url);
    a.connect(ep2.url);
    await until(gate, 'pipe-broken', () => [ep1.id, ep2.id].every((id) => log.refused().filter((e) => e.endpoint.id === id).length >= 3));
    expect([...written].sort()).toEqual(
      [line('two-doors', `127.0.0.1:${portOf(ep1.url)}`, '127.0.0.1'), line('two-doors', `127.0.0.1:${portOf(ep2.url)}`, '127.0.0.1')].sort(),
    );
  });

  it('a dialing socket that refuses prints its connect endpoint once', async () => {
    const written = capture(true);
    const pull = testSocket('pull');
    const ep = await pull.bind('tcp://127.0.0.1:0');
    const push = testSocket('push', { socketName: 'picky', reconnectInterval: 5, reconnectIntervalMax: 5 });
    const log = record(push);
    push.on('pipe-adding', (event) => event.reject());
    push.connect(ep.url);
    await until(push, 'pipe-broken', () => log.refused().length >= 5);
    expect(written).toEqual([line('picky', `127.0.0.1:${portOf(ep.url)}`, '127.0.0.1')]);
  });

  it('prints nothing with printErrors off, and nothing for a pipe that was let in', async () => {
    const quiet = capture(false);
    const gate = testSocket('pull', { socketName: 'quiet' });
    const ep = await gate.bind('tcp://127.0.0.1:0');
    const log = record(gate);
    gate.on('pipe-adding', (event) => event.reject());
    const a = testSocket('push', { reconnectInterval: 5, reconnectIntervalMax: 5 });
    a.connect(ep.url);
    await until(gate, 'pipe-broken', () => log.refused().length >= 3);
    expect(quiet).toEqual([]);

    const written = capture(true);
    const open = testSocket('pull', { socketName: 'open' });
    const ep2 = await open.bind('tcp://127.0.0.1:0');
    open.on('pipe-adding', () => {});
    const b = testSocket('push');
    const piped = next(open, 'pipe');
    b.connect(ep2.url);
    await piped;
    expect(written).toEqual([]);
  });
});
