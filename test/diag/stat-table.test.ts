/**
 * The compact table of `nanosp stat` (stat-table.ts) and the text fitting under it
 * (text-fit.ts), without a terminal: one row per socket with rates from two reports, fitted
 * to any width (names cut with an ellipsis, the byte rates dropped when too narrow) and to a
 * height (… N more sockets, the title kept), stale sockets marked and dimmed, text from the
 * network made printable.
 */
import { describe, expect, it } from 'vitest';
import { renderTable } from '../../src/cli/stat-table.js';
import { StatView } from '../../src/cli/stat-view.js';
import { compactNumber, cut, wrap } from '../../src/cli/text-fit.js';
import { parseRecord } from '../../src/index.js';

const TITLE = 'nanosp stat tcp://127.0.0.1:5600';

/** The levels and counters the table reads, all 0 unless given. */
function statistics(given: Record<string, number> = {}): Record<string, number> {
  const zero = ['messages_sent', 'messages_received', 'bytes_sent', 'bytes_received', 'connect_errors', 'accept_errors', 'broken_connections', 'current_connections', 'current_ep_errors'];
  return { ...Object.fromEntries(zero.map((name) => [name, 0])), ...given };
}

/** One report of a socket, as nanosp and nanomsg publish it (counters :c, levels bare), received at `at` ms. */
function report(view: StatView, at: number, [host, application, socket]: [string, string, string], values: Record<string, number>): void {
  for (const [metric, value] of Object.entries(values)) {
    const type = metric.startsWith('current_') ? '' : ':c';
    view.add(parseRecord(`ESTP:${host}:${application}:socket.${socket}:${metric}: 2026-01-01T00:00:00Z 1 ${value}${type}`), at);
  }
}

/** Four sockets reported at 0 and 1000 ms: the publisher, a failing connect, long names. */
function fourSockets(): StatView {
  const view = new StatView();
  for (const k of [0, 1]) {
    report(view, k * 1000, ['demo', 'errors', 'pusher'], statistics({ connect_errors: 178 + 10 * k, current_ep_errors: 1 }));
    report(view, k * 1000, ['demo', 'pubsub', 'ticker'], statistics({ current_connections: 2, messages_sent: 98 * k, bytes_sent: 1617 * k }));
    report(view, k * 1000, ['demo', 'pubsub', 'weather-subscriber-with-a-long-name'], statistics({ current_connections: 1, messages_received: 49 * k, bytes_received: 833 * k }));
    report(view, k * 1000, ['demo', 'nanomsg.4242', 'socket-with-a-long-name-too'], statistics({ current_connections: 1, messages_received: 12_345 * k, bytes_received: 1_234_567 * k, broken_connections: 2 }));
  }
  return view;
}

