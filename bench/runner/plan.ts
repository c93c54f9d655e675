/**
 * What `npm run bench` measures: the cells (kind × transport × size), the columns (an
 * implementation on one SP socket with one nanosp API), and how many messages each run sends so
 * its timed part takes about 0.5–2 s (longer for large messages: see THR_COUNTS). No I/O here:
 * bench/run.ts runs the plan, and the tests check it.
 */
import { API_OPTION, PROTO_FLAGS, type Api, type ImplName, type Proto } from '../perf/common.js';

export type Kind = 'thr' | 'lat';
export type Transport = 'tcp' | 'ipc' | 'inproc';

export interface Cell {
  readonly kind: Kind;
  readonly transport: Transport;
  readonly size: number;
}

export const IMPLS: readonly ImplName[] = ['nanosp', 'node-net', 'libnanomsg', 'nng'];
export const LABEL: { readonly [I in ImplName]: string } = { nanosp: 'nanosp', 'node-net': 'node:net', libnanomsg: 'libnanomsg', nng: 'nng' };
export const PROTOS: readonly Proto[] = ['pair0', 'pair1'];
export const TRANSPORTS: readonly Transport[] = ['tcp', 'ipc', 'inproc'];

export const KiB = 1024;
export const MiB = 1024 * KiB;
/** The default run's sizes: throughput up to 16 MiB messages, latency at 64 B and 1 KiB. */
export const THR_SIZES: readonly number[] = [64, KiB, 64 * KiB, MiB, 16 * MiB];
export const LAT_SIZES: readonly number[] = [64, KiB];

/**
 * What one column measures: an implementation's tools on one SP socket (`--pair1` for PAIR v1)
 * and, for nanosp, one API (`--api await` for the awaited calls). The node:net baseline has no
 * SP protocol (proto null) and the C tools and the baseline have one way to send (api null);
 * each runs once per cell whatever `--proto` and `--api` say.
 */
export interface Variant {
  readonly impl: ImplName;
  readonly proto: Proto | null;
  readonly api: Api | null;
}

/** Which protocols each implementation's tools can run: libnanomsg has no PAIR v1. */
export function protosOf(impl: ImplName, protos: readonly Proto[]): (Proto | null)[] {
  if (impl === 'node-net') return [null];
  if (impl === 'libnanomsg') return protos.filter((p) => p === 'pair0');
  return [...protos];
}

/** Which APIs each implementation's tools can run: only nanosp's have a choice. */
export function apisOf(impl: ImplName, apis: readonly Api[]): (Api | null)[] {
  return impl === 'nanosp' ? [...apis] : [null];
}

/** Every column of a run, implementation by implementation, then by protocol, then by API. */
export function variantsOf(impls: readonly ImplName[], protos: readonly Proto[], apis: readonly Api[]): Variant[] {
  return impls.flatMap((impl) => protosOf(impl, protos).flatMap((proto) => apisOf(impl, apis).map((api) => ({ impl, proto, api }))));
}

/**
 * A column's name: the implementation's alone in the default run (PAIR v0, the fast path), as
 * before --proto and --api existed; with the socket after it once the run measures PAIR v1, and
 * the API after that once it measures the awaited calls: `nanosp pair1 await`.
 */
export function labelOf(v: Variant, protos: readonly Proto[], apis: readonly Api[]): string {
  const words = [LABEL[v.impl]];
  if (v.proto !== null && !(protos.length === 1 && protos[0] === 'pair0')) words.push(v.proto);
  if (v.api !== null && !(apis.length === 1 && apis[0] === 'fast')) words.push(v.api);
  return words.join(' ');
}

export function sameVariant(a: Variant, b: Variant): boolean {
  return a.impl === b.impl && a.proto === b.proto && a.api === b.api;
}

/** The node:net baseline has no inproc tools. */
export function hasImpl(impl: ImplName, transport: Transport): boolean {
  return !(impl === 'node-net' && transport === 'inproc');
}

/** The tools' extra arguments for a column: none for PAIR v0 and the fast path, so the default command lines are nanomsg's. */
export function toolArgs(v: { proto: Proto | null; api: Api | null }): string[] {
  return [...(v.proto === 'pair1' ? [PROTO_FLAGS.pair1] : []), ...(v.api === 'await' ? [API_OPTION, 'await'] : [])];
}

/** The part of the options the plan depends on. */
export interface PlanOptions {
  readonly quick: boolean;
  readonly kinds: readonly Kind[];
  readonly transports: readonly Transport[];
  readonly sizes: readonly number[] | undefined;
}

/**
 * The cells of a run, in this order: throughput then latency, tcp, ipc, inproc, sizes rising.
 * `--quick` without `--size` keeps eight: throughput 64 B tcp and inproc, 1 KiB ipc, 64 KiB tcp
 * and ipc; latency 64 B on each transport.
 */
