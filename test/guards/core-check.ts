/**
 * The runtime-neutral core guard (design.md "Where the stack goes next"): the core under
 * `src/sp` may use only what every JavaScript runtime has — `Uint8Array`, `DataView`,
 * `TextEncoder`/`TextDecoder`, timers, `queueMicrotask`, `AbortSignal` and its own emitter.
 *
 * Two independent checks, each usable on any directory (the tests run them on the real core
 * and on the fixtures under `test/guards/fixtures/`):
 *
 * - `checkCoreBundle`: bundles the core entry with esbuild for `platform: 'neutral'` and
 *   reports every Node built-in or package import (`node:events`, `events`, …), every module
 *   pulled in from outside the core directory, and every free reference to a Node global
 *   (`Buffer`, `process`, `require`, `global`, `setImmediate`, `__dirname`, also as
 *   `globalThis.X`) that is left in the bundle. Globals are found with esbuild's `define`,
 *   which replaces only unbound references (a local named `process`, a `.process` property
 *   or the text 'Buffer' in a string stay untouched), and located through the source map.
 * - `checkCoreTypes`: runs `tsc -p <tsconfig>` on a config with `types: []` and the DOM lib
 *   (tsconfig.core.json): no `@types/node`, so any `node:` import, `Buffer`, `process` or
 *   `NodeJS.*` type fails to compile, type-only imports included.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules, SourceMap } from 'node:module';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build, transform, type BuildFailure, type Message, type Metafile, type Plugin } from 'esbuild';

/** The repository root (paths in reports are relative to it). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Node globals the core must not touch, free or as `globalThis.X`. */
export const FORBIDDEN_GLOBALS = ['Buffer', 'process', 'require', 'global', 'setImmediate', '__dirname'] as const;

const MARKER_PREFIX = '__nanosp_forbidden_global_';
const MARKER_RE = new RegExp(`${MARKER_PREFIX}(\\w+?)__`, 'g');
const BUILTINS = new Set(builtinModules);

export interface CoreOffender {
  /** Repo-relative file (the importer, or the file that uses the global). */
  file: string;
  line?: number;
  /** What is wrong, e.g. `imports 'node:events'` or `uses global Buffer`. */
  what: string;
}

export interface CoreBundleResult {
  entry: string;
  coreDir: string;
  /** The entry file does not exist; every .ts file under coreDir was bundled instead. */
  entryMissing: boolean;
  offenders: CoreOffender[];
  /** esbuild errors not already reported as offenders (unresolved files, syntax errors …). */
  errors: string[];
  /** How many source files ended up in the bundle. */
  modules: number;
  /** Size of the minified bundle, only when the entry exists and the bundle is clean. */
  size?: { minified: number; gzipped: number };
}

function rel(path: string): string {
  return relative(REPO_ROOT, path).split(sep).join('/');
}

function isInside(dir: string, path: string): boolean {
  const r = relative(dir, path);
  return r !== '' && !r.startsWith('..') && !isAbsolute(r);
}

function isNodeBuiltin(specifier: string): boolean {
  if (specifier.startsWith('node:')) return true;
  return BUILTINS.has(specifier) || BUILTINS.has(specifier.split('/')[0]!);
}

function isBare(specifier: string): boolean {
  return !specifier.startsWith('.') && !isAbsolute(specifier);
}

function tsFilesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...tsFilesUnder(path));
    else if (/\.[mc]?tsx?$/.test(name) && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** The first line of `file` that quotes `specifier` (esbuild's onResolve gives no location). */
function lineOf(file: string, specifier: string): { line?: number } {
  const lines = readFileSync(file, 'utf8').split('\n');
  const i = lines.findIndex((l) => l.includes(`'${specifier}'`) || l.includes(`"${specifier}"`));
  return i === -1 ? {} : { line: i + 1 };
}

/** Records Node built-in and package imports, and keeps them external so the rest still bundles. */
function importGuard(offenders: CoreOffender[]): Plugin {
  return {
    name: 'nanosp-core-import-guard',
    setup(b) {
      b.onResolve({ filter: /.*/ }, (args) => {
        if (args.kind === 'entry-point' || !isBare(args.path)) return undefined;
        const at = { file: rel(args.importer), ...lineOf(args.importer, args.path) };
        if (isNodeBuiltin(args.path)) {
          offenders.push({ ...at, what: `imports '${args.path}' (Node built-in)` });
        } else {
          offenders.push({ ...at, what: `imports '${args.path}' (a package; the core has no dependencies)` });
        }
        return { path: args.path, external: true };
      });
    },
  };
}

function formatMessage(m: Message): string {
  const where = m.location ? `${m.location.file}:${m.location.line}:${m.location.column}: ` : '';
  return `${where}${m.text}`;
}

const DEFINE: Record<string, string> = {};
for (const name of FORBIDDEN_GLOBALS) {
  DEFINE[name] = `${MARKER_PREFIX}${name}__`;
  DEFINE[`globalThis.${name}`] = `${MARKER_PREFIX}${name}__`;
}

/**
 * Free references to Node globals in one file: esbuild's `define` turns each unbound
 * reference into a marker (bound names, properties, strings and comments are left alone),
 * and the source map gives the marker's line in the original file.
 */
async function findGlobals(file: string): Promise<CoreOffender[]> {
  const { code, map } = await transform(readFileSync(file, 'utf8'), {
    loader: file.endsWith('x') ? 'tsx' : 'ts',
    format: 'esm',
    target: 'es2022',
    define: DEFINE,
    sourcemap: 'external',
    sourcefile: file,
    logLevel: 'silent',
  });
  const sourceMap = new SourceMap(JSON.parse(map));
  const lineStarts = [0];
  for (let i = code.indexOf('\n'); i !== -1; i = code.indexOf('\n', i + 1)) lineStarts.push(i + 1);
  const found: CoreOffender[] = [];
  for (const match of code.matchAll(MARKER_RE)) {
    const at = match.index;
    let line = 0;
    while (line + 1 < lineStarts.length && lineStarts[line + 1]! <= at) line++;
    const entry = sourceMap.findEntry(line, at - lineStarts[line]!) as { originalLine?: number };
    found.push({
      file: rel(file),
      ...(entry.originalLine !== undefined ? { line: entry.originalLine + 1 } : {}),
      what: `uses global ${match[1]}`,
    });
  }
  return found;
}

/**
 * Bundle `entry` (a file under `coreDir`) for a neutral platform and report everything that
 * ties it to Node. Paths may be absolute or relative to the repo root.
 */
export async function checkCoreBundle(options: { entry: string; coreDir: string }): Promise<CoreBundleResult> {
  const entry = resolve(REPO_ROOT, options.entry);
  const coreDir = resolve(REPO_ROOT, options.coreDir);
  const entryMissing = !existsSync(entry);
  const entryPoints = entryMissing ? tsFilesUnder(coreDir) : [entry];
  const offenders: CoreOffender[] = [];
  const errors: string[] = [];

  // A virtual output directory: nothing is written.
  const outdir = join(REPO_ROOT, '.core-bundle-check');
  let metafile: Metafile | undefined;
  try {
    const result = await build({
      entryPoints,
      absWorkingDir: REPO_ROOT,
      bundle: true,
      write: false,
      platform: 'neutral',
      format: 'esm',
      target: 'es2022',
      metafile: true,
      minify: false,
      outdir,
      outbase: coreDir,
      logLevel: 'silent',
      plugins: [importGuard(offenders)],
    });
    metafile = result.metafile;
  } catch (err) {
    const failure = err as Partial<BuildFailure>;
    if (!Array.isArray(failure.errors)) throw err;
    errors.push(...new Set(failure.errors.map(formatMessage)));
  }

  // Node globals, in every core file of the bundle (or of the directory, when it did not bundle).
  const sources = metafile
    ? Object.keys(metafile.inputs).map((p) => resolve(REPO_ROOT, p)).filter((p) => isInside(coreDir, p))
    : tsFilesUnder(coreDir);
  for (const file of sources) offenders.push(...(await findGlobals(file)));

  // Every module in the bundle must come from the core directory.
  if (metafile) {
    for (const [input, info] of Object.entries(metafile.inputs)) {
      const importer = resolve(REPO_ROOT, input);
      if (!isInside(coreDir, importer)) continue;
      for (const imp of info.imports) {
        if (imp.external) continue;
        const target = resolve(REPO_ROOT, imp.path);
        if (!isInside(coreDir, target)) {
          offenders.push({ file: rel(importer), ...lineOf(importer, imp.original ?? imp.path), what: `imports '${imp.original ?? imp.path}' (${rel(target)} is outside ${rel(coreDir)})` });
        }
      }
    }
  }

  // Unique, in a stable order.
  const seen = new Set<string>();
  const unique = offenders
    .filter((o) => {
      const key = `${o.file}\0${o.line ?? ''}\0${o.what}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .sort((a, b) => a.file.localeCompare(b.file) || (a.line ?? 0) - (b.line ?? 0) || a.what.localeCompare(b.what));

  const result: CoreBundleResult = {
    entry: rel(entry),
    coreDir: rel(coreDir),
    entryMissing,
    offenders: unique,
    errors,
    modules: metafile ? Object.keys(metafile.inputs).length : 0,
  };

  if (!entryMissing && unique.length === 0 && errors.length === 0) {
    const min = await build({
      entryPoints: [entry],
      absWorkingDir: REPO_ROOT,
      bundle: true,
      write: false,
      platform: 'neutral',
      format: 'esm',
      target: 'es2022',
      minify: true,
      logLevel: 'silent',
    });
    const bytes = min.outputFiles[0]!.contents;
    result.size = { minified: bytes.length, gzipped: gzipSync(bytes, { level: 9 }).length };
  }
  return result;
}

/** True when the bundle check found nothing wrong. */
export function coreBundleOk(r: CoreBundleResult): boolean {
  return !r.entryMissing && r.offenders.length === 0 && r.errors.length === 0;
}

/** A report for a failed bundle check, one offender a line; '' when the check passed. */
export function formatCoreBundleReport(r: CoreBundleResult): string {
  if (coreBundleOk(r)) return '';
  const lines: string[] = [];
  if (r.entryMissing) {
    lines.push(
      `the core entry ${r.entry} is missing: the runtime-neutral core needs one entry module ` +
        `that exports it. Bundled every .ts file under ${r.coreDir}/ instead, to list what would break it:`,
    );
  } else {
    lines.push(`${r.entry} does not bundle as a runtime-neutral core (esbuild, platform 'neutral'):`);
  }
  const files = new Set(r.offenders.map((o) => o.file));
  if (r.offenders.length > 0) {
    lines.push(`${r.offenders.length} offence(s) in ${files.size} file(s):`);
    for (const o of r.offenders) lines.push(`  ${o.file}${o.line !== undefined ? `:${o.line}` : ''}: ${o.what}`);
  }
  if (r.errors.length > 0) {
    lines.push(`esbuild errors:`);
    for (const e of r.errors) lines.push(`  ${e}`);
  }
  return lines.join('\n');
}

export interface CoreTypesResult {
  ok: boolean;
  tsconfig: string;
  /** tsc's own output, unchanged. */
  output: string;
  /** One line a file: what it needs from Node (modules, globals, namespaces) and how many other errors. */
  summary: string[];
  /** Every file tsc compiled, lib files included (repo-relative). */
  files: string[];
}

/**
 * Typecheck with `tsc -p tsconfig` (a config with `types: []`, like tsconfig.core.json), the
 * same command as `npm run check:core`.
 */
export function checkCoreTypes(tsconfig: string): CoreTypesResult {
  const config = resolve(REPO_ROOT, tsconfig);
  const tsc = join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const run = spawnSync(process.execPath, [tsc, '-p', config, '--pretty', 'false', '--listFiles'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (run.error) throw run.error;
  // --listFiles adds the program's files, one absolute path a line: kept apart from the errors.
  const files: string[] = [];
  const output = `${run.stdout}${run.stderr}`
    .split('\n')
    .filter((line) => {
      const isFile = isAbsolute(line) && /\.[mc]?tsx?$/.test(line) && !/\(\d+,\d+\): /.test(line);
      if (isFile) files.push(line);
      return !isFile;
    })
    .join('\n')
    .trim();
  // `types: []` keeps @types/node out unless something pulls it back in (a `/// <reference
  // types="node" />`, or a package whose typings reference it): then Node's globals would compile.
  const nodeTypings = files.filter((f) => /[\\/]node_modules[\\/]@types[\\/]node[\\/]/.test(f)).map(rel);

  const byFile = new Map<string, { needs: Map<string, number>; other: number }>();
  for (const line of output.split('\n')) {
    const m = /^(.+?)\((\d+),(\d+)\): error (TS\d+): (.*)$/.exec(line);
    if (!m) continue;
    const [, file, , , , text] = m as unknown as [string, string, string, string, string, string];
    let entry = byFile.get(file);
    if (!entry) byFile.set(file, (entry = { needs: new Map(), other: 0 }));
    const need =
      /^Cannot find module '([^']+)'/.exec(text)?.[1] ??
      /^Cannot find name '([^']+)'/.exec(text)?.[1] ??
      /^Cannot find namespace '([^']+)'/.exec(text)?.[1] ??
      /^Property '([^']+)' does not exist on type 'typeof globalThis'/.exec(text)?.[1];
    if (need) entry.needs.set(need, (entry.needs.get(need) ?? 0) + 1);
    else entry.other++;
  }
  const summary = [...byFile].map(([file, { needs, other }]) => {
    const parts = [...needs].map(([name, n]) => (n > 1 ? `${name} ×${n}` : name));
    if (other > 0) parts.push(`${other} other error(s)`);
    return `${file}: ${parts.join(', ')}`;
  });
  if (nodeTypings.length > 0) {
    summary.unshift(`@types/node was loaded into the program (${nodeTypings.length} file(s), e.g. ${nodeTypings[0]}): look for /// <reference types="node" />`);
  }
  return { ok: run.status === 0 && nodeTypings.length === 0, tsconfig: rel(config), output, summary, files: files.map(rel) };
}

/** A report for a failed type check, summary first, then tsc's output (capped); '' when it passed. */
export function formatCoreTypesReport(r: CoreTypesResult, maxLines = 200): string {
  if (r.ok) return '';
  const out = r.output.split('\n');
  const shown = out.length > maxLines ? [...out.slice(0, maxLines), `… ${out.length - maxLines} more line(s)`] : out;
  return [
    `tsc -p ${r.tsconfig} failed: the core must compile without @types/node (no node: imports, Buffer, process, NodeJS.*).`,
    `What each file needs from Node (names tsc could not find; "other" errors are often their consequences):`,
    ...r.summary.map((s) => `  ${s}`),
    `tsc output:`,
    ...shown,
  ].join('\n');
}
