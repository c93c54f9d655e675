/**
 * `npm run bench`'s command line. A bad option prints the usage on stderr and exits 2.
 */
import { join } from 'node:path';
import { APIS, type Api, type ImplName, type Proto } from '../perf/common.js';
import { CTX_IMPLS, CTX_INFLIGHT, type CtxImpl } from '../contexts/runner.js';
import { IMPLS, PROTOS, TRANSPORTS, type Kind, type Transport } from './plan.js';

export interface Options {
  quick: boolean;
  rounds: number;
  impls: ImplName[];
  /** `--proto`: the SP sockets the perf tools measure (pair0 alone by default). */
  protos: Proto[];
  /** `--api`: how nanosp's tools send and receive (the fast path alone by default). */
  apis: Api[];
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
      '                        [--kind thr,lat] [--size 64,1024,65536,1048576,16777216] [--proto pair0,pair1] [--api fast,await]\n' +
      '                        [--no-cross] [--tsx] [--timeout SECONDS] [--out FILE]\n' +
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

/** The items of `allowed` that `given` names, in `allowed`'s order and once each, whatever the order given. */
function inOrder<T extends string>(given: readonly T[], allowed: readonly T[], option: string): T[] {
  if (given.length === 0) usage(`${option} needs ${allowed.join(', ')} or several of them`);
  return allowed.filter((p) => given.includes(p));
}

export function parseOptions(argv: readonly string[], resultsDir: string): Options {
  const o: Options = {
    quick: false,
    rounds: 0,
    impls: [...IMPLS],
    protos: ['pair0'],
    apis: ['fast'],
    transports: [...TRANSPORTS],
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
    out: join(resultsDir, 'latest.json'),
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
      case '--proto':
        o.protos = inOrder(list(next(), PROTOS, 'protocol'), PROTOS, '--proto');
        break;
      case '--api':
        o.apis = inOrder(list(next(), APIS, 'api'), APIS, '--api');
        break;
      case '--transport':
        o.transports = list(next(), TRANSPORTS, 'transport');
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
        if (sizes.length === 0 || sizes.some((s) => !Number.isInteger(s) || s < 0 || s > 2 ** 31 - 1)) usage('--size needs sizes in bytes, comma separated');
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
