/**
 * `nanosp stat --prometheus host:port <url>`, the ESTP → Prometheus bridge: fed by two nanosp
 * processes (NN_STATISTICS_SOCKET, different NN_APPLICATION_NAME) it serves both
 * applications' series with host/application/socket labels in both formats; fed by a PUB in
 * this process with hand-made records and garbage it counts the garbage, says it once, serves
 * the good records, and removes them once the publisher stops (--stale-after); usage errors
 * exit 1; promtool accepts the output. Then EstpBridge alone: naming, the stale time, the
 * series limit, type clashes.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EstpBridge, familyOf, socketLabel } from '../../src/cli/stat-prometheus.js';
import { formatRecord, type EstpRecord } from '../../src/index.js';
import { scrape, scrapeUntil, samples, startBridge, stopBridge, value } from '../helpers/bridge.js';
import { finished, fixture, linesOf, startNode } from '../helpers/diag.js';
import { freePort, hasCommand } from '../helpers/peers.js';
import { testSocket } from '../helpers/sockets.js';

const MAIN = new URL('../../src/cli/main.ts', import.meta.url).pathname;
const TEXT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
const OPENMETRICS_TYPE = 'application/openmetrics-text; version=1.0.0; charset=utf-8';
const PROMETHEUS_ACCEPT = 'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';

function promtool(args: string[], input?: string): { status: number | null; output: string } {
  const run = spawnSync('promtool', args, { input, encoding: 'utf8', timeout: 15_000 });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

/** As test/diag/metrics.test.ts: without promtool the check is skipped, and fails under CI. */
function checkWithPromtool(text: string, openmetrics: string): void {
  if (!hasCommand('promtool')) {
    if (process.env.CI) throw new Error('promtool is not installed; CI must run: apt-get install -y prometheus');
    console.warn('[nanosp tests] skipping the promtool check: promtool is not installed (apt-get install -y prometheus)');
    return;
  }
  expect(promtool(['check', 'metrics'], text)).toEqual({ status: 0, output: '' });
  const dir = mkdtempSync(join(tmpdir(), 'nanosp-bridge-om-'));
  try {
    const stamped = linesOf(openmetrics).map((l) => (l.startsWith('#') ? l : `${l} 1700000000`)).join('\n') + '\n';
    writeFileSync(join(dir, 'metrics.om'), stamped);
    expect(promtool(['tsdb', 'create-blocks-from', 'openmetrics', '--quiet', join(dir, 'metrics.om'), join(dir, 'blocks')])).toEqual({ status: 0, output: '' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('nanosp stat --prometheus', () => {
  it('two nanosp processes publishing (NN_STATISTICS_SOCKET): both applications served with host/application/socket labels, both formats, promtool-clean', async () => {
    const bridge = await startBridge();
    const env = (app: string) => ({ NN_STATISTICS_SOCKET: bridge.url, NN_HOSTNAME: 'testhost', NN_APPLICATION_NAME: app, NANOSP_STATISTICS_INTERVAL: '200' });
    const one = startNode(fixture('connect.ts'), ['pusher', 'tcp://127.0.0.1:1', '20'], env('app-one'));
    const two = startNode(fixture('connect.ts'), ['-', 'tcp://127.0.0.1:1', '20'], env('app-two'));
    const labelsOne = 'host="testhost",application="app-one",socket="pusher"';
    const labelsTwo = 'host="testhost",application="app-two",socket="1"';
    const body = await scrapeUntil(
      bridge,
      (b) => (value(b, `nanosp_connect_errors_total{${labelsOne}}`) ?? 0) > 0 && (value(b, `nanosp_connect_errors_total{${labelsTwo}}`) ?? 0) > 0 && b.includes(`nanosp_current_ep_errors{${labelsTwo}}`),
    );
    expect(samples(body, 'nanosp_messages_sent_total')).toEqual([`nanosp_messages_sent_total{${labelsOne}} 0`, `nanosp_messages_sent_total{${labelsTwo}} 0`]);
    expect(samples(body, 'nanosp_current_ep_errors')).toEqual([`nanosp_current_ep_errors{${labelsOne}} 1`, `nanosp_current_ep_errors{${labelsTwo}} 1`]);
    expect(body).toContain('# TYPE nanosp_connect_errors_total counter\n');
    expect(body).toContain('# TYPE nanosp_current_connections gauge\n');
    expect(value(body, 'nanosp_bridge_sources')).toBe(2);
    expect(value(body, 'nanosp_bridge_malformed_records_total')).toBe(0);

    const text = await scrape(bridge.port);
    expect(text.type).toBe(TEXT_TYPE);
    const om = await scrape(bridge.port, PROMETHEUS_ACCEPT);
    expect(om.status).toBe(200);
    expect(om.type).toBe(OPENMETRICS_TYPE);
    expect(om.body.endsWith('\n# EOF\n')).toBe(true);
    expect(om.body).toContain('# TYPE nanosp_connect_errors counter\n');
    expect(samples(om.body, 'nanosp_connect_errors_total')).toHaveLength(2);
    expect((await fetch(`http://127.0.0.1:${bridge.port}/other`)).status).toBe(404);
    checkWithPromtool(text.body, om.body);

    for (const child of [one, two]) {
      child.child.stdin.end();
      expect(await finished(child)).toEqual({ code: 0, signal: null });
    }
    await stopBridge(bridge);
    expect(bridge.peer.stderr).toBe('');
  }, 30_000);

  it('hand-made records and garbage from a PUB: garbage counted and said once per source, good records served, then stale and removed', async () => {
    const bridge = await startBridge(['--stale-after', '600']);
    const pub = testSocket('pub');
    await pub.connect(bridge.url);
    const good = (value: number): string =>
      formatRecord({ host: 'h1', application: 'handmade', resource: 'socket.s', metric: 'jobs-done', timestamp: new Date(), interval: 1, value, type: 'counter', extensions: [] });
    const level = 'ESTP:h1:handmade:queue:depth: 2026-01-01T00:00:00Z 1 7.5';
    let n = 0;
    // PUB drops while not connected: send until the bridge serves the record and counted garbage
    const sending = setInterval(() => {
      n++;
      void pub.send(good(n));
      void pub.send(level);
      void pub.send('not estp at all');
      void pub.send('ESTP:h1:handmade:socket.s:broken: yesterday 10 1');
    }, 50);
    let body: string;
    try {
      body = await scrapeUntil(bridge, (b) => (value(b, 'nanosp_bridge_malformed_records_total') ?? 0) >= 4 && b.includes('nanosp_depth{'));
    } finally {
      clearInterval(sending);
    }
    expect(samples(body, 'nanosp_jobs_done_total')).toHaveLength(1);
    expect(samples(body, 'nanosp_jobs_done_total')[0]).toMatch(/^nanosp_jobs_done_total\{host="h1",application="handmade",socket="s"\} \d+$/);
    expect(samples(body, 'nanosp_depth')).toEqual(['nanosp_depth{host="h1",application="handmade",socket="queue"} 7.5']);
    expect(body).toContain('# HELP nanosp_jobs_done_total ESTP statistic jobs-done, bridged by nanosp stat --prometheus.\n');
    expect(bridge.peer.running).toBe(true);
    // said once per source: the unidentified garbage, and the broken record of h1/handmade
    const said = linesOf(bridge.peer.stderr);
    expect(said).toHaveLength(2);
    expect(said.filter((l) => /^nanosp stat: malformed ESTP record from unidentified \(further ones are only counted\): (EINVAL \(Invalid argument\): )?ESTP prefix at offset 0: expected "ESTP:", got "not e"$/.test(l))).toHaveLength(1);
    expect(said.some((l) => l.startsWith('nanosp stat: malformed ESTP record from host "h1" application "handmade" (further ones are only counted): ') && l.includes('timestamp'))).toBe(true);
    checkWithPromtool(body, (await scrape(bridge.port, 'application/openmetrics-text')).body);

    // the publisher stopped: after --stale-after its series go, the bridge's own stay
    const after = await scrapeUntil(bridge, (b) => !b.includes('handmade'), 5000);
    expect(value(after, 'nanosp_bridge_series')).toBe(0);
    expect(value(after, 'nanosp_bridge_sources')).toBe(0);
    // 2, or more if a loaded machine paused the sender past --stale-after once
    expect(value(after, 'nanosp_bridge_expired_series_total')).toBeGreaterThanOrEqual(2);
    expect(after).not.toContain('# TYPE nanosp_depth ');
    await stopBridge(bridge);
  }, 30_000);

  it('usage errors exit 1 with the usage: no HOST:PORT, a bad one, no <url>', async () => {
    for (const args of [['--prometheus'], ['--prometheus', 'tcp://127.0.0.1:5555'], ['--prometheus', '127.0.0.1:70000', 'tcp://127.0.0.1:5555'], ['--prometheus', '127.0.0.1:9464']]) {
      const peer = startNode(MAIN, ['stat', ...args]);
      expect(await finished(peer)).toEqual({ code: 1, signal: null });
      expect(peer.stderr).toMatch(/^nanosp stat: .+\nusage: nanosp stat .*\n +nanosp stat --prometheus HOST:PORT /);
      expect(peer.output).toEqual([]);
    }
  }, 30_000);

  it('a port that is taken: said on stderr, exit 1', async () => {
    const bridge = await startBridge();
    const second = startNode(MAIN, ['stat', '--prometheus', `127.0.0.1:${bridge.port}`, `tcp://127.0.0.1:${await freePort()}`]);
    expect(await finished(second)).toEqual({ code: 1, signal: null });
    expect(second.stderr).toBe(`nanosp stat: cannot serve metrics on 127.0.0.1:${bridge.port}: address already in use (EADDRINUSE)\n`);
    await stopBridge(bridge);
  });
});

function record(overrides: Partial<EstpRecord>): EstpRecord {
  return { host: 'h', application: 'app', resource: 'socket.s', metric: 'messages_sent', timestamp: new Date(0), interval: 10, value: 1, type: 'counter', extensions: [], ...overrides };
}

describe('EstpBridge', () => {
  it('names: counters (c, d) _total, the rest gauges, odd characters as _, no doubled _total; socket label', () => {
    expect(familyOf({ metric: 'bytes_sent', type: 'counter' })).toEqual({ base: 'nanosp_bytes_sent', kind: 'counter' });
    expect(familyOf({ metric: 'x.y-z', type: 'derive' })).toEqual({ base: 'nanosp_x_y_z', kind: 'counter' });
    expect(familyOf({ metric: 'reqs_total', type: 'counter' })).toEqual({ base: 'nanosp_reqs', kind: 'counter' });
    for (const type of ['gauge', 'delta', 'extension'] as const) expect(familyOf({ metric: 'load', type })).toEqual({ base: 'nanosp_load', kind: 'gauge' });
    expect(socketLabel('socket.pusher')).toBe('pusher');
    expect(socketLabel('socket.2')).toBe('2');
    expect(socketLabel('cpu0')).toBe('cpu0');
  });

  it('the latest value wins; a u64 beyond 2^53 is written exactly; labels escaped', () => {
    const bridge = new EstpBridge();
    bridge.add(record({ value: 1 }), 0);
    bridge.add(record({ value: 2n ** 60n }), 1);
    bridge.add(record({ host: 'a"b\\c', value: 3 }), 1);
    const text = bridge.render('prometheus', 2);
    expect(samples(text, 'nanosp_messages_sent_total')).toEqual([
      `nanosp_messages_sent_total{host="a\\"b\\\\c",application="app",socket="s"} 3`,
      `nanosp_messages_sent_total{host="h",application="app",socket="s"} ${2n ** 60n}`,
    ]);
    expect(value(text, 'nanosp_bridge_records_total')).toBe(3);
  });

  it('stale time: 3 × the largest interval of the source, at least 10 s, or --stale-after', () => {
    const bridge = new EstpBridge();
    bridge.add(record({ application: 'slow', interval: 10 }), 0);
    bridge.add(record({ application: 'fast', interval: 1 }), 0);
    bridge.sweep(10_000);
    expect(bridge.seriesCount).toBe(2);
    bridge.sweep(10_001);
    expect(bridge.seriesCount).toBe(1); // fast: 10 s
    bridge.sweep(30_000);
    expect(bridge.seriesCount).toBe(1);
    bridge.sweep(30_001);
    expect(bridge.seriesCount).toBe(0); // slow: 30 s
    expect(bridge.expiredSeries).toBe(2);
    expect(new EstpBridge({ staleAfterMs: 500 }).staleAfter({ interval: 10 })).toBe(500);
  });

  it('at most maxSeries series: new ones dropped and counted, existing ones still updated', () => {
    const bridge = new EstpBridge({ maxSeries: 2 });
    for (const resource of ['socket.a', 'socket.b', 'socket.c', 'socket.d']) bridge.add(record({ resource }), 0);
    bridge.add(record({ resource: 'socket.a', value: 9 }), 0);
    const text = bridge.render('openmetrics', 0);
    expect(samples(text, 'nanosp_messages_sent_total')).toEqual([
      'nanosp_messages_sent_total{host="h",application="app",socket="a"} 9',
      'nanosp_messages_sent_total{host="h",application="app",socket="b"} 1',
    ]);
    expect(value(text, 'nanosp_bridge_dropped_series_total')).toBe(2);
    expect(value(text, 'nanosp_bridge_series')).toBe(2);
    expect(text.endsWith('\n# EOF\n')).toBe(true);
  });

  it('a family served as a counter drops gauge records of the same name, and bridge names are reserved', () => {
    const bridge = new EstpBridge();
    bridge.add(record({ metric: 'm' }), 0);
    bridge.add(record({ metric: 'm', type: 'gauge', resource: 'socket.other' }), 0);
    bridge.add(record({ metric: 'm_total', type: 'gauge' }), 0);
    bridge.add(record({ metric: 'bridge_series', type: 'gauge' }), 0);
    const text = bridge.render('prometheus', 0);
    expect(samples(text, 'nanosp_m_total')).toHaveLength(1);
    expect(samples(text, 'nanosp_bridge_series')).toEqual(['nanosp_bridge_series 1']);
    expect(bridge.droppedRecords).toBe(3);
  });

  it('malformed records: counted every time, said once per source', () => {
    const written: string[] = [];
    const bridge = new EstpBridge({ stderr: { write: (t: string) => written.push(t) } });
    for (let i = 0; i < 3; i++) {
      bridge.bad(Buffer.from('garbage'), 'bad');
      bridge.bad(Buffer.from('ESTP:h:a:socket.1:x: nope'), 'worse');
    }
    expect(bridge.malformed).toBe(6);
    expect(written).toEqual([
      'nanosp stat: malformed ESTP record from unidentified (further ones are only counted): bad\n',
      'nanosp stat: malformed ESTP record from host "h" application "a" (further ones are only counted): worse\n',
    ]);
  });
});
