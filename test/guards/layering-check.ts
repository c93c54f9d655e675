/**
 * The import rules of design.md ("Layers … imports point down only", "Rules that keep the house
 * simple", the runtime-neutral core), checked on every .ts file under a source root:
 *
 * - `sp/**` imports only files in `sp/**`: no `node:` or other Node built-in, no package, nothing
 *   from `diag`, `compat`, `cli`, `node`, `estp` or the public face `index.ts`, and no
 *   `/// <reference types>` (which would bring Node's ambient types back into the core);
 * - `estp/**` imports nothing from `sp` (but `sp/errors`), `diag`, `compat`, `cli`, `node` (records only, no I/O);
 * - `diag/**` is never imported by `sp` (the stack doesn't know it is watched);
 * - `node/**` imports nothing from `diag`, `compat` or `cli`;
 * - `browser/**` (what a web page loads) imports only `sp/**` and `browser/**`: no Node
 *   built-in, no package, no ambient-type reference.
 *
 * Specifiers come from the TypeScript parser: `import`, `import type`, `export … from`,
 * `import x = require()`, dynamic `import()`, `require()`, `import('x').T` in types, and
 * triple-slash references. Paths in the report are relative to the repository root.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';
import { REPO_ROOT } from './core-check.js';

export interface ImportRef {
  specifier: string;
  line: number;
  kind: 'import' | 'import type' | 'export from' | 'import()' | 'require()' | 'import type()' | 'reference';
}

export interface LayeringViolation {
  /** Repo-relative importing file. */
  file: string;
  line: number;
  specifier: string;
  kind: ImportRef['kind'];
  rule: string;
}

const BUILTINS = new Set(builtinModules);

function rel(path: string): string {
  return relative(REPO_ROOT, path).split(sep).join('/');
}

function tsFilesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...tsFilesUnder(path));
    else if (/\.[mc]?tsx?$/.test(name)) out.push(path);
  }
  return out;
}

