/**
 * nanosp's inproc_thr: `inproc_thr <message-size> <message-count> [--json] [--pair1] [--api
 * fast|await]`, as nanomsg's (spec/wire.md §9.3; its usage line says `thread_thr`). A PAIR v0 socket (PAIR v1
 * with --pair1) binds inproc://inproc_thr; a worker (here a second socket on the same event
 * loop, where nanomsg uses a thread) connects, sends a 0-byte start message and then the
 * messages; the main side times their receipt and prints `mean throughput` lines. `--api await`
 * sends and receives with `await w.send(buf)` and `await s.recv()` instead of the fast path.
 */
import { socket } from '../../src/index.js';
import { cpuMark, fail, nowUs, pairType, parseToolArgs, report, sender, taker } from './common.js';

const args = parseToolArgs('inproc_thr', process.argv.slice(2));
const { size, count } = args;
const send = sender(args.api);
const take = taker(args.api);
const s = socket(pairType(args.proto));
await s.bind('inproc://inproc_thr');

/**
 * Sends everything and returns its socket open: closing it at once would drop what still waits
 * beyond recvBuffer in the receiver's queue (a pipe that leaves takes that much of its queue
 * with it, as in nanomsg), so a last large message could be lost. nanomsg's worker likewise
 * leaves its socket to the end.
 */
async function worker(): Promise<ReturnType<typeof socket>> {
  const w = socket(pairType(args.proto));
  w.connect('inproc://inproc_thr');
  const buf = Buffer.alloc(size, 111);
  await w.send(Buffer.alloc(0));
  for (let i = 0; i !== count; i++) {
    const waiting = send(w, buf);
    if (waiting !== undefined) await waiting;
  }
  return w;
}

const from = cpuMark();
const sending = worker();
const start = await s.recv();
if (start.length !== 0) fail('inproc_thr', `the start message has ${start.length} bytes, not 0`);
const t0 = nowUs();
for (let i = 0; i !== count; i++) {
  // nanosp's fast path: take what has arrived at once, and wait only when nothing has (--api await: always wait)
  const msg = take(s) ?? (await s.recv());
  if (msg.length !== size) fail('inproc_thr', `message ${i} has ${msg.length} bytes, not ${size}`);
}
const elapsedUs = Number(nowUs() - t0);
const to = cpuMark();

await (await sending).close();
await s.close();
report('inproc_thr', 'nanosp', { ...args, url: undefined }, { elapsedUs, work: { from, to } });
process.exit(0);
