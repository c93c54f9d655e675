/**
 * `npm run bench`: nanosp beside the raw node:net baseline, libnanomsg 1.1.5 and NNG 1.5.2
 * (through its nanomsg compatibility API), measured in one run with nanomsg's perf tools and
 * interleaved round by round, so every ratio compares figures taken under the same noise.
 *
 *   npm run bench                       3 rounds of every cell (several minutes)
 *   npm run bench -- --rounds 5         more rounds
 *   npm run bench -- --quick            1 round, small counts, few cells: a smoke test for CI
 *   npm run bench -- --impl nanosp,node-net --transport tcp --kind thr --size 64
 *   npm run bench -- --tsx              run the TypeScript tools through tsx instead of compiling
 *   npm run bench -- --no-cross         skip the nanosp <-> C interop runs
 *   npm run bench -- --proto pair0,pair1
 *                                       PAIR v1 beside PAIR v0 (nanosp and NNG; the node:net
 *                                       baseline has no protocol, libnanomsg no PAIR v1)
 *   npm run bench -- --api fast,await   nanosp's awaited send/recv beside its fast path
 *   npm run bench -- --kind contexts    requests/s with 1, 16, 256 in flight: nanosp contexts,
 *                                       N nanosp REQ sockets, NNG contexts (bench/contexts/runner.ts)
 *
 * Each run starts the local tool (local_thr/local_lat) with --json, waits until it listens on
 * its address (the kernel's socket tables, or a connection off Linux), runs the remote tool, and reads both JSON objects; inproc cells
 * run inproc_thr/inproc_lat alone. Every run has a timeout and every child is killed on exit.
 * Medians with their min–max over the rounds and ratios with their noise are printed; every
 * row is written to bench/results/latest.json (and the tables to bench/results/latest.md).
 * What to measure is in runner/plan.ts and runner/options.ts, the tables in runner/report.ts.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Api, ImplName, PerfResult, Proto, ToolName } from './perf/common.js';
import { freePort, probe } from './runner/listening.js';
import { runContexts, type Harness } from './contexts/runner.js';
import { median } from './runner/noise.js';
import { parseOptions, type Options } from './runner/options.js';
import { countFor, hasImpl, labelOf, plan, protosOf, toolArgs, variantsOf, type Cell, type Variant } from './runner/plan.js';
import { rate, render, sizeLabel, summarise, table, type Row } from './runner/report.js';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const BUILD = join(ROOT, 'bench', '.build');
const RESULTS = join(ROOT, 'bench', 'results');

// ---- building the tools --------------------------------------------------------------------

/** How to start each implementation's tools; undefined when it could not be built. */
type Launchers = Partial<Record<ImplName, (tool: ToolName) => string[]>>;

function note(text: string): void {
  process.stdout.write(`bench: ${text}\n`);
}

