/**
 * Before any test: make sure dist/ (what `npm start`, the CLI tests and the browser tests
 * load, as users and web pages would) is not older than src/. `npm install` / `npm ci` build
 * it; this rebuilds it once when a source file changed since, so a test never runs old code.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function newestMtime(dir: string, suffix: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path, suffix));
    else if (entry.name.endsWith(suffix)) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

export default function setup(): void {
  const built = existsSync('dist') ? newestMtime('dist', '.js') : 0;
  if (built >= newestMtime('src', '.ts')) return;
  // emitted even with type errors (reported above it): the tests then say what fails at run time
  const result = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json', '--noEmitOnError', 'false'], { stdio: 'inherit' });
  if (result.status !== 0) console.warn('[nanosp tests] dist/ was rebuilt from src/, which has type errors (npm run typecheck)');
}
