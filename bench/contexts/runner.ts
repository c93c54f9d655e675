/**
 * `npm run bench -- --kind contexts`: requests per second with N requests in flight between
 * two processes (REQ → REP, the REP side echoing), for
 *
 *   nanosp              one REQ socket with N contexts → one REP socket with N contexts
 *   nanosp-sockets      N REQ sockets → one plain REP socket (nanosp before contexts)
 *   nanosp-sockets-ctx  N REQ sockets → one REP socket with N contexts
 *   nng                 bench/c/ctx.c on libnng: REQ with N contexts, one thread each →
 *                       REP with N contexts driven by aio callbacks
 *   nng-aio             the same, the REQ contexts driven by aio callbacks too (no threads of ours)
 *
 * Each run starts ctx_rep, waits until it listens, starts ctx_req (which warms up, then counts
 * replies over a fixed window), forwards ctx_req's "start"/"stop" marks to ctx_rep's standard
 * input, and closes that input when ctx_req is done so ctx_rep reports. bench/run.ts owns the
 * process plumbing and hands it in as a Harness.
 */
import { existsSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CtxResult } from './common.js';
import { NOISE_MARK, ratioOf, ratioText, type Spread } from '../runner/noise.js';

export const CTX_IMPLS = ['nanosp', 'nanosp-sockets', 'nanosp-sockets-ctx', 'nng', 'nng-aio'] as const;
export type CtxImpl = (typeof CTX_IMPLS)[number];
export const CTX_INFLIGHT = [1, 16, 256] as const;

const LABEL: { readonly [I in CtxImpl]: string } = { nanosp: 'nanosp', 'nanosp-sockets': 'nanosp-sockets', 'nanosp-sockets-ctx': 'nanosp-sockets-ctx', nng: 'nng', 'nng-aio': 'nng-aio' };
/** ctx_rep's and ctx_req's modes per implementation. */
const MODES: { readonly [I in CtxImpl]: readonly [rep: string, req: string] } = {
  nanosp: ['contexts', 'contexts'],
  'nanosp-sockets': ['socket', 'sockets'],
  'nanosp-sockets-ctx': ['contexts', 'sockets'],
  nng: ['contexts', 'contexts'],
  'nng-aio': ['contexts', 'aio'],
};
const DESCRIPTION: { readonly [I in CtxImpl]: string } = {
  nanosp: 'REQ with N contexts → REP with N contexts',
  'nanosp-sockets': 'N REQ sockets → one plain REP socket',
  'nanosp-sockets-ctx': 'N REQ sockets → REP with N contexts',
  nng: 'libnng 1.5.2: REQ with N contexts, a thread each → REP with N aio-driven contexts',
  'nng-aio': 'libnng 1.5.2: REQ with N aio-driven contexts → REP with N aio-driven contexts',
};
const isNng = (impl: CtxImpl): boolean => impl === 'nng' || impl === 'nng-aio';

export interface CtxOptions {
  quick: boolean;
  rounds: number;
  impls: readonly CtxImpl[];
  transports: readonly ('tcp' | 'ipc')[];
  sizes: readonly number[];
  inflight: readonly number[];
  /** Warm-up of the TypeScript tools (JIT) and of the C tools, ms, after every context has had a reply. */
  warmupMs: number;
  cWarmupMs: number;
  measureMs: number;
  timeoutMs: number;
}

export interface Proc {
  readonly child: ChildProcess;
  readonly commandLine: string;
  stdout: string;
  stderr: string;
  readonly exited: Promise<number | string>;
}

/** What bench/run.ts lends: process start/finish with timeouts and kill-on-exit, listener probing, formatting. */
export interface Harness {
  start(command: string[], extra?: { stdin?: boolean; onLine?: (line: string) => void }): Proc;
  finish(proc: Proc, deadline: number): Promise<void>;
  release(procs: readonly Proc[], ipcPath: string | undefined): Promise<void>;
  probe(url: string): Promise<boolean>;
  freePort(): Promise<number>;
  delay(ms: number): Promise<void>;
  note(text: string): void;
  hasCommand(command: string): boolean;
  median(values: number[]): number | undefined;
  table(head: string[], body: string[][], textColumns?: number): string;
  rate(n: number): string;
  build: string;
  root: string;
}