function hasCommand(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

let compiledOnce: boolean | undefined;

/** Compile bench/perf, bench/baseline, bench/contexts and the src they import to plain JS in bench/.build/js (once per run). */
function buildTypeScript(): boolean {
  if (compiledOnce !== undefined) return compiledOnce;
  mkdirSync(BUILD, { recursive: true });
  const config = join(BUILD, 'tsconfig.json');
  writeFileSync(
    config,
    JSON.stringify(
      {
        extends: '../../tsconfig.json',
        compilerOptions: { outDir: 'js', rootDir: '../..', noEmit: false, declaration: false, sourceMap: false, noEmitOnError: false, incremental: false },
        include: ['../perf/*.ts', '../baseline/*.ts', '../contexts/*.ts'],
      },
      null,
      2,
    ),
  );
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', config], { cwd: ROOT, encoding: 'utf8' });
  const built = existsSync(join(BUILD, 'js', 'bench', 'perf', 'local_thr.js')) && existsSync(join(BUILD, 'js', 'bench', 'baseline', 'local_thr.js'));
  if (r.status !== 0) {
    const first = `${r.stdout}${r.stderr}`.trim().split('\n').slice(0, 5).join('\n  ');
    note(`tsc reported errors${built ? ' (the tools were emitted anyway)' : ''}:\n  ${first}`);
  }
  compiledOnce = built;
  return built;
}

const C_LIBS: { readonly [I in 'libnanomsg' | 'nng']: { header: string; flags: string[] } } = {
  libnanomsg: { header: '/usr/include/nanomsg/nn.h', flags: ['-lnanomsg', '-lpthread'] },
  nng: { header: '/usr/include/nng/compat/nanomsg/nn.h', flags: ['-I/usr/include/nng/compat', '-lnng', '-lpthread'] },
};
const TOOLS: readonly ToolName[] = ['local_thr', 'remote_thr', 'local_lat', 'remote_lat', 'inproc_thr', 'inproc_lat'];

/** Build bench/c/perf.c against one library; the tools are symlinks named after each tool. */
function buildC(impl: 'libnanomsg' | 'nng'): string | undefined {
  const { header, flags } = C_LIBS[impl];
  if (!hasCommand('gcc')) return void note(`skipping ${impl}: gcc is not installed (apt-get install -y gcc)`);
  if (!existsSync(header)) return void note(`skipping ${impl}: ${header} is not installed (apt-get install -y ${impl === 'nng' ? 'libnng-dev' : 'libnanomsg-dev'})`);
  const dir = join(BUILD, 'c', impl);
  mkdirSync(dir, { recursive: true });
  const binary = join(dir, 'perf');
  const source = join(ROOT, 'bench', 'c', 'perf.c');
  const r = spawnSync('gcc', ['-O2', '-Wall', '-Wextra', source, '-o', binary, ...flags], { encoding: 'utf8' });
  if (r.status !== 0) return void note(`skipping ${impl}: gcc failed:\n${r.stderr}`);
  for (const tool of TOOLS) {
    const link = join(dir, tool);
    rmSync(link, { force: true });
    symlinkSync('perf', link);
  }
  return dir;
}

function prepare(o: Options): Launchers {
  const launchers: Launchers = {};
  const wantsNode = o.impls.includes('nanosp') || o.impls.includes('node-net');
  let compiled = false;
  if (wantsNode && !o.tsx) {
    compiled = buildTypeScript();
    if (!compiled) note('could not compile the TypeScript tools; running them through tsx (slower start-up, more memory)');
  }
  const nodeTool = (folder: 'perf' | 'baseline') => (tool: ToolName): string[] =>
    compiled ? [process.execPath, join(BUILD, 'js', 'bench', folder, `${tool}.js`)] : [process.execPath, '--import', 'tsx', join(ROOT, 'bench', folder, `${tool}.ts`)];
  if (o.impls.includes('nanosp')) launchers.nanosp = nodeTool('perf');
  if (o.impls.includes('node-net')) launchers['node-net'] = nodeTool('baseline');
  const needC = new Set<'libnanomsg' | 'nng'>(o.impls.filter((i): i is 'libnanomsg' | 'nng' => i === 'libnanomsg' || i === 'nng'));
  if (o.cross && o.impls.includes('nanosp')) {
    needC.add('libnanomsg');
    needC.add('nng');
  }
  for (const impl of needC) {
    const dir = buildC(impl);
    if (dir) launchers[impl] = (tool) => [join(dir, tool)];
  }
  return launchers;
}

// ---- running -------------------------------------------------------------------------------

const live = new Set<ChildProcess>();

function killAll(): void {
  for (const child of live) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    killAll();
    process.stdout.write(`\nbench: interrupted (${signal}); every child process was killed\n`);
    process.exit(130);
  });
}
process.once('exit', killAll);

interface Proc {
  readonly child: ChildProcess;
  readonly commandLine: string;
  stdout: string;
  stderr: string;
  readonly exited: Promise<number | string>;
}

function start(command: string[], extra: { stdin?: boolean; onLine?: (line: string) => void } = {}): Proc {
  const [file, ...args] = command as [string, ...string[]];
  const child = spawn(file, args, { stdio: [extra.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'], cwd: ROOT });
  // a child that exits without reading its stdin must not fail the runner with EPIPE
  child.stdin?.on('error', () => {});
  live.add(child);
  const proc: Proc = {
    child,
    commandLine: command.map((a) => (a.startsWith(`${ROOT}/`) ? relative(ROOT, a) : a)).join(' '),
    stdout: '',
    stderr: '',
    exited: new Promise((resolve) => {
      child.once('error', (err) => resolve(err.message));
      child.once('exit', (code, signal) => {
        live.delete(child);
        resolve(code ?? signal ?? 'unknown');
      });
    }),
  };
  let seen = 0;
  child.stdout?.setEncoding('utf8').on('data', (t: string) => {
    proc.stdout += t;
    if (!extra.onLine) return;
    let nl: number;
    while ((nl = proc.stdout.indexOf('\n', seen)) >= 0) {
      extra.onLine(proc.stdout.slice(seen, nl));
      seen = nl + 1;
    }
  });
  child.stderr?.setEncoding('utf8').on('data', (t: string) => (proc.stderr += t));
  return proc;
}


const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function parseResult(proc: Proc): PerfResult {
  const line = proc.stdout
    .trim()
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('{'));
  if (!line) throw new Error(`${proc.commandLine} printed no JSON; stdout ${JSON.stringify(proc.stdout.slice(-300))}, stderr ${JSON.stringify(proc.stderr.slice(-300))}`);
  return JSON.parse(line) as PerfResult;
}

async function finish(proc: Proc, deadline: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), Math.max(0, deadline - Date.now()))));
  const outcome = await Promise.race([proc.exited, expired]);
  clearTimeout(timer);
  if (outcome === 'timeout') {
    proc.child.kill('SIGKILL');
    await proc.exited;
    throw new Error(`${proc.commandLine} did not finish in time; stderr ${JSON.stringify(proc.stderr.slice(-300))}`);
  }
  if (outcome !== 0) throw new Error(`${proc.commandLine} exited with ${outcome}; stderr ${JSON.stringify(proc.stderr.slice(-500))}`);
}

