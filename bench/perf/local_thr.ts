/**
 * nanosp's local_thr: `local_thr <bind-to> <msg-size> <msg-count> [--json] [--pair1] [--api
 * fast|await]`, as nanomsg's (spec/wire.md §9.2). A PAIR v0 socket (PAIR v1 with --pair1)
 * binds, sets recvMaxSize −1 and linger 1000, takes one 0-byte start message, then times the
 * receipt of msg-count messages of msg-size bytes and prints nanomsg's four lines. `--api await`
 * receives each with `await s.recv()` instead of the fast path.
 */
import { socket } from '../../src/index.js';
import { cpuMark, fail, nowUs, pairType, parseToolArgs, report, taker } from './common.js';

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
for (let i = 0; i !== count; i++) {
  // nanosp's fast path: take what has arrived at once, and wait only when nothing has (--api await: always wait)
  const msg = take(s) ?? (await s.recv());
  if (msg.length !== size) fail('local_thr', `message ${i} has ${msg.length} bytes, not ${size}`);
}
const elapsedUs = Number(nowUs() - t0);
const to = cpuMark();

await s.close();
report('local_thr', 'nanosp', args, { elapsedUs, work: { from, to } });
process.exit(0);
