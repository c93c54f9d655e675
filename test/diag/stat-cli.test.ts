/**
 * `nanosp stat`: the command against a nanosp publisher (NN_STATISTICS_SOCKET) with nanocat
 * sending garbage to the same address, and its StatView (rates from two counter records,
 * levels, the malformed count) without a terminal.
 */
import { describe, expect, it } from 'vitest';
import { StatView } from '../../src/cli/stat-view.js';
import { parseRecord, STATISTICS, type EstpRecord } from '../../src/index.js';
import { finished, fixture, startNode, stderrUntil } from '../helpers/diag.js';
import { whilePeerRuns } from '../helpers/interop.js';
import { describePeer, freePort, startPeer } from '../helpers/peers.js';

const MAIN = new URL('../../src/cli/main.ts', import.meta.url).pathname;
const METRICS = STATISTICS.map((s) => s.name);

describePeer('nanocat', 'nanosp stat --json', () => {
  it('prints N parsed records of a nanosp publisher as JSON lines, reports malformed ones on stderr, and exits 0 by itself', async () => {
    const url = `tcp://127.0.0.1:${await freePort()}`;
    const count = 20;
    const stat = startNode(MAIN, ['stat', '--json', '--count', String(count), url]);
    // garbage first (nanocat reconnects until stat listens), and wait until stat said so
    const garbage = startPeer('nanocat', ['--pub', '--connect', url, '-D', 'not estp', '-i', '0.1']);
    await whilePeerRuns(stat, stderrUntil(stat, (t) => t.includes('nanosp stat: malformed record: ')));
    expect(stat.output).toEqual([]);
    // then the publisher: one socket, 15 records every 200 ms
    const publisher = startNode(fixture('connect.ts'), ['pusher', 'tcp://127.0.0.1:1', '20'], {
      NN_STATISTICS_SOCKET: url,
      NN_HOSTNAME: 'pubhost',
      NN_APPLICATION_NAME: 'pubapp',
      NANOSP_STATISTICS_INTERVAL: '200',
    });
    const { code, signal } = await whilePeerRuns(publisher, finished(stat));
    expect({ code, signal }, `stderr ${JSON.stringify(stat.stderr)}`).toEqual({ code: 0, signal: null });
    expect(garbage.running).toBe(true);

    // every malformed record is reported on a line of its own, with the parser's reason
    const complaints = stat.stderr.split('\n').filter((l) => l !== '');
    expect(complaints.length).toBeGreaterThanOrEqual(1);
    for (const line of complaints) expect(line).toMatch(/^nanosp stat: malformed record: (EINVAL \(Invalid argument\): )?ESTP prefix at offset 0: expected "ESTP:", got "not e"$/);

    expect(stat.output).toHaveLength(count);
    const metrics: string[] = [];
    for (const line of stat.output) {
      const json = JSON.parse(line) as Record<string, unknown>;
      expect(json).toMatchObject({ host: 'pubhost', application: 'pubapp', resource: 'socket.pusher', interval: 1, extensions: expect.any(Array) });
      expect(METRICS).toContain(json.metric);
      expect(typeof json.value).toBe('number');
      expect(json.type).toBe(STATISTICS.find((s) => s.name === json.metric)!.kind === 'counter' ? 'counter' : 'gauge');
      expect(new Date(json.timestamp as string).toISOString()).toBe(json.timestamp);
      metrics.push(json.metric as string);
    }
    // records arrive in nanomsg's order, report after report, none lost
    const first = METRICS.indexOf(metrics[0]!);
    expect(metrics).toEqual(metrics.map((_, i) => METRICS[(first + i) % METRICS.length]));
  });
});

function record(overrides: Partial<EstpRecord>): EstpRecord {
  return {
    host: 'h',
    application: 'app',
    resource: 'socket.s',
    metric: 'messages_sent',
    timestamp: new Date('2026-01-01T00:00:00Z'),
    interval: 10,
    value: 0,
    type: 'counter',
    extensions: [],
    ...overrides,
  };
}

