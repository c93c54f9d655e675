/**
 * The raw node:net baseline's local_thr: nanomsg's local_thr command line and output over
 * plain framing (see framing.ts). One 0-byte start message, then msg-count timed messages.
 */
import { cpuMark, fail, nowUs, parseToolArgs, report } from '../perf/common.js';
import { accept, FrameLink, parseAddress, type Address } from './framing.js';

const args = parseToolArgs('local_thr', process.argv.slice(2));
let address: Address;
try {
  address = parseAddress(args.url as string);
} catch (err) {
  fail('local_thr', 'bad address', err);
}
const from = cpuMark();
const { socket, first } = await accept(address, false).catch((err: unknown) => fail('local_thr', `cannot bind ${args.url}`, err));

const { size, count } = args;
let received = -1;
let t0 = 0n;
const elapsedUs = await new Promise<number>((resolve) => {
  const onFrame = (payload: Buffer): void => {
    if (received < 0) {
      if (payload.length !== 0) fail('local_thr', `the start message has ${payload.length} bytes, not 0`);
      t0 = nowUs();
    } else if (payload.length !== size) {
      fail('local_thr', `message ${received} has ${payload.length} bytes, not ${size}`);
    }
    if (++received === count) resolve(Number(nowUs() - t0));
  };
  new FrameLink(socket, address.ipc, onFrame).start(first);
});
const to = cpuMark();
socket.destroy();
report('local_thr', 'node-net', args, { elapsedUs, work: { from, to } });
process.exit(0);
