/**
 * The pure parts of the diagnostics: the environment's truth rules (src/diag/config.ts,
 * spec/diagnostics.md §2.1, §4.1, §4.2, §9.1), the texts (src/diag/lines.ts: §2.2, §3.2,
 * §4.3) and getStatistic (src/diag/statistic.ts, §6).
 */
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { cutBytes, readEnvironment, DEFAULT_STATISTICS_INTERVAL_MS } from '../../src/diag/config.js';
import { addressOf, errorLine, estpRecords, statisticsLines, type SocketReport } from '../../src/diag/lines.js';
import { getStatistic, NN_STAT, parseRecord, SocketStats, SpError, STATISTICS, type Endpoint, type StatisticKey } from '../../src/index.js';
import { unquoteNanocat } from '../helpers/diag.js';
import { linked, testSocket } from '../helpers/sockets.js';

describe('readEnvironment', () => {
  it('nothing set: everything off, nanomsg.{pid}, the host name, 10 s', () => {
    const config = readEnvironment({});
    expect(config).toMatchObject({
      printErrors: false,
      printStatistics: false,
      statisticsSocket: undefined,
      statisticsInterval: 10_000,
      applicationName: `nanomsg.${process.pid}`,
      hostname: cutBytes(hostname()),
    });
    expect(DEFAULT_STATISTICS_INTERVAL_MS).toBe(10_000);
    expect(config.stderr).toBe(process.stderr);
  });

  it('NN_PRINT_ERRORS and NN_PRINT_STATISTICS: on when set and non-empty, whatever the value; off when empty', () => {
    for (const value of ['1', '0', 'no', 'false', ' ']) {
      expect(readEnvironment({ NN_PRINT_ERRORS: value }).printErrors, JSON.stringify(value)).toBe(true);
      expect(readEnvironment({ NN_PRINT_STATISTICS: value }).printStatistics, JSON.stringify(value)).toBe(true);
    }
    expect(readEnvironment({ NN_PRINT_ERRORS: '' }).printErrors).toBe(false);
    expect(readEnvironment({ NN_PRINT_STATISTICS: '' }).printStatistics).toBe(false);
    // each variable only turns on its own output
    expect(readEnvironment({ NN_PRINT_ERRORS: '1' }).printStatistics).toBe(false);
    expect(readEnvironment({ NN_PRINT_STATISTICS: '1' }).printErrors).toBe(false);
  });

  it('NN_STATISTICS_SOCKET, NN_APPLICATION_NAME and NN_HOSTNAME count when set, even empty', () => {
    const config = readEnvironment({ NN_STATISTICS_SOCKET: '', NN_APPLICATION_NAME: '', NN_HOSTNAME: '' });
    expect(config.statisticsSocket).toBe('');
    expect(config.applicationName).toBe('');
    expect(config.hostname).toBe('');
    expect(readEnvironment({ NN_STATISTICS_SOCKET: 'tcp://127.0.0.1:5600', NN_APPLICATION_NAME: 'myapp', NN_HOSTNAME: 'myhost' })).toMatchObject({
      statisticsSocket: 'tcp://127.0.0.1:5600',
      applicationName: 'myapp',
      hostname: 'myhost',
    });
  });

  it('names are cut to 63 bytes, never inside a UTF-8 character', () => {
    expect(readEnvironment({ NN_APPLICATION_NAME: 'A'.repeat(80) }).applicationName).toBe('A'.repeat(63));
    expect(readEnvironment({ NN_HOSTNAME: 'h'.repeat(63) }).hostname).toBe('h'.repeat(63));
    // 2-byte characters: 31 of them (62 bytes), or one ASCII byte and 31 (63 bytes)
    expect(readEnvironment({ NN_HOSTNAME: 'é'.repeat(40) }).hostname).toBe('é'.repeat(31));
    expect(readEnvironment({ NN_APPLICATION_NAME: `a${'é'.repeat(40)}` }).applicationName).toBe(`a${'é'.repeat(31)}`);
    // 3-byte and 4-byte (surrogate pair) characters
    expect(readEnvironment({ NN_APPLICATION_NAME: `x${'€'.repeat(30)}` }).applicationName).toBe(`x${'€'.repeat(20)}`);
    expect(readEnvironment({ NN_APPLICATION_NAME: '😀'.repeat(20) }).applicationName).toBe('😀'.repeat(15));
    for (const text of ['é'.repeat(40), `a${'€'.repeat(30)}`, `ab${'😀'.repeat(20)}`]) {
      const cut = cutBytes(text);
      expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(63);
      expect(Buffer.byteLength(cut)).toBeGreaterThan(59);
      expect(text.startsWith(cut)).toBe(true);
      expect(cut).not.toContain('\ufffd');
    }
  });

  it('NANOSP_STATISTICS_INTERVAL: a positive number of ms, anything else keeps 10 s', () => {
    expect(readEnvironment({ NANOSP_STATISTICS_INTERVAL: '250' }).statisticsInterval).toBe(250);
    expect(readEnvironment({ NANOSP_STATISTICS_INTERVAL: '1.5' }).statisticsInterval).toBe(1.5);
    for (const value of ['', '0', '-5', 'abc', 'Infinity', '10s']) {
      expect(readEnvironment({ NANOSP_STATISTICS_INTERVAL: value }).statisticsInterval, JSON.stringify(value)).toBe(10_000);
    }
  });
});

