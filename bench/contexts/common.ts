/**
 * What the contexts benchmark's two tools share (bench/contexts/ctx_rep.ts, ctx_req.ts, and
 * bench/c/ctx.c in C): the command lines, the `--json` object, and the worker's interface.
 *
 *   ctx_rep <bind-to> <msg-size> <inflight> <mode> [--json]        mode: contexts | socket
 *   ctx_req <connect-to> <msg-size> <inflight> <mode> <warmup-ms> <measure-ms> [--json]
 *                                                                   mode: contexts | sockets
 *
 * ctx_rep serves until its standard input ends, then prints its report; "start" and "stop"
 * lines on standard input mark the client's measured window (the runner forwards them from
 * ctx_req's standard output), so both processes' work CPU covers the same interval.
 */
import { cpuMark, peakRssKiB, type CpuMark } from '../perf/common.js';

export type CtxTool = 'ctx_rep' | 'ctx_req';
/**
 * ctx_rep: N contexts on one REP socket, or the plain REP socket. ctx_req: N contexts on one REQ
 * socket, or N REQ sockets; `aio` (C only): N contexts driven by aio callbacks, not threads.
 */
export type CtxMode = 'contexts' | 'socket' | 'sockets' | 'aio';

/** The `--json` object both tools (TypeScript and C) print: one line, these keys. */
export interface CtxResult {
  tool: CtxTool;
  impl: 'nanosp' | 'nng';
  mode: CtxMode;
  url: string;
  size: number;
  inflight: number;
  /** The measured window in µs, requests completed in it, and requests per second (ctx_req only; else null). */
  elapsedUs: number | null;
  requests: number | null;
  reqPerSec: number | null;
  maxRssKiB: number;
  cpuUserUs: number;
  cpuSysUs: number;
  /** CPU over the measured window (ctx_rep: between the "start" and "stop" marks). */
  workCpuUserUs: number;
  workCpuSysUs: number;
}

export interface CtxArgs {
  json: boolean;
  url: string;
  size: number;
  inflight: number;
  mode: CtxMode;
  warmupMs: number;
  measureMs: number;
}

const USAGE: { readonly [T in CtxTool]: string } = {
  ctx_rep: 'usage: ctx_rep <bind-to> <msg-size> <inflight> <contexts|socket> [--json]',
  ctx_req: 'usage: ctx_req <connect-to> <msg-size> <inflight> <contexts|sockets> <warmup-ms> <measure-ms> [--json]',
};

export function parseCtxArgs(tool: CtxTool, argv: readonly string[]): CtxArgs {
  const json = argv.includes('--json');
  const rest = argv.filter((a) => a !== '--json');
  const int = (s: string | undefined, min: number): number => (s !== undefined && /^\d+$/.test(s) && Number(s) >= min && Number(s) <= 2 ** 31 - 1 ? Number(s) : NaN);
  const [url, size, inflight, mode, warmup, measure] = [rest[0], int(rest[1], 0), int(rest[2], 1), rest[3], int(rest[4], 0), int(rest[5], 1)];
  const modes = tool === 'ctx_rep' ? ['contexts', 'socket'] : ['contexts', 'sockets'];
  const want = tool === 'ctx_rep' ? 4 : 6;
  const ok = rest.length === want && !!url && Number.isInteger(size) && Number.isInteger(inflight) && modes.includes(mode ?? '') && (tool === 'ctx_rep' || (Number.isInteger(warmup) && Number.isInteger(measure)));
  if (!ok) {
    process.stdout.write(`${USAGE[tool]}\n`);
    process.exit(1);
  }
  return { json, url: url as string, size, inflight, mode: mode as CtxMode, warmupMs: warmup, measureMs: measure };
}

export function ctxFail(tool: CtxTool, what: string, err?: unknown): never {
  const why = err instanceof Error ? `: ${err.message}` : err === undefined ? '' : `: ${String(err)}`;
  process.stderr.write(`${tool}: ${what}${why}\n`);
  process.exit(2);
}

/** What a worker loops on: a context, or a whole socket (nanosp's plain REQ and REP). */
export interface Io {
  send(data: Uint8Array): Promise<void>;
  recv(): Promise<Uint8Array>;
}

export function ctxReport(tool: CtxTool, args: CtxArgs, window: { elapsedUs?: number; requests?: number; from: CpuMark; to: CpuMark }): void {
  const usage = process.resourceUsage();
  const { elapsedUs, requests } = window;
  const reqPerSec = elapsedUs !== undefined && requests !== undefined ? Math.round((requests * 1e6) / Math.max(elapsedUs, 1)) : null;
  if (!args.json) {
    if (reqPerSec !== null) process.stdout.write(`message size: ${args.size} [B]\nin flight: ${args.inflight}\nrequests: ${requests}\nthroughput: ${reqPerSec} [req/s]\n`);
    return;
  }
  const result: CtxResult = {
    tool,
    impl: 'nanosp',
    mode: args.mode,
    url: args.url,
    size: args.size,
    inflight: args.inflight,
    elapsedUs: elapsedUs ?? null,
    requests: requests ?? null,
    reqPerSec,
    maxRssKiB: peakRssKiB(),
    cpuUserUs: usage.userCPUTime,
    cpuSysUs: usage.systemCPUTime,
    workCpuUserUs: window.to.user - window.from.user,
    workCpuSysUs: window.to.sys - window.from.sys,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

export { cpuMark, type CpuMark };