let sequence = 0;

async function measure(
  launch: { local: (t: ToolName) => string[]; remote?: (t: ToolName) => string[] },
  who: { impl: string; local: ImplName; remote: ImplName | null; proto: Proto | null; api: Api | null },
  cell: Cell,
  count: number,
  round: number,
  timeoutMs: number,
): Promise<Row> {
  const started = Date.now();
  const deadline = started + timeoutMs;
  const row: Row = { round, ...who, kind: cell.kind, transport: cell.transport, size: cell.size, count, ok: false, wallMs: 0 };
  const procs: Proc[] = [];
  let ipcPath: string | undefined;
  try {
    let results: PerfResult[];
    if (cell.transport === 'inproc') {
      const proc = start([...launch.local(`inproc_${cell.kind}`), String(cell.size), String(count), '--json', ...toolArgs(who)]);
      procs.push(proc);
      await finish(proc, deadline);
      results = [parseResult(proc)];
    } else {
      let url: string;
      if (cell.transport === 'tcp') url = `tcp://127.0.0.1:${await freePort()}`;
      else {
        ipcPath = join(tmpdir(), `nanosp-bench-${process.pid}-${++sequence}.ipc`);
        rmSync(ipcPath, { force: true });
        url = `ipc://${ipcPath}`;
      }
      const args = [url, String(cell.size), String(count), '--json', ...toolArgs(who)];
      const local = start([...launch.local(`local_${cell.kind}`), ...args]);
      procs.push(local);
      // wait until the local side listens, so the remote's clock never counts a reconnect wait
      let exited = false;
      void local.exited.then(() => (exited = true));
      while (!(await probe(url))) {
        if (exited) await finish(local, deadline);
        if (exited || Date.now() > deadline) throw new Error(`${local.commandLine} never listened; stderr ${JSON.stringify(local.stderr.slice(-300))}`);
        await delay(10);
      }
      const remote = start([...(launch.remote ?? launch.local)(`remote_${cell.kind}`), ...args]);
      procs.push(remote);
      await Promise.all([finish(local, deadline), finish(remote, deadline)]);
      results = [parseResult(local), parseResult(remote)];
    }
    const timed = results.find((r) => r.elapsedUs !== null);
    if (!timed) throw new Error('no tool reported a timed interval');
    row.results = results;
    const messages = cell.kind === 'thr' ? count : count * 2;
    if (cell.kind === 'thr') {
      // nanomsg's formula without its truncation to an integer, which costs up to 10 % at 16 MiB
      row.msgPerSec = timed.elapsedUs !== null && timed.elapsedUs > 0 ? (count * 1e6) / timed.elapsedUs : (timed.msgPerSec ?? undefined);
      row.mbytesPerSec = ((row.msgPerSec ?? 0) * cell.size) / 1e6;
    } else {
      row.latencyUs = timed.latencyUs ?? undefined;
    }
    row.cpuUsPerMsg = results.reduce((sum, r) => sum + r.workCpuUserUs + r.workCpuSysUs, 0) / messages;
    row.cpuTotalUs = results.reduce((sum, r) => sum + r.cpuUserUs + r.cpuSysUs, 0);
    row.maxRssKiB = Math.max(...results.map((r) => r.maxRssKiB));
    row.ok = true;
  } catch (err) {
    row.error = err instanceof Error ? err.message : String(err);
  } finally {
    await releaseRun(procs, ipcPath);
  }
  row.wallMs = Date.now() - started;
  return row;
}