describe('errorLine', () => {
  it('nanomsg: socket.{name}[{address without scheme://}]: Error: {text}, LF-terminated', () => {
    expect(errorLine('pusher', 'tcp://127.0.0.1:5555', 'Connection refused')).toBe('nanomsg: socket.pusher[127.0.0.1:5555]: Error: Connection refused\n');
    expect(errorLine('myname', 'ipc:///tmp/nndiag/nonexistent.sock', 'No such file or directory')).toBe(
      'nanomsg: socket.myname[/tmp/nndiag/nonexistent.sock]: Error: No such file or directory\n',
    );
    expect(errorLine('0', 'ws://127.0.0.1:1/path', 'Connection refused')).toBe('nanomsg: socket.0[127.0.0.1:1/path]: Error: Connection refused\n');
    // the interface prefix is kept
    expect(errorLine('0', 'tcp://eth0;10.0.0.1:5555', 'Connection refused')).toBe('nanomsg: socket.0[eth0;10.0.0.1:5555]: Error: Connection refused\n');
    expect(errorLine('0', 'tcp://127.0.0.1;127.0.0.1:5555', 'Connection refused')).toBe('nanomsg: socket.0[127.0.0.1;127.0.0.1:5555]: Error: Connection refused\n');
    // an empty name: no number fallback on stderr
    expect(errorLine('', 'tcp://127.0.0.1:1', 'Connection refused')).toBe('nanomsg: socket.[127.0.0.1:1]: Error: Connection refused\n');
  });

  it('addressOf strips only the first scheme://', () => {
    expect(addressOf('tcp://a:1')).toBe('a:1');
    expect(addressOf('ws://h:1/x://y')).toBe('h:1/x://y');
    expect(addressOf('no-scheme')).toBe('no-scheme');
  });
});

/** Stats with every statistic set to a different value. */
function distinctStats(): SocketStats {
  const stats = new SocketStats();
  STATISTICS.forEach((s, i) => {
    stats[s.key] = (i + 1) * 11;
  });
  return stats;
}

const COUNTERS = STATISTICS.filter((s) => s.kind === 'counter');

describe('statisticsLines', () => {
  it('14 lines: the 11 counters then the 3 levels, no current_ep_errors', () => {
    const stats = distinctStats();
    stats.currentSndPriority = -1;
    const lines = statisticsLines('pusher', stats).split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toEqual([
      'nanomsg: socket.pusher: established_connections: 11',
      'nanomsg: socket.pusher: accepted_connections: 22',
      'nanomsg: socket.pusher: dropped_connections: 33',
      'nanomsg: socket.pusher: broken_connections: 44',
      'nanomsg: socket.pusher: connect_errors: 55',
      'nanomsg: socket.pusher: bind_errors: 66',
      'nanomsg: socket.pusher: accept_errors: 77',
      'nanomsg: socket.pusher: messages_sent: 88',
      'nanomsg: socket.pusher: messages_received: 99',
      'nanomsg: socket.pusher: bytes_sent: 110',
      'nanomsg: socket.pusher: bytes_received: 121',
      'nanomsg: socket.pusher: current_connections: 132',
      'nanomsg: socket.pusher: inprogress_connections: 143',
      'nanomsg: socket.pusher: current_snd_priority: -1',
    ]);
  });

  it('an empty name prints as "socket.:" (no number fallback)', () => {
    const text = statisticsLines('', new SocketStats());
    expect(text.split('\n')[0]).toBe('nanomsg: socket.: established_connections: 0');
    expect(text.split('\n')).toHaveLength(15);
  });
});

