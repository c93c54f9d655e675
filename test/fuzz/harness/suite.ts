/**
 * The fuzz properties in the normal suite: one test per property, each built, asserted with
 * fast-check (whose failure message names the seed, the path and the shrunk counterexample)
 * and released, with a watch for anything unhandled around the whole file.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchParameters, type FuzzProperty } from './property.js';
import { UnhandledWatch } from './unhandled.js';

export function fuzzSuite(title: string, properties: readonly FuzzProperty[]): void {
  describe(title, () => {
    const watch = new UnhandledWatch();
    beforeAll(() => void watch.start());
    afterAll(() => watch.stop());

    for (const property of properties) {
      it(property.name, async () => {
        const prepared = await property.prepare();
        try {
          await fc.assert(prepared.property, batchParameters(property.runs));
        } finally {
          await prepared.close();
        }
        expect(watch.seen).toEqual([]);
      }, 60_000);
    }
  });
}
