#!/usr/bin/env node
/**
 * `nanosp cat` on its own: `node --import tsx src/cli/cat-main.ts --pull --bind URL -Q`.
 * Importing the package turns on the diagnostics (NN_PRINT_ERRORS, NN_PRINT_STATISTICS,
 * NN_STATISTICS_SOCKET) as in any nanosp program.
 */
import '../index.js';
import { cat, CAT_PROG } from './cat.js';

cat(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`${CAT_PROG}: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 3;
  },
);
