/**
 * design.md's import rules on every .ts file under src/ (see layering-check.ts for the rules
 * and what counts as an import). Each violation is printed as `file:line: imports 'x' (rule)`.
 * The checker itself is tested on fixtures in checkers.test.ts.
 */
import { describe, it } from 'vitest';
import { checkLayering, formatLayeringReport } from './layering-check.js';

describe('layering (design.md)', () => {
  it('imports under src/ point only where the layers allow', () => {
    const violations = checkLayering('src');
    if (violations.length > 0) throw new Error(formatLayeringReport(violations));
  });
});