export function plan(o: PlanOptions): Cell[] {
  const cells: Cell[] = [];
  const add = (kind: Kind, transport: Transport, size: number): void => {
    if (o.kinds.includes(kind) && o.transports.includes(transport) && (!o.sizes || o.sizes.includes(size))) cells.push({ kind, transport, size });
  };
  if (o.quick && !o.sizes) {
    add('thr', 'tcp', 64);
    add('thr', 'tcp', 64 * KiB);
    add('thr', 'ipc', KiB);
    add('thr', 'ipc', 64 * KiB);
    add('thr', 'inproc', 64);
    add('lat', 'tcp', 64);
    add('lat', 'ipc', 64);
    add('lat', 'inproc', 64);
    return cells;
  }
  for (const kind of ['thr', 'lat'] as const) {
    for (const transport of TRANSPORTS) {
      for (const size of o.sizes ?? (kind === 'thr' ? THR_SIZES : LAT_SIZES)) add(kind, transport, size);
    }
  }
  return cells;
}

/**
 * Message counts that keep one run's timed part near 0.5–2 s on a 2-core machine (measured
 * here: raw node and nanosp ~4 M msg/s at 64 B over tcp, libnanomsg ~0.5 M, NNG through its
 * compat API ~30 k msg/s up to 64 KiB; nanosp's inproc passes buffers by reference). nanosp
 * and raw node move the same number of messages at every size over tcp and ipc, and
 * libnanomsg too from 32 KiB up (and inproc from 1 MiB up), so that each run does the same work.
 *
 * At 64 B both Node processes speed up as a run goes on (JIT, heap sizing): 1.5 M messages
 * measured 3.6–3.75 M msg/s for nanosp and 3.4–3.6 M for raw node, 3 M messages 4.2–4.3 M and
 * 4.4–4.5 M (three alternations each, 2026-12-07). With nanosp at 1.5 M against raw node's
 * 3 M, the table had compared nanosp's warm-up with raw node's cruising speed (0.79×).
 *
 * From 32 KiB to 128 KiB over tcp and ipc the runs take 2–6 s, at 16 MiB 1–5 s. A Node receiver's first
 * ~15,000 such messages run at a third to a half of its later rate: JIT compilation, heap
 * growth and ~10,000 first-touch page faults (`bench/micro/warm-up.ts`: 64 KiB over ipc, 10 k
 * msg/s in the first 5,000, 50–60 k from the 15,000th). 40,000 × 64 KiB (0.7–1.4 s) measured
 * mostly that, and 32 KiB scaled from the 1 KiB row (18,750 messages for nanosp, 9,375 for
 * libnanomsg) even more (BENCHMARKS.md, 2026-12-07). Shorter runs at 1 MiB and 16 MiB had
 * measured the same kind of start-up cost: with 20,000 × 64 KiB and 300 × 1 MiB, nanosp's 64 KiB
 * ipc figure was 25 k msg/s against 35–38 k over 60,000 messages.
 *
 * At 16 MiB, 120 messages (1.9 GB; 1–5 s): a nanosp receiver's first 10 ran at 25 msg/s over tcp
 * (16,500 first-touch page faults) and the rest at 100–150, so 40 messages measured 43–52 msg/s
 * against raw node's 53–65, and 100 messages 61–74 against 55–56.
 */
export const THR_COUNTS: { readonly [I in ImplName]: { readonly [size: number]: number } } = {
  nanosp: { 64: 3_000_000, [KiB]: 1_000_000, [32 * KiB]: 200_000, [64 * KiB]: 120_000, [MiB]: 1_200, [16 * MiB]: 120 },
  'node-net': { 64: 3_000_000, [KiB]: 1_000_000, [32 * KiB]: 200_000, [64 * KiB]: 120_000, [MiB]: 1_200, [16 * MiB]: 120 },
  libnanomsg: { 64: 500_000, [KiB]: 300_000, [32 * KiB]: 200_000, [64 * KiB]: 120_000, [MiB]: 1_200, [16 * MiB]: 120 },
  nng: { 64: 40_000, [KiB]: 40_000, [64 * KiB]: 20_000, [MiB]: 500, [16 * MiB]: 20 },
};
export const INPROC_THR_COUNTS: { readonly [I in ImplName]?: { readonly [size: number]: number } } = {
  nanosp: { 64: 3_000_000, [KiB]: 3_000_000, [64 * KiB]: 300_000, [MiB]: 2_000, [16 * MiB]: 120 },
  libnanomsg: { 64: 300_000, [KiB]: 200_000, [64 * KiB]: 40_000, [MiB]: 2_000, [16 * MiB]: 120 },
  nng: { 64: 40_000, [KiB]: 40_000, [64 * KiB]: 20_000, [MiB]: 1500, [16 * MiB]: 40 },
};
export const LAT_ROUNDTRIPS = 20_000;

/**
 * The messages (thr) or round trips (lat) of one run. A size off the table moves as many bytes
 * as the nearest tabulated size at or below it (1 KiB for anything smaller); `--quick` sends a
 * tenth, at least 2.
 */
export function countFor(impl: ImplName, cell: Cell, quick: boolean): number {
  let n: number;
  if (cell.kind === 'lat') n = LAT_ROUNDTRIPS;
  else {
    const table = (cell.transport === 'inproc' ? INPROC_THR_COUNTS[impl] : undefined) ?? THR_COUNTS[impl];
    const sizes = Object.keys(table)
      .map(Number)
      .filter((s) => s >= KiB && s <= Math.max(cell.size, KiB));
    const ref = Math.max(...sizes);
    n = table[cell.size] ?? Math.max(2, Math.round(((table[ref] as number) * ref) / Math.max(cell.size, KiB)));
  }
  return quick ? Math.max(2, Math.round(n / 10)) : n;
}