const AT = new Date('2026-11-26T16:29:04.987Z');
const TS = '2026-11-26T16:29:04Z';

function fakeEndpoint(id: number, url: string, error?: SpError): Endpoint {
  return { id, url, kind: 'connect', error } as unknown as Endpoint;
}

function report(overrides: Partial<SocketReport>): SocketReport {
  return { host: 'myhost', application: 'myapp', socketName: 'pusher', index: 1, stats: new SocketStats(), endpoints: [], interval: 10, ...overrides };
}

describe('estpRecords', () => {
  it('15 records in nanomsg\'s order: counters with :c, levels bare, current_ep_errors with LF and the failing endpoints in order', () => {
    const stats = distinctStats();
    stats.currentEpErrors = 2;
    const refused = new SpError('ECONNREFUSED', 'x');
    const records = estpRecords(
      report({
        stats,
        endpoints: [
          fakeEndpoint(1, 'tcp://127.0.0.1:1', refused),
          fakeEndpoint(2, 'tcp://127.0.0.1:5555'),
          fakeEndpoint(3, 'ipc:///tmp/nndiag/none.sock', new SpError('ENOENT', 'x')),
          fakeEndpoint(5, 'tcp://127.0.0.1:2', refused),
        ],
      }),
      () => AT,
    );
    expect(records).toHaveLength(15);
    const head = (metric: string) => `ESTP:myhost:myapp:socket.pusher:${metric}: ${TS} 10 `;
    STATISTICS.forEach((s, i) => {
      const value = stats[s.key];
      if (s.kind === 'counter') expect(records[i]).toBe(`${head(s.name)}${value}:c`);
      else if (s.key !== 'currentEpErrors') expect(records[i]).toBe(`${head(s.name)}${value}`);
    });
    expect(records.slice(0, 11).every((r) => r.endsWith(':c'))).toBe(true);
    expect(records[14]).toBe(
      `${head('current_ep_errors')}2\n` +
        ' nanomsg: Endpoint 1 [127.0.0.1:1] error: Connection refused\n' +
        ' nanomsg: Endpoint 3 [/tmp/nndiag/none.sock] error: No such file or directory\n' +
        ' nanomsg: Endpoint 5 [127.0.0.1:2] error: Connection refused\n',
    );
    for (const r of records) expect(parseRecord(r).resource).toBe('socket.pusher');
  });

  it('current_ep_errors ends in LF even with no failing endpoint', () => {
    const records = estpRecords(report({ endpoints: [fakeEndpoint(1, 'tcp://127.0.0.1:5555')] }), () => AT);
    expect(records[14]).toBe(`ESTP:myhost:myapp:socket.pusher:current_ep_errors: ${TS} 10 0\n`);
  });

  it('a level of -1 is published signed, without a suffix', () => {
    const stats = new SocketStats();
    stats.currentSndPriority = -1;
    expect(estpRecords(report({ stats }), () => AT)[13]).toBe(`ESTP:myhost:myapp:socket.pusher:current_snd_priority: ${TS} 10 -1`);
  });

  it('the time is taken for each record', () => {
    let second = 0;
    const records = estpRecords(report({}), () => new Date(Date.UTC(2026, 0, 1, 0, 0, second++)));
    expect(records.map((r) => parseRecord(r).timestamp.getUTCSeconds())).toEqual(STATISTICS.map((_, i) => i));
  });

  it('the empty socket name falls back to the socket number', () => {
    expect(estpRecords(report({ socketName: '', index: 3 }), () => AT)[0]).toBe(`ESTP:myhost:myapp:socket.3:established_connections: ${TS} 10 0:c`);
  });

  it("a socket name with ':' or whitespace is made ESTP-valid, and a long one cut to 63 bytes", () => {
    const records = estpRecords(report({ socketName: 'my name:x\ty' }), () => AT);
    for (const r of records) expect(parseRecord(r).resource).toBe('socket.my_name_x_y');
    const long = estpRecords(report({ socketName: 'n'.repeat(63) }), () => AT);
    expect(parseRecord(long[0]!).resource).toBe(`socket.${'n'.repeat(56)}`);
    const utf8 = estpRecords(report({ socketName: 'é' }), () => AT);
    expect(() => parseRecord(utf8[0]!)).not.toThrow();
  });

  it("a host or application name with ':' or whitespace does not throw: the records stay ESTP", () => {
    // nanomsg sends such names unchecked (§4.3); nanosp cleans the resource part and must not
    // let the others throw, which would stop the report (see statistics.test.ts)
    const records = estpRecords(report({ host: 'host:one', application: 'my app' }), () => AT);
    for (const r of records) expect(parseRecord(r)).toMatchObject({ host: 'host_one', application: 'my_app' });
  });

  it('current_ep_errors stays within 4096 bytes: lines that do not fit are left out, from the first that does not', () => {
    const stats = new SocketStats();
    const url = (i: number) => `ws://127.0.0.1:${1000 + i}/${'p'.repeat(150)}`;
    const endpoints = Array.from({ length: 30 }, (_, i) => fakeEndpoint(i + 1, url(i), new SpError('ECONNREFUSED', 'x')));
    stats.currentEpErrors = endpoints.length;
    const record = estpRecords(report({ stats, endpoints }), () => AT)[14]!;
    expect(Buffer.byteLength(record)).toBeLessThanOrEqual(4096);
    const parsed = parseRecord(record);
    const kept = parsed.extensions.length;
    expect(kept).toBeGreaterThan(10);
    expect(kept).toBeLessThan(30);
    expect(parsed.extensions).toEqual(endpoints.slice(0, kept).map((e) => ` nanomsg: Endpoint ${e.id} [${addressOf(e.url)}] error: Connection refused`));
    // the next line would not have fitted
    expect(record.length + parsed.extensions[0]!.length + 1).toBeGreaterThan(4096);
    expect(record).not.toContain('\0');
  });
});

