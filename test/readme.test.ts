/**
 * Every JavaScript/TypeScript code block in README.md runs as pasted and ends by itself.
 *
 * A fenced block tagged ```ts, ```js, ```mjs or ```cjs is written to a temporary file and run
 * in a child process; the test asserts exit code 0 within BLOCK_TIMEOUT_MS (the process group is
 * killed on timeout, so nothing leaks). Other blocks (```sh, ``` …) are not JavaScript and are
 * ignored. Each block is one test named by its heading and README line number.
 *
 * - ES module blocks (ts, js, mjs without `require(`) become .mts files run with
 *   `node --import tsx`; the specifiers 'nanosp', 'nanosp/nanomsg', 'nanosp/estp' (and any
 *   other subpath in package.json `exports`, e.g. 'nanosp/browser') are replaced by file URLs of
 *   their sources: src/index.ts, src/compat/nanomsg.ts, src/estp/index.ts.
 * - CommonJS blocks (cjs, or js that calls `require(` and has no `import`) become .cjs files run
 *   with plain `node`, as a CommonJS user runs them: require() of an ES module (Node >= 20.19).
 *   As in test/compat/require.test.ts, the sources are transpiled file by file into a temporary
 *   ESM package (no dist/ needed) and `require('nanosp…')` points at its entry points. Skipped on
 *   a Node that cannot require() ES modules.
 * - A block says what it prints with a trailing comment that opens with double-quoted strings
 *   on a console.log line, e.g. `console.log(String(await pull.recv()));  // "hello"` or
 *   `// "ETIMEDOUT" after 100 ms`; stdout must contain each such string.
 * - A block that must not run here is preceded (directly, or across blank lines) by an HTML
 *   comment `<!-- not run: reason -->`, e.g. `<!-- not run: browser -->` for a block that needs
 *   a web page ('nanosp/browser'). It is reported as skipped with its reason.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');
const README = join(ROOT, 'README.md');
const BLOCK_TIMEOUT_MS = 15_000;
/** tsx's ESM loader by absolute URL: the blocks run from a temporary directory. */
const TSX = pathToFileURL(createRequire(join(ROOT, 'package.json')).resolve('tsx')).href;
const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
const canRequireEsm = major > 22 || (major === 22 && minor >= 12) || (major === 20 && minor >= 19);

/**
 * Package specifier → source entry point, from package.json `exports` ('nanosp' → src/index.ts,
 * 'nanosp/nanomsg' → src/compat/nanomsg.ts, 'nanosp/estp' → src/estp/index.ts, and any later
 * subpath such as 'nanosp/browser'): ./dist/x.js is built from src/x.ts.
 */
const ENTRIES: Record<string, string> = {};
{
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; exports: Record<string, unknown> };
  for (const [subpath, target] of Object.entries(pkg.exports)) {
    const built = typeof target === 'string' ? target : (target as { default?: string }).default;
    if (!built?.startsWith('./dist/') || !built.endsWith('.js')) continue;
    const source = built.replace(/^\.\/dist\//, 'src/').replace(/\.js$/, '.ts');
    if (existsSync(join(ROOT, source))) ENTRIES[pkg.name + subpath.slice(1)] = source;
  }
}

interface Block {
  lang: string;
  line: number; // README line of the opening fence
  heading: string;
  code: string;
  notRun?: string;
  commonjs: boolean;
}

function readBlocks(text: string): Block[] {
  const lines = text.split('\n');
  const blocks: Block[] = [];
  let heading = '(top)';
  let notRun: string | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const fence = /^(\s*)(`{3,}|~{3,})\s*([\w+-]*)/.exec(line);
    if (fence) {
      const [, , marker, lang = ''] = fence;
      const start = i;
      const body: string[] = [];
      for (i++; i < lines.length && !lines[i]!.trimStart().startsWith(marker!); i++) body.push(lines[i]!);
      const l = lang.toLowerCase();
      if (['ts', 'typescript', 'js', 'javascript', 'mjs', 'cjs'].includes(l)) {
        const code = body.join('\n');
        const commonjs = l === 'cjs' || (/\brequire\(/.test(code) && !/^\s*import\s/m.test(code));
        blocks.push({ lang: l, line: start + 1, heading, code, notRun, commonjs });
      }
      notRun = undefined;
      continue;
    }
    const h = /^#{1,6}\s+(.*)$/.exec(line);
    if (h) { heading = h[1]!.trim(); notRun = undefined; continue; }
    const skip = /^\s*<!--\s*not run:\s*(.*?)\s*-->\s*$/.exec(line);
    if (skip) { notRun = skip[1] || 'marked'; continue; }
    if (line.trim() !== '') notRun = undefined;
  }
  return blocks;
}

/** The double-quoted strings in trailing comments on console.log lines. */
function expectedOutput(code: string): string[] {
  const out: string[] = [];
  for (const line of code.split('\n')) {
    if (!line.includes('console.log(')) continue;
    // `// "one" "two" then more words`: the quoted strings that open the comment
    const comment = /\/\/\s*((?:"(?:[^"\\]|\\.)*"\s*)+)/.exec(line);
    if (comment) for (const [, s] of comment[1]!.matchAll(/"((?:[^"\\]|\\.)*)"/g)) out.push(JSON.parse(`"${s}"`));
  }
  return out;
}

