/**
 * `npm run bench:storm`: a connection storm. One PUB listener process; P client processes each
 * open N SUB sockets that connect to it at once (reconnectInterval 50 ms, as a deploy that
 * restarts every client would). Measures the time until every SUB has received a message, and
 * the listener's RSS; gives up after --limit seconds.
 *
 *   npm run bench:storm -- [--processes 4] [--sockets 2500] [--limit 60] [--backlog N] [--jitter F] [--tick MS]
 *                          [--listener nanosp|libnanomsg] [--clients nanosp|libnanomsg] [--steady S]
 *
 * --tick: the PUB's interval (50 ms, the issue's workload); a slower tick shows how much of
 * the storm is the fan-out itself rather than connecting.
 * --listener libnanomsg: the PUB is bench/c/storm_pub.c on libnanomsg (built with gcc), a
 * baseline that tells the listener's cost from the clients' on the same machine.
 * --clients libnanomsg: the SUBs are bench/c/storm_sub.c (at most 512 per process, a
 * libnanomsg limit: use e.g. --processes 20 --sockets 500), to see the listener without the
 * Node clients' share of the cores.
 * --client-nice N: run the client processes at nice N. The clients stand for thousands of
 * machines but share this one's cores with the listener; niced, they stop taking its share.
 * STORM_NODE_ARGS='--cpu-prof --cpu-prof-dir=DIR' profiles the Node children.
 * --steady S: once all are receiving, go on S seconds and report the CPU each process used
 * meanwhile (from /proc/<pid>/stat), to see where a steady fan-out spends the cores.
 */
import { spawn, spawnSync, type ChildProcessByStdio } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../runner/listening.js';
import type { Readable, Writable } from 'node:stream';

type Child = ChildProcessByStdio<Writable, Readable, null>;
import { cpus, loadavg, release } from 'node:os';
import { createInterface } from 'node:readline';

function option(name: string, fallback: string | undefined): string | undefined {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? process.argv[at + 1] : fallback;
}

const processes = Number(option('processes', '4'));
const perProcess = Number(option('sockets', '2500'));
const limitS = Number(option('limit', '60'));
const backlog = option('backlog', undefined);
const jitter = option('jitter', undefined);
const tickMs = option('tick', '50') as string;
const listenerImpl = option('listener', 'nanosp') as string;
const clientsImpl = option('clients', 'nanosp') as string;
const clientNice = option('client-nice', undefined);
const steadyS = Number(option('steady', '0'));
const total = processes * perProcess;
for (const [name, impl] of [['listener', listenerImpl], ['clients', clientsImpl]]) {
  if (impl !== 'nanosp' && impl !== 'libnanomsg') throw new Error(`--${name} must be nanosp or libnanomsg, not ${impl}`);
}

function watch(child: Child, onLine: (line: string) => void): Child {
  createInterface({ input: child.stdout }).on('line', onLine);
  return child;
}

/** `command args`, under `nice -n N` when given. */
function launch(command: string, args: string[], nice: string | undefined): Child {
  const [file, argv] = nice === undefined ? [command, args] : ['nice', ['-n', nice, command, ...args]];
  return spawn(file, argv, { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, STORM_TICK_MS: tickMs } });
}

function start(file: string, args: string[], onLine: (line: string) => void, nice?: string): Child {
  // STORM_NODE_ARGS: extra flags for the Node children, e.g. `--cpu-prof --cpu-prof-dir=DIR` (not allowed in NODE_OPTIONS)
  const nodeArgs = process.env.STORM_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  return watch(launch(process.execPath, [...nodeArgs, '--import', 'tsx', file, ...args], nice), onLine);
}

/** bench/c/<name>.c built against libnanomsg into a temporary directory. */
function buildC(name: 'storm_pub' | 'storm_sub'): string {
  const binary = join(mkdtempSync(join(tmpdir(), 'nanosp-storm-')), name);
  const r = spawnSync('gcc', ['-O2', '-Wall', '-Wextra', `bench/c/${name}.c`, '-o', binary, '-lnanomsg'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`gcc failed (apt-get install -y gcc libnanomsg-dev):\n${r.stderr ?? r.error}`);
  return binary;
}

const TICKS_PER_S = 100; // USER_HZ: /proc/<pid>/stat counts CPU time in 1/100 s on Linux
/** CPU seconds (user + system) a process has used so far. */
function cpuSeconds(pid: number | undefined): number {
  try {
    // fields after the command's closing parenthesis: state is field 3, utime 14, stime 15
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(f[11]) + Number(f[12])) / TICKS_PER_S;
  } catch {
    return 0;
  }
}

