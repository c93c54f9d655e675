/**
 * The diagnostics inside this process, set by configureDiagnostics rather than the
 * environment, with stderr captured: the NN_PRINT_ERRORS dedupe (per endpoint, once however
 * many attempts fail), bind failures, the NN_PRINT_STATISTICS lines and ESTP records of
 * reportStatistics(), and the statistics socket never reporting itself. resetDiagnostics
 * runs after each test so that no setting leaks into the next.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { resetDiagnostics } from '../../src/diag/index.js';
import { configureDiagnostics, diagnosticsSettings, parseRecord, reportStatistics, SpError, STATISTICS, type SpSocket } from '../../src/index.js';
import { freePort } from '../helpers/peers.js';
import { linked, next, testSocket } from '../helpers/sockets.js';

afterEach(() => {
  resetDiagnostics();
});

/** Capture what the diagnostics write, one entry per write. */
function capture(): string[] {
  const written: string[] = [];
  configureDiagnostics({ stderr: { write: (text: string) => written.push(text) } });
  return written;
}

/** Wait until `s` counted at least `n` failed connect attempts. */
async function connectErrors(s: SpSocket, n: number): Promise<void> {
  while (s.stats.connectErrors < n) await next(s, 'connect-failed');
}

describe('configureDiagnostics({ printErrors: true })', () => {
  it('one line per endpoint however many attempts fail; nothing when off', async () => {
    const written = capture();
    configureDiagnostics({ printErrors: true });
    expect(diagnosticsSettings().printErrors).toBe(true);
    const [p1, p2] = [await freePort(), await freePort()];
    const s = testSocket('push', { socketName: 'two', reconnectInterval: 5 });
    s.connect(`tcp://127.0.0.1:${p1}`);
    s.connect(`tcp://127.0.0.1:${p2}`);
    await connectErrors(s, 20);
    expect(s.stats.currentEpErrors).toBe(2);
    expect([...written].sort()).toEqual(
      [`nanomsg: socket.two[127.0.0.1:${p1}]: Error: Connection refused\n`, `nanomsg: socket.two[127.0.0.1:${p2}]: Error: Connection refused\n`].sort(),
    );

    configureDiagnostics({ printErrors: false });
    const quiet = testSocket('push', { socketName: 'quiet', reconnectInterval: 5 });
    quiet.connect(`tcp://127.0.0.1:${p1}`);
    await connectErrors(quiet, 3);
    expect(written).toHaveLength(2);
  });

  it('an error that clears on connect and comes back prints again; the clear prints nothing', async () => {
    const written = capture();
    configureDiagnostics({ printErrors: true });
    const port = await freePort();
    const url = `tcp://127.0.0.1:${port}`;
    const s = testSocket('push', { socketName: 'again', reconnectInterval: 5 });
    s.connect(url);
    await connectErrors(s, 5);
    const line = `nanomsg: socket.again[127.0.0.1:${port}]: Error: Connection refused\n`;
    expect(written).toEqual([line]);

    const listener = testSocket('pull');
    const cleared = next(s, 'endpoint-error');
    const piped = next(s, 'pipe');
    await listener.bind(url);
    expect((await cleared)[0].error).toBeUndefined();
    await piped;
    expect(s.stats.currentEpErrors).toBe(0);
    expect(written).toEqual([line]);

    const failed = next(s, 'endpoint-error');
    await listener.close();
    expect((await failed)[0].error?.code).toBe('ECONNREFUSED');
    expect(written).toEqual([line, line]);
    expect(s.stats.currentEpErrors).toBe(1);
  });

  it('nanosp extension: a bind on a taken port prints once; an address the caller got wrong is only thrown', async () => {
    const written = capture();
    configureDiagnostics({ printErrors: true });
    const holder = testSocket('pull');
    const ep = await holder.bind('tcp://127.0.0.1:0');
    const s = testSocket('pull', { socketName: 'second' });
    await expect(s.bind(ep.url)).rejects.toMatchObject({ code: 'EADDRINUSE' });
    expect(written).toEqual([`nanomsg: socket.second[${ep.url.slice('tcp://'.length)}]: Error: Address already in use\n`]);
    // bind_errors stays 0, as in every nanomsg release
    expect(s.stats.bindErrors).toBe(0);

    await expect(s.bind('tcp://127.0.0.1:notaport')).rejects.toBeInstanceOf(SpError);
    expect(written).toHaveLength(1);
  });
});

describe('reportStatistics()', () => {
  it('printStatistics: 14 lines per open socket, lowest number first', async () => {
    const written = capture();
    configureDiagnostics({ printStatistics: true });
    const a = testSocket('pair', { socketName: 'a' });
    const b = testSocket('pair', { socketName: '' });
    const dropped = testSocket('pair');
    const c = testSocket('pair', { socketName: 'c' });
    await dropped.close();
    // d takes dropped's number: lower than c's though made after it
    const d = testSocket('pair', { socketName: 'd' });
    expect(d.index).toBeLessThan(c.index);
    await linked(a, b);
    await b.send('hey');
    await a.recv();

    reportStatistics();
    const lines = written.join('').split('\n');
    expect(lines.pop()).toBe('');
    const order = [a, b, c, d].sort((x, y) => x.index - y.index);
    const metrics = STATISTICS.filter((s) => s.key !== 'currentEpErrors');
    expect(lines).toEqual(order.flatMap((s) => metrics.map((m) => `nanomsg: socket.${s.options.socketName}: ${m.name}: ${s.stats[m.key]}`)));
    expect(lines).toContain('nanomsg: socket.a: messages_received: 1');
    expect(lines).toContain('nanomsg: socket.: bytes_sent: 3');
  });

  it('nothing to print when neither printStatistics nor a statistics socket is set', () => {
    const written = capture();
    configureDiagnostics({ printStatistics: false, statisticsSocket: undefined });
    testSocket('pair', { socketName: 'x' });
    reportStatistics();
    expect(written).toEqual([]);
  });

  it('statisticsSocket: 15 ESTP records per user socket, never the statistics socket\'s own', async () => {
    configureDiagnostics({ hostname: 'h1', applicationName: 'a1', printStatistics: false });
    const sub = testSocket('sub', { socketName: 'collector' });
    sub.subscribe('');
    const ep = await sub.bind('tcp://127.0.0.1:0');
    const worker = testSocket('push', { socketName: 'worker' });
    const attached = next(sub, 'pipe');
    configureDiagnostics({ statisticsSocket: ep.url });
    expect(diagnosticsSettings().statisticsSocket).toBe(ep.url);
    await attached;

    reportStatistics();
    const order = [sub, worker].sort((x, y) => x.index - y.index);
    const got: string[] = [];
    for (let i = 0; i < 2 * STATISTICS.length; i++) {
      const r = parseRecord(await sub.recv({ timeout: 5000 }));
      expect(r).toMatchObject({ host: 'h1', application: 'a1', interval: 10 });
      got.push(`${r.resource}:${r.metric}`);
    }
    expect(got).toEqual(order.flatMap((s) => STATISTICS.map((m) => `socket.${s.options.socketName}:${m.name}`)));
    // one report, nothing more (the timer is 10 s away)
    expect(() => sub.tryRecv()).toThrow(SpError);
  });
});
