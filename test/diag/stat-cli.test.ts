/**
 * `nanosp stat`: the command against a nanosp publisher (NN_STATISTICS_SOCKET) with nanocat
 * sending garbage to the same address (--json); its table through a pipe (plain 80-column
 * text, a publisher that exits goes stale and then away) and in an 80 × 8 terminal (redrawn in
 * place with the title kept on screen, "… N more", the d and q keys); and its StatView (rates,
 * levels, staleness, the detail view) without a terminal. The table itself: stat-table.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { StatView } from '../../src/cli/stat-view.js';
import { parseRecord, STATISTICS, type EstpRecord } from '../../src/index.js';
import { DIAG_VARIABLES, finished, fixture, startNode, stderrUntil, type DiagEnv } from '../helpers/diag.js';
import { whilePeerRuns } from '../helpers/interop.js';
import { describePeer, freePort, startPeer, type Peer } from '../helpers/peers.js';
import { describeTerminal, startInTerminal, type Screen } from '../helpers/terminal.js';

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

/** A nanosp process publishing every 200 ms to `url` as application `app` on host `h`. */
function publisherEnv(url: string, app: string): DiagEnv {
  return { NN_STATISTICS_SOCKET: url, NN_HOSTNAME: 'h', NN_APPLICATION_NAME: app, NANOSP_STATISTICS_INTERVAL: '200' };
}

/** `nanosp demo-worker <name>`: sockets that talk until stdin ends (pubsub: ticker, weather-sub, stocks-sub). */
function startWorker(name: string, url: string): Peer {
  return startNode(MAIN, ['demo-worker', name], publisherEnv(url, name));
}

/** A table row's cells: application, socket, conns, msgs/s in, out, bytes/s in, out, errors total, now. */
function cells(row: string): string[] {
  return row.replace(' (stale)', '-(stale)').split(/ +/);
}

const isRate = (cell: string | undefined) => cell !== undefined && /^[0-9.]+[kMGT]?$/.test(cell) && cell !== '0';

describe('nanosp stat: the table through a pipe', () => {
  it('plain 80-column text, one row per socket with its rates; a publisher that exits goes stale, then away', async () => {
    const url = `tcp://127.0.0.1:${await freePort()}`;
    const stat = startNode(MAIN, ['stat', '--stale-after', '500', url]);
    const worker = startWorker('pubsub', url);
    const live = await stat.line((l) => l.startsWith('pubsub ') && cells(l)[1] === 'ticker' && isRate(cells(l)[4]));
    expect(cells(live).slice(0, 3)).toEqual(['pubsub', 'ticker', '2']);
    await stat.line((l) => cells(l)[1] === 'weather-sub' && isRate(cells(l)[3]));

    worker.child.stdin.end();
    expect(await finished(worker)).toEqual({ code: 0, signal: null });
    const stale = await stat.line((l) => l.startsWith('pubsub ') && l.includes('ticker (stale)'));
    expect(cells(stale)).toEqual(['pubsub', 'ticker-(stale)', '-', '-', '-', '-', '-', '0', '0']);
    // forgotten after 5 stale times without a record: the records count says it is not the title from before
    await stat.line((l) => /^nanosp stat tcp:\/\/127\.0\.0\.1:\d+: 0 sources, [1-9]\d* records, 0 malformed$/.test(l));

    stat.child.kill('SIGTERM');
    expect(await finished(stat)).toEqual({ code: 0, signal: null });
    expect(stat.stderr).toBe('');
    for (const line of stat.output) {
      expect(line).not.toContain('\x1b');
      expect([...line].length, line).toBeLessThanOrEqual(80);
    }
  }, 30_000);

  it('--detail: every metric of every socket; bad flags are usage errors', async () => {
    const url = `tcp://127.0.0.1:${await freePort()}`;
    const stat = startNode(MAIN, ['stat', '--detail', '--count', '30', url]);
    startNode(fixture('connect.ts'), ['pusher', 'tcp://127.0.0.1:1', '20'], publisherEnv(url, 'errors'));
    expect(await finished(stat)).toEqual({ code: 0, signal: null });
    const out = stat.output.join('\n');
    expect(out).toContain('\nh  errors  socket.pusher\n');
    for (const metric of METRICS) expect(out).toMatch(new RegExp(`\n  ${metric} +-?\\d+ `));

    const bad = startNode(MAIN, ['stat', '--stale-after', 'soon', url]);
    expect(await finished(bad)).toEqual({ code: 1, signal: null });
    expect(bad.stderr).toMatch(/^nanosp stat: --stale-after needs a number, got "soon"\nusage: nanosp stat \[--detail \| --json\] \[--stale-after MS\]/);
  }, 30_000);
});

