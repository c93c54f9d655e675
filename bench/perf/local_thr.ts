/**
 * nanosp's local_thr: `local_thr <bind-to> <msg-size> <msg-count> [--json] [--pair1] [--api
 * fast|await]`, as nanomsg's (spec/wire.md §9.2). A PAIR v0 socket (PAIR v1 with --pair1)
 * binds, sets recvMaxSize −1 and linger 1000, takes one 0-byte start message, then times the
 * receipt of msg-count messages of msg-size bytes and prints nanomsg's four lines. Messages
 * over 128 KiB (PREDICT_MAX) are received into one buffer (`tryRecvInto`, else `await
 * recvInto`), as nanomsg's local_thr does with nn_recv: such a body is read into an allocation
 * of its own, which comes from send's pool and goes back to it once copied out, so every
 * message is read into the same warm memory (16 MiB: no fresh pages, no collections driven by
 * external memory). Smaller ones are views of a read's buffer (a run of equal 32–128 KiB
 * frames is read several to a buffer), which a copy would only add to (64 KiB over ipc: 1–1.5
 * µs more user CPU per message, the same throughput): they are taken as they are (`tryRecv`,
 * else `await recv`). `--api await` always waits (`await s.recv()`, `await s.recvInto(into)`)
 * instead of taking what has arrived.
 */
import { socket } from '../../src/index.js';
import { PREDICT_MAX } from '../../src/node/transport/stream-codec.js';
import { cpuMark, fail, intoTaker, nowUs, pairType, parseToolArgs, report, taker } from './common.js';

const args = parseToolArgs('local_thr', process.argv.slice(2));
const s = socket(pairType(args.proto));
try {
  await s.bind(args.url as string);
  s.setOption('recvMaxSize', -1);
  s.setOption('linger', 1000);
} catch (err) {
  fail('local_thr', `cannot bind ${args.url}`, err);
}

const from = cpuMark();
const start = await s.recv();
if (start.length !== 0) fail('local_thr', `the start message has ${start.length} bytes, not 0`);
const t0 = nowUs();
const { size, count } = args;
const take = taker(args.api);
const takeInto = intoTaker(args.api);
const into = size > PREDICT_MAX ? Buffer.allocUnsafe(size) : undefined;
for (let i = 0; i !== count; i++) {
  // nanosp's fast path: take what has arrived at once, and wait only when nothing has (--api await: always wait)
  const n = into === undefined ? (take(s) ?? (await s.recv())).length : (takeInto(s, into) ?? (await s.recvInto(into)));
  if (n !== size) fail('local_thr', `message ${i} has ${n} bytes, not ${size}`);
}
const elapsedUs = Number(nowUs() - t0);
const to = cpuMark();

await s.close();
report('local_thr', 'nanosp', args, { elapsedUs, work: { from, to } });
process.exit(0);
