/**
 * `node --import tsx bench/memory.ts [seconds]`: does nanosp's memory stay flat when the far
 * side stops reading? Three cases, each a sender in this process and a receiver in a child
 * process that connects and then never reads: a PUB (which must drop for the slow
 * subscriber), a PUSH (which must block), and a PAIR (which must block). The sender pushes
 * 1 KiB messages as fast as it may for the given time while RSS and the heap are sampled; the
 * report is the growth from the first second to the peak, which must stay bounded by the
 * socket buffers, not grow with the number of messages offered.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { socket, type SocketType, type SpSocket } from '../src/index.js';

const PEER: Record<string, SocketType> = { pub: 'sub', push: 'pull', pair: 'pair' };

/** The child: connect a socket of `type` to `url`, subscribe if SUB, and never read. */
async function stalledReceiver(type: SocketType, url: string): Promise<void> {
  const s = socket(type);
  if (type === 'sub') s.subscribe('');
  s.connect(url);
  process.stdout.write('connected\n');
  await new Promise((resolve) => process.stdin.once('end', resolve).resume());
  await s.close();
}

interface Sample {
  offered: number;
  accepted: number;
  rssMiB: number;
  heapMiB: number;
}

function sample(offered: number, accepted: number): Sample {
  const m = process.memoryUsage();
  return { offered, accepted, rssMiB: m.rss / 2 ** 20, heapMiB: m.heapUsed / 2 ** 20 };
}

async function run(type: 'pub' | 'push' | 'pair', seconds: number): Promise<void> {
  const sender: SpSocket = socket(type, { linger: 0 });
  const ep = await sender.bind('tcp://127.0.0.1:0');
  const attached = new Promise((resolve) => sender.once('pipe', resolve));
  const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--receiver', PEER[type] as string, ep.url], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  await attached;
  const body = Buffer.alloc(1024, 7);
  const samples: Sample[] = [];
  let offered = 0;
  let accepted = 0;
  const end = Date.now() + seconds * 1000;
  let nextSample = Date.now();
  while (Date.now() < end) {
    for (let i = 0; i < 1000; i++) {
      offered++;
      try {
        sender.trySend(body); // PUB always takes it (and drops for a full subscriber)
        accepted++;
      } catch {
        // PUSH and PAIR: no peer can take it; a blocking sender would wait here
      }
    }
    if (Date.now() >= nextSample) {
      samples.push(sample(offered, accepted));
      nextSample += 250;
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
  child.stdin.end();
  await new Promise((resolve) => child.once('exit', resolve));
  await sender.close();
  const first = samples.find((s) => s.offered > 0) ?? samples[0]!;
  const settled = samples[Math.min(samples.length - 1, 4)]!; // after the first second
  const peak = samples.reduce((a, b) => (b.rssMiB > a.rssMiB ? b : a));
  const last = samples[samples.length - 1]!;
  console.log(
    `${type.padEnd(4)} → stalled ${PEER[type]}: offered ${(last.offered / 1e6).toFixed(1)} M × 1 KiB, ${type === 'pub' ? 'all taken (PUB drops for the full subscriber)' : `${last.accepted.toLocaleString('en-US')} taken before it blocked`}; ` +
      `RSS ${first.rssMiB.toFixed(0)} MiB at start, ${settled.rssMiB.toFixed(0)} after 1 s, peak ${peak.rssMiB.toFixed(0)}, end ${last.rssMiB.toFixed(0)}; ` +
      `heap end ${last.heapMiB.toFixed(0)} MiB`,
  );
}

if (process.argv[2] === '--receiver') {
  await stalledReceiver(process.argv[3] as SocketType, process.argv[4] as string);
} else {
  const seconds = Number(process.argv[2] ?? 5);
  for (const type of ['pub', 'push', 'pair'] as const) await run(type, seconds);
}
