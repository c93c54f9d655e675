/**
 * The noise of a benchmark cell and of a ratio between two cells, from the spread of their
 * rounds (bench/README.md, "Noise"):
 *
 * - a cell reports the median of its rounds and their min–max;
 * - the ratio a ÷ b of two cells is the ratio of their medians, and can be anywhere between
 *   min(a) ÷ max(b) and max(a) ÷ min(b) given the rounds;
 * - that ratio is **within the noise** of a threshold t (1 for "as fast as") when both cells
 *   have at least 2 rounds and t lies in that range: min(a) ≤ t·max(b) and t·min(b) ≤ max(a),
 *   i.e. the two cells' ranges overlap once b is scaled by t. With one round there is no
 *   spread to judge by, and no mark.
 *
 * Ranges that do not overlap are the most extreme outcome of a rank test: with 3 rounds a side
 * it happens by chance in 1 comparison of 10 (2 / C(6,3)), with 5 in 1 of 126. So an unmarked
 * ratio is a gap only as far as the rounds can tell; a marked one is no gap at all.
 */

/** One cell's figures over its successful rounds. */
export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly runs: number;
}

/** The ratio a ÷ b of two cells: of their medians, and the range [lo, hi] their rounds allow. */
export interface Ratio {
  readonly value: number;
  readonly lo: number;
  readonly hi: number;
  /** Both cells have at least 2 rounds, so lo and hi say something. */
  readonly judged: boolean;
}

/** The mark of a ratio within the noise (not `~`, which markdown may read as strike-through). */
export const NOISE_MARK = '≈';

export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** The median, min and max of `values`; undefined when there are none. */
export function spreadOf(values: readonly number[]): Spread | undefined {
  const mid = median(values);
  return mid === undefined ? undefined : { median: mid, min: Math.min(...values), max: Math.max(...values), runs: values.length };
}

export function ratioOf(a: Spread, b: Spread): Ratio {
  return { value: a.median / b.median, lo: a.min / b.max, hi: a.max / b.min, judged: a.runs >= 2 && b.runs >= 2 };
}

/**
 * Is the ratio within the noise of `threshold` (1: the cells' ranges overlap)? undefined when
 * either cell has fewer than 2 rounds.
 */
export function withinNoise(r: Ratio, threshold = 1): boolean | undefined {
  if (!r.judged) return undefined;
  return r.lo <= threshold && threshold <= r.hi;
}

/** `0.93×`, with its range once judged, `0.93× (0.81–1.07)`, and ` ≈` when within the noise of `threshold`. */
export function ratioText(r: Ratio, threshold = 1): string {
  if (!r.judged) return `${r.value.toFixed(2)}×`;
  return `${r.value.toFixed(2)}× (${r.lo.toFixed(2)}–${r.hi.toFixed(2)})${withinNoise(r, threshold) ? ` ${NOISE_MARK}` : ''}`;
}

/** `median (min–max)` once there are 2 rounds, the median alone before; `format` writes one figure. */
export function spreadText(s: Spread, format: (n: number) => string): string {
  return s.runs < 2 ? format(s.median) : `${format(s.median)} (${format(s.min)}–${format(s.max)})`;
}
