/**
 * A receiver's first seconds, slice by slice: receives COUNT messages of SIZE bytes on a PAIR
 * socket (as local_thr does) from a remote_thr started here, and prints, for each slice of
 * SLICE messages, the rate, this process's CPU per message (user and all) and its page faults.
 * nanomsg's local_thr prints one figure over the whole run; on a run of under a second that
 * figure is mostly the receiver's warm-up (BENCHMARKS.md, issue 18).
 *
 *   node --import tsx bench/micro/warm-up.ts ipc|tcp SIZE COUNT [nanosp|libnanomsg] [SLICE]
 *
 * The sender is nanosp's remote_thr (bench/perf, through tsx) or libnanomsg's, built by a
 * previous `npm run bench` in bench/.build/c/libnanomsg.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { socket } from '../../src/index.js';
import { arrived } from '../perf/common.js';

const [transport, sizeText, countText, senderName = 'nanosp', sliceText = '5000'] = process.argv.slice(2);
const size = Number(sizeText);
const count = Number(countText);
const slice = Number(sliceText);
if ((transport !== 'ipc' && transport !== 'tcp') || !(size >= 0) || !(count > 0) || !(slice > 0) || !['nanosp', 'libnanomsg'].includes(senderName)) {
  console.error('usage: warm-up.ts ipc|tcp SIZE COUNT [nanosp|libnanomsg] [SLICE]');
  process.exit(2);
}
const cTool = 'bench/.build/c/libnanomsg/remote_thr';
if (senderName === 'libnanomsg' && !existsSync(cTool)) {
  console.error(`no ${cTool}: run npm run bench once (it builds the C tools)`);
  process.exit(2);
}

const s = socket('pair');
s.setOption('recvMaxSize', -1);
const url = transport === 'ipc' ? `ipc://${join(tmpdir(), `nanosp-warm-up-${process.pid}.ipc`)}` : 'tcp://127.0.0.1:0';
const endpoint = await s.bind(url);
const [command, ...args] = senderName === 'nanosp' ? [process.execPath, '--import', 'tsx', 'bench/perf/remote_thr.ts'] : [cTool];
const sender = spawn(command as string, [...args, endpoint.url, String(size), String(count)], { stdio: 'inherit' });
const senderExit = new Promise((resolve) => sender.once('exit', resolve));
// a receive that fails ends this process; the sender must not outlive it
process.once('exit', () => sender.kill());

await s.recv();
const rows: string[] = [];
let since = performance.now();
let cpu = process.cpuUsage();
let faults = process.resourceUsage().minorPageFault;
for (let i = 1; i <= count; i++) {
  if (arrived(s) === undefined) await s.recv();
  if (i % slice !== 0 && i !== count) continue;
  const n = i % slice || slice;
  const now = performance.now();
  const used = process.cpuUsage(cpu);
  const f = process.resourceUsage().minorPageFault;
  rows.push(
    `${String(i - n + 1).padStart(8)}–${String(i).padEnd(8)} ${((n / (now - since)) * 1000).toFixed(0).padStart(8)} msg/s` +
      `  CPU ${((used.user + used.system) / n).toFixed(1).padStart(6)} µs/msg (user ${(used.user / n).toFixed(1).padStart(5)})  ${String(f - faults).padStart(6)} page faults`,
  );
  since = now;
  cpu = process.cpuUsage();
  faults = f;
}
await s.close();
await senderExit;
console.log(`${size} B messages over ${transport} from ${senderName}'s remote_thr, receiver nanosp:`);
console.log(rows.join('\n'));
