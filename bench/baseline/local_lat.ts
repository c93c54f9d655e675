/**
 * The raw node:net baseline's local_lat: nanomsg's local_lat command line over plain framing
 * (see framing.ts), TCP_NODELAY on: echoes `roundtrips` messages, prints nothing.
 */
import { cpuMark, fail, parseToolArgs, report } from '../perf/common.js';
import { accept, FrameLink, parseAddress, type Address } from './framing.js';

const args = parseToolArgs('local_lat', process.argv.slice(2));
let address: Address;
try {
  address = parseAddress(args.url as string);
} catch (err) {
  fail('local_lat', 'bad address', err);
}
const from = cpuMark();
const { socket, first } = await accept(address, true).catch((err: unknown) => fail('local_lat', `cannot bind ${args.url}`, err));

const { size, count } = args;
let echoed = 0;
const link = await new Promise<FrameLink>((resolve) => {
  const onFrame = (payload: Buffer): void => {
    if (payload.length !== size) fail('local_lat', `message ${echoed} has ${payload.length} bytes, not ${size}`);
    link.send(payload);
    if (++echoed === count) resolve(link);
  };
  const link: FrameLink = new FrameLink(socket, address.ipc, onFrame);
  link.start(first);
});
const to = cpuMark();
await link.end();
report('local_lat', 'node-net', args, { elapsedUs: undefined, work: { from, to } });
process.exit(0);