describe('StatView', () => {
  it('a counter: no rate from one record, then the rate per second from two', () => {
    const view = new StatView();
    view.add(record({ value: 100 }));
    expect(view.render('t')).toContain(`  ${'messages_sent'.padEnd(26)} ${'100'.padStart(12)}          -/s`);
    view.add(record({ value: 150, timestamp: new Date('2026-01-01T00:00:10Z') }));
    expect(view.render('t')).toContain(`  ${'messages_sent'.padEnd(26)} ${'150'.padStart(12)} ${'5.0'.padStart(10)}/s`);
    // the same second twice: the interval stands in for the elapsed time
    view.add(record({ value: 170, timestamp: new Date('2026-01-01T00:00:10Z') }));
    expect(view.render('t')).toContain(`${'170'.padStart(12)} ${'2.0'.padStart(10)}/s`);
  });

  it('a counter beyond 2^53 (u64, a bigint) still gets its rate', () => {
    const view = new StatView();
    const big = 2n ** 60n;
    view.add(record({ value: big }));
    view.add(record({ value: big + 30n, timestamp: new Date('2026-01-01T00:00:10Z') }));
    expect(view.render('t')).toContain(`${String(big + 30n).padStart(12)} ${'3.0'.padStart(10)}/s`);
  });

  it('a level shows its value and "(level)", no rate', () => {
    const view = new StatView();
    view.add(record({ metric: 'current_connections', value: 3, type: 'gauge' }));
    view.add(record({ metric: 'current_snd_priority', value: -1, type: 'gauge' }));
    const text = view.render('t');
    expect(text).toContain(`  ${'current_connections'.padEnd(26)} ${'3'.padStart(12)}      (level)`);
    expect(text).toContain(`  ${'current_snd_priority'.padEnd(26)} ${'-1'.padStart(12)}      (level)`);
  });

  it('sources by host, application and resource, sorted; the header counts sources, records and malformed ones', () => {
    const view = new StatView();
    view.add(record({ resource: 'socket.b' }));
    view.add(record({ resource: 'socket.a' }));
    view.add(record({ resource: 'socket.a', metric: 'bytes_sent' }));
    view.bad('ESTP prefix at offset 0: expected "ESTP:", got "not estp"');
    view.bad('ESTP timestamp at offset 30: nope');
    const lines = view.render('tcp://127.0.0.1:5555').split('\n');
    expect(lines[0]).toBe('nanosp stat tcp://127.0.0.1:5555: 2 sources, 3 records, 2 malformed');
    expect(lines[1]).toBe('  last malformed: ESTP timestamp at offset 30: nope');
    expect(lines.filter((l) => /^h {2}app {2}socket\./.test(l))).toEqual(['h  app  socket.a', 'h  app  socket.b']);
    expect(view.malformed).toBe(2);
  });

  it('records as nanomsg publishes them, parsed', () => {
    const view = new StatView();
    view.add(parseRecord('ESTP:myhost:myapp:socket.pusher:connect_errors: 2026-11-26T16:29:04Z 10 188:c'));
    view.add(parseRecord('ESTP:myhost:myapp:socket.pusher:connect_errors: 2026-11-26T16:29:14Z 10 288:c'));
    view.add(parseRecord('ESTP:myhost:myapp:socket.pusher:current_ep_errors: 2026-11-26T16:29:14Z 10 1\n nanomsg: Endpoint 1 [127.0.0.1:1] error: Connection refused\n'));
    const text = view.render('x');
    expect(text).toContain('nanosp stat x: 1 sources, 3 records, 0 malformed\n');
    expect(text).toContain(`  ${'connect_errors'.padEnd(26)} ${'288'.padStart(12)} ${'10.0'.padStart(10)}/s`);
    expect(text).toContain(`  ${'current_ep_errors'.padEnd(26)} ${'1'.padStart(12)}      (level)`);
  });
});
