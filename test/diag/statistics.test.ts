/**
 * NN_PRINT_STATISTICS and NN_STATISTICS_SOCKET for a known workload (fixtures/workload.ts),
 * each in a fresh nanosp process:
 *  - `nanocat --sub --bind URL -Q` (libnanomsg 1.1.5) receives the ESTP records; each one,
 *    unquoted back to its bytes, parses and is laid out byte for byte as nanomsg's (§4.3), and
 *    carries the workload's counts: 15 metrics per socket in nanomsg's order, `:c` on the 11
 *    counters only, sockets in ascending number order, user sockets numbered from 1 (the
 *    statistics socket is 0 and never reports itself), the failing endpoint listed under
 *    current_ep_errors;
 *  - the stderr lines of NN_PRINT_STATISTICS, line by line (§3.2): 14 per socket, no
 *    current_ep_errors, no number fallback for an empty name, ascending socket numbers;
 *  - a host or application name that ESTP cannot carry must not stop the publishing.
 */
import { describe, expect, it } from 'vitest';
import { formatRecord, parseRecord, STATISTICS, type EstpRecord } from '../../src/index.js';
import { finished, fixture, linesOf, startNode, stderrUntil, unquoteNanocat } from '../helpers/diag.js';
import { whilePeerRuns } from '../helpers/interop.js';
import { describePeer, freePort, startPeer, type Peer } from '../helpers/peers.js';
import { testSocket } from '../helpers/sockets.js';

const WORKLOAD = fixture('workload.ts');

/** What each socket's 15 statistics must be once the workload is done (see the fixture). */
const EXPECTED: Record<string, Record<string, number | 'any'>> = {
  left: {
    established_connections: 0,
    accepted_connections: 1,
    dropped_connections: 0,
    broken_connections: 0,
    connect_errors: 0,
    bind_errors: 0,
    accept_errors: 0,
    messages_sent: 2,
    messages_received: 3,
    bytes_sent: 1007,
    bytes_received: 111,
    current_connections: 1,
    inprogress_connections: 0,
    current_snd_priority: 0,
    current_ep_errors: 0,
  },
  right: {
    established_connections: 1,
    accepted_connections: 0,
    dropped_connections: 0,
    broken_connections: 0,
    connect_errors: 0,
    bind_errors: 0,
    accept_errors: 0,
    messages_sent: 3,
    messages_received: 2,
    bytes_sent: 111,
    bytes_received: 1007,
    current_connections: 1,
    inprogress_connections: 0,
    current_snd_priority: 0,
    current_ep_errors: 0,
  },
  pusher: {
    established_connections: 0,
    accepted_connections: 0,
    dropped_connections: 0,
    broken_connections: 0,
    // keeps growing, every 20 ms; checked separately
    connect_errors: 'any',
    bind_errors: 0,
    accept_errors: 0,
    messages_sent: 0,
    messages_received: 0,
    bytes_sent: 0,
    bytes_received: 0,
    current_connections: 0,
    // 1 while an attempt is under way, 0 between attempts
    inprogress_connections: 'any',
    current_snd_priority: 0,
    current_ep_errors: 1,
  },
  victim: {
    established_connections: 0,
    accepted_connections: 1,
    dropped_connections: 0,
    broken_connections: 1,
    connect_errors: 0,
    bind_errors: 0,
    accept_errors: 0,
    messages_sent: 0,
    messages_received: 0,
    bytes_sent: 0,
    bytes_received: 0,
    current_connections: 0,
    inprogress_connections: 0,
    current_snd_priority: 0,
    current_ep_errors: 0,
  },
};

const METRICS = STATISTICS.map((s) => s.name);
const COUNTERS = new Set(STATISTICS.filter((s) => s.kind === 'counter').map((s) => s.name));

interface Received {
  raw: string;
  record: EstpRecord;
}

/** nanocat's output so far as records, each parsed (a record that does not parse fails the test). */
function receivedRecords(nanocat: Peer): Received[] {
  return nanocat.output.map((line) => {
    const raw = unquoteNanocat(line);
    return { raw, record: parseRecord(raw) };
  });
}