describeTerminal('nanosp stat in an 80 × 8 terminal', () => {
  it('redraws in place with the title on top and "… N more"; d shows the detail and back; a stopped publisher goes stale, then away; q quits', async () => {
    const url = `tcp://127.0.0.1:${await freePort()}`;
    const unset = DIAG_VARIABLES.flatMap((name) => ['-u', name]);
    const term = startInTerminal('env', [...unset, process.execPath, '--import', 'tsx', MAIN, 'stat', '--stale-after', '500', url], { columns: 80, rows: 8 });
    const pubsub = startWorker('pubsub', url);
    startWorker('reqrep', url);
    startNode(fixture('connect.ts'), ['pusher', 'tcp://127.0.0.1:1', '20'], publisherEnv(url, 'errors'));
    const row = (screen: Screen, socket: string) => screen.visible().map(cells).find((c) => c[1] === socket);

    // six sockets, three rows of room: the title stays the first line on screen
    await term.until((screen) => /: 6 sources, /.test(screen.visible()[0] ?? '') && isRate(row(screen, 'ticker')?.[4]) && row(screen, 'pusher')?.[8] === '1', 'six sources, ticker sending, pusher failing');
    const visible = term.screen.visible();
    expect(visible[0]).toMatch(/^nanosp stat tcp:\/\/127\.0\.0\.1:\d+: 6 sources, \d+ records, 0 malformed$/);
    expect(visible.slice(1, 3)).toEqual([expect.stringMatching(/^ +msgs\/s +bytes\/s +errors$/), expect.stringMatching(/^application +socket +conns +in +out +in +out +total +now$/)]);
    expect(visible.slice(3, 6).map((l) => cells(l).slice(0, 2))).toEqual([['errors', 'pusher'], ['pubsub', 'stocks-sub'], ['pubsub', 'ticker']]);
    expect(visible[6]).toBe('… 3 more sockets');
    expect(Number(row(term.screen, 'pusher')?.[7])).toBeGreaterThan(0);

    term.type('d');
    await term.until((screen) => screen.visible().includes('h  errors  socket.pusher') && /^… \d+ more lines$/.test(screen.visible()[6] ?? ''), 'the detail view');
    expect(term.screen.visible()[0]).toMatch(/: 6 sources, /);
    term.type('d');
    await term.until((screen) => /^application +socket/.test(screen.visible()[2] ?? ''), 'the table again');

    pubsub.child.stdin.end();
    await term.until((screen) => /: 6 sources \(3 stale\), /.test(screen.visible()[0] ?? ''), 'three stale sockets');
    // the live ones come first: the stale ones wait behind "… 3 more"
    expect(term.screen.visible().slice(3, 6).map((l) => cells(l)[0])).toEqual(['errors', 'reqrep', 'reqrep']);
    await term.until((screen) => /: 3 sources, /.test(screen.visible()[0] ?? ''), 'the stale sockets forgotten');

    term.type('q');
    expect(await term.peer.exited).toEqual({ code: 0, signal: null });
    expect(term.raw()).not.toContain('\x1b[2J');
    expect(term.raw()).not.toContain('\x1b[H');
    expect({ wraps: term.screen.wraps, clears: term.screen.clears, unknown: term.screen.unknown }).toEqual({ wraps: 0, clears: 0, unknown: [] });
    for (const line of term.screen.text()) expect([...line].length, line).toBeLessThanOrEqual(80);
    // what stays once it quit: the last table, whole
    expect(term.screen.visible().filter((l) => l !== '')).toHaveLength(6);
  }, 40_000);
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
  it('a counter: no rate from one record, then the rate per second between arrivals (the receiver\'s clock)', () => {
    const view = new StatView();
    view.add(record({ value: 100 }), 0);
    expect(view.render('t', { now: 0 })).toContain(`  ${'messages_sent'.padEnd(26)} ${'100'.padStart(12)}          -/s`);
    // ESTP timestamps have whole seconds; the arrival times measure sub-second intervals too
    view.add(record({ value: 150 }), 250);
    expect(view.render('t', { now: 250 })).toContain(`  ${'messages_sent'.padEnd(26)} ${'150'.padStart(12)} ${'200.0'.padStart(10)}/s`);
    // a burst (reports that queued up) shows the value but does not move the rate's baseline
    view.add(record({ value: 170 }), 260);
    expect(view.render('t', { now: 260 })).toContain(`${'170'.padStart(12)} ${'200.0'.padStart(10)}/s`);
    view.add(record({ value: 200 }), 500);
    expect(view.render('t', { now: 500 })).toContain(`${'200'.padStart(12)} ${'200.0'.padStart(10)}/s`);
    // a counter that went down: a publisher that started again, no rate until the next report
    view.add(record({ value: 5 }), 750);
    expect(view.render('t', { now: 750 })).toContain(`${'5'.padStart(12)}          -/s`);
  });

  it('a counter beyond 2^53 (u64, a bigint) still gets its rate', () => {
    const view = new StatView();
    const big = 2n ** 60n;
    view.add(record({ value: big }), 0);
    view.add(record({ value: big + 30n }), 10_000);
    expect(view.render('t', { now: 10_000, width: 100 })).toContain(`${String(big + 30n).padStart(12)} ${'3.0'.padStart(10)}/s`);
  });

  it('a level shows its value and "(level)", no rate', () => {
    const view = new StatView();
    view.add(record({ metric: 'current_connections', value: 3, type: 'gauge' }), 0);
    view.add(record({ metric: 'current_snd_priority', value: -1, type: 'gauge' }), 0);
    const text = view.render('t', { now: 0 });
    expect(text).toContain(`  ${'current_connections'.padEnd(26)} ${'3'.padStart(12)}      (level)`);
    expect(text).toContain(`  ${'current_snd_priority'.padEnd(26)} ${'-1'.padStart(12)}      (level)`);
  });

  it('sources by host, application and resource, sorted; the title counts sources, records and malformed ones', () => {
    const view = new StatView();
    view.add(record({ resource: 'socket.b' }), 0);
    view.add(record({ resource: 'socket.a' }), 0);
    view.add(record({ resource: 'socket.a', metric: 'bytes_sent' }), 0);
    view.bad('ESTP prefix at offset 0: expected "ESTP:", got "not estp"');
    view.bad('ESTP timestamp at offset 30: nope');
    const lines = view.render('nanosp stat tcp://127.0.0.1:5555', { now: 0 }).split('\n');
    expect(lines[0]).toBe('nanosp stat tcp://127.0.0.1:5555: 2 sources, 3 records, 2 malformed');
    expect(lines[1]).toBe('  last malformed: ESTP timestamp at offset 30: nope');
    expect(lines.filter((l) => /^h {2}app {2}socket\./.test(l))).toEqual(['h  app  socket.a', 'h  app  socket.b']);
    expect(view.malformed).toBe(2);
  });

  it('records as nanomsg publishes them, parsed', () => {
    const view = new StatView();
    view.add(parseRecord('ESTP:myhost:myapp:socket.pusher:connect_errors: 2026-11-26T16:29:04Z 10 188:c'), 0);
    view.add(parseRecord('ESTP:myhost:myapp:socket.pusher:connect_errors: 2026-11-26T16:29:14Z 10 288:c'), 10_000);
    view.add(parseRecord('ESTP:myhost:myapp:socket.pusher:current_ep_errors: 2026-11-26T16:29:14Z 10 1\n nanomsg: Endpoint 1 [127.0.0.1:1] error: Connection refused\n'), 10_000);
    const text = view.render('x', { now: 10_000 });
    expect(text).toContain('x: 1 source, 3 records, 0 malformed\n');
    expect(text).toContain(`  ${'connect_errors'.padEnd(26)} ${'288'.padStart(12)} ${'10.0'.padStart(10)}/s`);
    expect(text).toContain(`  ${'current_ep_errors'.padEnd(26)} ${'1'.padStart(12)}      (level)`);
  });

  it('stale time: 3 × the announced interval until one is seen, then 3 × the seen one, at least 3 s; --stale-after wins', () => {
    const view = new StatView();
    view.add(record({ application: 'nanomsg', interval: 10 }), 0);
    view.add(record({ application: 'fast', interval: 1 }), 0);
    view.add(record({ application: 'fast', interval: 1 }), 200);
    const [fast, slow] = view.list(0).map(({ source }) => source);
    expect([fast!.application, view.staleAfter(fast!)]).toEqual(['fast', 3000]);
    expect([slow!.application, view.staleAfter(slow!)]).toEqual(['nanomsg', 30_000]);
    const states = (now: number) => view.list(now).map(({ source, stale }) => `${source.application} ${stale}`);
    expect(states(3200)).toEqual(['fast false', 'nanomsg false']);
    // live ones first
    expect(states(3201)).toEqual(['nanomsg false', 'fast true']);
    // forgotten after 5 stale times: fast at 200 + 15 000, nanomsg at 150 000
    expect(states(15_201)).toEqual(['nanomsg false']);
    expect(states(30_001)).toEqual(['nanomsg true']);
    expect(states(150_000)).toEqual(['nanomsg true']);
    expect(states(150_001)).toEqual([]);
    const fixed = new StatView({ staleAfterMs: 500 });
    fixed.add(record({ interval: 10 }), 0);
    expect(fixed.list(500)[0]!.stale).toBe(false);
    expect(fixed.list(501)[0]!.stale).toBe(true);
    expect(fixed.list(2501)).toEqual([]);
  });

  it('the detail view: a stale socket says so, its rates become "stale"; lines fit the width and the height', () => {
    const view = new StatView();
    view.add(record({ resource: `socket.${'x'.repeat(100)}`, value: 1 }), 0);
    view.add(record({ resource: `socket.${'x'.repeat(100)}`, value: 2 }), 1000);
    const text = view.render('t', { now: 5000, width: 60 });
    expect(text).toContain(`  ${'messages_sent'.padEnd(26)} ${'2'.padStart(12)}        stale\n`);
    for (const line of text.split('\n')) expect([...line].length).toBeLessThanOrEqual(60);
    expect(text.split('\n')[2]).toBe(`h  app  socket.${'x'.repeat(44)}…`);
    expect(view.render('t', { now: 5000, width: 60, color: true })).toContain(`\x1b[2m  ${'messages_sent'.padEnd(26)}`);
    const many = new StatView();
    for (let i = 0; i < 5; i++) for (const metric of ['a', 'b', 'c']) many.add(record({ resource: `socket.${i}`, metric }), 0);
    const lines = many.render('t', { now: 0, height: 6 }).split('\n');
    expect(lines).toEqual(['t: 5 sources, 15 records, 0 malformed', '', 'h  app  socket.0', `  ${'a'.padEnd(26)} ${'0'.padStart(12)}          -/s`, `  ${'b'.padEnd(26)} ${'0'.padStart(12)}          -/s`, '… 21 more lines', '']);
  });
});
