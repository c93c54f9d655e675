/**
 * The raw node:net baseline's remote_lat: nanomsg's remote_lat command line and output over
 * plain framing (see framing.ts), TCP_NODELAY on. As nanomsg's, the clock starts right after
 * the connect call, so the first round trip includes setting up the connection.
 */
import { cpuMark, fail, nowUs, parseToolArgs, report } from '../perf/common.js';
import { dial, FrameLink, parseAddress, type Address } from './framing.js';

const args = parseToolArgs('remote_lat', process.argv.slice(2));
let address: Address;
try {
  address = parseAddress(args.url as string);
} catch (err) {
  fail('remote_lat', 'bad address', err);
}
const { size, count } = args;
const from = cpuMark();
const t0 = nowUs();
const socket = await dial(address, true).catch((err: unknown) => fail('remote_lat', `cannot connect to ${args.url}`, err));
let replies = 0;
const done = new Promise<number>((resolve) => {
  const link = new FrameLink(socket, address.ipc, (payload) => {
    if (payload.length !== size) fail('remote_lat', `reply ${replies} has ${payload.length} bytes, not ${size}`);
    if (++replies === count) resolve(Number(nowUs() - t0));
    else link.send(payload);
  }).start();
  link.send(Buffer.alloc(size, 111));
});
const elapsedUs = await done;
const to = cpuMark();
socket.destroy();
report('remote_lat', 'node-net', args, { elapsedUs, work: { from, to } });
process.exit(0);
