/**
 * `npm run soak -- --minutes N [--seed S]`: mixed traffic over every transport and several
 * protocols for N minutes, with faults from the test fault proxy that change every phase
 * (clean, streams sliced into 1–3 byte writes, connections reset within 0.3–1.5 s, a stall in
 * the middle of a frame) and garbage sent to a listener all along. Prints RSS, heap, open
 * handles and each lane's figures as it goes; exits 1 if a lane that must not lose lost or
 * misdelivered anything, or if anything was thrown or rejected unhandled.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Fault } from '../helpers/fault-proxy.js';
import { makeCert } from '../helpers/make-cert.js';
import { seededRandom } from '../helpers/seeded-random.js';
import { garbageLane, pushPullLane, reqRepLane, surveyLane, type Lane } from './lanes.js';

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  const value = at >= 0 ? Number(process.argv[at + 1]) : fallback;
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} needs a positive number`);
  return value;
}

const minutes = option('minutes', 1);
const random = seededRandom(option('seed', Date.now() >>> 0));
const phaseMs = Math.max(5_000, Math.min(30_000, (minutes * 60_000) / 8));

const unhandled: string[] = [];
process.on('unhandledRejection', (reason) => unhandled.push(`unhandled rejection: ${String((reason as Error)?.stack ?? reason)}`));
process.on('uncaughtException', (err) => unhandled.push(`uncaught exception: ${err.stack ?? err.message}`));

/** The faults of each phase, in turn; `stall` only where the proxy can see SP frames (plain tcp). */
function faultFor(phase: number, stallable: boolean): Fault | undefined {
  switch (phase % 4) {
    case 0:
      return undefined;
    case 1:
      return { kind: 'slice', pauseChance: 0.01, maxPauseMs: 20 };
    case 2:
      return { kind: 'reset-within', maxMs: random.int(300, 1500) };
    default:
      return stallable ? { kind: 'stall-mid-frame', frame: random.int(1, 50), stallMs: 300 } : { kind: 'slice', pauseChance: 0.05, maxPauseMs: 50 };
  }
}

const dir = await mkdtemp(join(tmpdir(), 'nanosp-soak-'));
const cert = await makeCert(dir, 'soak').catch(() => undefined);
const lanes: Lane[] = [
  reqRepLane('req/rep tcp', 'tcp://127.0.0.1:0', random),
  reqRepLane('req/rep ws', 'ws://127.0.0.1:0/soak', random),
  reqRepLane('req/rep ipc', `ipc://${join(dir, 'rep.ipc')}`, random),
  pushPullLane('push/pull tcp sliced', 'tcp://127.0.0.1:0', random, false),
  pushPullLane('push/pull ws cut', 'ws://127.0.0.1:0/pp', random, true),
  surveyLane('survey inproc'),
  garbageLane('garbage at tcp', 'tcp://127.0.0.1:0', random),
];
if (cert) {
  const tls = { cert: cert.cert, key: cert.key, ca: cert.cert };
  lanes.push(reqRepLane('req/rep tls+tcp', 'tls+tcp://127.0.0.1:0', random, tls), reqRepLane('req/rep wss', 'wss://127.0.0.1:0/s', random, tls));
} else {
  console.log('soak: openssl is missing (apt-get install -y openssl): no tls+tcp and wss lanes');
}
const stallable = new Set(['req/rep tcp', 'push/pull tcp sliced']);

const started = performance.now();
const rssStart = process.memoryUsage().rss;
let rssPeak = rssStart;
const seconds = () => ((performance.now() - started) / 1000).toFixed(0).padStart(5);
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

function status(): string {
  const m = process.memoryUsage();
  rssPeak = Math.max(rssPeak, m.rss);
  const handles = process.getActiveResourcesInfo().length;
  const parts = lanes.map(
    (l) =>
      `${l.name}: ${l.counts.ok} ok${l.counts.lost ? ` ${l.counts.lost} lost` : ''}${l.counts.timedOut ? ` ${l.counts.timedOut} timed out` : ''}` +
      `${l.counts.wrong ? ` ${l.counts.wrong} WRONG` : ''}`,
  );
  return `${seconds()} s  rss ${mib(m.rss)}  heap ${mib(m.heapUsed)}  handles ${handles}\n        ${parts.join(' | ')}`;
}

console.log(`soak: ${minutes} min, seed ${random.seed}, phases of ${phaseMs / 1000} s, ${lanes.length} lanes`);
for (const lane of lanes) {
  if (process.env.NANOSP_SOAK_DEBUG) console.log(`starting ${lane.name}`);
  await lane.start();
}
const printer = setInterval(() => console.log(status()), Math.min(10_000, phaseMs));
let phase = 0;
while (performance.now() - started < minutes * 60_000) {
  await new Promise((resolve) => setTimeout(resolve, phaseMs));
  phase++;
  await Promise.all(lanes.map((lane) => lane.phase(faultFor(phase, stallable.has(lane.name)))));
}
clearInterval(printer);
await Promise.all(lanes.map((lane) => lane.stop()));
await rm(dir, { recursive: true, force: true });

console.log(status());
const failed = lanes.filter((l) => l.counts.wrong > 0 || (l.mustNotLose && l.counts.lost > 0));
const total = (key: 'ok' | 'lost' | 'faults') => lanes.reduce((n, l) => n + l.counts[key], 0);
console.log(
  `soak: ${minutes} min, seed ${random.seed}: ${total('ok')} exchanges, ${total('faults')} faults injected, ` +
    `${lanes.find((l) => l.name.startsWith('garbage'))?.counts.ok ?? 0} garbage connections; ` +
    `lost where SP promises delivery: ${lanes.filter((l) => l.mustNotLose).reduce((n, l) => n + l.counts.lost, 0)}; ` +
    `timed out (30 s): ${lanes.reduce((n, l) => n + l.counts.timedOut, 0)}; misdelivered: ${lanes.reduce((n, l) => n + l.counts.wrong, 0)}; RSS ${mib(rssStart)} → peak ${mib(rssPeak)}; ` +
    `handles at the end ${process.getActiveResourcesInfo().length}; unhandled ${unhandled.length}`,
);
const resources = new Map<string, number>();
for (const kind of process.getActiveResourcesInfo()) resources.set(kind, (resources.get(kind) ?? 0) + 1);
console.log(`open at the end: ${[...resources].map(([kind, n]) => `${n} ${kind}`).join(', ')}`);
for (const line of unhandled) console.log(line);
for (const lane of failed) console.log(`FAILED ${lane.name}: ${JSON.stringify(lane.counts)}`);
process.exitCode = failed.length > 0 || unhandled.length > 0 ? 1 : 0;