export interface CtxCell {
  readonly transport: 'tcp' | 'ipc';
  readonly size: number;
  readonly inflight: number;
}

export interface CtxRow extends CtxCell {
  round: number;
  impl: CtxImpl;
  kind: 'contexts';
  ok: boolean;
  error?: string;
  reqPerSec?: number;
  requests?: number;
  elapsedUs?: number;
  /** user+sys CPU of both processes over the measured window, per request. */
  cpuUsPerReq?: number;
  /** The larger peak RSS of the two processes. */
  maxRssKiB?: number;
  wallMs: number;
  results?: CtxResult[];
}

export interface CtxMedian extends CtxCell {
  impl: CtxImpl;
  runs: number;
  failures: number;
  reqPerSec?: number;
  min?: number;
  max?: number;
  cpuUsPerReq?: number;
  maxRssKiB?: number;
}

type Launch = (tool: 'ctx_rep' | 'ctx_req') => string[];

/** bench/c/ctx.c against libnng, into bench/.build/c/nng-ctx (ctx_rep and ctx_req are links to one binary). */
function buildNng(h: Harness): Launch | undefined {
  const header = '/usr/include/nng/nng.h';
  if (!h.hasCommand('gcc')) return void h.note('skipping nng contexts: gcc is not installed (apt-get install -y gcc)');
  if (!existsSync(header)) return void h.note(`skipping nng contexts: ${header} is not installed (apt-get install -y libnng-dev)`);
  const dir = join(h.build, 'c', 'nng-ctx');
  mkdirSync(dir, { recursive: true });
  const binary = join(dir, 'ctx');
  const r = spawnSync('gcc', ['-O2', '-Wall', '-Wextra', join(h.root, 'bench', 'c', 'ctx.c'), '-o', binary, '-lnng', '-lpthread'], { encoding: 'utf8' });
  if (r.status !== 0) return void h.note(`skipping nng contexts: gcc failed:\n${r.stderr}`);
  for (const tool of ['ctx_rep', 'ctx_req']) {
    rmSync(join(dir, tool), { force: true });
    symlinkSync('ctx', join(dir, tool));
  }
  return (tool) => [join(dir, tool)];
}

function plan(o: CtxOptions): CtxCell[] {
  const cells: CtxCell[] = [];
  for (const transport of o.transports) for (const size of o.sizes) for (const inflight of o.inflight) cells.push({ transport, size, inflight });
  return cells;
}

function parse(proc: Proc): CtxResult {
  const line = proc.stdout
    .trim()
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('{'));
  if (!line) throw new Error(`${proc.commandLine} printed no JSON; stdout ${JSON.stringify(proc.stdout.slice(-300))}, stderr ${JSON.stringify(proc.stderr.slice(-300))}`);
  return JSON.parse(line) as CtxResult;
}

let sequence = 0;

async function measure(h: Harness, launch: Launch, impl: CtxImpl, cell: CtxCell, round: number, o: CtxOptions): Promise<CtxRow> {
  const started = Date.now();
  const deadline = started + o.timeoutMs;
  const row: CtxRow = { round, impl, kind: 'contexts', ...cell, ok: false, wallMs: 0 };
  const procs: Proc[] = [];
  let ipcPath: string | undefined;
  try {
    let url: string;
    if (cell.transport === 'tcp') url = `tcp://127.0.0.1:${await h.freePort()}`;
    else {
      ipcPath = join(tmpdir(), `nanosp-bench-ctx-${process.pid}-${++sequence}.ipc`);
      rmSync(ipcPath, { force: true });
      url = `ipc://${ipcPath}`;
    }
    const [repMode, reqMode] = MODES[impl];
    const server = h.start([...launch('ctx_rep'), url, String(cell.size), String(cell.inflight), repMode, '--json'], { stdin: true });
    procs.push(server);
    let exited = false;
    void server.exited.then(() => (exited = true));
    while (!(await h.probe(url))) {
      if (exited) await h.finish(server, deadline);
      if (exited || Date.now() > deadline) throw new Error(`${server.commandLine} never listened; stderr ${JSON.stringify(server.stderr.slice(-300))}`);
      await h.delay(10);
    }
    const forward = (line: string): void => {
      if ((line === 'start' || line === 'stop') && server.child.stdin?.writable) server.child.stdin.write(`${line}\n`);
    };
    const client = h.start([...launch('ctx_req'), url, String(cell.size), String(cell.inflight), reqMode, String(isNng(impl) ? o.cWarmupMs : o.warmupMs), String(o.measureMs), '--json'], { onLine: forward });
    procs.push(client);
    // the server must answer until the client is done; a server that dies first fails the run
    await Promise.race([
      h.finish(client, deadline),
      server.exited.then((code) => {
        throw new Error(`${server.commandLine} exited with ${code} while serving; stderr ${JSON.stringify(server.stderr.slice(-500))}`);
      }),
    ]);
    server.child.stdin?.end();
    await h.finish(server, deadline);
    const results = [parse(server), parse(client)];
    const timed = results[1] as CtxResult;
    if (timed.reqPerSec === null || timed.requests === null) throw new Error('ctx_req reported no rate');
    row.results = results;
    row.reqPerSec = timed.reqPerSec;
    row.requests = timed.requests;
    row.elapsedUs = timed.elapsedUs ?? undefined;
    row.cpuUsPerReq = results.reduce((sum, r) => sum + r.workCpuUserUs + r.workCpuSysUs, 0) / Math.max(timed.requests, 1);
    row.maxRssKiB = Math.max(...results.map((r) => r.maxRssKiB));
    row.ok = true;
  } catch (err) {
    row.error = err instanceof Error ? err.message : String(err);
  } finally {
    await h.release(procs, ipcPath);
  }
  row.wallMs = Date.now() - started;
  return row;
}

