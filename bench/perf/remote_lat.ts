/**
 * nanosp's remote_lat: `remote_lat <connect-to> <msg-size> <roundtrips> [--json] [--pair1] [--api
 * fast|await]`, as nanomsg's (spec/wire.md §9.1). A PAIR v0 socket (PAIR v1 with --pair1) sets tcpNoDelay and
 * recvMaxSize −1 and connects; the clock starts right after the connect call (so, as in
 * nanomsg, the first round trip includes setting up the connection); it sends and receives
 * `roundtrips` messages of msg-size bytes (byte 111) and prints the average one-way latency,
 * total / (roundtrips × 2). `--api await` sends with `await s.send(buf)` instead of the fast path.
 */
import { socket } from '../../src/index.js';
import { cpuMark, fail, nowUs, pairType, parseToolArgs, report, sender } from './common.js';

const args = parseToolArgs('remote_lat', process.argv.slice(2));
const s = socket(pairType(args.proto), { tcpNoDelay: true, recvMaxSize: -1 });
try {
  s.connect(args.url as string);
} catch (err) {
  fail('remote_lat', `cannot connect to ${args.url}`, err);
}

const from = cpuMark();
const { size, count } = args;
const send = sender(args.api);
let buf: Buffer = Buffer.alloc(size, 111);
const t0 = nowUs();
for (let i = 0; i !== count; i++) {
  await send(s, buf);
  buf = await s.recv();
  if (buf.length !== size) fail('remote_lat', `reply ${i} has ${buf.length} bytes, not ${size}`);
}
const elapsedUs = Number(nowUs() - t0);
const to = cpuMark();

await s.close();
report('remote_lat', 'nanosp', args, { elapsedUs, work: { from, to } });
process.exit(0);
