/**
 * `nanosp stat --http host:port <url>`, the live dashboard. DashboardModel alone: rates and
 * levels, history and update bookkeeping, endpoint errors in words, the source and metric
 * caps, staleness. EventStreams alone: a page that does not keep up gets nothing more, then a
 * snapshot once it drains, and is closed if it never does. The server in this process: what
 * it serves and with which types, a reader that stopped is dropped with bounded buffers, the
 * page limit. The command: the event stream carries a nanosp process's statistics and
 * endpoint errors, 100 publishing sockets stay within --max-sources, usage errors and a taken
 * port exit 1. Then the page in headless Chromium: a busy application's name and moving
 * charts, only its own origin asked, no page error; 50 sockets laid out readably; the page's
 * own history stays bounded. NANOSP_SCREENSHOT=1 also writes docs/dashboard.png.
 */
import { once } from 'node:events';
import { mkdirSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { DashboardModel, HISTORY_POINTS, MAX_ERROR_LINES, MAX_METRICS_PER_SOURCE, endpointErrors, type SourceView } from '../../src/cli/dashboard/model.js';
import { EventStreams, sseMessage } from '../../src/cli/dashboard/event-stream.js';
import { DashboardServer } from '../../src/cli/dashboard/server.js';
import { formatRecord, type EstpRecord } from '../../src/index.js';
import { describeChromium, useChromium, type PageWatch } from '../helpers/chromium.js';
import { finished, fixture, startNode, type DiagEnv } from '../helpers/diag.js';
import { freePort, type Peer } from '../helpers/peers.js';
import { testSocket } from '../helpers/sockets.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const SCREENSHOT = fileURLToPath(new URL('../../docs/dashboard.png', import.meta.url));

function record(overrides: Partial<EstpRecord>): EstpRecord {
  return { host: 'h', application: 'app', resource: 'socket.s', metric: 'messages_sent', timestamp: new Date(0), interval: 1, value: 0, type: 'counter', extensions: [], ...overrides };
}

function level(metric: string, value: number, overrides: Partial<EstpRecord> = {}): EstpRecord {
  return record({ metric, value, type: 'gauge', ...overrides });
}

function only(update: { sources: SourceView[] }): SourceView {
  expect(update.sources).toHaveLength(1);
  return update.sources[0] as SourceView;
}

describe('DashboardModel', () => {
  it('counters become a rate per second on our clock, levels stay values; no rate from a first report, across a restart, or within a burst', () => {
    const model = new DashboardModel();
    model.add(record({ value: 100 }), 0);
    model.add(level('current_connections', 3), 0);
    model.add(record({ value: 300 }), 1000); // 200/s
    model.add(record({ value: 400 }), 3000); // 50/s
    model.add(record({ value: 10 }), 4000); // went back: a restarted socket, no point
    model.add(record({ value: 30 }), 5000); // 20/s
    model.add(record({ value: 35 }), 5010); // within MIN_RATE_WINDOW_MS: measured with the next one
    model.add(record({ value: 70 }), 6000); // (70 - 30) / 1 s
    model.add(record({ metric: 'bytes_sent', value: 2n ** 60n }), 0);
    model.add(record({ metric: 'bytes_sent', value: 2n ** 60n + 2048n }), 2000);
    model.add(level('current_connections', 2), 6000);
    const view = only(model.snapshot());
    expect(view.series).toEqual({ current_connections: [3, 2], messages_sent: [200, 50, 20, 40], bytes_sent: [1024] });
    expect(view.latest).toEqual([
      ['messages_sent', '70', true],
      ['current_connections', '2', false],
      ['bytes_sent', String(2n ** 60n + 2048n), true],
    ]);
    expect(view).toMatchObject({ key: 'h app socket.s', host: 'h', application: 'app', socket: 's', seen: 6000, epErrors: null, endpointErrors: [] });
  });

  it('history: at most historyPoints per chart; an update carries only the points since the last one; metrics not charted keep their latest value only', () => {
    const model = new DashboardModel({ historyPoints: 5 });
    for (let i = 0; i < 8; i++) model.add(level('current_connections', i), i * 1000);
    model.add(level('queue-depth', 9), 8000);
    expect(only(model.snapshot()).series).toEqual({ current_connections: [3, 4, 5, 6, 7] });
    expect(only(model.takeUpdate()).series).toEqual({ current_connections: [3, 4, 5, 6, 7] });
    expect(model.takeUpdate()).toEqual({ sources: [], removed: [] });
    model.add(level('current_connections', 8), 9000);
    const update = only(model.takeUpdate());
    expect(update.series).toEqual({ current_connections: [8] });
    expect(update.latest).toContainEqual(['queue-depth', '9', false]);
    expect(only(model.snapshot()).series).toEqual({ current_connections: [4, 5, 6, 7, 8] });
    expect(HISTORY_POINTS).toBe(120);
  });

  it("endpoint errors: nanomsg's extension lines of current_ep_errors, other lines ignored, at most MAX_ERROR_LINES, long text cut", () => {
    const model = new DashboardModel();
    model.add(
      level('current_ep_errors', 2, {
        extensions: [' nanomsg: Endpoint 1 [127.0.0.1:1] error: Connection refused', ' :collectd: type=gauge', ' nanomsg: Endpoint 3 [/tmp/none.sock] error: No such file or directory'],
        trailingNewline: true,
      }),
    );
    expect(only(model.snapshot())).toMatchObject({
      epErrors: 2,
      endpointErrors: [
        { endpoint: '1', address: '127.0.0.1:1', error: 'Connection refused' },
        { endpoint: '3', address: '/tmp/none.sock', error: 'No such file or directory' },
      ],
    });
    const many = Array.from({ length: 20 }, (_, i) => ` nanomsg: Endpoint ${i} [${'x'.repeat(300)}] error: refused`);
    const found = endpointErrors(many);
    expect(found).toHaveLength(MAX_ERROR_LINES);
    expect(found[0]?.address).toHaveLength(200);
    model.add(level('current_ep_errors', 0), 1000);
    expect(only(model.snapshot())).toMatchObject({ epErrors: 0, endpointErrors: [] });
  });

  it('100 publishing sockets with maxSources 50: 50 kept, the records of the others counted and ignored; at most MAX_METRICS_PER_SOURCE metrics a socket', () => {
    const model = new DashboardModel({ maxSources: 50 });
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 100; i++) model.add(record({ application: `app-${i % 10}`, resource: `socket.s${i}`, value: round }), round * 1000);
    }
    expect(model.sourceCount).toBe(50);
    expect(model.snapshot().sources).toHaveLength(50);
    expect(model.stats()).toMatchObject({ sources: 50, maxSources: 50, records: 150, refusedRecords: 150 });
    for (let i = 0; i < MAX_METRICS_PER_SOURCE + 10; i++) model.add(level(`m${i}`, i, { application: 'app-0', resource: 'socket.s0' }));
    expect(model.stats().droppedRecords).toBe(11); // messages_sent was there already
  });

  it('a socket that stops reporting goes after 3 intervals (at least 10 s) or --stale-after, and the next update says so', () => {
    const model = new DashboardModel();
    model.add(record({ resource: 'socket.fast', interval: 1 }), 0);
    model.add(record({ resource: 'socket.slow', interval: 10 }), 0);
    model.takeUpdate();
    model.sweep(10_000);
    expect(model.sourceCount).toBe(2);
    model.sweep(10_001);
    expect(model.takeUpdate()).toEqual({ sources: [], removed: ['h app socket.fast'] });
    model.sweep(30_001);
    expect(model.takeUpdate().removed).toEqual(['h app socket.slow']);
    expect(model.stats().expiredSources).toBe(2);
    expect(new DashboardModel({ staleAfterMs: 500 }).staleAfter({ interval: 10 })).toBe(500);
  });

  it('malformed records: counted, the last reason kept (cut)', () => {
    const model = new DashboardModel();
    model.bad('first');
    model.bad('y'.repeat(1000));
    expect(model.stats()).toMatchObject({ malformed: 2 });
    expect(model.stats().lastMalformed).toHaveLength(200);
  });
});

