/**
 * `npm start` runs `nanosp demo`: the protocol tour, then worker processes publishing ESTP to
 * a statistics view, one of them with NN_PRINT_ERRORS=1 connecting where nobody listens until
 * a listener appears. It must show all of that, end by itself with status 0 (its 4 seconds
 * count from when every worker published), and never write a line longer than 80 columns. In
 * a terminal (120 × 30, as the issue tried) the live view redraws only its own lines: the tour
 * is still on screen at the end, nothing wrapped, no full-screen clear, and the workers' lines
 * and the final table each appear once.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { startPeer } from '../helpers/peers.js';
import { describeTerminal, startInTerminal } from '../helpers/terminal.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const DEMO = ['--import', 'tsx', MAIN, 'demo', '4'];
const LISTEN_AFTER = 'NANOSP_DEMO_LISTEN_AFTER_MS=1000';

/** What the demo must show, wherever it runs: `lines` is its output as a user reads it. */
function expectTheDemo(lines: string[]): void {
  const out = lines.join('\n');
  for (const line of lines) expect(line.length, line).toBeLessThanOrEqual(80);
  // the tour
  expect(out).toContain('nanosp: the Scalability Protocols in pure TypeScript');
  expect(out).toContain('left  <- ping');
  expect(out).toContain('worker1 got task 1, task 3, task 5');
  expect(out).toContain('weather sub <- weather.paris 12C');
  expect(out).toMatch(/Throughput: .*\n {2}[0-9,]+ msg\/s/);
  // NN_PRINT_ERRORS: exactly one line for the endpoint, however often it retried
  const errors = lines.filter((line) => line.includes('Error: Connection refused'));
  expect(errors).toHaveLength(1);
  expect(errors[0]).toMatch(/^ {2}\[errors\] nanomsg: socket\.pusher\[127\.0\.0\.1:[0-9]+\]: Error: Connection refused$/);
  expect(lines.filter((line) => line.includes('the error cleared silently'))).toHaveLength(1);
  // the statistics table, once, with a row from every worker
  expect(lines.filter((line) => /^nanosp demo statistics: \d+ sources?, \d+ records, 0 malformed$/.test(line))).toHaveLength(1);
  for (const [application, socket] of [['reqrep', 'client'], ['pubsub', 'ticker'], ['pipeline', 'producer'], ['errors', 'pusher']]) {
    expect(lines.filter((line) => new RegExp(`^${application} +${socket} +\\d`).test(line)), `${application} ${socket}`).toHaveLength(1);
  }
  expect(lines.filter((line) => line.trim() !== '').at(-1)).toBe('Done: every socket and worker above was closed and the process exits by itself.');
}

describe('nanosp demo (npm start)', () => {
  it('through a pipe: tours the protocols, shows one error line that then clears, the statistics once, plain text, and ends by itself', async () => {
    const demo = startPeer('env', [LISTEN_AFTER, process.execPath, ...DEMO]);
    const { code, signal } = await demo.exited;
    expect({ code, signal, stderr: demo.stderr }).toEqual({ code: 0, signal: null, stderr: '' });
    expect(demo.output.join('\n')).not.toContain('\x1b');
    expectTheDemo(demo.output);
  }, 60_000);
});

describeTerminal('nanosp demo (npm start) in a 120 × 30 terminal', () => {
  it('keeps the tour on screen: the live view redraws its own lines only, nothing wider than 80 columns, no clear', async () => {
    const term = startInTerminal('env', [LISTEN_AFTER, process.execPath, ...DEMO], { columns: 120, rows: 30 });
    const { code, signal } = await term.peer.exited;
    expect({ code, signal, stderr: term.peer.stderr }).toEqual({ code: 0, signal: null, stderr: '' });
    const raw = term.raw();
    expect(raw).not.toContain('\x1b[2J');
    expect(raw).not.toContain('\x1b[H');
    // it did redraw in place: up one line and clear it, for the lines drawn before
    expect(raw).toContain('\x1b[1A\x1b[2K');
    expect({ wraps: term.screen.wraps, clears: term.screen.clears, unknown: term.screen.unknown }).toEqual({ wraps: 0, clears: 0, unknown: [] });
    const screen = term.screen.text();
    expectTheDemo(screen);
    // the tour is still on the screen a user looks at, above the final table
    const visible = term.screen.visible().join('\n');
    expect(visible).toContain('weather sub <- weather.paris 12C');
    expect(visible.indexOf('weather sub <-')).toBeLessThan(visible.indexOf('nanosp demo statistics:'));
  }, 60_000);
});