/** Every module specifier a TypeScript file names, with its line. */
export function importsOf(fileName: string, text: string): ImportRef[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  const refs: ImportRef[] = [];
  const add = (node: ts.Node | undefined, kind: ImportRef['kind']): void => {
    if (node && ts.isStringLiteralLike(node)) {
      refs.push({ specifier: node.text, kind, line: source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1 });
    }
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      const typeOnly = node.importClause?.isTypeOnly === true;
      add(node.moduleSpecifier, typeOnly ? 'import type' : 'import');
    } else if (ts.isExportDeclaration(node)) {
      add(node.moduleSpecifier, 'export from');
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      add(node.moduleReference.expression, node.isTypeOnly ? 'import type' : 'import');
    } else if (ts.isCallExpression(node)) {
      if (node.expression.kind === ts.SyntaxKind.ImportKeyword) add(node.arguments[0], 'import()');
      else if (ts.isIdentifier(node.expression) && node.expression.text === 'require') add(node.arguments[0], 'require()');
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      add(node.argument.literal, 'import type()');
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  for (const ref of [...source.typeReferenceDirectives, ...source.referencedFiles, ...source.libReferenceDirectives]) {
    refs.push({ specifier: ref.fileName, kind: 'reference', line: source.getLineAndCharacterOfPosition(ref.pos).line + 1 });
  }
  return refs.sort((a, b) => a.line - b.line);
}

type Area = 'sp' | 'estp' | 'diag' | 'compat' | 'cli' | 'node' | 'browser' | 'index' | 'other' | 'outside';

/** Which layer a path under `srcRoot` belongs to: its first folder, or 'index' for src/index.ts. */
function areaOf(srcRoot: string, path: string): Area {
  const r = relative(srcRoot, path);
  if (r.startsWith('..') || isAbsolute(r)) return 'outside';
  const parts = r.split(sep);
  if (parts.length === 1) return /^index\.[mc]?[jt]sx?$/.test(parts[0]!) ? 'index' : 'other';
  const top = parts[0]!;
  return (['sp', 'estp', 'diag', 'compat', 'cli', 'node', 'browser'] as const).find((a) => a === top) ?? 'other';
}

function isNodeBuiltin(specifier: string): boolean {
  return specifier.startsWith('node:') || BUILTINS.has(specifier) || BUILTINS.has(specifier.split('/')[0]!);
}

const RULE_SP = 'src/sp is the runtime-neutral core: it imports only src/sp';
const RULE_SP_NODE = 'src/sp is the runtime-neutral core: no Node built-ins';
const RULE_SP_PACKAGE = 'src/sp is the runtime-neutral core: no packages';
const RULE_SP_DIAG = 'src/sp never imports src/diag';
const RULE_SP_REFERENCE = 'src/sp is the runtime-neutral core: no triple-slash references (ambient types)';
const RULE_ESTP = 'src/estp imports nothing from sp (but its error type, sp/errors), diag, compat, cli or node';
const RULE_NODE = 'src/node never imports src/diag, src/compat or src/cli';
const RULE_BROWSER = 'src/browser is what a web page loads: it imports only src/sp and src/browser';
const RULE_BROWSER_OUTSIDE = 'src/browser is what a web page loads: no Node built-ins, no packages, no ambient types';

function ruleFor(srcRoot: string, file: string, ref: ImportRef): string | undefined {
  const from = areaOf(srcRoot, file);
  if (from !== 'sp' && from !== 'estp' && from !== 'node' && from !== 'browser') return undefined;

  const spec = ref.specifier;
  if (ref.kind === 'reference') {
    // `/// <reference types="node" />` and friends: the core must not pull in ambient declarations.
    if (from === 'browser') return RULE_BROWSER_OUTSIDE;
    return from === 'sp' ? RULE_SP_REFERENCE : undefined;
  }
  const relativeSpec = spec.startsWith('.') || isAbsolute(spec);
  if (!relativeSpec) {
    if (from === 'browser') return RULE_BROWSER_OUTSIDE;
    if (from !== 'sp') return undefined;
    return isNodeBuiltin(spec) ? RULE_SP_NODE : RULE_SP_PACKAGE;
  }
  const to = areaOf(srcRoot, resolve(dirname(file), spec));
  switch (from) {
    case 'sp':
      if (to === 'diag') return RULE_SP_DIAG;
      return to === 'sp' ? undefined : RULE_SP;
    case 'estp':
      // ESTP's errors are SpErrors, so that callers handle one error type
      if (to === 'sp' && resolve(dirname(file), spec) === resolve(srcRoot, 'sp/errors.js')) return undefined;
      return ['sp', 'diag', 'compat', 'cli', 'node'].includes(to) ? RULE_ESTP : undefined;
    case 'node':
      return ['diag', 'compat', 'cli'].includes(to) ? RULE_NODE : undefined;
    case 'browser':
      return to === 'sp' || to === 'browser' ? undefined : RULE_BROWSER;
  }
}

/** Every import under `srcRoot` (absolute, or relative to the repo root) that breaks a layering rule. */
export function checkLayering(srcRoot: string): LayeringViolation[] {
  const root = resolve(REPO_ROOT, srcRoot);
  const violations: LayeringViolation[] = [];
  for (const file of tsFilesUnder(root)) {
    for (const ref of importsOf(file, readFileSync(file, 'utf8'))) {
      const rule = ruleFor(root, file, ref);
      if (rule) violations.push({ file: rel(file), line: ref.line, specifier: ref.specifier, kind: ref.kind, rule });
    }
  }
  return violations;
}

/** `file:line: imports 'x' (rule)`, one a line. */
export function formatViolation(v: LayeringViolation): string {
  const how = {
    import: 'imports',
    'import type': 'imports type',
    'export from': 'imports (export from)',
    'import()': 'imports (dynamic import())',
    'require()': 'imports (require())',
    'import type()': "imports type (import('x') type)",
    reference: 'imports (/// <reference>)',
  }[v.kind];
  return `${v.file}:${v.line}: ${how} '${v.specifier}' (${v.rule})`;
}

/** A report for the violations, grouped by rule with counts first; '' when there are none. */
export function formatLayeringReport(violations: LayeringViolation[]): string {
  if (violations.length === 0) return '';
  const byRule = new Map<string, number>();
  for (const v of violations) byRule.set(v.rule, (byRule.get(v.rule) ?? 0) + 1);
  const files = new Set(violations.map((v) => v.file)).size;
  return [
    `${violations.length} import(s) in ${files} file(s) break design.md's layering rules:`,
    ...[...byRule].map(([rule, n]) => `  ${n} × ${rule}`),
    '',
    ...violations.map(formatViolation),
  ].join('\n');
}
