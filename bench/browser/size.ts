/**
 * The browser entry's size: every module a page loads from dist/ when it imports
 * dist/browser/index.js as plain ES modules (each minified and gzipped on its own, as a server
 * would send them), and the same graph as one esbuild bundle (what a bundler makes of
 * `import 'nanosp/browser'`), minified and gzipped.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build, transform } from 'esbuild';

export interface EntrySize {
  modules: number;
  /** dist/ as served: raw bytes, each module minified, and each minified module gzipped. */
  served: { raw: number; minified: number; gzipped: number };
  bundle: { minified: number; gzipped: number };
  files: string[];
}

const IMPORT = /(?:^|[;\n])\s*(?:import|export)\s[^'"]*?from\s*['"](\.[^'"]+)['"]|(?:^|[;\n])\s*import\s*['"](\.[^'"]+)['"]/g;

/** The entry and every module it imports, transitively (relative imports only, as a page resolves them). */
export function moduleGraph(entry: string): string[] {
  const seen = new Set<string>();
  const walk = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(IMPORT)) walk(resolve(dirname(file), (match[1] ?? match[2]) as string));
  };
  walk(resolve(entry));
  return [...seen];
}

export async function measureEntry(entry = 'dist/browser/index.js'): Promise<EntrySize> {
  const files = moduleGraph(entry);
  let raw = 0;
  let minified = 0;
  let gzipped = 0;
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    raw += Buffer.byteLength(text);
    const min = (await transform(text, { minify: true, format: 'esm', loader: 'js' })).code;
    minified += Buffer.byteLength(min);
    gzipped += gzipSync(min, { level: 9 }).length;
  }
  const bundled = await build({ entryPoints: [entry], bundle: true, minify: true, format: 'esm', platform: 'browser', write: false });
  const code = bundled.outputFiles[0]!.contents;
  return {
    modules: files.length,
    served: { raw, minified, gzipped },
    bundle: { minified: code.length, gzipped: gzipSync(code, { level: 9 }).length },
    files: files.map((f) => relative(process.cwd(), f)).sort(),
  };
}

export function kib(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KiB`;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(join(dirname(new URL(import.meta.url).pathname), 'size.ts'))) {
  const size = await measureEntry(process.argv[2]);
  console.log(JSON.stringify(size, null, 2));
}