const warmup = (o: CtxOptions): string => (o.warmupMs === o.cWarmupMs ? `${o.warmupMs} ms warm-up` : `${o.warmupMs} ms warm-up (C: ${o.cWarmupMs} ms)`);

const key = (c: CtxCell): string => `${c.transport}/${c.size}/${c.inflight}`;

function summarise(h: Harness, rows: CtxRow[], cells: CtxCell[], impls: readonly CtxImpl[]): CtxMedian[] {
  const out: CtxMedian[] = [];
  for (const cell of cells) {
    for (const impl of impls) {
      const mine = rows.filter((r) => r.impl === impl && key(r) === key(cell));
      if (mine.length === 0) continue;
      const ok = mine.filter((r) => r.ok);
      const rates = ok.map((r) => r.reqPerSec as number);
      out.push({
        impl,
        ...cell,
        runs: mine.length,
        failures: mine.length - ok.length,
        reqPerSec: h.median(rates),
        min: rates.length > 0 ? Math.min(...rates) : undefined,
        max: rates.length > 0 ? Math.max(...rates) : undefined,
        cpuUsPerReq: h.median(ok.map((r) => r.cpuUsPerReq as number)),
        maxRssKiB: h.median(ok.map((r) => r.maxRssKiB as number)),
      });
    }
  }
  return out;
}

