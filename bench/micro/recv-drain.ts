/**
 * The receive side alone: a PAIR receiver whose inbox already holds `n` messages of 64 B (sent
 * over loopback tcp and all arrived), drained four ways: `tryRecv`, `await recv()`, `tryRecv`
 * then `await undefined`, and `for await`. The difference between the first two is what the
 * awaited API costs a receiver per message beyond the fast path, measured on nanosp's own
 * receive path rather than on a bare array (await-floor.ts). With `n` large the inbox's
 * messages stay alive through the collections that each await's garbage brings on, and the
 * difference grows (BENCHMARKS.md, issue 18).
 *   node --import tsx bench/micro/recv-drain.ts [n=2048] [rounds=200]
 */
import { socket } from '../../src/index.js';

const n = Number(process.argv[2] ?? 2048);
const rounds = Number(process.argv[3] ?? 200);
const WARM_UP = Math.min(40, rounds >> 2);

const sender = socket('pair', { sendBuffer: Math.max(1 << 20, n * 128) });
const receiver = socket('pair', { recvBuffer: Math.max(1 << 20, n * 128) });
const endpoint = await receiver.bind('tcp://127.0.0.1:0');
await sender.connect(endpoint.url);
const msg = Buffer.alloc(64);
await sender.send(msg);
await receiver.recv();

/** Frames the receiver's pipes have read off the wire, taken by the user or not. */
function arrived(): number {
  let frames = 0;
  for (const e of receiver.describe().endpoints) for (const p of e.pipes) frames += p.stats.messagesReceived;
  return frames;
}

/** Send `n` messages and wait until every one of them is in the receiver's inbox. */
async function fill(): Promise<void> {
  const target = arrived() + n;
  for (let i = 0; i < n; i++) sender.trySend(msg);
  for (let waits = 0; arrived() < target; waits++) {
    if (waits === 2000) throw new Error(`only ${arrived() - target + n} of ${n} messages arrived`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

function drainFast(): number {
  let got = 0;
  for (let i = 0; i < n; i++) got += receiver.tryRecv().length;
  return got;
}
async function drainAwaitRecv(): Promise<number> {
  let got = 0;
  for (let i = 0; i < n; i++) got += (await receiver.recv()).length;
  return got;
}
async function drainAwaitUndefined(): Promise<number> {
  let got = 0;
  for (let i = 0; i < n; i++) {
    got += receiver.tryRecv().length;
    await undefined;
  }
  return got;
}

async function drainForAwait(): Promise<number> {
  let got = 0;
  let i = 0;
  for await (const body of receiver) {
    got += body.length;
    if (++i === n) break;
  }
  return got;
}

const modes = { 'tryRecv': drainFast, 'await recv()': drainAwaitRecv, 'tryRecv + await undefined': drainAwaitUndefined, 'for await': drainForAwait };
const times = new Map<string, number[]>(Object.keys(modes).map((k) => [k, []]));
for (let round = 0; round < rounds; round++) {
  for (const [name, drain] of Object.entries(modes)) {
    await fill();
    const t0 = process.hrtime.bigint();
    const bytes = await drain();
    const ns = Number(process.hrtime.bigint() - t0) / n;
    if (bytes !== n * msg.length) throw new Error(`${name} drained ${bytes} bytes, not ${n * msg.length}`);
    if (round >= WARM_UP) times.get(name)!.push(ns);
  }
}
const median = (xs: number[]): number => xs.sort((a, b) => a - b)[xs.length >> 1] as number;
console.log(`inbox of ${n} × 64 B, ${rounds - WARM_UP} rounds after ${WARM_UP} of warm-up: median ns per message`);
for (const [name, xs] of times) console.log(`  ${name.padEnd(26)} ${median(xs).toFixed(1)}`);
await sender.close();
await receiver.close();