/** A response whose network never takes anything after the first write, until drain() is called. */
class StalledResponse extends Writable {
  private pending: (() => void)[] = [];
  text = '';
  constructor() {
    super({
      highWaterMark: 1024,
      write: (chunk: Buffer, _encoding, done) => {
        this.text += chunk.toString();
        this.pending.push(done);
      },
    });
  }
  /** Let the network take everything, including what the stream writes on from its own buffer meanwhile. */
  drain(): void {
    while (this.pending.length > 0) {
      const pending = this.pending;
      this.pending = [];
      for (const done of pending) done();
    }
  }
}

class FastResponse extends Writable {
  text = '';
  constructor() {
    super({ write: (chunk: Buffer, _encoding, done) => ((this.text += chunk.toString()), done()) });
  }
}

describe('EventStreams', () => {
  it('a page that does not keep up gets nothing more (bounded buffer), a snapshot once it drains, and is closed when it stays stuck', async () => {
    let needed = 0;
    let dropped = 0;
    const streams = new EventStreams({ maxCongestedMs: 1000, onNeedsSnapshot: () => needed++, onDrop: () => dropped++ });
    const fast = new FastResponse();
    const slow = new StalledResponse();
    streams.add(fast);
    streams.add(slow);
    expect(needed).toBe(2);
    streams.sendSnapshot(sseMessage('snapshot', '"s1"'), 0);
    const update = sseMessage('update', JSON.stringify('u'.repeat(500)));
    for (let i = 0; i < 100; i++) streams.broadcast(update, 10);
    expect(fast.text.split('event: update\n')).toHaveLength(101);
    expect(slow.writableLength).toBeLessThanOrEqual(1024 + update.length);
    expect(slow.text.split('event: update\n').length).toBeLessThan(4);
    expect(streams.buffered).toBe(slow.writableLength);

    const drained = once(slow, 'drain');
    slow.drain(); // the page caught up: it missed updates, so it starts again from a snapshot
    await drained;
    expect(needed).toBe(3);
    expect(streams.needsSnapshot).toBe(true);
    streams.sendSnapshot(sseMessage('snapshot', '"s2"'), 20);
    expect(slow.text.endsWith(sseMessage('snapshot', '"s2"'))).toBe(true);
    expect(fast.text).not.toContain('"s2"');

    for (let i = 0; i < 10; i++) streams.broadcast(update, 30); // stuck again
    streams.broadcast(update, 1030);
    expect(slow.destroyed).toBe(false);
    streams.broadcast(update, 1031);
    expect(slow.destroyed).toBe(true);
    expect({ dropped, counted: streams.dropped, size: streams.size }).toEqual({ dropped: 1, counted: 1, size: 1 });
    expect(fast.destroyed).toBe(false);
  });

  it('sseMessage: event and one data line, then a blank line', () => {
    expect(sseMessage('update', '{"a":1}')).toBe('event: update\ndata: {"a":1}\n\n');
  });
});

