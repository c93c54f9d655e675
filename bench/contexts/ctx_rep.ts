/**
 * nanosp's side of the contexts benchmark that answers: `ctx_rep <bind-to> <msg-size>
 * <inflight> <contexts|socket> [--json]` (bench/contexts/common.ts). `contexts`: one REP socket
 * serving <inflight> contexts, each looping `recv(); send(same message)`. `socket`: the plain
 * REP socket looping the same (one request at a time: nanosp before contexts). tcpNoDelay is
 * on (NNG's default). It serves until standard input ends, then prints its report.
 */
import { socket } from '../../src/index.js';
import { cpuMark, ctxFail, ctxReport, parseCtxArgs, type CpuMark, type Io } from './common.js';

const args = parseCtxArgs('ctx_rep', process.argv.slice(2));
const s = socket('rep', { tcpNoDelay: true, recvMaxSize: -1 });
let closing = false;

async function serve(io: Io): Promise<void> {
  try {
    for (;;) {
      const m = await io.recv();
      if (m.length !== args.size) ctxFail('ctx_rep', `a request of ${m.length} bytes, not ${args.size}`);
      await io.send(m);
    }
  } catch (err) {
    if (!closing) ctxFail('ctx_rep', 'serving', err);
  }
}

if (args.mode === 'contexts') {
  for (let i = 0; i < args.inflight; i++) void serve(s.context());
} else {
  void serve(s);
}
try {
  await s.bind(args.url);
} catch (err) {
  ctxFail('ctx_rep', `cannot bind ${args.url}`, err);
}

let from: CpuMark = cpuMark();
let to: CpuMark | undefined;
let pending = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (text: string) => {
  pending += text;
  let nl: number;
  while ((nl = pending.indexOf('\n')) >= 0) {
    const line = pending.slice(0, nl).trim();
    pending = pending.slice(nl + 1);
    if (line === 'start') from = cpuMark();
    else if (line === 'stop') to = cpuMark();
  }
});
process.stdin.on('end', () => {
  const window = { from, to: to ?? cpuMark() };
  closing = true;
  ctxReport('ctx_rep', args, window);
  process.exit(0);
});
