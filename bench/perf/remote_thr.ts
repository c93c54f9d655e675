/**
 * nanosp's remote_thr: `remote_thr <connect-to> <msg-size> <msg-count> [--json] [--pair1] [--api
 * fast|await]`, as nanomsg's (spec/wire.md §9.2). A PAIR v0 socket (PAIR v1 with --pair1) connects, sets
 * recvMaxSize −1 and linger 1000, sends one 0-byte start message and then msg-count messages of
 * msg-size bytes (all byte 111), and prints nothing. nanomsg 1.1.5 then sleeps 1 s because its
 * linger is a no-op; nanosp waits until the receiver hangs up (at most 10 s: see peerHangUp),
 * then closes, flushing for up to `linger` ms.
 * `--api await` sends each message with `await s.send(buf)` instead of the fast path.
 */
import { socket } from '../../src/index.js';
import { cpuMark, fail, pairType, parseToolArgs, peerHangUp, report, sender } from './common.js';

const args = parseToolArgs('remote_thr', process.argv.slice(2));
const s = socket(pairType(args.proto));
try {
  s.connect(args.url as string);
  s.setOption('recvMaxSize', -1);
  s.setOption('linger', 1000);
} catch (err) {
  fail('remote_thr', `cannot connect to ${args.url}`, err);
}

const hangUp = peerHangUp(s, 10_000);
const from = cpuMark();
const buf = Buffer.alloc(args.size, 111);
const { count } = args;
const send = sender(args.api);
await s.send(Buffer.alloc(0));
for (let i = 0; i !== count; i++) {
  // the fast path waits only when trySend gave EAGAIN, as nanomsg's one blocking nn_send does
  const waiting = send(s, buf);
  if (waiting !== undefined) await waiting;
}
const to = cpuMark();

await hangUp.wait();
await s.close();
report('remote_thr', 'nanosp', args, { work: { from, to } });
process.exit(0);
