/** nanomsg's reconnect backoff (spec/wire.md §7.1): 0, min, 3·min, 7·min, … capped at max. */
import { describe, it, expect } from 'vitest';
import { Backoff } from '../../src/sp/backoff.js';

function waits(min: number, max: number, n: number): number[] {
  const b = new Backoff(min, max);
  return Array.from({ length: n }, () => b.next());
}

describe('Backoff', () => {
  it('with the defaults 100/0 waits 0, then 100 for ever (max 0 means max = min)', () => {
    expect(waits(100, 0, 6)).toEqual([0, 100, 100, 100, 100, 100]);
  });

  it('with 100/1000 waits 0, 100, 300, 700, then 1000 for ever', () => {
    expect(waits(100, 1000, 8)).toEqual([0, 100, 300, 700, 1000, 1000, 1000, 1000]);
  });

  it('grows as (2^k - 1) · min until the cap', () => {
    expect(waits(10, 1_000_000, 10)).toEqual([0, 10, 30, 70, 150, 310, 630, 1270, 2550, 5110]);
  });

  it('a wait exactly equal to max is not capped and growth continues to the cap', () => {
    // 0, 100, 300, 700: 700 == max is returned as is, the next one is capped
    expect(waits(100, 700, 6)).toEqual([0, 100, 300, 700, 700, 700]);
  });

  it('the first wait is always 0 (the first retry is immediate)', () => {
    for (const [min, max] of [[1, 0], [100, 0], [5000, 60_000], [0, 0]]) expect(new Backoff(min!, max!).next()).toBe(0);
  });

  it('min 0 never waits', () => {
    expect(waits(0, 0, 5)).toEqual([0, 0, 0, 0, 0]);
    expect(waits(0, 1000, 5)).toEqual([0, 0, 0, 0, 0]);
  });

  it('a max below min caps every wait after the first at max, as nanomsg', () => {
    expect(waits(1000, 100, 4)).toEqual([0, 100, 100, 100]);
  });

  it('has no jitter: two backoffs with the same settings agree', () => {
    expect(waits(37, 5000, 20)).toEqual(waits(37, 5000, 20));
  });

  it('never resets and stays capped after many calls', () => {
    const b = new Backoff(1, 2 ** 31 - 1);
    let last = 0;
    for (let i = 0; i < 200; i++) {
      const w = b.next();
      expect(w).toBeGreaterThanOrEqual(last);
      expect(w).toBeLessThanOrEqual(2 ** 31 - 1);
      last = w;
    }
    expect(last).toBe(2 ** 31 - 1);
  });
});

describe('Backoff with reconnectJitter', () => {
  it('spreads each wait over w × (1 ± j), around the same waits, and 0 stays 0', () => {
    const seen: number[][] = [];
    for (let run = 0; run < 200; run++) {
      const b = new Backoff(100, 1000, 0.5);
      seen.push(Array.from({ length: 5 }, () => b.next()));
    }
    for (const [i, base] of [0, 100, 300, 700, 1000].entries()) {
      const column = seen.map((waits) => waits[i]!);
      expect(Math.min(...column)).toBeGreaterThanOrEqual(Math.floor(base * 0.5));
      expect(Math.max(...column)).toBeLessThanOrEqual(Math.ceil(base * 1.5));
      // clients restarted together do not stay in step: the waits differ
      if (base > 0) expect(new Set(column).size).toBeGreaterThan(20);
      else expect(new Set(column)).toEqual(new Set([0]));
    }
  });

  it('jitter 0 is nanomsg’s exact sequence', () => {
    const b = new Backoff(100, 1000, 0);
    expect(Array.from({ length: 6 }, () => b.next())).toEqual([0, 100, 300, 700, 1000, 1000]);
  });
});
