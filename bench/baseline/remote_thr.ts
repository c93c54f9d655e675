/**
 * The raw node:net baseline's remote_thr: nanomsg's remote_thr command line over plain
 * framing (see framing.ts). A 0-byte start message, then msg-count messages of byte 111; a
 * tick's messages leave in one write; the loop waits only when 128 KiB are queued.
 */
import { cpuMark, fail, parseToolArgs, report } from '../perf/common.js';
import { dial, FrameLink, parseAddress, type Address } from './framing.js';

const args = parseToolArgs('remote_thr', process.argv.slice(2));
let address: Address;
try {
  address = parseAddress(args.url as string);
} catch (err) {
  fail('remote_thr', 'bad address', err);
}
const from = cpuMark();
const socket = await dial(address, false).catch((err: unknown) => fail('remote_thr', `cannot connect to ${args.url}`, err));
const link = new FrameLink(socket, address.ipc, () => {}).start();

const buf = Buffer.alloc(args.size, 111);
const { count } = args;
link.send(Buffer.alloc(0));
for (let i = 0; i !== count; i++) {
  if (!link.send(buf)) await link.drain();
}
const to = cpuMark();
await link.end();
report('remote_thr', 'node-net', args, { work: { from, to } });
process.exit(0);