/**
 * The complete reports in `records`: every report starts with left's first metric (left is
 * the lowest-numbered socket throughout) and is complete once the next one has started.
 */
function reports(records: readonly Received[]): Received[][] {
  const starts = records.flatMap((r, i) => (r.record.resource === 'socket.left' && r.record.metric === METRICS[0] ? [i] : []));
  return starts.slice(0, -1).map((start, k) => records.slice(start, starts[k + 1]));
}

function value(report: readonly Received[], resource: string, metric: string): number | bigint | undefined {
  return report.find((r) => r.record.resource === resource && r.record.metric === metric)?.record.value;
}

describePeer('nanocat', 'NN_STATISTICS_SOCKET: nanocat --sub receives nanosp\'s ESTP records', () => {
  it('every record parses, is laid out as nanomsg\'s, and carries the workload\'s counts', async () => {
    const started = Math.floor(Date.now() / 1000) * 1000;
    const url = `tcp://127.0.0.1:${await freePort()}`;
    const nanocat = startPeer('nanocat', ['--sub', '--bind', url, '-Q']);
    const app = startNode(WORKLOAD, [], {
      NN_STATISTICS_SOCKET: url,
      NN_HOSTNAME: 'testhost',
      NN_APPLICATION_NAME: 'testapp',
      NANOSP_STATISTICS_INTERVAL: '200',
    });
    const numbers = JSON.parse((await whilePeerRuns(app, app.line((l) => l.startsWith('workload ')))).slice('workload '.length)) as Record<string, number>;
    // the statistics socket took number 0: the user's sockets start at 1; pusher reuses quitter's 3
    expect(numbers).toEqual({ left: 1, right: 2, pusher: 3, victim: 4 });

    // in ascending number order; right has the default name, victim the empty name: both show the number
    const resources = ['socket.left', 'socket.2', 'socket.pusher', 'socket.4'];
    const byResource: Record<string, string> = { 'socket.left': 'left', 'socket.2': 'right', 'socket.pusher': 'pusher', 'socket.4': 'victim' };
    // while the workload runs, a report may still show quitter (3), or no pusher yet
    const numberOf: Record<string, number> = { 'socket.left': 1, 'socket.2': 2, 'socket.quitter': 3, 'socket.pusher': 3, 'socket.4': 4 };
    // a report in which right has received both messages was made after the whole workload
    const done = (report: Received[]) => value(report, 'socket.2', 'messages_received') === 2;
    await whilePeerRuns(app, nanocat.line(() => reports(receivedRecords(nanocat)).filter(done).length >= 2, 10_000));
    app.child.stdin.end();
    expect((await finished(app)).code).toBe(0);
    const until = Date.now() + 1000;

    const all = receivedRecords(nanocat);
    for (const { raw, record } of all) {
      // nanomsg's exact layout: one space between fields, whole-second UTC time, `:c` on counters only
      expect(formatRecord(record)).toBe(raw);
      const ts = '\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z';
      const suffix = COUNTERS.has(record.metric) ? ':c' : '';
      const tail = record.metric === 'current_ep_errors' ? '\\n(?: [^\\n]*\\n)*' : '';
      expect(raw).toMatch(new RegExp(`^ESTP:testhost:testapp:${record.resource.replace('.', '\\.')}:${record.metric}: ${ts} 1 -?\\d+${suffix}${tail}$`));
      expect(record.type).toBe(COUNTERS.has(record.metric) ? 'counter' : 'gauge');
      // the interval is the statistics interval in whole seconds, at least 1 (200 ms → 1)
      expect(record.interval).toBe(1);
      expect(record.timestamp.getTime()).toBeGreaterThanOrEqual(started);
      expect(record.timestamp.getTime()).toBeLessThanOrEqual(until);
      // the statistics socket (number 0) never reports itself
      expect(Object.keys(numberOf)).toContain(record.resource);
    }

    const complete = reports(all);
    for (const report of complete) {
      // whole sockets of 15 metrics each, in nanomsg's order, sockets in ascending number order
      expect(report.length % METRICS.length).toBe(0);
      const sockets: string[] = [];
      for (let at = 0; at < report.length; at += METRICS.length) {
        const group = report.slice(at, at + METRICS.length);
        expect(group.map((r) => r.record.metric)).toEqual(METRICS);
        expect(new Set(group.map((r) => r.record.resource)).size).toBe(1);
        sockets.push(group[0]!.record.resource);
      }
      const numbers = sockets.map((r) => numberOf[r]!);
      expect(numbers).toEqual([...numbers].sort((x, y) => x - y));
    }
    // once the workload is done, every report has all four sockets
    const firstFinal = complete.findIndex(done);
    for (const report of complete.slice(firstFinal)) {
      expect(report.map((r) => `${r.record.resource}:${r.record.metric}`)).toEqual(resources.flatMap((res) => METRICS.map((m) => `${res}:${m}`)));
    }

    const final = complete.filter(done);
    expect(final.length).toBeGreaterThanOrEqual(2);
    let lastConnectErrors = 0;
    for (const report of final) {
      for (const resource of resources) {
        const expected = EXPECTED[byResource[resource]!]!;
        for (const metric of METRICS) {
          const want = expected[metric];
          if (want !== 'any') expect(value(report, resource, metric), `${resource} ${metric}`).toBe(want);
        }
      }
      // connect_errors only grows; inprogress is 0 or 1
      const connectErrors = Number(value(report, 'socket.pusher', 'connect_errors'));
      expect(connectErrors).toBeGreaterThanOrEqual(Math.max(1, lastConnectErrors));
      lastConnectErrors = connectErrors;
      expect([0, 1]).toContain(value(report, 'socket.pusher', 'inprogress_connections'));

      // current_ep_errors: the level line ends in LF, then one line per failing endpoint
      const errors = report.filter((r) => r.record.metric === 'current_ep_errors');
      for (const { raw, record } of errors) {
        const head = `ESTP:testhost:testapp:${record.resource}:current_ep_errors: ${raw.slice(raw.indexOf(': ') + 2, raw.indexOf('Z ') + 1)} 1 `;
        if (record.resource === 'socket.pusher') {
          expect(raw).toBe(`${head}1\n nanomsg: Endpoint 1 [127.0.0.1:1] error: Connection refused\n`);
          expect(record.extensions).toEqual([' nanomsg: Endpoint 1 [127.0.0.1:1] error: Connection refused']);
        } else {
          expect(raw).toBe(`${head}0\n`);
        }
      }
    }
  });
});

