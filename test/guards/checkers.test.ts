/**
 * The guards' checkers on fixtures (each fixture folder stands for src/): the clean tree passes
 * all three checks, the dirty one fails each with every offender named. These pass whatever
 * state src/ is in.
 */
import { describe, expect, it } from 'vitest';
import {
  checkCoreBundle,
  checkCoreTypes,
  coreBundleOk,
  formatCoreBundleReport,
  formatCoreTypesReport,
} from './core-check.js';
import { checkLayering, formatLayeringReport, formatViolation, importsOf } from './layering-check.js';

const CLEAN = 'test/guards/fixtures/clean';
const DIRTY = 'test/guards/fixtures/dirty';
/** A core that compiles only because it references @types/node itself. */
const NODE_TYPES = 'test/guards/fixtures/node-types';

describe('checkCoreBundle', () => {
  it('passes a clean core and measures it; look-alike names (a `process` parameter, `.process`, strings) are not globals', async () => {
    const result = await checkCoreBundle({ entry: `${CLEAN}/sp/index.ts`, coreDir: `${CLEAN}/sp` });
    expect(formatCoreBundleReport(result)).toBe('');
    expect(coreBundleOk(result)).toBe(true);
    expect(result.modules).toBe(3);
    expect(result.size?.minified).toBeGreaterThan(0);
    expect(result.size!.gzipped).toBeLessThan(result.size!.minified);
  });

  it('names every Node import, outside module and Node global of a dirty core', async () => {
    const result = await checkCoreBundle({ entry: `${DIRTY}/sp/index.ts`, coreDir: `${DIRTY}/sp` });
    expect(coreBundleOk(result)).toBe(false);
    expect(result.size).toBeUndefined();
    const report = formatCoreBundleReport(result);
    const lines = report.split('\n').filter((l) => l.startsWith('  ')).map((l) => l.trim());
    expect(lines).toEqual([
      `${DIRTY}/diag/report.ts:2: imports 'node:os' (Node built-in)`,
      `${DIRTY}/sp/bytes.ts:3: imports '../diag/report.js' (${DIRTY}/diag/report.ts is outside ${DIRTY}/sp)`,
      `${DIRTY}/sp/bytes.ts:6: uses global Buffer`,
      `${DIRTY}/sp/bytes.ts:10: uses global process`,
      `${DIRTY}/sp/bytes.ts:15: uses global setImmediate`,
      `${DIRTY}/sp/index.ts:2: imports 'node:fs' (Node built-in)`,
      `${DIRTY}/sp/index.ts:3: imports 'events' (Node built-in)`,
    ]);
  });

  it('fails clearly when the core entry is missing, and still lists what the directory holds', async () => {
    const missing = await checkCoreBundle({ entry: `${CLEAN}/sp/nope.ts`, coreDir: `${CLEAN}/sp` });
    expect(coreBundleOk(missing)).toBe(false);
    expect(formatCoreBundleReport(missing)).toMatch(/^the core entry test\/guards\/fixtures\/clean\/sp\/nope\.ts is missing/);
    expect(missing.offenders).toEqual([]);

    const dirty = await checkCoreBundle({ entry: `${DIRTY}/sp/nope.ts`, coreDir: `${DIRTY}/sp` });
    expect(formatCoreBundleReport(dirty)).toContain(`${DIRTY}/sp/bytes.ts:6: uses global Buffer`);
    expect(formatCoreBundleReport(dirty)).toContain(`${DIRTY}/sp/index.ts:2: imports 'node:fs' (Node built-in)`);
  });
});