describe('nanosp stat: the compact table', () => {
  it('at 80 columns: the title, then one row per socket with connections, rates, errors so far and now', () => {
    expect(renderTable(fourSockets(), TITLE, { width: 80, now: 1500 })).toBe(
      [
        'nanosp stat tcp://127.0.0.1:5600: 4 sources, 72 records, 0 malformed',
        '                                             msgs/s       bytes/s       errors',
        'application   socket               conns     in    out     in    out  total  now',
        'errors        pusher                   0      0      0      0      0    188    1',
        'nanomsg.4242  socket-with-a-long…      1    12k      0   1.2M      0      2    0',
        'pubsub        ticker                   2      0     98      0   1617      0    0',
        'pubsub        weather-subscriber…      1     49      0    833      0      0    0',
        '',
      ].join('\n'),
    );
  });

  it('every line fits any width from 30 to 200 columns; the byte rates go first when it is narrow', () => {
    const view = fourSockets();
    view.bad('ESTP prefix at offset 0: expected "ESTP:", got "a malformed record with a long text"');
    for (let width = 30; width <= 200; width++) {
      const lines = renderTable(view, TITLE, { width, now: 1500, hint: '(d: detail, q: quit)' }).split('\n').slice(0, -1);
      for (const line of lines) expect([...line].length, `width ${width}: ${JSON.stringify(line)}`).toBeLessThanOrEqual(width);
      expect(lines[0], `width ${width}`).toMatch(/^nanosp stat /);
      expect(lines.some((l) => l.includes('bytes/s')), `width ${width}`).toBe(width >= 61);
    }
    // wide: nothing cut, and the hint follows the title
    const wide = renderTable(view, TITLE, { width: 140, now: 1500, hint: '(d: detail, q: quit)' });
    expect(wide).toContain('weather-subscriber-with-a-long-name ');
    expect(wide.split('\n')[0]).toBe(`${TITLE}: 4 sources, 72 records, 1 malformed  (d: detail, q: quit)`);
    // narrow: the records count and the hint give way before the malformed count does
    expect(renderTable(view, TITLE, { width: 62, now: 1500, hint: '(d: detail, q: quit)' }).split('\n')[0]).toBe(`${TITLE}: 4 sources, 1 malformed`);
  });

  it('a height: the rows that fit, then "… N more sockets"; the title stays first', () => {
    const view = new StatView();
    for (let i = 0; i < 10; i++) report(view, 0, ['h', 'app', `s${i}`], statistics());
    const lines = renderTable(view, TITLE, { width: 80, height: 8, now: 0 }).split('\n').slice(0, -1);
    expect(lines).toHaveLength(8);
    expect(lines[0]).toBe(`${TITLE}: 10 sources, 90 records, 0 malformed`);
    expect(lines.slice(3, 7).map((l) => l.split(/ +/)[1])).toEqual(['s0', 's1', 's2', 's3']);
    expect(lines[7]).toBe('… 6 more sockets');
    expect(renderTable(view, TITLE, { width: 80, height: 13, now: 0 }).split('\n')).toHaveLength(14);
  });

  it('a publisher that went quiet: stale after 3 × its interval (at least 3 s), rates "-", marked, dimmed on a terminal only; then forgotten', () => {
    const view = fourSockets();
    const stale = renderTable(view, TITLE, { width: 80, now: 4001 });
    expect(stale.split('\n')[0]).toBe(`${TITLE}: 4 sources (4 stale), 72 records, 0 malformed`);
    expect(stale).toContain('\npubsub        ticker (stale)           -      -      -      -      -      0    0\n');
    // the error counts are kept, and a name is cut before "(stale)" is
    expect(stale).toContain('\nerrors        pusher (stale)           -      -      -      -      -    188    1\n');
    expect(stale).toContain('\nnanomsg.4242  socket-wit… (stale)      -      -      -      -      -      2    0\n');
    expect(stale).not.toContain('\x1b');
    expect(renderTable(view, TITLE, { width: 80, now: 4000 })).not.toContain('stale');

    // one socket reports again: it is live and listed first, the others stay stale and dim
    report(view, 4001, ['demo', 'pubsub', 'ticker'], statistics({ current_connections: 2, messages_sent: 300, bytes_sent: 5000 }));
    const colored = renderTable(view, TITLE, { width: 80, now: 4001, color: true }).split('\n');
    expect(colored[3]!.split(/ +/)).toEqual(['pubsub', 'ticker', '2', '0', '67.3', '0', '1127', '0', '0']);
    expect(colored.slice(4, 7).every((l) => l.startsWith('\x1b[2m') && l.endsWith('\x1b[22m'))).toBe(true);
    expect(colored.slice(0, 4).join('\n')).not.toContain('\x1b');

    // forgotten after 5 stale times without a record: 1000 + 5 × 3000; ticker, which reported
    // 3001 ms after its last report, is stale after 3 × 3001 ms and stays till 4001 + 5 × 9003
    expect(renderTable(view, TITLE, { width: 80, now: 16_000 }).split('\n')[0]).toMatch(/: 4 sources \(4 stale\)/);
    expect(renderTable(view, TITLE, { width: 80, now: 16_001 }).split('\n')[0]).toMatch(/: 1 source \(1 stale\)/);
    expect(renderTable(view, TITLE, { width: 80, now: 4001 + 45_015 }).split('\n')[0]).toMatch(/: 1 source \(1 stale\)/);
    expect(renderTable(view, TITLE, { width: 80, now: 4001 + 45_016 }).split('\n')[0]).toMatch(/: 0 sources,/);
  });

  it('more than one host: the application column says host:application', () => {
    const view = new StatView();
    report(view, 0, ['alpha', 'app', 'a'], statistics());
    report(view, 0, ['beta', 'app', 'a'], statistics());
    const rows = renderTable(view, TITLE, { width: 80, now: 0 }).split('\n').slice(3, 5);
    expect(rows.map((l) => l.split(/ +/).slice(0, 2))).toEqual([['alpha:app', 'a'], ['beta:app', 'a']]);
  });

  it('text from the network cannot move the cursor: control characters become "?"', () => {
    const view = new StatView();
    view.bad('garbage "\x1b[2J\x1b[H"');
    const text = renderTable(view, TITLE, { width: 80, now: 0 });
    expect(text).not.toContain('\x1b');
    expect(text).toContain('  last malformed: garbage "?[2J?[H"');
  });
});

describe('text fitting', () => {
  it('compact numbers: at most 5 columns', () => {
    const cases: [number | undefined, string][] = [[undefined, '-'], [0, '0'], [3, '3'], [0.25, '0.3'], [98, '98'], [97.8, '97.8'], [1617, '1617'], [12_345, '12k'], [99_999, '100k'], [1_234_567, '1.2M'], [9_990_000, '10M'], [999_400_000_000_000, '999T'], [2 ** 60, '1e18']];
    for (const [n, text] of cases) expect(compactNumber(n), String(n)).toBe(text);
  });

  it('cut with an ellipsis, wrap at spaces with an indented continuation', () => {
    expect(cut('abcdef', 6)).toBe('abcdef');
    expect(cut('abcdef', 4)).toBe('abc…');
    expect(cut('abcdef', 0)).toBe('');
    expect(wrap('  one two three four', 12)).toEqual(['  one two', '    three', '    four']);
    expect(wrap('short', 12)).toEqual(['short']);
    expect(wrap('averyveryverylongword and more', 10)).toEqual(['averyvery…', '  and more']);
  });
});