describe('NN_PRINT_STATISTICS', () => {
  it('14 lines per socket in nanomsg\'s order, ascending socket numbers, no current_ep_errors, no fallback for an empty name', async () => {
    const app = startNode(WORKLOAD, ['report'], { NN_PRINT_STATISTICS: '1' });
    const numbers = JSON.parse((await whilePeerRuns(app, app.line((l) => l.startsWith('workload ')))).slice('workload '.length)) as Record<string, number>;
    // no statistics socket: numbers from 0; pusher reuses quitter's 2
    expect(numbers).toEqual({ left: 0, right: 1, pusher: 2, victim: 3 });
    const snapshot = JSON.parse((await whilePeerRuns(app, app.line((l) => l.startsWith('snapshot ')))).slice('snapshot '.length)) as Record<string, Record<string, number>>;
    const order: [string, string][] = [
      ['left', 'left'],
      ['1', 'right'],
      ['pusher', 'pusher'],
      ['', 'victim'],
    ];
    const expected = order.flatMap(([name, socket]) =>
      METRICS.filter((m) => m !== 'current_ep_errors').map((metric) => {
        let want = EXPECTED[socket]![metric];
        if (want === 'any') want = snapshot[socket]![STATISTICS.find((s) => s.name === metric)!.key]!;
        return `nanomsg: socket.${name}: ${metric}: ${want}`;
      }),
    );
    expect(expected).toHaveLength(4 * 14);
    expect(snapshot.pusher!.connectErrors).toBeGreaterThanOrEqual(1);
    const text = await stderrUntil(app, (t) => linesOf(t).length >= expected.length);
    app.child.stdin.end();
    expect((await finished(app)).code).toBe(0);
    // the 10 s timer never fired: exactly one report, the one asked for
    expect(app.stderr).toBe(text);
    expect(linesOf(app.stderr)).toEqual(expected);
  });

  it('NANOSP_STATISTICS_INTERVAL: the timer prints a whole report every interval', async () => {
    const app = startNode(WORKLOAD, [], { NN_PRINT_STATISTICS: '1', NANOSP_STATISTICS_INTERVAL: '100' });
    const metrics = METRICS.filter((m) => m !== 'current_ep_errors');
    const finalShape = ['left', '1', 'pusher', ''].flatMap((name) => metrics.map((m) => `nanomsg: socket.${name}: ${m}: N`));
    const shape = (line: string) => line.replace(/: -?\d+$/, ': N');
    /** The reports printed so far, each complete (followed by the next), split where left's first line is. */
    const blocks = (text: string): string[][] => {
      const lines = linesOf(text);
      const starts = lines.flatMap((l, i) => (l.startsWith('nanomsg: socket.left: established_connections: ') ? [i] : []));
      return starts.slice(0, -1).map((start, k) => lines.slice(start, starts[k + 1]));
    };
    // the first reports may come while the workload still runs; wait for two of the finished workload
    const isFinal = (block: string[]) => block.map(shape).join('\n') === finalShape.join('\n') && block[22] === 'nanomsg: socket.1: messages_received: 2';
    await whilePeerRuns(app, stderrUntil(app, (t) => blocks(t).filter(isFinal).length >= 2));
    app.child.stdin.end();
    expect((await finished(app)).code).toBe(0);
    const all = blocks(app.stderr);
    // every report: whole groups of 14 lines, each in nanomsg's order, never current_ep_errors
    for (const block of all) {
      expect(block.length % 14).toBe(0);
      for (let at = 0; at < block.length; at += 14) {
        expect(block.slice(at, at + 14).map((l) => l.replace(/^nanomsg: socket\.[^:]*: ([a-z_]+): -?\d+$/, '$1'))).toEqual(metrics);
      }
    }
    // once the workload is done, every report has the final shape
    const firstFinal = all.findIndex(isFinal);
    for (const block of all.slice(firstFinal)) expect(block.map(shape)).toEqual(finalShape);
  });
});

