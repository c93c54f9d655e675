/** `nanosp cat` against nanocat (libnanomsg 1.1.5): every pattern, BUS included, both sides. */
import { expect, it } from 'vitest';
import { casesFor, defineInterop, NANOCAT } from './cat-interop-cases.js';

defineInterop(NANOCAT);

it("nanocat's table has no PAIR v1 and none of nngcat's names (nanomsg has no PAIR v1)", () => {
  const cases = casesFor(NANOCAT);
  expect(cases.length).toBeGreaterThan(0);
  expect(cases.filter((c) => c.ours === 'pair1' || c.theirs === 'pair1' || c.ourFlag !== undefined).map((c) => c.title)).toEqual([]);
  expect(NANOCAT.type.pair1).toBeUndefined();
});