interface SseEvent {
  event: string;
  data: { now: number; stats: Record<string, unknown>; sources: SourceView[]; removed: string[]; title?: string; history?: number };
}

/** Read `url` as an event stream until `until` passes on an event; the connection is closed after. */
async function readEvents(url: string, until: (event: SseEvent) => boolean, timeoutMs = 10_000): Promise<SseEvent[]> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error(`no matching event within ${timeoutMs} ms`)), timeoutMs);
  const events: SseEvent[] = [];
  try {
    const res = await fetch(url, { signal: controller.signal });
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const decoder = new TextDecoder();
    let text = '';
    for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
      text += decoder.decode(chunk, { stream: true });
      let end: number;
      while ((end = text.indexOf('\n\n')) >= 0) {
        const lines = text.slice(0, end).split('\n');
        text = text.slice(end + 2);
        const name = lines.find((l) => l.startsWith('event: '));
        const data = lines.find((l) => l.startsWith('data: '));
        if (name === undefined || data === undefined) continue;
        const event = { event: name.slice(7), data: JSON.parse(data.slice(6)) } as SseEvent;
        events.push(event);
        if (until(event)) return events;
      }
    }
    throw new Error('the event stream ended');
  } catch (err) {
    const last = events.at(-1);
    throw new Error(`${String(err)}; ${events.length} events, last ${JSON.stringify(last)?.slice(0, 2000)}`);
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
}

