/**
 * nanosp's side of the contexts benchmark that asks: `ctx_req <connect-to> <msg-size>
 * <inflight> <contexts|sockets> <warmup-ms> <measure-ms> [--json]` (bench/contexts/common.ts).
 * `contexts`: one REQ socket with <inflight> contexts; `sockets`: <inflight> REQ sockets (one
 * connection each). Each loops `send(msg-size bytes); recv()`. Once every one has had a reply
 * it waits <warmup-ms>, counts the replies in the next <measure-ms>, and prints requests per
 * second. With --json it prints "start" and "stop" lines at the window's edges (the runner
 * forwards them to ctx_rep). tcpNoDelay is on (NNG's default); resends are left at 60 s.
 */
import { socket, type SpSocket } from '../../src/index.js';
import { nowUs } from '../perf/common.js';
import { cpuMark, ctxFail, ctxReport, parseCtxArgs, type Io } from './common.js';

const args = parseCtxArgs('ctx_req', process.argv.slice(2));
const { size, inflight } = args;
const sockets: SpSocket[] = [];
const ios: Io[] = [];
try {
  if (args.mode === 'contexts') {
    const s = socket('req', { tcpNoDelay: true, recvMaxSize: -1 });
    sockets.push(s);
    for (let i = 0; i < inflight; i++) ios.push(s.context());
    s.connect(args.url);
  } else {
    for (let i = 0; i < inflight; i++) {
      const s = socket('req', { tcpNoDelay: true, recvMaxSize: -1 });
      sockets.push(s);
      ios.push(s);
      s.connect(args.url);
    }
  }
} catch (err) {
  ctxFail('ctx_req', `cannot connect to ${args.url}`, err);
}

let stop = false;
let replies = 0;
let ready = 0;
let allReady: () => void = () => {};
const everyoneAnswered = new Promise<void>((resolve) => (allReady = resolve));
const request = Buffer.alloc(size, 111);

async function worker(io: Io): Promise<void> {
  let first = true;
  while (!stop) {
    await io.send(request);
    const reply = await io.recv();
    if (reply.length !== size) ctxFail('ctx_req', `a reply of ${reply.length} bytes, not ${size}`);
    replies++;
    if (first) {
      first = false;
      if (++ready === inflight) allReady();
    }
  }
}

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const workers = ios.map((io) => worker(io).catch((err: unknown) => ctxFail('ctx_req', 'request', err)));
await everyoneAnswered;
await delay(args.warmupMs);
if (args.json) process.stdout.write('start\n');
const from = cpuMark();
const t0 = nowUs();
const r0 = replies;
await delay(args.measureMs);
const requests = replies - r0;
const elapsedUs = Number(nowUs() - t0);
const to = cpuMark();
if (args.json) process.stdout.write('stop\n');
stop = true;
await Promise.all(workers);
ctxReport('ctx_req', args, { elapsedUs, requests, from, to });
await Promise.all(sockets.map((s) => s.close()));
process.exit(0);