describe('NN_STATISTICS_SOCKET with a host or application name that is not ESTP-valid', () => {
  it("NN_HOSTNAME and NN_APPLICATION_NAME with ':' or spaces: the process keeps publishing records that parse", async () => {
    const sub = testSocket('sub');
    sub.subscribe('');
    const ep = await sub.bind('tcp://127.0.0.1:0');
    const app = startNode(fixture('connect.ts'), ['pusher', 'tcp://127.0.0.1:1', '20'], {
      NN_STATISTICS_SOCKET: ep.url,
      NN_HOSTNAME: 'host:one',
      NN_APPLICATION_NAME: 'my app',
      NANOSP_STATISTICS_INTERVAL: '100',
    });
    // nanomsg publishes such names unchecked (§4.3); nanosp makes socket names ESTP-valid by
    // replacing ':' and whitespace with '_' (lines.ts estpPart), and must do the same here
    // rather than throw from its report timer
    for (let i = 0; i < 2 * METRICS.length; i++) {
      const body = await whilePeerRuns(app, sub.recv({ timeout: 5000 }));
      const record = parseRecord(body);
      expect(record).toMatchObject({ host: 'host_one', application: 'my_app', resource: 'socket.pusher', metric: METRICS[i % METRICS.length] });
    }
    app.child.stdin.end();
    expect((await finished(app)).code).toBe(0);
  });
});
