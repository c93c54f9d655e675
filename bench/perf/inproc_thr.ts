/**
 * nanosp's inproc_thr: `inproc_thr <message-size> <message-count> [--json] [--pair1] [--api
 * fast|await]`, as nanomsg's (spec/wire.md §9.3; its usage line says `thread_thr`). A PAIR v0 socket (PAIR v1
 * with --pair1) binds inproc://inproc_thr; a worker (here a second socket on the same event
 * loop, where nanomsg uses a thread) connects, sends a 0-byte start message and then the
 * messages; the main side times their receipt and prints `mean throughput` lines. `--api await`
 * sends and receives with `await w.send(buf)` and `await s.recvInto(into)` instead of the fast path.
 *
 * The main side receives into one buffer (`tryRecvInto`, else `await recvInto`), as nanomsg's
 * inproc_thr does with `nn_recv(s, buf, size, 0)`. Over inproc that also gives each large body
 * back to send's pool once copied out, where a body received with `recv` stays the
 * application's until the garbage collector frees it and every send copies into new memory
 * (16 MiB: 75 msg/s against libnanomsg's 242, BENCHMARKS.md). local_thr does the same only
 * over 128 KiB, where a frame read from a socket has pool memory of its own; a smaller one is a
 * view of the read buffer, and copying it out would cost a copy and give nothing back.
 */
import { socket } from '../../src/index.js';
import { cpuMark, fail, intoTaker, nowUs, pairType, parseToolArgs, report, sender } from './common.js';

const args = parseToolArgs('inproc_thr', process.argv.slice(2));
const { size, count } = args;
const send = sender(args.api);
const takeInto = intoTaker(args.api);
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
const into = Buffer.allocUnsafe(size);
for (let i = 0; i !== count; i++) {
  // nanosp's fast path: take what has arrived at once, and wait only when nothing has (--api await: always wait)
  const n = takeInto(s, into) ?? (await s.recvInto(into));
  if (n !== size) fail('inproc_thr', `message ${i} has ${n} bytes, not ${size}`);
}
const elapsedUs = Number(nowUs() - t0);
const to = cpuMark();

await (await sending).close();
await s.close();
report('inproc_thr', 'nanosp', { ...args, url: undefined }, { elapsedUs, work: { from, to } });
process.exit(0);