const children: Child[] = [];
let pipes = 0;
let rssKiB = 0;
let peakRssKiB = 0;
/** The nanosp listener's longest event-loop delay in its last report, and its connection counts. */
let listenerStats: string | undefined;
const bound = new Promise<string>((resolve) => {
  const onLine = (line: string) => {
    if (line.startsWith('bound ')) resolve(line.slice(6));
    const m = /^pipes (\d+) rss (\d+)(?: lag (\d+) accepted (\d+) broken (\d+))?/.exec(line);
    if (m) {
      listenerStats = m[3] === undefined ? undefined : `loop lag ${m[3]} ms, ${m[4]} accepted, ${m[5]} broken`;
      pipes = Number(m[1]);
      rssKiB = Number(m[2]);
      peakRssKiB = Math.max(peakRssKiB, rssKiB);
    }
  };
  if (listenerImpl === 'nanosp') {
    children.push(start('bench/storm/listener.ts', ['tcp://127.0.0.1:0', ...(backlog ? [backlog] : [])], onLine));
    return;
  }
  const binary = buildC('storm_pub');
  void freePort().then((port) => children.push(watch(spawn(binary, [`tcp://127.0.0.1:${port}`, tickMs], { stdio: ['pipe', 'pipe', 'inherit'] }), onLine)));
});
const url = await bound;
const receiving = new Array<number>(processes).fill(0);
/** Per client process: connections established, connect errors, broken connections. */
const clientStats: [number, number, number][] = Array.from({ length: processes }, () => [0, 0, 0]);
const clientBinary = clientsImpl === 'libnanomsg' ? buildC('storm_sub') : undefined;
// (Node clients take about 4 s to start under tsx; C clients start at once)
const started = performance.now();
for (let p = 0; p < processes; p++) {
  const onLine = (line: string) => {
    const m = /^receiving (\d+) established (\d+) connectErrors (\d+) broken (\d+)/.exec(line);
    if (m) {
      receiving[p] = Number(m[1]);
      clientStats[p] = [Number(m[2]), Number(m[3]), Number(m[4])];
    }
  };
  const args = [url, String(perProcess), '50'];
  children.push(
    clientBinary
      ? watch(launch(clientBinary, args, clientNice), onLine)
      : start('bench/storm/clients.ts', [...args, ...(jitter ? [jitter] : [])], onLine, clientNice),
  );
}

const timeline: string[] = [];
let allAt: number | undefined;
/** When all were receiving, and the CPU seconds each child had used by then (--steady). */
/** How many were receiving at the first report after 20 s and after 40 s. */
const at: { 20?: number; 40?: number } = {};
let steadyFrom: { at: number; cpu: number[] } | undefined;
while ((performance.now() - started) / 1000 < limitS) {
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const seconds = (performance.now() - started) / 1000;
  const sum = receiving.reduce((a, b) => a + b, 0);
  for (const mark of [20, 40] as const) if (seconds >= mark && at[mark] === undefined) at[mark] = sum;
  const [established, connectErrors, broken] = clientStats.reduce((a, b) => [a[0] + b[0], a[1] + b[1], a[2] + b[2]], [0, 0, 0]);
  timeline.push(
    `${seconds.toFixed(0)}s: ${sum} receiving, ${pipes} pipes at the listener, rss ${(rssKiB / 1024).toFixed(0)} MiB${listenerStats === undefined ? '' : `, ${listenerStats}`}; ` +
      `clients: ${established} connections made, ${connectErrors} connect errors, ${broken} broken`,
  );
  console.error(timeline.at(-1));
  if (sum >= total && allAt === undefined) {
    allAt = seconds;
    if (steadyS <= 0) break;
    steadyFrom = { at: performance.now(), cpu: children.map((c) => cpuSeconds(c.pid)) };
  }
  if (steadyFrom && (performance.now() - steadyFrom.at) / 1000 >= steadyS) break;
}
let steady = '';
if (steadyFrom) {
  const wall = (performance.now() - steadyFrom.at) / 1000;
  const share = children.map((c, i) => (100 * (cpuSeconds(c.pid) - (steadyFrom?.cpu[i] ?? 0))) / wall);
  const clients = share.slice(1);
  steady =
    `\nsteady ${wall.toFixed(1)} s, CPU % of one core: listener ${share[0]?.toFixed(0)}, clients ${clients.map((c) => c.toFixed(0)).join(' + ')}` +
    ` = ${clients.reduce((a, b) => a + b, 0).toFixed(0)}`;
}
const cpuTotal = children.map((c) => cpuSeconds(c.pid));
for (const child of children) child.stdin.end();
await Promise.all(children.map((c) => new Promise((resolve) => c.once('exit', resolve))));
console.log(
  `storm: ${listenerImpl} listener, ${clientsImpl} clients, ${processes} × ${perProcess} = ${total} SUB sockets` +
    `, a message every ${tickMs} ms${backlog ? `, listenBacklog ${backlog}` : ''}${jitter ? `, reconnectJitter ${jitter}` : ''}${clientNice ? `, clients at nice ${clientNice}` : ''}: ` +
    (allAt === undefined ? `NOT all receiving within ${limitS} s (${receiving.reduce((a, b) => a + b, 0)})` : `all receiving after ${allAt.toFixed(1)} s`) +
    `; receiving after 20 s: ${allAt !== undefined && allAt < 20 ? total : (at[20] ?? '-')}, after 40 s: ${allAt !== undefined && allAt < 40 ? total : (at[40] ?? '-')}` +
    `; listener peak RSS ${(peakRssKiB / 1024).toFixed(0)} MiB` +
    `; CPU s used: listener ${cpuTotal[0]?.toFixed(1)}, clients ${cpuTotal.slice(1).reduce((a, b) => a + b, 0).toFixed(1)}` +
    steady +
    `\nmachine: ${cpus()[0]?.model}, ${cpus().length} cores, Node ${process.version}, Linux ${release()}, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`,
);
