/**
 * `nanosp cat` against nngcat (NNG 1.5.2): every pattern but BUS (nngcat has none), both
 * sides; and PAIR v1 (nanosp cat --pair1 with nngcat --pair1) each way, and --pair0.
 */
import { expect, it } from 'vitest';
import { casesFor, defineInterop, NNGCAT } from './cat-interop-cases.js';

defineInterop(NNGCAT);

it("nngcat's table has the PAIR v1 cases: both ways at once, each way alone", () => {
  const pair1 = casesFor(NNGCAT).filter((c) => c.ours === 'pair1');
  expect(pair1.map((c) => [c.theirs, c.ourFormat !== undefined, c.theyPrint])).toEqual([
    ['pair1', true, true],
    ['pair1', true, false],
    ['pair1', false, true],
  ]);
});
