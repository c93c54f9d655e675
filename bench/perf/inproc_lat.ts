/**
 * nanosp's inproc_lat: `inproc_lat <message-size> <roundtrip-count> [--json] [--pair1] [--api
 * fast|await]`, as nanomsg's (spec/wire.md §9.3). A PAIR v0 socket (PAIR v1 with --pair1) binds
 * inproc://inproc_lat; a worker (a second socket on the same event loop, where nanomsg uses a
 * thread) echoes. nanomsg waits 100 ms for its worker to connect; here the main side waits for
 * the connection itself (the 'pipe' event), then times the round trips and prints the same
 * three lines as remote_lat. `--api await` sends with `await s.send(buf)` instead of the fast path.
 */
import { socket } from '../../src/index.js';
import { cpuMark, fail, nowUs, pairType, parseToolArgs, report, sender } from './common.js';

const args = parseToolArgs('inproc_lat', process.argv.slice(2));
const { size, count } = args;
const send = sender(args.api);
const s = socket(pairType(args.proto));
await s.bind('inproc://inproc_lat');
const connected = new Promise<void>((resolve) => s.once('pipe', () => resolve()));

async function worker(): Promise<void> {
  const w = socket(pairType(args.proto));
  w.connect('inproc://inproc_lat');
  for (let i = 0; i !== count; i++) {
    const msg = await w.recv();
    if (msg.length !== size) fail('inproc_lat', `message ${i} has ${msg.length} bytes, not ${size}`);
    await send(w, msg);
  }
  await w.close();
}

const from = cpuMark();
const echoing = worker();
await connected;
let buf: Buffer = Buffer.alloc(size, 111);
const t0 = nowUs();
for (let i = 0; i !== count; i++) {
  await send(s, buf);
  buf = await s.recv();
  if (buf.length !== size) fail('inproc_lat', `reply ${i} has ${buf.length} bytes, not ${size}`);
}
const elapsedUs = Number(nowUs() - t0);
const to = cpuMark();

await echoing;
await s.close();
report('inproc_lat', 'nanosp', { ...args, url: undefined }, { elapsedUs, work: { from, to } });
process.exit(0);