// ---- the contexts benchmark (bench/contexts/runner.ts) ---------------------------------------

/** After a run: kill what is still running, wait for every exit, remove the ipc socket file. */
async function releaseRun(procs: readonly Proc[], ipcPath: string | undefined): Promise<void> {
  for (const proc of procs) if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill('SIGKILL');
  await Promise.all(procs.map((p) => p.exited));
  if (ipcPath) rmSync(ipcPath, { force: true });
}

const harness: Harness = { start, finish, release: releaseRun, probe, freePort, delay, note, hasCommand, median, table, rate, build: BUILD, root: ROOT };

function contextOptions(o: Options): Parameters<typeof runContexts>[1] {
  const transports = o.transportGiven ? o.transports.filter((t): t is 'tcp' | 'ipc' => t !== 'inproc') : (['tcp'] as const);
  return { quick: o.quick, rounds: o.rounds, impls: o.ctxImpls, transports, sizes: o.sizes ?? [64], inflight: o.inflight, warmupMs: o.warmupMs, cWarmupMs: o.cWarmupMs, measureMs: o.measureMs, timeoutMs: o.timeoutMs };
}

/** ctx_rep/ctx_req in TypeScript: compiled to bench/.build/js with the perf tools, or through tsx. */
function contextLauncher(o: Options): ((tool: 'ctx_rep' | 'ctx_req') => string[]) | undefined {
  if (o.ctxImpls.every((i) => i.startsWith('nng'))) return undefined;
  let compiled = false;
  if (!o.tsx) {
    compiled = buildTypeScript() && existsSync(join(BUILD, 'js', 'bench', 'contexts', 'ctx_req.js'));
    if (!compiled) note('could not compile the contexts tools; running them through tsx (slower start-up, more memory)');
  }
  return (tool) => (compiled ? [process.execPath, join(BUILD, 'js', 'bench', 'contexts', `${tool}.js`)] : [process.execPath, '--import', 'tsx', join(ROOT, 'bench', 'contexts', `${tool}.ts`)]);
}

// ---- main ----------------------------------------------------------------------------------

