/**
 * What the six perf tools share: nanomsg's command lines and usage lines, its formulas and
 * output lines (spec/wire.md §9), the `--json` object for harnesses, the `--pair1` flag (PAIR
 * v1 in place of nanomsg's PAIR v0, as NNG's perf tools name it), the `--api` option (nanosp's
 * fast path or the awaited calls), and a microsecond stopwatch. The raw node:net baseline (bench/baseline) uses the same code so the runner
 * treats every implementation alike.
 */
import { readFileSync } from 'node:fs';
import type { SocketType, SpSocket } from '../../src/index.js';

export type ToolName = 'local_thr' | 'remote_thr' | 'local_lat' | 'remote_lat' | 'inproc_thr' | 'inproc_lat';

/** Who produced a result: nanosp, the raw node:net baseline, or the C tools on either library. */
export type ImplName = 'nanosp' | 'node-net' | 'libnanomsg' | 'nng';

/** The socket the SP tools measure: nanomsg's PAIR v0 (the default), or PAIR v1 with `--pair1`. */
export type Proto = 'pair0' | 'pair1';

/** The flags that choose it, by the names of NNG's perf tools (its inproc tools take `--pair0`/`--pair1`). */
export const PROTO_FLAGS: { readonly [P in Proto]: string } = { pair0: '--pair0', pair1: '--pair1' };

/**
 * How nanosp's tools send and receive (`--api`): `fast`, the default, takes the non-blocking
 * path first (`trySend`/`tryRecv`) and awaits only when it gives EAGAIN, as a nanomsg program's
 * one blocking call does; `await` uses nothing but `await s.send(buf)` and `await s.recv()`,
 * what an application writes.
 */
export type Api = 'fast' | 'await';
export const APIS: readonly Api[] = ['fast', 'await'];
/** The option that chooses it, followed by its value as the next word: `--api await`. */
export const API_OPTION = '--api';

/** nanosp's socket type for `proto`. */
export function pairType(proto: Proto): SocketType {
  return proto === 'pair1' ? 'pair1' : 'pair';
}

/** nanomsg's usage lines, word for word (inproc_thr's says `thread_thr`, as nanomsg's does). */
export const USAGE: { readonly [T in ToolName]: string } = {
  local_thr: 'usage: local_thr <bind-to> <msg-size> <msg-count>',
  remote_thr: 'usage: remote_thr <connect-to> <msg-size> <msg-count>',
  local_lat: 'usage: local_lat <bind-to> <msg-size> <roundtrips>',
  remote_lat: 'usage: remote_lat <connect-to> <msg-size> <roundtrips>',
  inproc_thr: 'usage: thread_thr <message-size> <message-count>',
  inproc_lat: 'usage: inproc_lat <message-size> <roundtrip-count>',
};

export interface ToolArgs {
  /** `--json` was given: print one JSON object instead of nanomsg's lines. */
  readonly json: boolean;
  /** `--pair1` was given (PAIR v1), or not or `--pair0` (PAIR v0, nanomsg's); the last one wins. */
  readonly proto: Proto;
  /** `--api fast|await` (fast when not given; the last one wins). The node:net baseline ignores it. */
  readonly api: Api;
  /** The bind-to or connect-to address; undefined for the inproc tools. */
  readonly url: string | undefined;
  /** Message size in bytes. */
  readonly size: number;
  /** Message count (throughput tools) or round trips (latency tools). */
  readonly count: number;
}

const INTEGER = /^\d+$/;

const FLAGS = ['--json', PROTO_FLAGS.pair0, PROTO_FLAGS.pair1];

/**
 * Parse `argv` (without node and the script) as nanomsg's tool does. `--json`, `--pair0`,
 * `--pair1` and `--api fast|await` may stand anywhere (none is an address, a size or a count,
 * so nanomsg's command lines mean what they meant). A wrong number of arguments prints the
 * usage line on stdout and exits 1, as nanomsg's tools do; so does a size that is not a decimal
 * integer ≥ 0 or a count that is not one ≥ 1 (nanomsg would read those through atoi as 0 and
 * misbehave), and an `--api` without `fast` or `await` after it.
 */
export function parseToolArgs(tool: ToolName, argv: readonly string[]): ToolArgs {
  const json = argv.includes('--json');
  const proto = argv.findLast((a) => a === PROTO_FLAGS.pair0 || a === PROTO_FLAGS.pair1) === PROTO_FLAGS.pair1 ? 'pair1' : 'pair0';
  let api: Api = 'fast';
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === API_OPTION) {
      const value = argv[++i];
      if (!APIS.includes(value as Api)) usage(tool);
      api = value as Api;
    } else if (!FLAGS.includes(arg)) rest.push(arg);
  }
  const inproc = tool.startsWith('inproc_');
  const want = inproc ? 2 : 3;
  const [sizeArg, countArg] = inproc ? rest : rest.slice(1);
  const url = inproc ? undefined : rest[0];
  if (rest.length !== want || !INTEGER.test(sizeArg ?? '') || !INTEGER.test(countArg ?? '') || url === '') usage(tool);
  const size = Number(sizeArg);
  const count = Number(countArg);
  if (!Number.isSafeInteger(size) || size > 2 ** 31 - 1 || !Number.isSafeInteger(count) || count < 1 || count > 2 ** 31 - 1) usage(tool);
  return { json, proto, api, url, size, count };
}

