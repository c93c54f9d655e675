/**
 * `npm run bench`'s pure parts (bench/runner): the command line (`--api`), the plan (cells,
 * columns, message counts for 1 MiB and 16 MiB), the noise rule, and the tables' marks, on
 * made-up figures. Nothing here runs a tool or times anything.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { NOISE_MARK, median, ratioOf, ratioText, spreadOf, spreadText, withinNoise, type Spread } from '../../bench/runner/noise.js';
import { parseOptions } from '../../bench/runner/options.js';
import { IMPLS, MiB, countFor, labelOf, plan, toolArgs, variantsOf, type Cell, type Variant } from '../../bench/runner/plan.js';
import { rate, render, sizeLabel, summarise, type Row } from '../../bench/runner/report.js';

class Exit extends Error {
  constructor(readonly code: number | undefined) {
    super(`exit ${code}`);
  }
}

describe('bench runner: options', () => {
  beforeEach(() => {
    vi.spyOn(process, 'exit').mockImplementation(((code?: number) => {
      throw new Exit(code);
    }) as never);
    vi.spyOn(process.stderr, 'write').mockImplementation((() => true) as never);
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });
  const parse = (...argv: string[]) => parseOptions(argv, '/tmp/results');

  it('measures the fast path alone by default; --api takes fast, await or both, in that order whatever the order given', () => {
    expect(parse().apis).toEqual(['fast']);
    expect(parse('--api', 'await').apis).toEqual(['await']);
    expect(parse('--api', 'await,fast').apis).toEqual(['fast', 'await']);
    expect(parse('--api', 'fast,await,fast').apis).toEqual(['fast', 'await']);
    expect(parse('--proto', 'pair1,pair0', '--api', 'fast,await')).toMatchObject({ protos: ['pair0', 'pair1'], apis: ['fast', 'await'] });
  });

  it('refuses an --api without a value, an unknown one, or an empty list, with status 2', () => {
    for (const argv of [['--api'], ['--api', 'blocking'], ['--api', ','], ['--api', 'fast,sync']]) expect(() => parse(...argv), JSON.stringify(argv)).toThrow(new Exit(2));
  });

  it('keeps its defaults: 3 rounds, 1 with --quick, results under the directory given', () => {
    expect(parse()).toMatchObject({ rounds: 3, quick: false, protos: ['pair0'], kinds: ['thr', 'lat'], timeoutMs: 60_000, out: '/tmp/results/latest.json' });
    expect(parse('--quick')).toMatchObject({ rounds: 1, quick: true, timeoutMs: 30_000 });
    expect(parse('--size', '1048576,16777216').sizes).toEqual([MiB, 16 * MiB]);
  });
});

describe('bench runner: plan', () => {
  const all = { quick: false, kinds: ['thr', 'lat'], transports: ['tcp', 'ipc', 'inproc'], sizes: undefined } as const;
  const key = (c: Cell): string => `${c.kind} ${c.transport} ${c.size}`;

  it('measures throughput at 64 B, 1 KiB, 64 KiB, 1 MiB and 16 MiB on every transport, latency at 64 B and 1 KiB', () => {
    const cells = plan(all).map(key);
    for (const transport of ['tcp', 'ipc', 'inproc']) {
      for (const size of [64, 1024, 65536, MiB, 16 * MiB]) expect(cells).toContain(`thr ${transport} ${size}`);
      for (const size of [64, 1024]) expect(cells).toContain(`lat ${transport} ${size}`);
    }
    expect(cells).toHaveLength(21);
    expect(cells.filter((c) => c.startsWith('lat') && Number(c.split(' ')[2]) >= MiB)).toEqual([]);
  });

  it('--quick has the 64 KiB throughput cells of tcp and ipc, and no 1 MiB or 16 MiB cell', () => {
    const cells = plan({ ...all, quick: true }).map(key);
    expect(cells).toEqual(['thr tcp 64', 'thr tcp 65536', 'thr ipc 1024', 'thr ipc 65536', 'thr inproc 64', 'lat tcp 64', 'lat ipc 64', 'lat inproc 64']);
    expect(plan({ ...all, quick: true, sizes: [MiB], kinds: ['thr'], transports: ['ipc'] }).map(key)).toEqual([`thr ipc ${MiB}`]);
  });

  it('sends few enough 1 MiB and 16 MiB messages that a run moves at most 2 GiB (and at least 20 messages); --quick a tenth, at least 2', () => {
    for (const impl of IMPLS) {
      for (const transport of ['tcp', 'ipc', 'inproc'] as const) {
        for (const size of [MiB, 16 * MiB]) {
          const cell: Cell = { kind: 'thr', transport, size };
          const n = countFor(impl, cell, false);
          expect(n * size, `${impl} ${transport} ${size}`).toBeLessThanOrEqual(2048 * MiB);
          expect(n, `${impl} ${transport} ${size}`).toBeGreaterThanOrEqual(20);
          expect(countFor(impl, cell, true)).toBe(Math.max(2, Math.round(n / 10)));
        }
      }
    }
    expect(countFor('nanosp', { kind: 'thr', transport: 'tcp', size: 16 * MiB }, true)).toBe(12);
  });

  it('keeps the counts of the sizes that were there, and sizes off the table move the bytes of the size below them', () => {
    expect(countFor('nanosp', { kind: 'thr', transport: 'tcp', size: 64 }, false)).toBe(3_000_000);
    expect(countFor('nanosp', { kind: 'thr', transport: 'tcp', size: 64 }, true)).toBe(300_000);
    expect(countFor('nng', { kind: 'thr', transport: 'inproc', size: 65536 }, false)).toBe(20_000);
    expect(countFor('libnanomsg', { kind: 'lat', transport: 'ipc', size: 1024 }, false)).toBe(20_000);
    // 128 KiB moves what 64 KiB moves; 4 MiB what 1 MiB moves; under 1 KiB, the 1 KiB row's count
    expect(countFor('nanosp', { kind: 'thr', transport: 'tcp', size: 131072 }, false)).toBe(60_000);
    expect(countFor('node-net', { kind: 'thr', transport: 'ipc', size: 4 * MiB }, false)).toBe(300);
    expect(countFor('nanosp', { kind: 'thr', transport: 'tcp', size: 100 }, false)).toBe(1_000_000);
    expect(countFor('nanosp', { kind: 'thr', transport: 'tcp', size: 0 }, false)).toBe(1_000_000);
    expect(countFor('nng', { kind: 'thr', transport: 'tcp', size: 256 * MiB }, false)).toBe(2);
  });

  it('gives nanosp, raw node and libnanomsg the same work over tcp and ipc from 32 KiB up', () => {
    for (const transport of ['tcp', 'ipc'] as const) {
      for (const size of [32 * 1024, 64 * 1024, 128 * 1024, MiB, 16 * MiB]) {
        const cell: Cell = { kind: 'thr', transport, size };
        const n = countFor('nanosp', cell, false);
        expect([countFor('node-net', cell, false), countFor('libnanomsg', cell, false)], `${transport} ${size}`).toEqual([n, n]);
      }
    }
    expect(countFor('libnanomsg', { kind: 'thr', transport: 'ipc', size: 32 * 1024 }, false)).toBe(200_000);
  });

  it('gives nanosp and raw node the same work at every size over tcp and ipc (both Node processes warm up)', () => {
    for (const transport of ['tcp', 'ipc'] as const) {
      for (const size of [0, 64, 100, 1024, 4096, 32 * 1024, MiB]) {
        const cell: Cell = { kind: 'thr', transport, size };
        expect(countFor('node-net', cell, false), `${transport} ${size}`).toBe(countFor('nanosp', cell, false));
      }
    }
  });

  it('makes nanosp one column per protocol and API; the others one per protocol they have', () => {
    const label = (protos: ('pair0' | 'pair1')[], apis: ('fast' | 'await')[]): string[] => variantsOf(IMPLS, protos, apis).map((v) => labelOf(v, protos, apis));
    expect(label(['pair0'], ['fast'])).toEqual(['nanosp', 'node:net', 'libnanomsg', 'nng']);
    expect(label(['pair0'], ['fast', 'await'])).toEqual(['nanosp fast', 'nanosp await', 'node:net', 'libnanomsg', 'nng']);
    expect(label(['pair0'], ['await'])).toEqual(['nanosp await', 'node:net', 'libnanomsg', 'nng']);
    expect(label(['pair0', 'pair1'], ['fast', 'await'])).toEqual([
      'nanosp pair0 fast',
      'nanosp pair0 await',
      'nanosp pair1 fast',
      'nanosp pair1 await',
      'node:net',
      'libnanomsg pair0',
      'nng pair0',
      'nng pair1',
    ]);
  });

  it("adds nothing to nanomsg's command lines for PAIR v0 and the fast path", () => {
    expect(toolArgs({ proto: 'pair0', api: 'fast' })).toEqual([]);
    expect(toolArgs({ proto: null, api: null })).toEqual([]);
    expect(toolArgs({ proto: 'pair0', api: 'await' })).toEqual(['--api', 'await']);
    expect(toolArgs({ proto: 'pair1', api: 'await' })).toEqual(['--pair1', '--api', 'await']);
    expect(toolArgs({ proto: 'pair1', api: null })).toEqual(['--pair1']);
  });
});

describe('bench runner: noise', () => {
  const s = (...values: number[]): Spread => spreadOf(values) as Spread;

  it('a cell is the median of its rounds with their min and max', () => {
    expect(spreadOf([])).toBeUndefined();
    expect(s(3, 1, 2)).toEqual({ median: 2, min: 1, max: 3, runs: 3 });
    expect(s(4, 1, 2, 3)).toEqual({ median: 2.5, min: 1, max: 4, runs: 4 });
    expect(median([5])).toBe(5);
    expect(spreadText(s(7), String)).toBe('7');
    expect(spreadText(s(3, 1, 2), String)).toBe('2 (1–3)');
  });

  it('a ratio is within the noise when the range min(a)/max(b) … max(a)/min(b) includes 1, i.e. the two ranges overlap', () => {
    // overlapping: 90–110 against 100–120
    const overlap = ratioOf(s(90, 100, 110), s(100, 110, 120));
    expect(overlap.value).toBeCloseTo(100 / 110, 12);
    expect(overlap.lo).toBeCloseTo(0.75, 12);
    expect(overlap.hi).toBeCloseTo(1.1, 12);
    expect(withinNoise(overlap)).toBe(true);
    // apart: 50–60 against 100–120, either way round
    expect(withinNoise(ratioOf(s(50, 55, 60), s(100, 110, 120)))).toBe(false);
    expect(withinNoise(ratioOf(s(100, 110, 120), s(50, 55, 60)))).toBe(false);
    // touching ranges count as overlapping
    expect(withinNoise(ratioOf(s(80, 90, 100), s(100, 105, 110)))).toBe(true);
    // a cell whose rounds all agree still has a range (a point)
    expect(withinNoise(ratioOf(s(100, 100), s(100, 100)))).toBe(true);
  });

  it('judges against another threshold the same way (a target: 0.50× throughput, 1.20× latency)', () => {
    const r = ratioOf(s(110, 120, 130), s(95, 100, 105));
    expect(withinNoise(r, 1)).toBe(false);
    expect(withinNoise(r, 1.2)).toBe(true);
    expect(withinNoise(r, 1.5)).toBe(false);
  });

  it('says nothing with fewer than 2 rounds on either side', () => {
    expect(withinNoise(ratioOf(s(100), s(100)))).toBeUndefined();
    expect(withinNoise(ratioOf(s(90, 100), s(95)))).toBeUndefined();
    expect(ratioText(ratioOf(s(100), s(125)))).toBe('0.80×');
  });

  it('writes a ratio with its range and the mark', () => {
    expect(ratioText(ratioOf(s(90, 100, 110), s(100, 110, 120)))).toBe(`0.91× (0.75–1.10) ${NOISE_MARK}`);
    expect(ratioText(ratioOf(s(50, 55, 60), s(100, 110, 120)))).toBe('0.50× (0.42–0.60)');
  });
});

describe('bench runner: tables', () => {
  const cell: Cell = { kind: 'thr', transport: 'tcp', size: 64 };
  const lat: Cell = { kind: 'lat', transport: 'tcp', size: 64 };
  const row = (v: Variant, c: Cell, round: number, value: number): Row => ({
    round,
    impl: v.impl,
    local: v.impl,
    remote: v.impl,
    proto: v.proto,
    api: v.api,
    ...c,
    count: 1000,
    ok: true,
    ...(c.kind === 'thr' ? { msgPerSec: value } : { latencyUs: value }),
    cpuUsPerMsg: 1,
    maxRssKiB: 60 * 1024,
    wallMs: 1,
  });
  const fast: Variant = { impl: 'nanosp', proto: 'pair0', api: 'fast' };
  const awaited: Variant = { impl: 'nanosp', proto: 'pair0', api: 'await' };
  const net: Variant = { impl: 'node-net', proto: null, api: null };
  const lib: Variant = { impl: 'libnanomsg', proto: 'pair0', api: null };

  function report(rounds: number, figures: [Variant, Cell, number[]][]) {
    const rows = figures.flatMap(([v, c, values]) => values.map((x, i) => row(v, c, i + 1, x)));
    const variants = [fast, awaited, net, lib];
    const cells = [cell, lat];
    return render(summarise(rows, cells, variants), cells, variants, rows, { protos: ['pair0'], apis: ['fast', 'await'], rounds });
  }

  it('shows each cell as median (min–max), marks ratios within the noise and targets missed within it, and lists them all', () => {
    const { text, comparisons } = report(3, [
      [fast, cell, [2e6, 2.5e6, 3e6]],
      [awaited, cell, [1e6, 1.1e6, 1.2e6]],
      [net, cell, [2.8e6, 3.2e6, 4e6]],
      [lib, cell, [0.5e6, 0.6e6, 0.7e6]],
      [fast, lat, [40, 44, 50]],
      [awaited, lat, [44, 50, 56]],
      [net, lat, [38, 40, 42]],
      [lib, lat, [30, 31, 32]],
    ]);
    expect(text).toContain('2.50 M (2.00 M–3.00 M), 160 MB/s');
    expect(text).toContain('44.00 (40.00–50.00)');
    // nanosp fast ÷ node:net: 2–3 M against 2.8–4 M overlap; nanosp await ÷ node:net do not
    const line = (start: string, table: string): string => text.split('\n\n').find((p) => p.startsWith('|') && p.includes(table))?.split('\n').find((l) => l.startsWith(start)) ?? '';
    expect(line('| throughput 64 B', 'nanosp fast ÷ node:net')).toMatch(/0\.78× \(0\.50–1\.07\) ≈ \| +0\.34× \(0\.25–0\.43\) \|/);
    // latency 1.10× of node:net (0.95–1.32), the 1.20 target in that range: met, and within the noise of it
    expect(line('| latency 64 B', 'nanosp fast ÷ node:net')).toMatch(/1\.10× \(0\.95–1\.32\) ≈ .*\| +met ≈ \| +MISSED ≈ \|$/);
    expect(line('| throughput 64 B', 'nanosp await ÷ nanosp fast')).toMatch(/0\.44× \(0\.33–0\.60\) \|$/);
    const c = comparisons.find((x) => x.of === 'nanosp fast' && x.against === 'node:net' && x.kind === 'thr');
    expect(c).toMatchObject({ withinNoise: true, target: { threshold: 0.5, met: true, withinNoise: true } });
    expect(comparisons.find((x) => x.of === 'nanosp await' && x.against === 'nanosp fast' && x.kind === 'thr')).toMatchObject({ withinNoise: false });
    expect(comparisons.find((x) => x.of === 'nanosp fast' && x.against === 'libnanomsg' && x.kind === 'lat')).toMatchObject({ withinNoise: false });
  });

  it('keeps the per-round figures in the medians, in round order', () => {
    const rows = [row(fast, cell, 1, 3e6), row(fast, cell, 2, 1e6), { ...row(fast, cell, 3, 0), ok: false }, row(fast, cell, 4, 2e6)];
    const [m] = summarise(rows, [cell], [fast]);
    expect(m).toMatchObject({ runs: 4, failures: 1, value: 2e6, min: 1e6, max: 3e6 });
    expect(m?.perRound.map((p) => [p.round, p.value])).toEqual([
      [1, 3e6],
      [2, 1e6],
      [4, 2e6],
    ]);
  });

  it('with one round shows medians alone and says there is no noise mark', () => {
    const { text, comparisons } = report(1, [
      [fast, cell, [2e6]],
      [net, cell, [3e6]],
    ]);
    expect(text).toContain('one round: no spread, so no noise marks');
    expect(text).not.toContain(NOISE_MARK);
    expect(text).toMatch(/ 0\.67× \| +met \|/);
    expect(comparisons[0]).toMatchObject({ withinNoise: null });
  });

  it('names sizes and rates for the large messages', () => {
    expect(sizeLabel(MiB)).toBe('1 MiB');
    expect(sizeLabel(16 * MiB)).toBe('16 MiB');
    expect(sizeLabel(65536)).toBe('64 KiB');
    expect(sizeLabel(100)).toBe('100 B');
    expect(rate(18.44)).toBe('18.4');
    expect(rate(740.2)).toBe('740');
    expect(rate(5_330_000)).toBe('5.33 M');
  });
});
