/**
 * The two measurements of memory under slow readers, over one transport each time. The sender
 * runs in a child process (SenderProcess), so that the memory it reports is that of its
 * socket, not of whatever runs the measurement (a test runner carries its own); the readers
 * the figures are about run in this process, whose event loop is otherwise idle.
 *
 * - pubBesideStalled: a PUB and one live SUB here that reads as fast as it can: a window alone;
 *   then N stalled SUBs (StalledSubscribers, another process) connect and never read: a flood
 *   until their buffers are full, and a window beside them; then alone again. The PUB must drop
 *   for them, so its memory stays flat and the live SUB keeps its rate.
 * - senderToStoppedReader: a PUSH (or PAIR) and one PULL (PAIR) here that connects and does
 *   not read. The sender must block once the buffers between them are full; when the reader
 *   reads again, everything the sender took arrives, and nothing else.
 */
import { once } from 'node:events';
import { socket, SpError, type SpSocket } from '../../src/index.js';
import type { SenderProcess, StalledSubscribers } from './processes.js';
import type { FloodReport } from './sender.js';
import { dialerTls, type Place, type TransportName } from './transports.js';
import { grown, higher, type Memory } from './usage.js';

export interface Window {
  /** Messages a second the live subscriber received while the sender flooded (0 without one). */
  readonly rate: number;
  readonly report: FloodReport;
}

export interface PubFigures {
  readonly transport: TransportName;
  readonly stalled: number;
  /** The live subscriber alone (after a warm-up flood, so that the code is optimised). */
  readonly baseline: Window;
  /** The stalled subscribers connected, until their buffers were full (they took nothing more). */
  readonly fill: Window;
  /** Then, beside them. */
  readonly withStalled: Window;
  /** Alone again, once they closed. */
  readonly baselineAfter: Window;
  /** MiB the PUB grew from before the stalled subscribers connected to its peak beside them (fill and window). */
  readonly growth: Memory;
}

export interface BlockFigures {
  readonly transport: TransportName;
  readonly type: 'push' | 'pair';
  readonly report: FloodReport;
  /** MiB the sender grew across the window (start to peak). */
  readonly growth: Memory;
  /** What the reader received once it read again: every message the sender took, and nothing more. */
  readonly delivered: number;
}

const READER: Record<BlockFigures['type'], 'pull' | 'pair'> = { push: 'pull', pair: 'pair' };
/** After the reader resumed: how long a wait for an expected message means it is lost. */
const DRAINED_AFTER_MS = 5000;
/** Once every expected message came: how long to watch for one more that should not exist. */
const EXTRA_MS = 200;

/**
 * The live subscriber's rate alone, to compare with its rate beside the stalled ones: the mean
 * of the windows before and after. A connection's rate climbs for seconds (the kernel grows its
 * buffers while the reader keeps up, the code gets optimised), so the window between them is
 * compared with the rate at its own time, not with an early, low one.
 */
export function rateAlone(f: PubFigures): number {
  return (f.baseline.rate + f.baselineAfter.rate) / 2;
}

/** Counts what a subscriber receives, reading as fast as it can, until it is closed. */
class Arrivals {
  count = 0;

  constructor(private readonly sub: SpSocket) {
    void this.read();
  }

  private async read(): Promise<void> {
    for (;;) {
      try {
        for (;;) {
          this.sub.tryRecv();
          this.count++;
        }
      } catch (err) {
        if (!(err instanceof SpError && err.code === 'EAGAIN')) return;
      }
      // the inbox is empty: wait for the next message (rejects with EBADF once closed)
      if (!(await this.sub.recv().then(() => true, () => false))) return;
      this.count++;
    }
  }
}

/** Have the sender run `command`; the live subscriber's rate over the same time, if there is one. */
async function floodWindow(sender: SenderProcess, command: string, arrivals?: Arrivals): Promise<Window> {
  let counted = 0;
  let began = 0;
  const report = await sender.flood(command, () => {
    counted = arrivals?.count ?? 0;
    began = performance.now();
  });
  const seconds = (performance.now() - began) / 1000;
  return { rate: Math.round(((arrivals?.count ?? 0) - counted) / seconds), report };
}

export interface PubOptions {
  /** The first flood, not measured: it lets V8 optimise the code paths before the baseline. */
  readonly warmUpMs: number;
  readonly baselineMs: number;
  /** The longest the stalled subscribers may take to fill their buffers. */
  readonly fillMaxMs: number;
  /** How long the PUB floods beside the stalled subscribers once they are full. */
  readonly floodMs: number;
}

export async function pubBesideStalled(sender: SenderProcess, place: Place, stalled: StalledSubscribers, options: PubOptions): Promise<PubFigures> {
  const caFile = place.certs?.certFile;
  const live = socket('sub', { linger: 0, ...dialerTls(caFile) });
  let connected = false;
  try {
    const url = await sender.open('pub', place);
    await stalled.started();
    live.subscribe('');
    const piped = once(live, 'pipe');
    live.connect(url);
    await Promise.all([piped, sender.pipes(1)]);
    const arrivals = new Arrivals(live);
    await floodWindow(sender, `flood ${options.warmUpMs}`, arrivals);
    const baseline = await floodWindow(sender, `flood ${options.baselineMs}`, arrivals);
    connected = true;
    await Promise.all([stalled.connect(url, caFile), sender.pipes(stalled.count + 1)]);
    const fill = await floodWindow(sender, `fill ${options.fillMaxMs}`, arrivals);
    const withStalled = await floodWindow(sender, `flood ${options.floodMs}`, arrivals);
    connected = false;
    await Promise.all([stalled.close(), sender.pipes(1)]);
    const baselineAfter = await floodWindow(sender, `flood ${options.baselineMs}`, arrivals);
    const growth = grown(baseline.report.memory.end, higher(fill.report.memory.peak, withStalled.report.memory.peak));
    return { transport: place.transport, stalled: stalled.count, baseline, fill, withStalled, baselineAfter, growth };
  } finally {
    await live.close();
    // after a failure either process may be gone; the test has failed already
    if (connected) await stalled.close().catch(() => undefined);
    await sender.close().catch(() => undefined);
  }
}

/**
 * Receive the `expected` messages (each within DRAINED_AFTER_MS), then whatever else comes
 * within EXTRA_MS of the last; how many came in all.
 */
async function drain(reader: SpSocket, expected: number): Promise<number> {
  let received = 0;
  const next = (timeout: number) => reader.recv({ timeout }).then(() => true, () => false);
  while (received < expected && (await next(DRAINED_AFTER_MS))) received++;
  while (received >= expected && (await next(EXTRA_MS))) received++;
  return received;
}

export async function senderToStoppedReader(sender: SenderProcess, place: Place, type: BlockFigures['type'], floodMs: number): Promise<BlockFigures> {
  const reader = socket(READER[type], { linger: 0, ...dialerTls(place.certs?.certFile) });
  try {
    const url = await sender.open(type, place);
    const piped = once(reader, 'pipe');
    reader.connect(url);
    await Promise.all([piped, sender.pipes(1)]);
    const { report } = await floodWindow(sender, `flood ${floodMs}`);
    const delivered = await drain(reader, report.accepted);
    return { transport: place.transport, type, report, growth: grown(report.memory.start, report.memory.peak), delivered };
  } finally {
    await reader.close();
    await sender.close().catch(() => undefined);
  }
}