async function main(): Promise<number> {
  const o = parseOptions(process.argv.slice(2), RESULTS);
  const command = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
  const startedAt = new Date();
  const loadBefore = loadavg().map((l) => Number(l.toFixed(2)));
  note(`${command}: ${o.rounds} round(s)${o.quick ? ', quick' : ''}; building the tools`);
  const cells = plan(o);
  const launchers = cells.length > 0 ? prepare(o) : {};
  const impls = o.impls.filter((i) => launchers[i] !== undefined);
  if (cells.length > 0 && o.protos.includes('pair1') && impls.includes('libnanomsg')) note(`libnanomsg has no PAIR v1: ${o.protos.includes('pair0') ? 'it runs pair0 only' : 'it sits this run out'}`);
  const variants = variantsOf(impls, o.protos, o.apis);
  const label = (v: Variant): string => labelOf(v, o.protos, o.apis);
  // the perf tools' cells (thr, lat); `--kind contexts` alone runs none of them
  const perf = variants.length > 0 && cells.length > 0;
  if (!perf && !(o.contexts && o.ctxImpls.length > 0)) {
    note('nothing to measure');
    return 1;
  }
  const total = o.rounds * cells.reduce((n, c) => n + variants.filter((v) => hasImpl(v.impl, c.transport)).length, 0);
  if (perf) note(`${cells.length} cells × ${variants.map(label).join(', ')}: ${total} runs, interleaved round by round`);

  const rows: Row[] = [];
  let done = 0;
  for (let round = 1; perf && round <= o.rounds; round++) {
    for (const cell of cells) {
      const order = variants.filter((v) => hasImpl(v.impl, cell.transport));
      // rotate the order every round so no implementation always runs first after a cell change
      const rotated = order.map((_, k) => order[(k + round - 1) % order.length] as Variant);
      for (const v of rotated) {
        const { impl, proto, api } = v;
        const launch = launchers[impl] as (t: ToolName) => string[];
        const count = countFor(impl, cell, o.quick);
        const row = await measure({ local: launch }, { impl, local: impl, remote: cell.transport === 'inproc' ? null : impl, proto, api }, cell, count, round, o.timeoutMs);
        rows.push(row);
        done++;
        const figure = !row.ok ? `FAILED: ${row.error}` : cell.kind === 'thr' ? `${rate(row.msgPerSec as number)} msg/s` : `${(row.latencyUs as number).toFixed(2)} µs`;
        note(`[${done}/${total}] round ${round} ${label(v)} ${cell.kind} ${sizeLabel(cell.size)} ${cell.transport} ×${count}: ${figure} (${(row.wallMs / 1000).toFixed(1)} s)`);
      }
    }
  }

  if (perf && o.cross && launchers.nanosp) {
    // each protocol with the C tools that speak it: PAIR v1 with NNG's alone
    for (const proto of o.protos) {
      const peers = (['libnanomsg', 'nng'] as const).filter((p) => launchers[p] && protosOf(p, [proto]).length > 0);
      for (const peer of peers) {
        for (const kind of ['thr', 'lat'] as const) {
          const cell: Cell = { kind, transport: 'tcp', size: 64 };
          const count = kind === 'thr' ? (o.quick ? 5000 : 50_000) : o.quick ? 1000 : 5000;
          for (const [local, remote] of [['nanosp', peer], [peer, 'nanosp']] as const) {
            const launch = { local: launchers[local] as (t: ToolName) => string[], remote: launchers[remote] as (t: ToolName) => string[] };
            const impl = `${local}→${remote}${proto === 'pair1' ? ' pair1' : ''}`;
            // nanosp's side runs its default tools (the fast path)
            const row = await measure(launch, { impl, local, remote, proto, api: 'fast' }, cell, count, 0, o.timeoutMs);
            rows.push(row);
            const figure = !row.ok ? `FAILED: ${row.error}` : kind === 'thr' ? `${rate(row.msgPerSec as number)} msg/s` : `${(row.latencyUs as number).toFixed(2)} µs`;
            note(`interop ${label({ impl: local, proto, api: null })} local_${kind} ← ${label({ impl: remote, proto, api: null })} remote_${kind}, 64 B tcp ×${count}: ${figure}`);
          }
        }
      }
    }
  }

  const ctx = o.contexts ? await runContexts(harness, contextOptions(o), contextLauncher(o)) : undefined;

  const medians = summarise(rows, cells, variants);
  const report = perf ? render(medians, cells, variants, rows, o) : undefined;
  const text = [report?.text ?? '', ctx?.text ?? ''].filter(Boolean).join('\n\n');
  const failures = rows.filter((r) => !r.ok);
  const ctxFailures = ctx?.rows.filter((r) => !r.ok) ?? [];
  const finishedAt = new Date();
  const loadAfter = loadavg().map((l) => Number(l.toFixed(2)));
  const machine = { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, node: process.version, kernel: release(), platform: process.platform, loadavgBefore: loadBefore, loadavgAfter: loadAfter };
  process.stdout.write(`\n${text}\n\n`);

  mkdirSync(dirname(o.out), { recursive: true });
  const json = {
    command,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    machine,
    options: o,
    medians,
    comparisons: report?.comparisons ?? [],
    rows,
    ...(ctx ? { contextMedians: ctx.medians, contextRows: ctx.rows } : {}),
  };
  writeFileSync(o.out, `${JSON.stringify(json, null, 2)}\n`);
  const mdPath = o.out.replace(/\.json$/, '') + '.md';
  const header = `Command: \`${command}\`\n\nMachine: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, Linux ${machine.kernel}; ${startedAt.toISOString()}, ${Math.round((finishedAt.getTime() - startedAt.getTime()) / 1000)} s; load average ${loadBefore.join(' ')} before, ${loadAfter.join(' ')} after\n\n`;
  writeFileSync(mdPath, `${header}${text}\n`);
  const runs = rows.length + (ctx?.rows.length ?? 0);
  note(`${runs} runs in ${Math.round((finishedAt.getTime() - startedAt.getTime()) / 1000)} s; rows written to ${relative(process.cwd(), o.out) || o.out} (tables: ${relative(process.cwd(), mdPath)})`);
  if (failures.length + ctxFailures.length > 0) {
    note(`${failures.length + ctxFailures.length} run(s) failed:`);
    for (const f of failures) note(`  ${f.impl.includes('→') ? f.impl : label({ impl: f.local, proto: f.proto, api: f.api })} ${f.kind} ${sizeLabel(f.size)} ${f.transport}: ${f.error}`);
    for (const f of ctxFailures) note(`  ${f.impl} contexts ${f.inflight} in flight ${sizeLabel(f.size)} ${f.transport}: ${f.error}`);
    return 1;
  }
  return 0;
}

process.exitCode = await main();