function render(h: Harness, medians: CtxMedian[], cells: CtxCell[], impls: readonly CtxImpl[], o: CtxOptions): string {
  const get = (impl: CtxImpl, cell: CtxCell): CtxMedian | undefined => medians.find((m) => m.impl === impl && key(m) === key(cell));
  const present = impls.filter((i) => medians.some((m) => m.impl === i));
  const cellCols = (c: CtxCell): string[] => [String(c.inflight), `${c.size} B ${c.transport}`];
  const missing = (m: CtxMedian | undefined): string | undefined => (m === undefined ? '–' : m.reqPerSec === undefined ? 'failed' : undefined);
  const parts: string[] = [];
  parts.push(
    `Contexts: requests per second with N in flight between two processes, median of ${o.rounds} round(s) (min–max), ` +
      `${warmup(o)} + ${o.measureMs} ms window per run; higher is better\n\n` +
      present.map((i) => `- ${LABEL[i]}: ${DESCRIPTION[i]}`).join('\n'),
  );
  parts.push(
    h.table(
      ['in flight', 'message', ...present.map((i) => LABEL[i])],
      cells.map((c) => [
        ...cellCols(c),
        ...present.map((i) => {
          const m = get(i, c);
          return missing(m) ?? `${h.rate(m?.reqPerSec as number)} (${h.rate(m?.min as number)}–${h.rate(m?.max as number)})`;
        }),
      ]),
    ),
  );
  const pairs = ([['nanosp', 'nng'], ['nanosp', 'nng-aio'], ['nanosp', 'nanosp-sockets'], ['nanosp', 'nanosp-sockets-ctx'], ['nanosp-sockets', 'nng']] as const).filter(
    ([a, b]) => present.includes(a) && present.includes(b),
  );
  /** A column's req/s over its successful rounds. */
  const spread = (impl: CtxImpl, c: CtxCell): Spread | undefined => {
    const m = get(impl, c);
    return m?.reqPerSec === undefined ? undefined : { median: m.reqPerSec, min: m.min as number, max: m.max as number, runs: m.runs - m.failures };
  };
  if (pairs.length > 0) {
    parts.push(
      'Ratios of the medians (above 1: the first is faster)' +
        (o.rounds < 2 ? '; one round: no noise marks' : `; (lo–hi): the ratio's range over the rounds, min ÷ max to max ÷ min; ${NOISE_MARK}: within the noise, that range includes 1.00`),
    );
    parts.push(
      h.table(
        ['in flight', 'message', ...pairs.map(([a, b]) => `${LABEL[a]} ÷ ${LABEL[b]}`)],
        cells.map((c) => [
          ...cellCols(c),
          ...pairs.map(([a, b]) => {
            const x = spread(a, c);
            const y = spread(b, c);
            return x === undefined || y === undefined ? '–' : ratioText(ratioOf(x, y));
          }),
        ]),
      ),
    );
  }
  parts.push('CPU per request, median µs (user+sys of both processes over the measured window)');
  parts.push(h.table(['in flight', 'message', ...present.map((i) => LABEL[i])], cells.map((c) => [...cellCols(c), ...present.map((i) => missing(get(i, c)) ?? (get(i, c)?.cpuUsPerReq as number).toFixed(1))])));
  parts.push('Peak RSS, median MiB (the larger of the two processes)');
  parts.push(h.table(['in flight', 'message', ...present.map((i) => LABEL[i])], cells.map((c) => [...cellCols(c), ...present.map((i) => missing(get(i, c)) ?? ((get(i, c)?.maxRssKiB as number) / 1024).toFixed(1))])));
  return parts.join('\n\n');
}

/** Run the contexts benchmark; `node` starts a TypeScript tool (compiled or through tsx), or is undefined when they could not be built. */
export async function runContexts(h: Harness, o: CtxOptions, node: Launch | undefined): Promise<{ rows: CtxRow[]; medians: CtxMedian[]; text: string; cells: CtxCell[] }> {
  const launchers: Partial<Record<CtxImpl, Launch>> = {};
  for (const impl of o.impls) if (!isNng(impl) && node) launchers[impl] = node;
  if (o.impls.some(isNng)) {
    const nng = buildNng(h);
    if (nng) for (const impl of o.impls) if (isNng(impl)) launchers[impl] = nng;
  }
  const impls = o.impls.filter((i) => launchers[i] !== undefined);
  const cells = plan(o);
  const rows: CtxRow[] = [];
  if (impls.length === 0 || cells.length === 0) {
    h.note('contexts: nothing to measure');
    return { rows, medians: [], text: '', cells };
  }
  const total = o.rounds * cells.length * impls.length;
  h.note(`contexts: ${cells.length} cells × ${impls.join(', ')}: ${total} runs of ${warmup(o)} + ${o.measureMs} ms, interleaved round by round`);
  let done = 0;
  for (let round = 1; round <= o.rounds; round++) {
    for (const cell of cells) {
      const rotated = impls.map((_, k) => impls[(k + round - 1) % impls.length] as CtxImpl);
      for (const impl of rotated) {
        const row = await measure(h, launchers[impl] as Launch, impl, cell, round, o);
        rows.push(row);
        done++;
        const figure = row.ok ? `${h.rate(row.reqPerSec as number)} req/s, ${(row.cpuUsPerReq as number).toFixed(1)} µs CPU/req` : `FAILED: ${row.error}`;
        h.note(`[${done}/${total}] round ${round} ${LABEL[impl]} contexts ${cell.inflight} in flight, ${cell.size} B ${cell.transport}: ${figure} (${(row.wallMs / 1000).toFixed(1)} s)`);
      }
    }
  }
  const medians = summarise(h, rows, cells, impls);
  return { rows, medians, cells, text: render(h, medians, cells, impls, o) };
}