/** The dashboard server of the current test, when it runs in this process; stopped after the test. */
let server: DashboardServer | undefined;
afterEach(() => {
  server?.stop();
  server = undefined;
});

/** A server in this process with manual flushes only (the tick is far away), on a free loopback port. */
async function serve(model: DashboardModel, options: Partial<ConstructorParameters<typeof DashboardServer>[1]> = {}): Promise<string> {
  server = new DashboardServer(model, { title: 'tcp://127.0.0.1:5600', tickMs: 3_600_000, ...options });
  return `http://127.0.0.1:${await server.listen('127.0.0.1', 0)}`;
}

describe('DashboardServer, in this process', () => {

  it('serves the page, its script and stylesheet (own origin only), the event stream; 404 and 405 elsewhere', async () => {
    const base = await serve(new DashboardModel());
    const get = async (path: string, init?: RequestInit) => {
      const res = await fetch(`${base}${path}`, { ...init, signal: AbortSignal.timeout(5000) });
      return { status: res.status, type: res.headers.get('content-type'), csp: res.headers.get('content-security-policy'), body: await res.text() };
    };
    const page = await get('/');
    expect(page).toMatchObject({ status: 200, type: 'text/html; charset=utf-8' });
    expect(page.body).toContain('<script src="/dashboard.js" defer></script>');
    expect(page.body).toContain('<link rel="stylesheet" href="/dashboard.css">');
    expect(page.body).not.toMatch(/(src|href)="(https?:)?\/\//);
    expect(page.csp).toContain("default-src 'none'");
    expect(page.csp).toContain("connect-src 'self'");
    const script = await get('/dashboard.js');
    expect(script).toMatchObject({ status: 200, type: 'text/javascript; charset=utf-8' });
    expect(script.body).toContain("new EventSource('/events')");
    expect(script.body).toContain('function drawSparkline(');
    expect(script.body).not.toMatch(/https?:\/\//);
    expect(await get('/dashboard.css')).toMatchObject({ status: 200, type: 'text/css; charset=utf-8' });
    expect(await get('/dashboard.js', { method: 'HEAD' })).toMatchObject({ status: 200, body: '' });
    expect((await get('/favicon.ico')).status).toBe(204);
    expect(await get('/metrics')).toMatchObject({ status: 404, type: 'text/plain; charset=utf-8' });
    expect((await get('/', { method: 'POST' })).status).toBe(405);
    expect((await get('/events', { method: 'HEAD' })).status).toBe(405);
    const [snapshot] = await readEvents(`${base}/events`, () => true);
    expect(snapshot).toMatchObject({ event: 'snapshot', data: { title: 'tcp://127.0.0.1:5600', history: HISTORY_POINTS, sources: [] } });
  });

  it('a page beyond maxClients gets 503; the open one keeps its stream', async () => {
    const base = await serve(new DashboardModel(), { maxClients: 1 });
    const controller = new AbortController();
    try {
      const first = await fetch(`${base}/events`, { signal: controller.signal });
      expect(first.status).toBe(200);
      const second = await fetch(`${base}/events`, { signal: AbortSignal.timeout(5000) });
      expect(second.status).toBe(503);
      expect(await second.text()).toMatch(/^Too many dashboard pages are open \(1\)/);
      expect(server?.streams.size).toBe(1);
      expect(server?.streams.refused).toBe(1);
    } finally {
      controller.abort();
    }
  });

  it('a reader that stopped reading: its buffer stays bounded while 200 sockets publish, and it is dropped once it has been stuck for maxCongestedMs', async () => {
    const model = new DashboardModel();
    const base = new URL(await serve(model, { maxCongestedMs: 300 }));
    const reader: Socket = connect(Number(base.port), '127.0.0.1');
    try {
      reader.write('GET /events HTTP/1.1\r\nHost: dashboard\r\n\r\n');
      // read up to the snapshot, then never again
      await new Promise<void>((resolve, reject) => {
        let text = '';
        reader.on('data', (chunk: Buffer) => {
          text += chunk.toString();
          if (!text.includes('event: snapshot')) return;
          reader.pause();
          reader.removeAllListeners('data');
          resolve();
        });
        reader.once('error', reject);
      });
      const streams = (server as DashboardServer).streams;
      const deadline = Date.now() + 20_000;
      let value = 0;
      let largestMessage = 0;
      let mostBuffered = 0;
      while (streams.dropped === 0 && Date.now() < deadline) {
        value += 1000;
        for (let i = 0; i < 200; i++) {
          for (const metric of ['messages_sent', 'messages_received', 'bytes_sent', 'bytes_received', 'connect_errors']) {
            model.add(record({ application: 'a-rather-long-application-name', resource: `socket.worker-number-${i}`, metric, value }));
          }
        }
        largestMessage = Math.max(largestMessage, JSON.stringify(model.snapshot()).length);
        (server as DashboardServer).flush();
        mostBuffered = Math.max(mostBuffered, streams.buffered);
        // one turn of the event loop, as between two ticks: the network takes what it can
        await new Promise((resolve) => setImmediate(resolve));
      }
      expect(streams.dropped).toBe(1);
      expect(streams.size).toBe(0);
      // one message past the stream's highWaterMark (16 KiB) at most: nothing piles up
      expect(mostBuffered).toBeGreaterThan(0);
      expect(mostBuffered).toBeLessThanOrEqual(16 * 1024 + largestMessage + 1024);
    } finally {
      reader.destroy();
    }
  });
});

interface Dashboard {
  peer: Peer;
  /** The ESTP URL the dashboard's SUB is bound to. */
  estp: string;
  /** http://127.0.0.1:port */
  origin: string;
}

/** `nanosp stat --http 127.0.0.1:0 … tcp://127.0.0.1:0`, once it says where it serves. */
async function startDashboard(extra: string[] = []): Promise<Dashboard> {
  const peer = startNode(MAIN, ['stat', '--http', '127.0.0.1:0', ...extra, 'tcp://127.0.0.1:0']);
  const line = await peer.line((l) => l.startsWith('nanosp stat: dashboard for ESTP from '));
  const m = /^nanosp stat: dashboard for ESTP from (tcp:\/\/127\.0\.0\.1:\d+) at (http:\/\/127\.0\.0\.1:\d+)\/$/.exec(line);
  if (!m) throw new Error(`unexpected first line ${JSON.stringify(line)}`);
  return { peer, estp: m[1] as string, origin: m[2] as string };
}

/** SIGTERM: the dashboard closes and exits 0, having said nothing on stderr. */
async function stopDashboard(dashboard: Dashboard): Promise<void> {
  dashboard.peer.child.kill('SIGTERM');
  expect(await finished(dashboard.peer)).toEqual({ code: 0, signal: null });
  expect(dashboard.peer.stderr).toBe('');
}

/** `nanosp demo-worker <name>`: an ordinary busy nanosp program publishing ESTP every 200 ms. */
function startWorker(dashboard: Dashboard, name: string, application: string, args: string[] = [], env: Record<string, string> = {}): Peer {
  const diag: DiagEnv = { NN_STATISTICS_SOCKET: dashboard.estp, NN_APPLICATION_NAME: application, NN_HOSTNAME: 'testhost', NANOSP_STATISTICS_INTERVAL: '200' };
  return startNode(MAIN, ['demo-worker', name, ...args], { ...diag, ...env } as DiagEnv);
}

async function stopWorker(worker: Peer): Promise<void> {
  worker.child.stdin.end();
  expect(await finished(worker)).toEqual({ code: 0, signal: null });
}

function sourceIn(event: SseEvent, application: string, socket: string): SourceView | undefined {
  return event.data.sources.find((s) => s.application === application && s.socket === socket);
}

describe('nanosp stat --http', () => {
  it("the event stream carries a nanosp process's statistics: its connect errors as a rate and its failing endpoint in words", async () => {
    const dashboard = await startDashboard();
    const env: DiagEnv = { NN_STATISTICS_SOCKET: dashboard.estp, NN_HOSTNAME: 'testhost', NN_APPLICATION_NAME: 'app-one', NANOSP_STATISTICS_INTERVAL: '200' };
    const app = startNode(fixture('connect.ts'), ['pusher', 'tcp://127.0.0.1:1', '20'], env);
    let connectErrors: number[] = [];
    const events = await readEvents(`${dashboard.origin}/events`, (event) => {
      const pusher = sourceIn(event, 'app-one', 'pusher');
      connectErrors = connectErrors.concat(pusher?.series.connect_errors ?? []);
      return connectErrors.some((rate) => rate > 0) && pusher?.epErrors === 1;
    });
    expect(events[0]?.event).toBe('snapshot');
    const pusher = sourceIn(events.at(-1) as SseEvent, 'app-one', 'pusher');
    expect(pusher).toMatchObject({ host: 'testhost', interval: 1, epErrors: 1, endpointErrors: [{ endpoint: '1', address: '127.0.0.1:1', error: 'Connection refused' }] });
    expect(pusher?.latest.map(([name]) => name)).toContain('current_snd_priority');
    app.child.stdin.end();
    expect(await finished(app)).toEqual({ code: 0, signal: null });
    await stopDashboard(dashboard);
  }, 30_000);

  it('100 publishing sockets with --max-sources 50: 50 shown, the rest counted, the dashboard stays up', async () => {
    const dashboard = await startDashboard(['--max-sources', '50']);
    const pub = testSocket('pub');
    pub.connect(dashboard.estp);
    let round = 0;
    // PUB drops while not connected: publish every 50 ms until the dashboard has seen enough
    const publishing = setInterval(() => {
      round++;
      for (let i = 0; i < 100; i++) {
        void pub.send(formatRecord(record({ application: `app-${i % 10}`, resource: `socket.s${i}`, value: round * 10, timestamp: new Date() })));
      }
    }, 50);
    try {
      const events = await readEvents(`${dashboard.origin}/events`, (e) => (e.data.stats.refusedRecords as number) >= 100 && (e.data.stats.records as number) >= 150);
      expect((events.at(-1) as SseEvent).data.stats).toMatchObject({ sources: 50, maxSources: 50 });
    } finally {
      clearInterval(publishing);
    }
    const [snapshot] = await readEvents(`${dashboard.origin}/events`, () => true);
    expect(snapshot?.data.sources).toHaveLength(50);
    expect(new Set(snapshot?.data.sources.map((s) => s.key)).size).toBe(50);
    expect(dashboard.peer.running).toBe(true);
    await stopDashboard(dashboard);
  }, 30_000);

  it('usage errors exit 1 with the usage: no HOST:PORT, a bad one, no <url>, a flag of another view', async () => {
    const url = 'tcp://127.0.0.1:5555';
    for (const args of [['--http'], ['--http', 'tcp://127.0.0.1:8080', url], ['--http', '127.0.0.1:8080'], ['--http', '127.0.0.1:8080', '--json', url]]) {
      const peer = startNode(MAIN, ['stat', ...args]);
      expect(await finished(peer)).toEqual({ code: 1, signal: null });
      expect(peer.stderr).toMatch(/^nanosp stat: .+\nusage: nanosp stat [^]*\n +nanosp stat --http HOST:PORT \[--stale-after MS\] \[--max-sources N \(500\)\]/);
      expect(peer.output).toEqual([]);
    }
  }, 30_000);

  it('a port that is taken: said once on stderr, exit 1', async () => {
    const dashboard = await startDashboard();
    const port = new URL(dashboard.origin).port;
    const second = startNode(MAIN, ['stat', '--http', `127.0.0.1:${port}`, 'tcp://127.0.0.1:0']);
    expect(await finished(second)).toEqual({ code: 1, signal: null });
    expect(second.stderr).toBe(`nanosp stat: cannot serve the dashboard on 127.0.0.1:${port}: address already in use (EADDRINUSE)\n`);
    expect(second.output).toEqual([]);
    await stopDashboard(dashboard);
  });
});

/*
 * The page's side, for functions that run in the browser (this project compiles without the
 * DOM types, and the page's CSP forbids evaluating strings): its globals, typed loosely. Such
 * a function is sent as its source text, so it reaches them as `globalThis`, cast to these.
 */
interface Canvas {
  width: number;
  height: number;
  toDataURL(): string;
}
interface Element {
  textContent: string | null;
  getBoundingClientRect(): { width: number; height: number; top: number };
}
interface PageGlobals {
  nanospDashboard: { sources: Map<string, SourceView>; snapshots: number; updates: number };
  document: any;
}

/** Every request the page made went to `origin`, and it raised no error. */
function expectSelfContained(watch: PageWatch, origin: string): void {
  expect(watch.requests.length).toBeGreaterThanOrEqual(3);
  expect(watch.requests.filter((url) => !url.startsWith(`${origin}/`))).toEqual([]);
  expect(watch.errors).toEqual([]);
}

/** A selector for the chart `chart` of `socket` in `application`. */
function chartOf(application: string, socket: string, chart: string): string {
  return `section.app[data-application="${application}"] article[data-socket="${socket}"] canvas[data-chart="${chart}"]`;
}

describeChromium('the dashboard in Chromium', () => {
  const chromium = useChromium();

  it("a busy application: its name, a chart that moves as reports arrive, only the dashboard's own origin asked, no page error", async () => {
    const dashboard = await startDashboard();
    const worker = startWorker(dashboard, 'pubsub', 'busy-app');
    const watch = await chromium.open();
    const { page } = watch;
    await page.goto(`${dashboard.origin}/`);
    const chart = chartOf('busy-app', 'ticker', 'messages');
    await page.waitForFunction(() => ((globalThis as unknown as PageGlobals).nanospDashboard.sources.get('testhost busy-app socket.ticker')?.series.messages_sent ?? []).length >= 2, undefined, { timeout: 15_000 });
    // the heading's parts: name, host, count
    expect(await page.textContent('section.app[data-application="busy-app"] h2')).toBe('busy-appon testhost3 sockets');
    const first = await page.$eval(chart, (canvas) => (canvas as unknown as Canvas).toDataURL());
    await page.waitForFunction(([selector, before]) => (globalThis as unknown as PageGlobals).document.querySelector(selector).toDataURL() !== before, [chart, first] as const, { timeout: 10_000 });
    const caption = await page.textContent(`${chart.replace(/ canvas.*$/, '')} figure:first-child figcaption`);
    // the caption's parts: title, in (a PUB receives nothing), out
    expect(caption).toMatch(/^msgs\/sin 0out [1-9]/);
    expect(await page.textContent('#summary')).toMatch(/^1 application, 3 sockets, \d+ records, 0 malformed$/);
    expect(await page.textContent('#error-list')).toBe('No endpoint is failing.');
    expectSelfContained(watch, dashboard.origin);
    await page.close();
    await stopWorker(worker);
    await stopDashboard(dashboard);
  }, 40_000);

  it.runIf(process.env.NANOSP_SCREENSHOT === '1')('the screenshot for the README (NANOSP_SCREENSHOT=1): four applications, one with a failing endpoint', async () => {
    const dashboard = await startDashboard();
    const closedPort = String(await freePort());
    const workers = [
      startWorker(dashboard, 'pubsub', 'prices'),
      startWorker(dashboard, 'reqrep', 'orders'),
      startWorker(dashboard, 'pipeline', 'jobs'),
      startWorker(dashboard, 'errors', 'uploader', [closedPort], { NANOSP_DEMO_LISTEN_AFTER_MS: '3600000' }),
    ];
    const watch = await chromium.open();
    const { page } = watch;
    await page.setViewportSize({ width: 1280, height: 720 });
    await page.goto(`${dashboard.origin}/`);
    await page.waitForFunction(
      () => {
        const sources = (globalThis as unknown as PageGlobals).nanospDashboard.sources;
        const points = (key: string) => (sources.get(key)?.series.messages_sent ?? []).length;
        // charts nearly full, as after a while of watching
        return points('testhost prices socket.ticker') >= 100 && points('testhost orders socket.client') >= 100 && points('testhost jobs socket.producer') >= 100 && sources.get('testhost uploader socket.pusher')?.epErrors === 1;
      },
      undefined,
      { timeout: 60_000 },
    );
    expect(await page.textContent('#error-list')).toMatch(/^uploader on testhost, socket pusher: 1 endpoint failing: 127\.0\.0\.1:\d+: Connection refused \(endpoint 1\)$/);
    mkdirSync(new URL('../../docs/', import.meta.url), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expectSelfContained(watch, dashboard.origin);
    await page.close();
    await Promise.all(workers.map(stopWorker));
    await stopDashboard(dashboard);
  }, 90_000);

  describe('fed from this process', () => {
    it('50 sockets in 5 applications: grouped, every card laid out at a readable size, every chart drawn', async () => {
      const model = new DashboardModel();
      const start = Date.now() - 5000; // recent reports: the first sweep keeps them
      for (let report = 0; report < 5; report++) {
        for (let i = 0; i < 50; i++) {
          const where = { application: `service-${i % 5}`, resource: `socket.endpoint-${i}` };
          const at = start + report * 1000;
          model.add(record({ ...where, value: report * (i + 1) * 10 }), at);
          model.add(record({ ...where, metric: 'bytes_sent', value: report * (i + 1) * 1000 }), at);
          model.add(level('current_connections', 1 + (i % 3), where), at);
        }
      }
      const origin = await serve(model);
      const watch = await chromium.open();
      const { page } = watch;
      await page.setViewportSize({ width: 1280, height: 800 });
      await page.goto(`${origin}/`);
      await page.waitForFunction(() => (globalThis as unknown as PageGlobals).document.querySelectorAll('article.card').length === 50, undefined, { timeout: 10_000 });
      const layout = await page.evaluate(() => {
        const document = (globalThis as unknown as PageGlobals).document;
        const cards: { width: number; height: number; top: number }[] = [...document.querySelectorAll('article.card')].map((c: Element) => c.getBoundingClientRect());
        const canvases: Canvas[] = [...document.querySelectorAll('article.card canvas')];
        return {
          groups: [...document.querySelectorAll('section.app h2')].map((h: Element) => h.textContent),
          narrowest: Math.min(...cards.map((r) => r.width)),
          tallest: Math.max(...cards.map((r) => r.height)),
          perRow: cards.filter((r) => r.top === cards[0]?.top).length,
          blankCharts: canvases.filter((c) => {
            const blank = document.createElement('canvas');
            blank.width = c.width;
            blank.height = c.height;
            return c.width === 0 || c.toDataURL() === blank.toDataURL();
          }).length,
          canvases: canvases.length,
        };
      });
      expect(layout.groups).toEqual([0, 1, 2, 3, 4].map((i) => `service-${i}on h10 sockets`));
      expect(layout.narrowest).toBeGreaterThanOrEqual(300);
      expect(layout.tallest).toBeLessThanOrEqual(160);
      expect(layout.perRow).toBeGreaterThanOrEqual(4);
      expect(layout.canvases).toBe(200);
      expect(layout.blankCharts).toBe(0);
      expectSelfContained(watch, origin);
      await page.close();
    });

    it("the page's own history stays at the server's length however long it runs, and a removed socket leaves the page", async () => {
      const model = new DashboardModel({ staleAfterMs: 60_000 });
      const origin = await serve(model);
      const watch = await chromium.open();
      const { page } = watch;
      await page.goto(`${origin}/`);
      await page.waitForFunction(() => (globalThis as unknown as PageGlobals).nanospDashboard.snapshots === 1);
      let now = Date.now();
      const key = 'h app socket.s';
      for (let batch = 1; batch <= 3; batch++) {
        for (let i = 0; i < 100; i++) model.add(level('current_connections', i % 7), (now += 1000));
        (server as DashboardServer).flush(now);
        await page.waitForFunction((n) => (globalThis as unknown as PageGlobals).nanospDashboard.updates === n, batch);
      }
      const lengths = await page.evaluate((k) => (globalThis as unknown as PageGlobals).nanospDashboard.sources.get(k)?.series.current_connections?.length, key);
      expect(lengths).toBe(HISTORY_POINTS);
      expect(await page.locator('article[data-socket="s"]').count()).toBe(1);
      (server as DashboardServer).flush(now + 120_000);
      await page.waitForFunction(() => (globalThis as unknown as PageGlobals).document.querySelectorAll('article.card').length === 0);
      expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).nanospDashboard.sources.size)).toBe(0);
      expectSelfContained(watch, origin);
      await page.close();
    });
  });
});
