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
 *   npm run bench -- --kind contexts    requests/s with 1, 16, 256 in flight: nanosp contexts,
 *                                       N nanosp REQ sockets, NNG contexts (bench/contexts/runner.ts)
 *
 * Each run starts the local tool (local_thr/local_lat) with --json, waits until it listens on
 * its address (the kernel's socket tables, or a connection off Linux), runs the remote tool, and reads both JSON objects; inproc cells
 * run inproc_thr/inproc_lat alone. Every run has a timeout and every child is killed on exit.
 * Medians and ratios are printed; every row is written to bench/results/latest.json (and the
 * tables to bench/results/latest.md).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { cpus, loadavg, release, tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PROTO_FLAGS, type ImplName, type PerfResult, type Proto, type ToolName } from './perf/common.js';
import { CTX_IMPLS, CTX_INFLIGHT, runContexts, type CtxImpl, type Harness } from './contexts/runner.js';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const BUILD = join(ROOT, 'bench', '.build');
const RESULTS = join(ROOT, 'bench', 'results');

type Kind = 'thr' | 'lat';
type Transport = 'tcp' | 'ipc' | 'inproc';

interface Cell {
  readonly kind: Kind;
  readonly transport: Transport;
  readonly size: number;
}

const IMPLS: readonly ImplName[] = ['nanosp', 'node-net', 'libnanomsg', 'nng'];
const LABEL: { readonly [I in ImplName]: string } = { nanosp: 'nanosp', 'node-net': 'node:net', libnanomsg: 'libnanomsg', nng: 'nng' };
const PROTOS: readonly Proto[] = ['pair0', 'pair1'];

/**
 * What one column measures: an implementation's tools on one SP socket (`--pair1` for PAIR v1),
 * or the node:net baseline, which has no SP protocol (proto null) and is run once per cell
 * whatever `--proto` says.
 */
interface Variant {
  readonly impl: ImplName;
  readonly proto: Proto | null;
}

/** Which protocols each implementation's tools can run: libnanomsg has no PAIR v1. */
function protosOf(impl: ImplName, protos: readonly Proto[]): (Proto | null)[] {
  if (impl === 'node-net') return [null];
  if (impl === 'libnanomsg') return protos.filter((p) => p === 'pair0');
  return [...protos];
}

/**
 * A column's name: the implementation's alone in the default run (PAIR v0 only), as before
 * --proto existed; with the socket after it once the run measures PAIR v1.
 */
function labelOf(v: Variant, protos: readonly Proto[]): string {
  const plain = protos.length === 1 && protos[0] === 'pair0';
  return v.proto === null || plain ? LABEL[v.impl] : `${LABEL[v.impl]} ${v.proto}`;
}

function sameVariant(a: Variant, b: Variant): boolean {
  return a.impl === b.impl && a.proto === b.proto;
}

// ---- options -------------------------------------------------------------------------------

interface Options {
  quick: boolean;
  rounds: number;
  impls: ImplName[];
  /** `--proto`: the SP sockets the perf tools measure (pair0 alone by default). */
  protos: Proto[];
  transports: Transport[];
  kinds: Kind[];
  sizes: number[] | undefined;
  /** `--kind contexts`: run the contexts benchmark (bench/contexts/runner.ts); not part of the default run. */
  contexts: boolean;
  ctxImpls: CtxImpl[];
  inflight: number[];
  /** The contexts runs' warm-up (the TypeScript tools', the C tools') and measured window, ms. */
  warmupMs: number;
  cWarmupMs: number;
  measureMs: number;
  /** --transport was given (the contexts runs default to tcp alone). */
  transportGiven: boolean;
  cross: boolean;
  tsx: boolean;
  timeoutMs: number;
  out: string;
}

function usage(message?: string): never {
  if (message) process.stderr.write(`bench: ${message}\n`);
  process.stderr.write(
    'usage: npm run bench -- [--quick] [--rounds N] [--impl nanosp,node-net,libnanomsg,nng] [--transport tcp,ipc,inproc]\n' +
      '                        [--kind thr,lat] [--size 64,1024,65536] [--proto pair0,pair1] [--no-cross] [--tsx]\n' +
      '                        [--timeout SECONDS] [--out FILE]\n' +
      '       npm run bench -- --kind contexts [--impl nanosp,nanosp-sockets,nanosp-sockets-ctx,nng,nng-aio] [--inflight 1,16,256]\n' +
      '                        [--window WARMUP_MS,MEASURE_MS] [--quick] [--rounds N] [--size 64] [--transport tcp,ipc]\n',
  );
  process.exit(2);
}

function list<T extends string>(value: string | undefined, allowed: readonly T[], what: string): T[] {
  if (!value) usage(`${what} needs a value`);
  const items = value.split(',').filter(Boolean);
  for (const item of items) if (!allowed.includes(item as T)) usage(`unknown ${what} ${JSON.stringify(item)} (one of ${allowed.join(', ')})`);
  return items as T[];
}

function parseOptions(argv: string[]): Options {
  const o: Options = {
    quick: false,
    rounds: 0,
    impls: [...IMPLS],
    protos: ['pair0'],
    transports: ['tcp', 'ipc', 'inproc'],
    kinds: ['thr', 'lat'],
    sizes: undefined,
    contexts: false,
    ctxImpls: [...CTX_IMPLS],
    inflight: [...CTX_INFLIGHT],
    warmupMs: 0,
    cWarmupMs: 0,
    measureMs: 0,
    transportGiven: false,
    cross: true,
    tsx: false,
    timeoutMs: 0,
    out: join(RESULTS, 'latest.json'),
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const next = (): string | undefined => argv[++i];
    switch (arg) {
      case '--quick':
        o.quick = true;
        break;
      case '--rounds': {
        const n = Number(next());
        if (!Number.isInteger(n) || n < 1) usage('--rounds needs a positive integer');
        o.rounds = n;
        break;
      }
      case '--impl': {
        // the perf tools' implementations and the contexts benchmark's; each part takes its own
        const items = list<string>(next(), [...new Set<string>([...IMPLS, ...CTX_IMPLS])], 'implementation');
        o.impls = items.filter((i): i is ImplName => (IMPLS as readonly string[]).includes(i));
        o.ctxImpls = items.filter((i): i is CtxImpl => (CTX_IMPLS as readonly string[]).includes(i));
        break;
      }
      case '--proto': {
        const given = list(next(), PROTOS, 'protocol');
        if (given.length === 0) usage('--proto needs pair0, pair1 or both');
        // in PROTOS' order, once each, whatever the order given
        o.protos = PROTOS.filter((p) => given.includes(p));
        break;
      }
      case '--transport':
        o.transports = list(next(), ['tcp', 'ipc', 'inproc'] as const, 'transport');
        o.transportGiven = true;
        break;
      case '--kind': {
        const kinds = list(next(), ['thr', 'lat', 'contexts'] as const, 'kind');
        o.kinds = kinds.filter((k): k is Kind => k !== 'contexts');
        o.contexts = kinds.includes('contexts');
        break;
      }
      case '--inflight': {
        const counts = (next() ?? '').split(',').map(Number);
        if (counts.some((n) => !Number.isInteger(n) || n < 1 || n > 4096)) usage('--inflight needs counts from 1 to 4096, comma separated');
        o.inflight = counts;
        break;
      }
      case '--window': {
        const ms = (next() ?? '').split(',').map(Number);
        if (ms.length !== 2 || !Number.isInteger(ms[0]) || (ms[0] as number) < 0 || !Number.isInteger(ms[1]) || (ms[1] as number) < 1) usage('--window needs WARMUP_MS,MEASURE_MS');
        [o.warmupMs, o.measureMs] = ms as [number, number];
        o.cWarmupMs = o.warmupMs;
        break;
      }
      case '--size': {
        const sizes = (next() ?? '').split(',').map(Number);
        if (sizes.length === 0 || sizes.some((s) => !Number.isInteger(s) || s < 0)) usage('--size needs sizes in bytes, comma separated');
        o.sizes = sizes;
        break;
      }
      case '--no-cross':
        o.cross = false;
        break;
      case '--tsx':
        o.tsx = true;
        break;
      case '--timeout': {
        const s = Number(next());
        if (!(s > 0)) usage('--timeout needs seconds');
        o.timeoutMs = s * 1000;
        break;
      }
      case '--out':
        o.out = next() ?? usage('--out needs a file');
        break;
      case '-h':
      case '--help':
        usage();
        break;
      default:
        usage(`unknown argument ${JSON.stringify(arg)}`);
    }
  }
  if (o.rounds === 0) o.rounds = o.quick ? 1 : 3;
  if (o.timeoutMs === 0) o.timeoutMs = o.quick ? 30_000 : 60_000;
  // nanosp reaches its steady rate after ~0.7–1 s of JIT warm-up at the low rates (N = 1, or N
  // sockets); the C tools need none
  if (o.measureMs === 0) [o.warmupMs, o.cWarmupMs, o.measureMs] = o.quick ? [700, 200, 500] : [1000, 300, 1000];
  return o;
}

// ---- what to measure -----------------------------------------------------------------------

function plan(o: Options): Cell[] {
  const cells: Cell[] = [];
  const add = (kind: Kind, transport: Transport, size: number): void => {
    if (o.kinds.includes(kind) && o.transports.includes(transport) && (!o.sizes || o.sizes.includes(size))) cells.push({ kind, transport, size });
  };
  if (o.quick && !o.sizes) {
    add('thr', 'tcp', 64);
    add('thr', 'tcp', 65536);
    add('thr', 'ipc', 1024);
    add('thr', 'inproc', 64);
    add('lat', 'tcp', 64);
    add('lat', 'ipc', 64);
    add('lat', 'inproc', 64);
    return cells;
  }
  for (const kind of ['thr', 'lat'] as const) {
    for (const transport of ['tcp', 'ipc', 'inproc'] as const) {
      for (const size of o.sizes ?? (kind === 'thr' ? [64, 1024, 65536] : [64, 1024])) add(kind, transport, size);
    }
  }
  return cells;
}

/**
 * Message counts that keep one run's timed part near 0.5–2 s on a 2-core machine (measured
 * here: raw node ~4 M msg/s at 64 B over tcp, nanosp ~1.6 M, libnanomsg ~0.5 M, NNG through its
 * compat API ~30 k msg/s at every size; nanosp's inproc passes buffers by reference).
 */
const THR_COUNTS: { readonly [I in ImplName]: { readonly [size: number]: number } } = {
  nanosp: { 64: 1_500_000, 1024: 600_000, 65536: 20_000 },
  'node-net': { 64: 3_000_000, 1024: 1_000_000, 65536: 20_000 },
  libnanomsg: { 64: 500_000, 1024: 300_000, 65536: 40_000 },
  nng: { 64: 40_000, 1024: 40_000, 65536: 20_000 },
};
const INPROC_THR_COUNTS: { readonly [I in ImplName]?: { readonly [size: number]: number } } = {
  nanosp: { 64: 3_000_000, 1024: 3_000_000, 65536: 300_000 },
  libnanomsg: { 64: 300_000, 1024: 200_000, 65536: 40_000 },
};
const LAT_ROUNDTRIPS = 20_000;

function countFor(impl: ImplName, cell: Cell, quick: boolean): number {
  let n: number;
  if (cell.kind === 'lat') n = LAT_ROUNDTRIPS;
  else {
    const table = (cell.transport === 'inproc' ? INPROC_THR_COUNTS[impl] : undefined) ?? THR_COUNTS[impl];
    // sizes off the table: about as many bytes as the 1 KiB row moves
    n = table[cell.size] ?? Math.max(10_000, Math.round(((table[1024] as number) * 1024) / Math.max(cell.size, 1024)));
  }
  return quick ? Math.max(1000, Math.round(n / 10)) : n;
}

function hasImpl(impl: ImplName, transport: Transport): boolean {
  return !(impl === 'node-net' && transport === 'inproc');
}

/** The tools' extra arguments for `proto`: none for PAIR v0, so the default command lines are nanomsg's. */
function protoArgs(proto: Proto | null): string[] {
  return proto === 'pair1' ? [PROTO_FLAGS.pair1] : [];
}

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

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * Does something listen at `url` now? On Linux the kernel's socket tables say so without
 * touching the listener (a probe connection that closes at once can upset a listener: NNG's
 * IPC listener stalled on one); elsewhere a connection is opened and closed.
 */
function probe(url: string): Promise<boolean> {
  const tcp = /^tcp:\/\/([^:]+):(\d+)$/.exec(url);
  if (process.platform === 'linux') {
    try {
      if (tcp) {
        const port = `:${Number(tcp[2]).toString(16).toUpperCase().padStart(4, '0')}`;
        // /proc/net/tcp rows: sl local_address rem_address st …; st 0A is LISTEN
        const listening = ['/proc/net/tcp', '/proc/net/tcp6'].some((table) =>
          readFileSync(table, 'utf8')
            .split('\n')
            .some((line) => {
              const f = line.trim().split(/\s+/);
              return f[1]?.endsWith(port) === true && f[3] === '0A';
            }),
        );
        return Promise.resolve(listening);
      }
      const path = url.slice('ipc://'.length);
      // /proc/net/unix rows: Num RefCount Protocol Flags Type St Inode Path; flag 00010000 is "accepting"
      const listening = readFileSync('/proc/net/unix', 'utf8')
        .split('\n')
        .some((line) => {
          const f = line.trim().split(/\s+/);
          return f[7] === path && f[3] === '00010000';
        });
      return Promise.resolve(listening);
    } catch {
      // no /proc: fall through to a connection
    }
  }
  return new Promise((resolve) => {
    const socket = tcp ? connect({ host: tcp[1] as string, port: Number(tcp[2]) }) : connect({ path: url.slice('ipc://'.length) });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => {
      socket.destroy();
      resolve(false);
    });
  });
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

export interface Row {
  round: number;
  /** The implementation (both sides), or `local→remote` for an interop run. */
  impl: string;
  local: ImplName;
  remote: ImplName | null;
  /** The SP socket both tools ran (`--proto`); null for the node:net baseline. */
  proto: Proto | null;
  kind: Kind;
  transport: Transport;
  size: number;
  /** Messages (thr) or round trips (lat). */
  count: number;
  ok: boolean;
  error?: string;
  msgPerSec?: number;
  /** MB/s of payload (10⁶ bytes), from msg/s × size. */
  mbytesPerSec?: number;
  /** nanomsg's "average latency": one-way µs, total / (round trips × 2). */
  latencyUs?: number;
  /** user+sys CPU of both processes over their work windows, per message (a round trip is 2 messages). */
  cpuUsPerMsg?: number;
  /** user+sys CPU of both processes for their whole lives (start-up and close included). */
  cpuTotalUs?: number;
  /** The larger peak RSS of the two processes. */
  maxRssKiB?: number;
  wallMs: number;
  results?: PerfResult[];
}

let sequence = 0;

async function measure(
  launch: { local: (t: ToolName) => string[]; remote?: (t: ToolName) => string[] },
  who: { impl: string; local: ImplName; remote: ImplName | null; proto: Proto | null },
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
      const proc = start([...launch.local(`inproc_${cell.kind}`), String(cell.size), String(count), '--json', ...protoArgs(who.proto)]);
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
      const args = [url, String(cell.size), String(count), '--json', ...protoArgs(who.proto)];
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
      row.msgPerSec = timed.msgPerSec ?? undefined;
      row.mbytesPerSec = ((timed.msgPerSec ?? 0) * cell.size) / 1e6;
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

// ---- summarising ---------------------------------------------------------------------------

function median(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

export interface Median {
  impl: ImplName;
  /** The SP socket (`--proto`); null for the node:net baseline. */
  proto: Proto | null;
  kind: Kind;
  transport: Transport;
  size: number;
  runs: number;
  failures: number;
  /** msg/s (thr) or one-way µs (lat). */
  value?: number;
  mbytesPerSec?: number;
  cpuUsPerMsg?: number;
  maxRssKiB?: number;
}

function cellKey(c: { kind: Kind; transport: Transport; size: number }): string {
  return `${c.kind}/${c.transport}/${c.size}`;
}

function summarise(rows: Row[], cells: Cell[], variants: Variant[]): Median[] {
  const out: Median[] = [];
  for (const cell of cells) {
    for (const { impl, proto } of variants) {
      const mine = rows.filter((r) => r.impl === impl && r.proto === proto && cellKey(r) === cellKey(cell));
      if (mine.length === 0) continue;
      const ok = mine.filter((r) => r.ok);
      const value = median(ok.map((r) => (cell.kind === 'thr' ? (r.msgPerSec as number) : (r.latencyUs as number))));
      out.push({
        impl,
        proto,
        ...cell,
        runs: mine.length,
        failures: mine.length - ok.length,
        value,
        mbytesPerSec: cell.kind === 'thr' && value !== undefined ? (value * cell.size) / 1e6 : undefined,
        cpuUsPerMsg: median(ok.map((r) => r.cpuUsPerMsg as number)),
        maxRssKiB: median(ok.map((r) => r.maxRssKiB as number)),
      });
    }
  }
  return out;
}

function sizeLabel(size: number): string {
  return size >= 1024 && size % 1024 === 0 ? `${size / 1024} KiB` : `${size} B`;
}

function rate(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} k`;
  return String(Math.round(n));
}

/** A markdown table; the first `textColumns` columns are left-aligned, the rest (figures) right-aligned. */
function table(head: string[], body: string[][], textColumns = 2): string {
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => (i < textColumns ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (i < textColumns ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [line(head), rule, ...body.map(line)].join('\n');
}

function render(medians: Median[], cells: Cell[], variants: Variant[], rows: Row[], protos: readonly Proto[]): string {
  const get = (v: Variant, cell: Cell): Median | undefined => medians.find((m) => sameVariant(m, v) && cellKey(m) === cellKey(cell));
  const present = variants.filter((v) => medians.some((m) => sameVariant(m, v)));
  const label = (v: Variant): string => labelOf(v, protos);
  const cellCols = (cell: Cell): string[] => [`${cell.kind === 'thr' ? 'throughput' : 'latency'} ${sizeLabel(cell.size)}`, cell.transport];
  const missing = (m: Median | undefined): string | undefined => (m === undefined ? '–' : m.value === undefined ? 'failed' : undefined);
  const parts: string[] = [];

  const thr = cells.filter((c) => c.kind === 'thr');
  if (thr.length > 0) {
    parts.push('Throughput, median msg/s (MB/s of payload); higher is better');
    parts.push(
      table(
        ['test', 'transport', ...present.map(label)],
        thr.map((cell) => [...cellCols(cell), ...present.map((i) => missing(get(i, cell)) ?? `${rate(get(i, cell)?.value as number)} (${Math.round(get(i, cell)?.mbytesPerSec as number)} MB/s)`)]),
      ),
    );
  }
  const lat = cells.filter((c) => c.kind === 'lat');
  if (lat.length > 0) {
    parts.push("Latency, median one-way µs (nanomsg's \"average latency\"; a round trip is twice this); lower is better");
    parts.push(table(['test', 'transport', ...present.map(label)], lat.map((cell) => [...cellCols(cell), ...present.map((i) => missing(get(i, cell)) ?? (get(i, cell)?.value as number).toFixed(2))])));
  }

  for (const base of [{ impl: 'node-net', proto: null }, { impl: 'libnanomsg', proto: 'pair0' }] as const satisfies readonly Variant[]) {
    if (!present.some((v) => sameVariant(v, base))) continue;
    const others = present.filter((v) => !sameVariant(v, base));
    // nanosp's targets hold for each of its sockets
    const targeted = base.impl === 'node-net' ? others.filter((v) => v.impl === 'nanosp') : [];
    const b = label(base);
    parts.push(
      `Ratios against ${b} measured in the same run: throughput = impl msg/s ÷ ${b} msg/s (above 1 is faster); latency = impl µs ÷ ${b} µs (below 1 is faster)` +
        (targeted.length > 0 ? '; target for nanosp: throughput ≥ 0.50, latency ≤ 1.20' : ''),
    );
    const targetHead = (v: Variant): string => (targeted.length === 1 ? 'nanosp target' : `${label(v)} target`);
    parts.push(
      table(
        ['test', 'transport', ...others.map((v) => `${label(v)} ÷ ${b}`), ...targeted.map(targetHead)],
        cells.filter((cell) => get(base, cell)?.value !== undefined).map((cell) => {
          const baseValue = get(base, cell)?.value;
          const ratios = others.map((v) => {
            const value = get(v, cell)?.value;
            return value === undefined || baseValue === undefined ? undefined : value / baseValue;
          });
          const cols = ratios.map((r) => (r === undefined ? '–' : `${r.toFixed(2)}×`));
          for (const v of targeted) {
            const r = ratios[others.indexOf(v)];
            cols.push(r === undefined ? '–' : (cell.kind === 'thr' ? r >= 0.5 : r <= 1.2) ? 'met' : 'MISSED');
          }
          return [...cellCols(cell), ...cols];
        }),
      ),
    );
  }

  // PAIR v1 against PAIR v0, implementation by implementation
  const paired = present.filter((v) => v.proto === 'pair1' && present.some((w) => sameVariant(w, { impl: v.impl, proto: 'pair0' })));
  if (paired.length > 0) {
    parts.push('PAIR v1 against PAIR v0 of the same implementation, same run: throughput = pair1 msg/s ÷ pair0 msg/s (above 1 is faster); latency = pair1 µs ÷ pair0 µs (below 1 is faster)');
    parts.push(
      table(
        ['test', 'transport', ...paired.map((v) => `${label(v)} ÷ ${label({ impl: v.impl, proto: 'pair0' })}`)],
        cells.map((cell) => [
          ...cellCols(cell),
          ...paired.map((v) => {
            const one = get(v, cell)?.value;
            const zero = get({ impl: v.impl, proto: 'pair0' }, cell)?.value;
            return one === undefined || zero === undefined ? '–' : `${(one / zero).toFixed(2)}×`;
          }),
        ]),
      ),
    );
  }

  parts.push('CPU per message, median µs (user+sys of both processes over their work windows; a round trip is 2 messages)');
  parts.push(table(['test', 'transport', ...present.map(label)], cells.map((cell) => [...cellCols(cell), ...present.map((i) => missing(get(i, cell)) ?? (get(i, cell)?.cpuUsPerMsg as number).toFixed(3))])));
  parts.push('Peak RSS, median MiB (the larger of the two processes)');
  parts.push(table(['test', 'transport', ...present.map(label)], cells.map((cell) => [...cellCols(cell), ...present.map((i) => missing(get(i, cell)) ?? ((get(i, cell)?.maxRssKiB as number) / 1024).toFixed(1))])));

  const cross = rows.filter((r) => r.impl.includes('→'));
  if (cross.length > 0) {
    parts.push('Interop runs (local tool → remote tool, one run each): figures as printed by the measuring side');
    parts.push(
      table(
        ['test', 'transport', 'local', 'remote', 'result'],
        cross.map((r) => [
          ...cellCols(r),
          label({ impl: r.local, proto: r.proto }),
          label({ impl: r.remote as ImplName, proto: r.proto }),
          !r.ok ? `FAILED: ${r.error ?? ''}`.slice(0, 120) : r.kind === 'thr' ? `${rate(r.msgPerSec as number)} msg/s` : `${(r.latencyUs as number).toFixed(2)} µs`,
        ]),
        4,
      ),
    );
  }
  return parts.join('\n\n');
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
  const o = parseOptions(process.argv.slice(2));
  const command = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
  const startedAt = new Date();
  const loadBefore = loadavg().map((l) => Number(l.toFixed(2)));
  note(`${command}: ${o.rounds} round(s)${o.quick ? ', quick' : ''}; building the tools`);
  const cells = plan(o);
  const launchers = cells.length > 0 ? prepare(o) : {};
  const impls = o.impls.filter((i) => launchers[i] !== undefined);
  if (cells.length > 0 && o.protos.includes('pair1') && impls.includes('libnanomsg')) note(`libnanomsg has no PAIR v1: ${o.protos.includes('pair0') ? 'it runs pair0 only' : 'it sits this run out'}`);
  const variants: Variant[] = impls.flatMap((impl) => protosOf(impl, o.protos).map((proto) => ({ impl, proto })));
  const label = (v: Variant): string => labelOf(v, o.protos);
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
      for (const { impl, proto } of rotated) {
        const launch = launchers[impl] as (t: ToolName) => string[];
        const count = countFor(impl, cell, o.quick);
        const row = await measure({ local: launch }, { impl, local: impl, remote: cell.transport === 'inproc' ? null : impl, proto }, cell, count, round, o.timeoutMs);
        rows.push(row);
        done++;
        const figure = !row.ok ? `FAILED: ${row.error}` : cell.kind === 'thr' ? `${rate(row.msgPerSec as number)} msg/s` : `${(row.latencyUs as number).toFixed(2)} µs`;
        note(`[${done}/${total}] round ${round} ${label({ impl, proto })} ${cell.kind} ${sizeLabel(cell.size)} ${cell.transport} ×${count}: ${figure} (${(row.wallMs / 1000).toFixed(1)} s)`);
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
            const row = await measure(launch, { impl, local, remote, proto }, cell, count, 0, o.timeoutMs);
            rows.push(row);
            const figure = !row.ok ? `FAILED: ${row.error}` : kind === 'thr' ? `${rate(row.msgPerSec as number)} msg/s` : `${(row.latencyUs as number).toFixed(2)} µs`;
            note(`interop ${label({ impl: local, proto })} local_${kind} ← ${label({ impl: remote, proto })} remote_${kind}, 64 B tcp ×${count}: ${figure}`);
          }
        }
      }
    }
  }

  const ctx = o.contexts ? await runContexts(harness, contextOptions(o), contextLauncher(o)) : undefined;

  const medians = summarise(rows, cells, variants);
  const text = [perf ? render(medians, cells, variants, rows, o.protos) : '', ctx?.text ?? ''].filter(Boolean).join('\n\n');
  const failures = rows.filter((r) => !r.ok);
  const ctxFailures = ctx?.rows.filter((r) => !r.ok) ?? [];
  const finishedAt = new Date();
  const loadAfter = loadavg().map((l) => Number(l.toFixed(2)));
  const machine = { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, node: process.version, kernel: release(), platform: process.platform, loadavgBefore: loadBefore, loadavgAfter: loadAfter };
  process.stdout.write(`\n${text}\n\n`);

  mkdirSync(dirname(o.out), { recursive: true });
  const report = {
    command,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    machine,
    options: o,
    medians,
    rows,
    ...(ctx ? { contextMedians: ctx.medians, contextRows: ctx.rows } : {}),
  };
  writeFileSync(o.out, `${JSON.stringify(report, null, 2)}\n`);
  const mdPath = o.out.replace(/\.json$/, '') + '.md';
  const header = `Command: \`${command}\`\n\nMachine: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, Linux ${machine.kernel}; ${startedAt.toISOString()}, ${Math.round((finishedAt.getTime() - startedAt.getTime()) / 1000)} s; load average ${loadBefore.join(' ')} before, ${loadAfter.join(' ')} after\n\n`;
  writeFileSync(mdPath, `${header}${text}\n`);
  const runs = rows.length + (ctx?.rows.length ?? 0);
  note(`${runs} runs in ${Math.round((finishedAt.getTime() - startedAt.getTime()) / 1000)} s; rows written to ${relative(process.cwd(), o.out) || o.out} (tables: ${relative(process.cwd(), mdPath)})`);
  if (failures.length + ctxFailures.length > 0) {
    note(`${failures.length + ctxFailures.length} run(s) failed:`);
    for (const f of failures) note(`  ${f.impl}${f.proto === 'pair1' && !f.impl.includes('→') ? ' pair1' : ''} ${f.kind} ${sizeLabel(f.size)} ${f.transport}: ${f.error}`);
    for (const f of ctxFailures) note(`  ${f.impl} contexts ${f.inflight} in flight ${sizeLabel(f.size)} ${f.transport}: ${f.error}`);
    return 1;
  }
  return 0;
}

process.exitCode = await main();
