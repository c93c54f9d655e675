/**
 * `require('nanosp/nanomsg')` from CommonJS on Node >= 20.19 (require of an ES module): the
 * compat module and everything it imports must load synchronously, so no top-level await
 * anywhere in its graph. The sources are transpiled file by file (as tsc would emit them)
 * into a temporary ESM package, and a CommonJS child process requires the entry point and
 * sends a message through it, as an old `require('nanomsg')` program would.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
const canRequireEsm = major > 22 || (major === 22 && minor >= 12) || (major === 20 && minor >= 19);

const out = mkdtempSync(join(tmpdir(), 'nanosp-compat-require-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

/** The source files src/compat/nanomsg.ts reaches through its relative imports. */
function moduleGraph(entry: string): string[] {
  const seen = new Set<string>([entry]);
  for (const file of seen) {
    for (const { fileName } of ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles) {
      if (fileName.startsWith('.')) seen.add(resolve(dirname(file), fileName).replace(/\.js$/, '.ts'));
    }
  }
  return [...seen];
}

/** Emit the module graph as tsc's NodeNext build would, one file at a time (the project is isolatedModules). */
function transpileSources(): string {
  writeFileSync(join(out, 'package.json'), JSON.stringify({ type: 'module' }));
  for (const file of moduleGraph(join(ROOT, 'src', 'compat', 'nanomsg.ts'))) {
    const { outputText } = ts.transpileModule(readFileSync(file, 'utf8'), {
      fileName: file,
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
    });
    const target = join(out, relative(ROOT, file)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, outputText);
  }
  return join(out, 'src', 'compat', 'nanomsg.js');
}

const PROGRAM = `
'use strict';
const nano = require(process.argv[1]);
const pull = nano.socket('pull', { encoding: 'utf8' });
const push = nano.createSocket('push');
pull.bind('inproc://require-test');
push.connect('inproc://require-test');
pull.on('data', (msg) => {
  console.log(JSON.stringify({
    msg,
    socket: typeof nano.socket,
    Socket: typeof nano.Socket,
    defaultSocket: typeof nano.default.socket,
    NN_PUB: nano._bindings.NN_PUB,
    AF_SP_RAW: nano.AF_SP_RAW,
    symbol: nano.symbol(29),
  }));
  push.close();
  pull.close();
});
push.send('hello from require');
`;

describe.skipIf(!canRequireEsm)('require() from CommonJS', () => {
  it('loads nanosp/nanomsg synchronously and works as the old require("nanomsg") did', () => {
    const entry = transpileSources();
    const child = spawnSync(process.execPath, ['-e', PROGRAM, entry], { encoding: 'utf8', timeout: 20_000 });
    expect(child.stderr).not.toMatch(/ERR_REQUIRE_ASYNC_MODULE|ERR_REQUIRE_ESM|Error:/);
    expect(child.status).toBe(0);
    expect(JSON.parse(child.stdout)).toEqual({
      msg: 'hello from require',
      socket: 'function',
      Socket: 'function',
      defaultSocket: 'function',
      NN_PUB: 32,
      AF_SP_RAW: 2,
      symbol: { value: 2, name: 'AF_SP_RAW' },
    });
  });
});