function usage(tool: ToolName): never {
  process.stdout.write(`${USAGE[tool]}\n`);
  process.exit(1);
}

/** A failure after the arguments were accepted (bind, connect, a wrong-sized message): exit 2. */
export function fail(tool: ToolName, what: string, err?: unknown): never {
  const why = err instanceof Error ? `: ${err.message}` : err === undefined ? '' : `: ${String(err)}`;
  process.stderr.write(`${tool}: ${what}${why}\n`);
  process.exit(2);
}

/** Microseconds on a monotonic clock (nanomsg's nn_stopwatch counts whole microseconds). */
export function nowUs(): bigint {
  return process.hrtime.bigint() / 1000n;
}

/** `printf("%.3f")`: toFixed rounds exact ties up, glibc's printf rounds them to even. */
export function fixed3(value: number): string {
  const scaled = value * 1000;
  const floor = Math.floor(scaled);
  // an exact tie at the 4th decimal needs a multiple of 1/16 (x·16 is exact: a power of two)
  if (Number.isInteger(value * 16) && scaled - floor === 0.5 && floor % 2 === 0 && Number.isSafeInteger(floor)) {
    const sign = floor < 0 ? '-' : '';
    const digits = String(Math.abs(floor)).padStart(4, '0');
    return `${sign}${digits.slice(0, -3)}.${digits.slice(-3)}`;
  }
  return value.toFixed(3);
}

/** local_thr's figures: msg/s truncated to an integer, and Mb/s = msg/s × size × 8 / 10⁶. */
export function throughput(count: number, size: number, elapsedUs: number): { msgPerSec: number; mbPerSec: number } {
  const total = elapsedUs === 0 ? 1 : elapsedUs;
  const msgPerSec = Math.trunc((count / total) * 1_000_000);
  return { msgPerSec, mbPerSec: (msgPerSec * size * 8) / 1_000_000 };
}

/** remote_lat's figure: the average one-way latency, total µs / (round trips × 2). */
export function latency(roundtrips: number, elapsedUs: number): number {
  return elapsedUs / (roundtrips * 2);
}

export function throughputLines(size: number, count: number, msgPerSec: number, mbPerSec: number, prefix = ''): string {
  return (
    `message size: ${size} [B]\n` +
    `message count: ${count}\n` +
    `${prefix}throughput: ${msgPerSec} [msg/s]\n` +
    `${prefix}throughput: ${fixed3(mbPerSec)} [Mb/s]\n`
  );
}

export function latencyLines(size: number, roundtrips: number, latencyUs: number): string {
  return `message size: ${size} [B]\n` + `roundtrip count: ${roundtrips}\n` + `average latency: ${fixed3(latencyUs)} [us]\n`;
}

/** CPU time so far, in µs, for the work-window figures. */
export interface CpuMark {
  readonly user: number;
  readonly sys: number;
}

export function cpuMark(): CpuMark {
  const usage = process.resourceUsage();
  return { user: usage.userCPUTime, sys: usage.systemCPUTime };
}

/**
 * Peak resident set in KiB: VmHWM from /proc/self/status on Linux, else getrusage's maxRSS.
 * ru_maxrss survives exec, so a tool started by a larger parent (the runner) would report the
 * parent's size; VmHWM belongs to this process image only.
 */
export function peakRssKiB(): number {
  try {
    const m = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]);
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS;
}

/** The `--json` object every tool (TypeScript and C) prints: one line, these keys. */
export interface PerfResult {
  tool: ToolName;
  impl: ImplName;
  /** The SP socket measured; null for the node:net baseline, which has none. */
  proto: Proto | null;
  /** nanosp's `--api`; null for the node:net baseline and the C tools, which have one way to send. */
  api: Api | null;
  /** The address (null for inproc_thr/inproc_lat, whose address is fixed). */
  url: string | null;
  size: number;
  /** msg-count or roundtrips. */
  count: number;
  /** The timed interval in µs, on the side that measures (local_thr, remote_lat, inproc_*); else null. */
  elapsedUs: number | null;
  msgPerSec: number | null;
  mbPerSec: number | null;
  /** One-way latency in µs as nanomsg prints it (remote_lat, inproc_lat); else null. */
  latencyUs: number | null;
  /** Peak resident set of the process, KiB (VmHWM on Linux, else getrusage's ru_maxrss). */
  maxRssKiB: number;
  /** CPU of the whole process up to the report, µs. */
  cpuUserUs: number;
  cpuSysUs: number;
  /** CPU from just before the first message operation to the end of the loop, µs (no start-up, no close). */
  workCpuUserUs: number;
  workCpuSysUs: number;
}

export interface Outcome {
  readonly elapsedUs?: number;
  readonly work: { readonly from: CpuMark; readonly to: CpuMark };
}

