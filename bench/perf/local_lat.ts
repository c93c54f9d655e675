/**
 * nanosp's local_lat: `local_lat <bind-to> <msg-size> <roundtrips> [--json] [--pair1] [--api
 * fast|await]`, as nanomsg's (spec/wire.md §9.1). A PAIR v0 socket (PAIR v1 with --pair1) sets tcpNoDelay,
 * recvMaxSize −1 and linger 1000, binds, and echoes `roundtrips` messages of msg-size bytes; it
 * prints nothing. nanomsg 1.1.5 sleeps 1 s before closing because its linger is a no-op;
 * nanosp's close() flushes. `--api await` echoes with `await s.send(msg)` instead of the fast path.
 */
import { socket } from '../../src/index.js';
import { cpuMark, fail, pairType, parseToolArgs, report, sender } from './common.js';

const args = parseToolArgs('local_lat', process.argv.slice(2));
const s = socket(pairType(args.proto), { tcpNoDelay: true, recvMaxSize: -1, linger: 1000 });
try {
  await s.bind(args.url as string);
} catch (err) {
  fail('local_lat', `cannot bind ${args.url}`, err);
}

const from = cpuMark();
const { size, count } = args;
const send = sender(args.api);
for (let i = 0; i !== count; i++) {
  const msg = await s.recv();
  if (msg.length !== size) fail('local_lat', `message ${i} has ${msg.length} bytes, not ${size}`);
  await send(s, msg);
}
const to = cpuMark();

await s.close();
report('local_lat', 'nanosp', args, { work: { from, to } });
process.exit(0);
