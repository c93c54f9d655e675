/**
 * The runtime-neutral core guard (design.md, "Where the stack goes next"): `src/sp/index.ts`
 * bundles for a neutral platform with no Node built-in, package or outside module, leaves no
 * free Node global (`Buffer`, `process`, `require`, `global`, `setImmediate`, `__dirname`) in
 * the bundle, and `src/sp` compiles without @types/node (`npm run check:core`). Each failure
 * lists the offending files and lines. The checkers themselves are tested on fixtures in
 * checkers.test.ts.
 */
import { describe, it } from 'vitest';
import {
  checkCoreBundle,
  checkCoreTypes,
  coreBundleOk,
  formatCoreBundleReport,
  formatCoreTypesReport,
} from './core-check.js';

describe('runtime-neutral core (src/sp)', () => {
  it('src/sp/index.ts bundles with esbuild for platform neutral: no Node import, no Node global', async () => {
    const result = await checkCoreBundle({ entry: 'src/sp/index.ts', coreDir: 'src/sp' });
    if (result.size) {
      console.log(
        `core bundle (src/sp/index.ts, ${result.modules} modules): ${result.size.minified} B minified, ` +
          `${result.size.gzipped} B minified+gzipped`,
      );
    }
    if (!coreBundleOk(result)) throw new Error(formatCoreBundleReport(result));
  });

  it('src/sp typechecks without Node typings (tsc -p tsconfig.core.json)', () => {
    const result = checkCoreTypes('tsconfig.core.json');
    if (!result.ok) throw new Error(formatCoreTypesReport(result));
  }, 120_000);
});