/** Print nanomsg's lines (or the JSON object) for `tool`. */
export function report(tool: ToolName, impl: ImplName, args: ToolArgs, outcome: Outcome): void {
  const elapsedUs = outcome.elapsedUs;
  let msgPerSec: number | null = null;
  let mbPerSec: number | null = null;
  let latencyUs: number | null = null;
  if (elapsedUs !== undefined && tool.endsWith('_thr')) ({ msgPerSec, mbPerSec } = throughput(args.count, args.size, elapsedUs));
  if (elapsedUs !== undefined && tool.endsWith('_lat')) latencyUs = latency(args.count, elapsedUs);
  if (args.json) {
    const usage = process.resourceUsage();
    const result: PerfResult = {
      tool,
      impl,
      proto: impl === 'node-net' ? null : args.proto,
      api: impl === 'nanosp' ? args.api : null,
      url: args.url ?? null,
      size: args.size,
      count: args.count,
      elapsedUs: elapsedUs ?? null,
      msgPerSec,
      mbPerSec: mbPerSec === null ? null : Number(fixed3(mbPerSec)),
      latencyUs,
      maxRssKiB: peakRssKiB(),
      cpuUserUs: usage.userCPUTime,
      cpuSysUs: usage.systemCPUTime,
      workCpuUserUs: outcome.work.to.user - outcome.work.from.user,
      workCpuSysUs: outcome.work.to.sys - outcome.work.from.sys,
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return;
  }
  if (msgPerSec !== null && mbPerSec !== null) {
    process.stdout.write(throughputLines(args.size, args.count, msgPerSec, mbPerSec, tool === 'inproc_thr' ? 'mean ' : ''));
  } else if (latencyUs !== null) {
    process.stdout.write(latencyLines(args.size, args.count, latencyUs));
  }
}

/**
 * nanosp's fast send: at once when a peer can take the message (no promise, no microtask),
 * and a waiting send only when none can — what nanomsg's blocking nn_send does in one call.
 */
export function sendNow(s: SpSocket, msg: Buffer): Promise<void> | undefined {
  try {
    s.trySend(msg);
    return undefined;
  } catch {
    return s.send(msg);
  }
}

/** nanosp's fast receive: a message that has arrived, or undefined (then await `s.recv()`). */
export function arrived(s: SpSocket): Buffer | undefined {
  try {
    return s.tryRecv();
  } catch {
    return undefined;
  }
}

const awaitedSend = (s: SpSocket, msg: Buffer): Promise<void> => s.send(msg);
const nothingYet = (): undefined => undefined;

/**
 * The tools' send for `api`: `sendNow` (fast), or the plain awaited `s.send` (await). A loop
 * awaits what it returns only when that is a promise: `await undefined` would still cost the
 * fast path a microtask turn and a promise per message (about a sixth of a 64 B sender's CPU).
 */
export function sender(api: Api): (s: SpSocket, msg: Buffer) => Promise<void> | undefined {
  return api === 'await' ? awaitedSend : sendNow;
}

/**
 * The tools' receive without waiting for `api`: `arrived` (fast), or nothing ever (await), so
 * `take(s) ?? (await s.recv())` is the fast path in one mode and a plain `await s.recv()` in the other.
 */
export function taker(api: Api): (s: SpSocket) => Buffer | undefined {
  return api === 'await' ? nothingYet : arrived;
}

/** nanosp's fast receive into a buffer: the body's length, or undefined when nothing has arrived. */
export function arrivedInto(s: SpSocket, into: Buffer): number | undefined {
  try {
    return s.tryRecvInto(into);
  } catch {
    return undefined;
  }
}

/** `taker` for receiving into a buffer: `takeInto(s, buf) ?? (await s.recvInto(buf))`. */
export function intoTaker(api: Api): (s: SpSocket, into: Buffer) => number | undefined {
  return api === 'await' ? nothingYet : arrivedInto;
}

/**
 * Resolves once the peer has hung up (its pipe is removed), or after `ms`. Start watching
 * before the work; `await` it before closing.
 *
 * A sender that closes as soon as its messages are in the kernel can lose the last ones at a
 * libnanomsg 1.1.5 receiver that is behind: while its reads wait for the application, epoll
 * still reports the hang-up, its poller takes that for an error, and the connection goes with
 * whatever it had not read (local_thr then waits for ever; seen here 3 times in ~70 runs of
 * 64 KiB over ipc). nanomsg's own remote_thr sleeps 1 s before closing; waiting for the
 * receiver to hang up first needs no guess.
 */
export function peerHangUp(s: SpSocket, ms: number): { wait(): Promise<void> } {
  let gone = false;
  let wake: (() => void) | undefined;
  const onRemoved = (): void => {
    gone = true;
    wake?.();
  };
  s.on('pipe-removed', onRemoved);
  return {
    wait: () =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(done, gone ? 0 : ms);
        function done(): void {
          clearTimeout(timer);
          s.off('pipe-removed', onRemoved);
          resolve();
        }
        wake = done;
      }),
  };
}
