/**
 * A fuzz property as both the suite and the nightly runner (run.ts) use it: a name, how many
 * runs it gets in the normal suite, and how to build it. A property that needs something live
 * (a bound nanosp socket, a peer) builds it in `prepare` and releases it in `close`, so the
 * runner can build it again for every batch of runs with a fresh seed.
 */
import fc from 'fast-check';

/** A fast-check property, sync or async, over any generated values. */
export type AnyProperty = fc.IRawProperty<any, boolean>;

export interface Prepared {
  readonly property: AnyProperty;
  close(): Promise<void>;
}

export interface FuzzProperty {
  readonly name: string;
  /** numRuns in the normal suite, sized so the whole fuzz folder stays well under a minute. */
  readonly runs: number;
  prepare(): Promise<Prepared>;
}

/** A property with nothing to set up: a pure decoder, a parser, a protocol on a fake pipe. */
export function pure(name: string, runs: number, build: () => AnyProperty): FuzzProperty {
  return { name, runs, prepare: () => Promise.resolve({ property: build(), close: () => Promise.resolve() }) };
}

/** A property that runs against `open()`'s fixture, released by its `close()`. */
export function withFixture<F extends { close(): Promise<void> }>(
  name: string,
  runs: number,
  open: () => Promise<F>,
  build: (fixture: F) => AnyProperty,
): FuzzProperty {
  return {
    name,
    runs,
    async prepare() {
      const fixture = await open();
      return { property: build(fixture), close: () => fixture.close() };
    },
  };
}

/** How long one run of an end-to-end property may take before fast-check fails it. */
export const RUN_TIMEOUT_MS = 5000;

/**
 * fast-check parameters for one batch: `runs`, overridden by NANOSP_FUZZ_RUNS; a failure is
 * replayed with NANOSP_FUZZ_SEED and NANOSP_FUZZ_PATH (both printed by fast-check).
 */
export function batchParameters(runs: number, env: NodeJS.ProcessEnv = process.env): fc.Parameters<unknown> {
  const params: fc.Parameters<unknown> = { numRuns: runs, timeout: RUN_TIMEOUT_MS };
  const forced = Number(env.NANOSP_FUZZ_RUNS);
  if (Number.isSafeInteger(forced) && forced > 0) params.numRuns = forced;
  const seed = Number(env.NANOSP_FUZZ_SEED);
  if (env.NANOSP_FUZZ_SEED !== undefined && Number.isInteger(seed)) {
    params.seed = seed;
    if (env.NANOSP_FUZZ_PATH) params.path = env.NANOSP_FUZZ_PATH;
  }
  return params;
}