describe('getStatistic', () => {
  it('by NN_STAT_* name, by number and by ESTP name, each of the 15', () => {
    const s = testSocket('pair');
    const values = distinctStats();
    for (const stat of STATISTICS) s.stats[stat.key] = values[stat.key];
    const numbers: Record<string, number> = {
      NN_STAT_ESTABLISHED_CONNECTIONS: 101,
      NN_STAT_ACCEPTED_CONNECTIONS: 102,
      NN_STAT_DROPPED_CONNECTIONS: 103,
      NN_STAT_BROKEN_CONNECTIONS: 104,
      NN_STAT_CONNECT_ERRORS: 105,
      NN_STAT_BIND_ERRORS: 106,
      NN_STAT_ACCEPT_ERRORS: 107,
      NN_STAT_CURRENT_CONNECTIONS: 201,
      NN_STAT_INPROGRESS_CONNECTIONS: 202,
      NN_STAT_CURRENT_EP_ERRORS: 203,
      NN_STAT_MESSAGES_SENT: 301,
      NN_STAT_MESSAGES_RECEIVED: 302,
      NN_STAT_BYTES_SENT: 303,
      NN_STAT_BYTES_RECEIVED: 304,
      NN_STAT_CURRENT_SND_PRIORITY: 401,
    };
    expect(NN_STAT).toEqual(numbers);
    const field: Record<number, StatisticKey> = {
      101: 'establishedConnections',
      102: 'acceptedConnections',
      103: 'droppedConnections',
      104: 'brokenConnections',
      105: 'connectErrors',
      106: 'bindErrors',
      107: 'acceptErrors',
      201: 'currentConnections',
      202: 'inprogressConnections',
      203: 'currentEpErrors',
      301: 'messagesSent',
      302: 'messagesReceived',
      303: 'bytesSent',
      304: 'bytesReceived',
      401: 'currentSndPriority',
    };
    for (const [nnName, id] of Object.entries(numbers)) {
      const want = values[field[id]!];
      const estpName = nnName.slice('NN_STAT_'.length).toLowerCase();
      expect(getStatistic(s, nnName), nnName).toBe(want);
      expect(getStatistic(s, id), String(id)).toBe(want);
      expect(getStatistic(s, estpName), estpName).toBe(want);
    }
  });

  it('NN_STAT_ACCEPT_ERRORS returns the accept errors (nanomsg 0.9-1.2 returns bind_errors, always 0)', () => {
    const s = testSocket('pull');
    s.stats.acceptErrors = 7;
    expect(getStatistic(s, 'NN_STAT_ACCEPT_ERRORS')).toBe(7);
    expect(getStatistic(s, 107)).toBe(7);
    expect(getStatistic(s, 'NN_STAT_BIND_ERRORS')).toBe(0);
  });

  it('live values: PAIR "hello" counts 1 message and 5 body bytes each way', async () => {
    const a = testSocket('pair');
    const b = testSocket('pair');
    await linked(a, b);
    await b.send('hello');
    expect(String(await a.recv())).toBe('hello');
    expect([getStatistic(b, 'NN_STAT_MESSAGES_SENT'), getStatistic(b, 'NN_STAT_BYTES_SENT')]).toEqual([1, 5]);
    expect([getStatistic(a, 'NN_STAT_MESSAGES_RECEIVED'), getStatistic(a, 'NN_STAT_BYTES_RECEIVED')]).toEqual([1, 5]);
    expect([getStatistic(a, 102), getStatistic(a, 101), getStatistic(b, 101), getStatistic(b, 102)]).toEqual([1, 0, 1, 0]);
    expect(getStatistic(a, 'NN_STAT_CURRENT_CONNECTIONS')).toBe(1);
  });

  it('an unknown statistic is EINVAL, a closed socket EBADF', async () => {
    const s = testSocket('pair');
    for (const bad of [999, 0, 'NN_STAT_NOPE', 'nope', '']) {
      let caught: unknown;
      try {
        getStatistic(s, bad);
      } catch (err) {
        caught = err;
      }
      expect(caught, String(bad)).toBeInstanceOf(SpError);
      expect((caught as SpError).code).toBe('EINVAL');
    }
    await s.close();
    let caught: unknown;
    try {
      getStatistic(s, 'NN_STAT_MESSAGES_SENT');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(SpError);
    expect((caught as SpError).code).toBe('EBADF');
  });

  it('every counter is one of the 11 in nanomsg\'s order', () => {
    expect(COUNTERS.map((s) => s.name)).toEqual([
      'established_connections',
      'accepted_connections',
      'dropped_connections',
      'broken_connections',
      'connect_errors',
      'bind_errors',
      'accept_errors',
      'messages_sent',
      'messages_received',
      'bytes_sent',
      'bytes_received',
    ]);
  });
});

describe('unquoteNanocat (the tests\' reader of nanocat -Q)', () => {
  it('reverses what nanocat 1.1.5 printed for a message with LF, CR, quote, backslash, tab and control bytes', () => {
    // nanocat --sub -Q printed this line for the bytes a LF b " c \ d TAB e 0x01 0x7f CR
    expect(unquoteNanocat(String.raw`"a\nb\"c\\d\x09e\x01\x7f\r"`)).toBe('a\nb"c\\d\te\x01\x7f\r');
    expect(unquoteNanocat('"ESTP:h:a:socket.1:current_ep_errors: 2026-11-26T16:29:04Z 10 0\\n"')).toBe('ESTP:h:a:socket.1:current_ep_errors: 2026-11-26T16:29:04Z 10 0\n');
    expect(() => unquoteNanocat('no quotes')).toThrow();
    expect(() => unquoteNanocat(String.raw`"\q"`)).toThrow();
  });
});