describe('checkCoreTypes', () => {
  it('passes a clean core', () => {
    const result = checkCoreTypes(`${CLEAN}/tsconfig.json`);
    expect(formatCoreTypesReport(result)).toBe('');
    expect(result.ok).toBe(true);
  }, 60_000);

  it('fails a dirty core, type-only imports and NodeJS types included, with tsc output', () => {
    const result = checkCoreTypes(`${DIRTY}/tsconfig.json`);
    expect(result.ok).toBe(false);
    expect(result.summary).toContain(`${DIRTY}/sp/index.ts: node:fs, events, 1 other error(s)`);
    expect(result.summary.find((s) => s.startsWith(`${DIRTY}/sp/bytes.ts:`))).toMatch(/node:net, Buffer, process, NodeJS/);
    const report = formatCoreTypesReport(result);
    expect(report).toContain(`${DIRTY}/sp/bytes.ts(6,10): error TS2591: Cannot find name 'Buffer'`);
    expect(report).toContain(`${DIRTY}/sp/bytes.ts(15,21)`); // globalThis.setImmediate
  }, 60_000);

  it('fails a core that loads @types/node through /// <reference types="node" />, though tsc itself passes it', () => {
    const result = checkCoreTypes(`${NODE_TYPES}/tsconfig.json`);
    expect(result.ok).toBe(false);
    expect(formatCoreTypesReport(result)).toMatch(/@types\/node was loaded into the program .*reference types="node"/);
  }, 60_000);
});

describe('checkLayering', () => {
  it('passes a clean tree (the node layer may import node: and the core)', () => {
    expect(formatLayeringReport(checkLayering(CLEAN))).toBe('');
  });

  it('names every import that breaks a rule, as file:line: imports \'x\' (rule)', () => {
    expect(checkLayering(DIRTY).map(formatViolation)).toEqual([
      `${DIRTY}/estp/record.ts:2: imports '../sp/index.js' (src/estp imports nothing from sp (but its error type, sp/errors), diag, compat, cli or node)`,
      `${DIRTY}/node/tcp.ts:2: imports '../cli/main.js' (src/node never imports src/diag, src/compat or src/cli)`,
      `${DIRTY}/node/tcp.ts:5: imports (dynamic import()) '../diag/report.js' (src/node never imports src/diag, src/compat or src/cli)`,
      `${DIRTY}/sp/bytes.ts:2: imports type 'node:net' (src/sp is the runtime-neutral core: no Node built-ins)`,
      `${DIRTY}/sp/bytes.ts:3: imports '../diag/report.js' (src/sp never imports src/diag)`,
      `${DIRTY}/sp/index.ts:2: imports 'node:fs' (src/sp is the runtime-neutral core: no Node built-ins)`,
      `${DIRTY}/sp/index.ts:3: imports 'events' (src/sp is the runtime-neutral core: no Node built-ins)`,
    ]);
  });

  it('flags a triple-slash reference in the core, and the bundle check still sees its Buffer', async () => {
    expect(checkLayering(NODE_TYPES).map(formatViolation)).toEqual([
      `${NODE_TYPES}/sp/index.ts:1: imports (/// <reference>) 'node' (src/sp is the runtime-neutral core: no triple-slash references (ambient types))`,
    ]);
    const bundle = await checkCoreBundle({ entry: `${NODE_TYPES}/sp/index.ts`, coreDir: `${NODE_TYPES}/sp` });
    expect(bundle.offenders.map((o) => `${o.file}:${o.line}: ${o.what}`)).toEqual([`${NODE_TYPES}/sp/index.ts:4: uses global Buffer`]);
  });

  it('sees every form of import, with its line', () => {
    const text = [
      '/// <reference types="node" />',
      "import a from './a.js';",
      "import type { B } from './b.js';",
      "export { c } from './c.js';",
      "export * from './d.js';",
      "const e = await import('./e.js');",
      "const f = require('./f.js');",
      "let g: import('./g.js').G;",
      "import h = require('./h.js');",
      "const s = 'import x from \"./not-an-import.js\"';",
    ].join('\n');
    expect(importsOf('x.ts', text).map((r) => `${r.line} ${r.kind} ${r.specifier}`)).toEqual([
      '1 reference node',
      '2 import ./a.js',
      '3 import type ./b.js',
      '4 export from ./c.js',
      '5 export from ./d.js',
      '6 import() ./e.js',
      '7 require() ./f.js',
      '8 import type() ./g.js',
      '9 import ./h.js',
    ]);
  });
});
