/**
 * `npm run bench:storm`: a connection storm. One PUB listener process; P client processes each
 * open N SUB sockets that connect to it at once (reconnectInterval 50 ms, as a deploy that
 * restarts every client would). Measures the time until every SUB has received a message, and
 * the listener's RSS; gives up after --limit seconds.
 *
 *   npm run bench:storm -- [--processes 4] [--sockets 2500] [--limit 60] [--backlog N] [--jitter F] [--tick MS]
 *
 * --tick: the PUB's interval (50 ms, the issue's workload); a slower tick shows how much of
 * the storm is the fan-out itself rather than connecting.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
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
const total = processes * perProcess;

function start(file: string, args: string[], onLine: (line: string) => void): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', file, ...args], { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, STORM_TICK_MS: tickMs } });
  createInterface({ input: child.stdout }).on('line', onLine);
  return child;
}

const children: Child[] = [];
let pipes = 0;
let rssKiB = 0;
let peakRssKiB = 0;
const bound = new Promise<string>((resolve) => {
  const listener = start('bench/storm/listener.ts', ['tcp://127.0.0.1:0', ...(backlog ? [backlog] : [])], (line) => {
    if (line.startsWith('bound ')) resolve(line.slice(6));
    const m = /^pipes (\d+) rss (\d+)/.exec(line);
    if (m) {
      pipes = Number(m[1]);
      rssKiB = Number(m[2]);
      peakRssKiB = Math.max(peakRssKiB, rssKiB);
    }
  });
  children.push(listener);
});
const url = await bound;
const receiving = new Array<number>(processes).fill(0);
/** Per client process: connections established, connect errors, broken connections. */
const clientStats: [number, number, number][] = Array.from({ length: processes }, () => [0, 0, 0]);
const started = performance.now();
for (let p = 0; p < processes; p++) {
  children.push(
    start('bench/storm/clients.ts', [url, String(perProcess), '50', ...(jitter ? [jitter] : [])], (line) => {
      const m = /^receiving (\d+) established (\d+) connectErrors (\d+) broken (\d+)/.exec(line);
      if (m) {
        receiving[p] = Number(m[1]);
        clientStats[p] = [Number(m[2]), Number(m[3]), Number(m[4])];
      }
    }),
  );
}

const timeline: string[] = [];
let allAt: number | undefined;
while ((performance.now() - started) / 1000 < limitS) {
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const seconds = (performance.now() - started) / 1000;
  const sum = receiving.reduce((a, b) => a + b, 0);
  const [established, connectErrors, broken] = clientStats.reduce((a, b) => [a[0] + b[0], a[1] + b[1], a[2] + b[2]], [0, 0, 0]);
  timeline.push(
    `${seconds.toFixed(0)}s: ${sum} receiving, ${pipes} pipes at the listener, rss ${(rssKiB / 1024).toFixed(0)} MiB; ` +
      `clients: ${established} connections made, ${connectErrors} connect errors, ${broken} broken`,
  );
  console.error(timeline.at(-1));
  if (sum >= total) {
    allAt = seconds;
    break;
  }
}
for (const child of children) child.stdin.end();
await Promise.all(children.map((c) => new Promise((resolve) => c.once('exit', resolve))));
console.log(
  `storm: ${processes} × ${perProcess} = ${total} SUB sockets` +
    `, a message every ${tickMs} ms${backlog ? `, listenBacklog ${backlog}` : ''}${jitter ? `, reconnectJitter ${jitter}` : ''}: ` +
    (allAt === undefined ? `NOT all receiving within ${limitS} s (${receiving.reduce((a, b) => a + b, 0)})` : `all receiving after ${allAt.toFixed(1)} s`) +
    `; listener peak RSS ${(peakRssKiB / 1024).toFixed(0)} MiB` +
    `\nmachine: ${cpus()[0]?.model}, ${cpus().length} cores, Node ${process.version}, Linux ${release()}, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`,
);