const tmp = mkdtempSync(join(tmpdir(), 'nanosp-readme-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function replaceSpecifiers(code: string, target: (spec: string) => string): string {
  return code.replace(/(['"])(nanosp(?:\/[\w-]+)?)\1/g, (whole, q: string, spec: string) =>
    spec in ENTRIES ? q + target(spec) + q : whole);
}

/** The transpiled ESM copy of the sources (as tsc would emit them) for CommonJS blocks; built once. */
let esmCopy: string | undefined;
function transpiledEntries(): string {
  if (esmCopy) return esmCopy;
  const out = join(tmp, 'pkg');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'package.json'), JSON.stringify({ type: 'module' }));
  const seen = new Set(Object.values(ENTRIES).map((e) => join(ROOT, e)));
  for (const file of seen) {
    const source = readFileSync(file, 'utf8');
    for (const { fileName } of ts.preProcessFile(source, true, true).importedFiles) {
      if (fileName.startsWith('.')) seen.add(resolve(dirname(file), fileName).replace(/\.js$/, '.ts'));
    }
    const { outputText } = ts.transpileModule(source, {
      fileName: file,
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
    });
    const target = join(out, relative(ROOT, file)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, outputText);
  }
  return (esmCopy = out);
}

/** The environment without what would change a block's behaviour (diagnostics, vitest's NODE_OPTIONS). */
function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const key of Object.keys(env)) if (/^(NN_|NANOSP_|NODE_OPTIONS$|VITEST)/.test(key)) delete env[key];
  return env;
}

interface Run { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string; timedOut: boolean; ms: number }

/** Runs node in its own process group; on timeout the whole group is killed. */
function run(args: string[]): Promise<Run> {
  return new Promise((resolvePromise, reject) => {
    const started = Date.now();
    const child = spawn(process.execPath, args, {
      cwd: tmp,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: cleanEnv(),
    });
    let stdout = '', stderr = '', timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const killGroup = () => { try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* already gone */ } };
    const timer = setTimeout(() => { timedOut = true; killGroup(); }, BLOCK_TIMEOUT_MS);
    child.on('error', (err) => { clearTimeout(timer); reject(err); });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      killGroup(); // anything the block left behind in its group
      resolvePromise({ code, signal, stdout, stderr, timedOut, ms: Date.now() - started });
    });
  });
}

const blocks = readBlocks(readFileSync(README, 'utf8'));

describe('README.md code blocks run as pasted and end by themselves', () => {
  it('has JavaScript/TypeScript blocks, and package entry points for its specifiers', () => {
    expect(blocks.length).toBeGreaterThan(0);
    expect(ENTRIES).toMatchObject({ nanosp: 'src/index.ts', 'nanosp/nanomsg': 'src/compat/nanomsg.ts', 'nanosp/estp': 'src/estp/index.ts' });
  });

  for (const block of blocks) {
    const name = `${block.heading} (README.md:${block.line}, \`\`\`${block.lang})`;
    if (block.notRun !== undefined) {
      it.skip(`${name} — not run: ${block.notRun}`, () => {});
      continue;
    }
    const skip = block.commonjs && !canRequireEsm;
    it.skipIf(skip)(name, async () => {
      let file: string, args: string[];
      if (block.commonjs) {
        const pkg = transpiledEntries();
        file = join(tmp, `block-${block.line}.cjs`);
        writeFileSync(file, replaceSpecifiers(block.code, (s) => join(pkg, ENTRIES[s]!.replace(/\.ts$/, '.js'))));
        args = [file];
      } else {
        file = join(tmp, `block-${block.line}.mts`);
        writeFileSync(file, replaceSpecifiers(block.code, (s) => pathToFileURL(join(ROOT, ENTRIES[s]!)).href));
        args = ['--import', TSX, file];
      }
      const r = await run(args);
      const report = `README.md:${block.line} exited ${r.timedOut ? `— killed after ${BLOCK_TIMEOUT_MS} ms (it did not end by itself)` : `with ${r.code ?? r.signal}`} in ${r.ms} ms\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`;
      expect(r.timedOut, report).toBe(false);
      expect(r.code, report).toBe(0);
      for (const text of expectedOutput(block.code)) expect(r.stdout, report).toContain(text);
    }, BLOCK_TIMEOUT_MS + 5_000);
  }
});
