/**
 * Stalled subscribers, in a process of their own: a stalled reader beside the sender would
 * share its event loop, and whatever stalls them would stall the sender too.
 *
 *   node --import tsx bench/memory/stalled.ts <count>
 *
 * Says `waiting`. On the line `connect <url> [caFile]` opens <count> SUB sockets subscribed to
 * everything, connects each to <url> (trusting caFile's certificate for tls+tcp:// and wss://),
 * says `ready <count>` once every one has its pipe, and never reads: each takes what fits its
 * recvBuffer, then its transport stops reading and the kernel buffers fill. On `close` it
 * closes them and says `closed`, ready for the next `connect`. Exits when its stdin ends.
 */
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { socket, type SpSocket } from '../../src/index.js';
import { dialerTls } from './transports.js';

const count = Number(process.argv[2]);
if (!Number.isInteger(count) || count < 1) {
  process.stderr.write('usage: stalled.ts <count>\n');
  process.exit(2);
}
let subs: SpSocket[] = [];

async function connectAll(url: string, caFile: string | undefined): Promise<void> {
  const tls = dialerTls(caFile);
  for (let i = 0; i < count; i++) {
    const sub = socket('sub', { linger: 0, ...tls });
    sub.subscribe('');
    subs.push(sub);
  }
  await Promise.all(
    subs.map((sub) => {
      const piped = once(sub, 'pipe');
      sub.connect(url);
      return piped;
    }),
  );
  process.stdout.write(`ready ${count}\n`);
}

async function closeAll(): Promise<void> {
  await Promise.all(subs.map((sub) => sub.close()));
  subs = [];
}

process.stdout.write('waiting\n');
for await (const command of createInterface({ input: process.stdin })) {
  const [verb, url, caFile] = command.split(' ');
  if (verb === 'connect' && url !== undefined) await connectAll(url, caFile);
  else if (verb === 'close') {
    await closeAll();
    process.stdout.write('closed\n');
  } else throw new Error(`unknown command ${JSON.stringify(command)}`);
}
await closeAll();
