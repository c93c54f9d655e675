/**
 * From the runs of `npm run bench` to its tables: the figures of each column in each cell over
 * the rounds (median, min–max, every round), the ratios between columns with their noise
 * (./noise.ts), and the markdown that bench/run.ts prints and writes to latest.md. No I/O.
 */
import type { Api, ImplName, PerfResult, Proto } from '../perf/common.js';
import { NOISE_MARK, ratioOf, ratioText, spreadOf, spreadText, withinNoise, type Ratio, type Spread } from './noise.js';
import { MiB, labelOf, sameVariant, type Cell, type Kind, type Transport, type Variant } from './plan.js';

export interface Row {
  round: number;
  /** The implementation (both sides), or `local→remote` for an interop run. */
  impl: string;
  local: ImplName;
  remote: ImplName | null;
  /** The SP socket both tools ran (`--proto`); null for the node:net baseline. */
  proto: Proto | null;
  /** nanosp's API (`--api`) where nanosp ran; null for the other implementations. */
  api: Api | null;
  kind: Kind;
  transport: Transport;
  size: number;
  /** Messages (thr) or round trips (lat). */
  count: number;
  ok: boolean;
  error?: string;
  /** count ÷ the timed side's elapsedUs: nanomsg's msg/s before its truncation to an integer (which matters at 16 MiB). */
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

/** One successful round of a column in a cell. */
export interface RoundFigures {
  round: number;
  /** msg/s (thr) or one-way µs (lat). */
  value: number;
  cpuUsPerMsg: number;
  maxRssKiB: number;
}

/** A column's figures in one cell over the rounds (latest.json's `medians`). */
export interface Median extends Variant, Cell {
  runs: number;
  failures: number;
  /** Median msg/s (thr) or one-way µs (lat), and its min and max over the rounds. */
  value?: number;
  min?: number;
  max?: number;
  mbytesPerSec?: number;
  cpuUsPerMsg?: number;
  maxRssKiB?: number;
  /** Every successful round, in round order. */
  perRound: RoundFigures[];
}

/** One ratio cell of the report (latest.json's `comparisons`). */
export interface Comparison extends Cell {
  /** The columns: `of` ÷ `against`. */
  of: string;
  against: string;
  ratio: number;
  /** min(of) ÷ max(against) and max(of) ÷ min(against): the range the rounds allow. */
  lo: number;
  hi: number;
  /** lo ≤ 1 ≤ hi (null with fewer than 2 rounds on either side). */
  withinNoise: boolean | null;
  /** nanosp's target against node:net, where one applies. */
  target?: { threshold: number; met: boolean; withinNoise: boolean | null };
}

const cellKey = (c: Cell): string => `${c.kind}/${c.transport}/${c.size}`;

export function summarise(rows: readonly Row[], cells: readonly Cell[], variants: readonly Variant[]): Median[] {
  const out: Median[] = [];
  for (const cell of cells) {
    for (const v of variants) {
      const mine = rows.filter((r) => r.impl === v.impl && r.proto === v.proto && r.api === v.api && cellKey(r) === cellKey(cell));
      if (mine.length === 0) continue;
      const perRound = mine
        .filter((r) => r.ok)
        .map((r) => ({ round: r.round, value: (cell.kind === 'thr' ? r.msgPerSec : r.latencyUs) as number, cpuUsPerMsg: r.cpuUsPerMsg as number, maxRssKiB: r.maxRssKiB as number }));
      const value = spreadOf(perRound.map((p) => p.value));
      out.push({
        impl: v.impl,
        proto: v.proto,
        api: v.api,
        ...cell,
        runs: mine.length,
        failures: mine.length - perRound.length,
        value: value?.median,
        min: value?.min,
        max: value?.max,
        mbytesPerSec: cell.kind === 'thr' && value !== undefined ? (value.median * cell.size) / 1e6 : undefined,
        cpuUsPerMsg: spreadOf(perRound.map((p) => p.cpuUsPerMsg))?.median,
        maxRssKiB: spreadOf(perRound.map((p) => p.maxRssKiB))?.median,
        perRound,
      });
    }
  }
  return out;
}

/** A figure of a column in a cell over its rounds. */
function spread(m: Median | undefined, figure: 'value' | 'cpuUsPerMsg' | 'maxRssKiB'): Spread | undefined {
  return m === undefined ? undefined : spreadOf(m.perRound.map((p) => p[figure]));
}

export function sizeLabel(size: number): string {
  if (size >= MiB && size % MiB === 0) return `${size / MiB} MiB`;
  return size >= 1024 && size % 1024 === 0 ? `${size / 1024} KiB` : `${size} B`;
}

/** msg/s or req/s: `5.33 M`, `612.3 k`, `740`, `18.4`. */
export function rate(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} k`;
  return n >= 100 ? String(Math.round(n)) : n.toFixed(1);
}

/** A markdown table; the first `textColumns` columns are left-aligned, the rest (figures) right-aligned. */
export function table(head: string[], body: string[][], textColumns = 2): string {
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => (i < textColumns ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (i < textColumns ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [line(head), rule, ...body.map(line)].join('\n');
}

const cpuText = (n: number): string => (n < 100 ? n.toFixed(3) : n.toFixed(1));
const mibText = (kib: number): string => (kib / 1024).toFixed(1);

/** nanosp's targets against the raw node:net baseline (issue 6): throughput ≥ 0.50×, latency ≤ 1.20×. */
export const TARGET: { readonly [K in Kind]: number } = { thr: 0.5, lat: 1.2 };

export function targetMet(kind: Kind, ratio: number): boolean {
  return kind === 'thr' ? ratio >= TARGET.thr : ratio <= TARGET.lat;
}

/** What a ratio table says about noise, under its title. */
function noiseNote(rounds: number, targets: boolean): string {
  if (rounds < 2) return 'one round: no spread, so no noise marks';
  return (
    `(lo–hi): the ratio's range over the rounds, min ÷ max to max ÷ min; ${NOISE_MARK}: within the noise, that range includes 1.00 (the two columns' min–max ranges overlap)` +
    (targets ? `; on a target column, ${NOISE_MARK}: the range includes the target` : '')
  );
}

export function render(medians: readonly Median[], cells: readonly Cell[], variants: readonly Variant[], rows: readonly Row[], o: { protos: readonly Proto[]; apis: readonly Api[]; rounds: number }): { text: string; comparisons: Comparison[] } {
  const get = (v: Variant, cell: Cell): Median | undefined => medians.find((m) => sameVariant(m, v) && cellKey(m) === cellKey(cell));
  const present = variants.filter((v) => medians.some((m) => sameVariant(m, v)));
  const parts: string[] = [];
  const comparisons: Comparison[] = [];
  const label = (v: Variant): string => labelOf(v, o.protos, o.apis);
  const cellCols = (cell: Cell): string[] => [`${cell.kind === 'thr' ? 'throughput' : 'latency'} ${sizeLabel(cell.size)}`, cell.transport];
  const missing = (m: Median | undefined): string | undefined => (m === undefined ? '–' : m.value === undefined ? 'failed' : undefined);
  /** A table of one figure, a column per variant, each cell `median (min–max)`. */
  const figures = (title: string, which: readonly Cell[], text: (m: Median) => string): void => {
    if (which.length === 0) return;
    parts.push(title);
    parts.push(table(['test', 'transport', ...present.map(label)], which.map((cell) => [...cellCols(cell), ...present.map((v) => missing(get(v, cell)) ?? text(get(v, cell) as Median))])));
  };
  const ratio = (v: Variant, base: Variant, cell: Cell): Ratio | undefined => {
    const a = spread(get(v, cell), 'value');
    const b = spread(get(base, cell), 'value');
    return a === undefined || b === undefined ? undefined : ratioOf(a, b);
  };
  const compare = (v: Variant, base: Variant, cell: Cell, targeted: boolean): Ratio | undefined => {
    const r = ratio(v, base, cell);
    if (r === undefined) return undefined;
    const target = targeted ? { threshold: TARGET[cell.kind], met: targetMet(cell.kind, r.value), withinNoise: withinNoise(r, TARGET[cell.kind]) ?? null } : undefined;
    comparisons.push({ of: label(v), against: label(base), ...cell, ratio: r.value, lo: r.lo, hi: r.hi, withinNoise: withinNoise(r) ?? null, ...(target ? { target } : {}) });
    return r;
  };
  const thr = cells.filter((c) => c.kind === 'thr');
  const lat = cells.filter((c) => c.kind === 'lat');
  const per = o.rounds === 1 ? 'one round' : `median of ${o.rounds} rounds (min–max)`;

  figures(`Throughput, msg/s, ${per}; MB/s of payload at the median; higher is better`, thr, (m) => `${spreadText(spread(m, 'value') as Spread, rate)}, ${Math.round(m.mbytesPerSec as number)} MB/s`);
  figures(`Latency, one-way µs (nanomsg's "average latency"; a round trip is twice this), ${per}; lower is better`, lat, (m) => spreadText(spread(m, 'value') as Spread, (n) => n.toFixed(2)));

  for (const base of [
    { impl: 'node-net', proto: null, api: null },
    { impl: 'libnanomsg', proto: 'pair0', api: null },
    { impl: 'nng', proto: 'pair0', api: null },
  ] as const satisfies readonly Variant[]) {
    if (!present.some((v) => sameVariant(v, base))) continue;
    const others = present.filter((v) => !sameVariant(v, base));
    if (others.length === 0) continue;
    // nanosp's targets hold for each of its columns
    const targeted = base.impl === 'node-net' ? others.filter((v) => v.impl === 'nanosp') : [];
    const b = label(base);
    parts.push(
      `Ratios against ${b} measured in the same run: throughput = impl msg/s ÷ ${b} msg/s (above 1 is faster); latency = impl µs ÷ ${b} µs (below 1 is faster)` +
        (targeted.length > 0 ? `; target for nanosp: throughput ≥ ${TARGET.thr.toFixed(2)}, latency ≤ ${TARGET.lat.toFixed(2)}` : '') +
        `; ${noiseNote(o.rounds, targeted.length > 0)}`,
    );
    const targetHead = (v: Variant): string => (targeted.length === 1 ? 'nanosp target' : `${label(v)} target`);
    parts.push(
      table(
        ['test', 'transport', ...others.map((v) => `${label(v)} ÷ ${b}`), ...targeted.map(targetHead)],
        cells
          .filter((cell) => get(base, cell)?.value !== undefined)
          .map((cell) => {
            const ratios = others.map((v) => compare(v, base, cell, targeted.includes(v)));
            const cols = ratios.map((r) => (r === undefined ? '–' : ratioText(r)));
            for (const v of targeted) {
              const r = ratios[others.indexOf(v)];
              const threshold = TARGET[cell.kind];
              cols.push(r === undefined ? '–' : `${targetMet(cell.kind, r.value) ? 'met' : 'MISSED'}${withinNoise(r, threshold) ? ` ${NOISE_MARK}` : ''}`);
            }
            return [...cellCols(cell), ...cols];
          }),
      ),
    );
  }

  // one implementation against itself: PAIR v1 against PAIR v0, the awaited calls against the fast path
  for (const [title, counterpart] of [
    ['PAIR v1 against PAIR v0 of the same implementation, same run: throughput = pair1 msg/s ÷ pair0 msg/s (above 1 is faster); latency = pair1 µs ÷ pair0 µs (below 1 is faster)', (v: Variant): Variant | undefined => (v.proto === 'pair1' ? { ...v, proto: 'pair0' } : undefined)],
    ["nanosp's awaited calls against its fast path, same run: throughput = await msg/s ÷ fast msg/s (above 1 is faster); latency = await µs ÷ fast µs (below 1 is faster)", (v: Variant): Variant | undefined => (v.api === 'await' ? { ...v, api: 'fast' } : undefined)],
  ] as const) {
    const pairs = present.flatMap((v) => {
      const w = counterpart(v);
      return w !== undefined && present.some((p) => sameVariant(p, w)) ? [[v, w] as const] : [];
    });
    if (pairs.length === 0) continue;
    parts.push(`${title}; ${noiseNote(o.rounds, false)}`);
    parts.push(
      table(
        ['test', 'transport', ...pairs.map(([v, w]) => `${label(v)} ÷ ${label(w)}`)],
        cells.map((cell) => [
          ...cellCols(cell),
          ...pairs.map(([v, w]) => {
            const r = compare(v, w, cell, false);
            return r === undefined ? '–' : ratioText(r);
          }),
        ]),
      ),
    );
  }

  figures(`CPU per message, µs (user+sys of both processes over their work windows; a round trip is 2 messages), ${per}`, cells, (m) => spreadText(spread(m, 'cpuUsPerMsg') as Spread, cpuText));
  figures(`Peak RSS, MiB (the larger of the two processes), ${per}`, cells, (m) => spreadText(spread(m, 'maxRssKiB') as Spread, mibText));

  const cross = rows.filter((r) => r.impl.includes('→'));
  if (cross.length > 0) {
    parts.push('Interop runs (local tool → remote tool, one run each): figures of the measuring side');
    parts.push(
      table(
        ['test', 'transport', 'local', 'remote', 'result'],
        cross.map((r) => [
          ...cellCols(r),
          label({ impl: r.local, proto: r.proto, api: null }),
          label({ impl: r.remote as ImplName, proto: r.proto, api: null }),
          !r.ok ? `FAILED: ${r.error ?? ''}`.slice(0, 120) : r.kind === 'thr' ? `${rate(r.msgPerSec as number)} msg/s` : `${(r.latencyUs as number).toFixed(2)} µs`,
        ]),
        4,
      ),
    );
  }
  return { text: parts.join('\n\n'), comparisons };
}
