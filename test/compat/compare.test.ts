/**
 * The same scripts (test/compat/scripts/*.cjs) against nanosp/nanomsg and against the real
 * npm `nanomsg` 4.2.1, each in a child process that prints JSON lines; their outputs must
 * match except for the differences documented at the top of src/compat/nanomsg.ts, which are
 * checked too. The real package is installed once into a folder under the system temp dir
 * (`npm install nanomsg@4.2.1` compiles its bundled libnanomsg with node-gyp) and reused by
 * later runs. Where it cannot be installed or built, the comparisons are skipped with a
 * notice; the runs against nanosp always happen.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { freePort } from '../helpers/peers.js';

const ROOT = resolve(import.meta.dirname, '../..');
const COMPAT = join(ROOT, 'src/compat/nanomsg.ts');
const SCRIPTS = join(ROOT, 'test/compat/scripts');
const REAL_DIR = join(tmpdir(), 'nanosp-compat-nanomsg-4.2.1');
const REAL = join(REAL_DIR, 'node_modules', 'nanomsg');
const INSTALL_TIMEOUT_MS = 120_000;

type Impl = 'nanosp' | 'nanomsg';

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function exec(command: string, args: string[], options: { cwd?: string; timeoutMs: number }): Promise<Run> {
  return new Promise((done) => {
    const child = spawn(command, args, { cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (t: string) => (stdout += t));
    child.stderr.setEncoding('utf8').on('data', (t: string) => (stderr += t));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      done({ code: null, signal: null, stdout, stderr: stderr + String(err) });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      done({ code, signal, stdout, stderr });
    });
  });
}

/** True when the real package loads (its native addon was built). */
async function realLoads(): Promise<boolean> {
  const run = await exec(process.execPath, ['-e', `require(${JSON.stringify(REAL)})`], { timeoutMs: 20_000 });
  return run.code === 0;
}

/** Install nanomsg@4.2.1 once; a reason when it cannot be had. */
async function installReal(): Promise<string | undefined> {
  if (await realLoads()) return undefined;
  mkdirSync(REAL_DIR, { recursive: true });
  writeFileSync(join(REAL_DIR, 'package.json'), JSON.stringify({ name: 'nanosp-compat-real-nanomsg', private: true }));
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const install = await exec(npm, ['install', 'nanomsg@4.2.1', '--no-audit', '--no-fund', '--no-package-lock'], {
    cwd: REAL_DIR,
    timeoutMs: INSTALL_TIMEOUT_MS,
  });
  if (await realLoads()) return undefined;
  // a registry client that skipped the install script: build it explicitly
  const rebuild = await exec(npm, ['rebuild', 'nanomsg'], { cwd: REAL_DIR, timeoutMs: INSTALL_TIMEOUT_MS });
  if (await realLoads()) return undefined;
  const tail = (install.stderr + rebuild.stderr).trim().split('\n').slice(-5).join(' | ');
  return `npm install nanomsg@4.2.1 did not give a loadable native addon (exit ${install.code}${install.signal ? `, ${install.signal}` : ''}): ${tail}`;
}

/** Run a script against one implementation; its JSON lines as [key, value] pairs. */
async function runScript(script: string, impl: Impl, args: string[]): Promise<{ run: Run; lines: [string, unknown][] }> {
  const file = join(SCRIPTS, script);
  const argv = impl === 'nanosp' ? ['--import', 'tsx', file, COMPAT, ...args] : [file, REAL, ...args];
  const run = await exec(process.execPath, argv, { cwd: ROOT, timeoutMs: 60_000 });
  const lines = run.stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const { k, v } = JSON.parse(l) as { k: string; v: unknown };
      return [k, v] as [string, unknown];
    });
  return { run, lines };
}

/** Where nanosp differs from the old package on purpose (see the top of src/compat/nanomsg.ts). */
const KNOWN_DIFFERENCES: Record<string, { nanomsg: unknown; nanosp: unknown }> = {
  // the old constructor ignores wsopt
  'api.cjs ctor.wsopt': { nanomsg: 'binary', nanosp: 'text' },
  // [second close() result, 'close' events, sock.closed]: on Node >= 18 the old `closed` flag
  // is shadowed by the stream's getter, so its second close fails (-1) and emits 'close' again
  'api.cjs close.second': { nanomsg: [-1, 2, false], nanosp: [0, 1, true] },
  // [bind's result, 'error' messages]: port 0 binds a free port in nanosp (NNG's rule)
  'api.cjs bind.bad tcp://127.0.0.1:0': { nanomsg: [{ ok: null }, ['Invalid argument']], nanosp: [{ ok: 1 }, []] },
  // rmchan('foo') with 'foo 1', 'bar 1', 'foo 2' already read into the paused stream: the old
  // package still delivers them; nanosp does not, as nanomsg (filtering on receive) and NNG
  // (pruning its queue) never do
  'rmchan.cjs rmchan.after-received': {
    nanomsg: { before: 3, channels: ['bar'], got: ['foo 1', 'bar 1', 'foo 2', 'bar end'] },
    nanosp: { before: 3, channels: ['bar'], got: ['bar 1', 'bar end'] },
  },
};

let scratch: string;
let realMissing: string | undefined = 'not checked';

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'nanosp-compat-cmp-'));
  realMissing = await installReal();
  if (realMissing) console.warn(`[nanosp tests] skipping the comparisons with the npm nanomsg package: ${realMissing}`);
}, INSTALL_TIMEOUT_MS * 2 + 30_000);

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function distinctPorts(n: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < n) ports.add(await freePort());
  return [...ports];
}

/** Arguments for one run of a script (a scratch dir of its own and fresh ports). */
async function argsFor(script: string, impl: Impl): Promise<string[]> {
  if (script === 'device-term.cjs') return [];
  const dir = mkdtempSync(join(scratch, `${impl}-`));
  if (script === 'api.cjs') return [dir];
  return [dir, JSON.stringify(await distinctPorts(16))];
}

/** One run per script against nanosp, shared by both tests of that script. */
const nanospRuns = new Map<string, ReturnType<typeof runScript>>();
function nanospRun(script: string): ReturnType<typeof runScript> {
  let run = nanospRuns.get(script);
  if (!run) {
    run = argsFor(script, 'nanosp').then((args) => runScript(script, 'nanosp', args));
    nanospRuns.set(script, run);
  }
  return run;
}

// the scripts run in child processes of their own: run them side by side
describe.concurrent.each(['api.cjs', 'messaging.cjs', 'device-term.cjs', 'rmchan.cjs'])('%s', (script) => {
  it('runs to the end against nanosp/nanomsg, every scenario answered', async ({ expect }) => {
    const { run, lines } = await nanospRun(script);
    expect(run.stderr).not.toMatch(/Error/);
    expect(run.code).toBe(0);
    expect(lines.at(-1)).toEqual(['end', true]);
    for (const [k, v] of lines) expect(v, k).not.toEqual({ timeout: true });
    const map = new Map(lines);
    for (const [key, known] of Object.entries(KNOWN_DIFFERENCES)) {
      const space = key.indexOf(' ');
      if (key.slice(0, space) === script) expect(map.get(key.slice(space + 1)), key).toEqual(known.nanosp);
    }
  });

  it('prints what nanomsg 4.2.1 prints, but for the documented differences', async ({ expect, skip }) => {
    if (realMissing) skip();
    const [ours, theirs] = await Promise.all([nanospRun(script), argsFor(script, 'nanomsg').then((a) => runScript(script, 'nanomsg', a))]);
    expect(theirs.run.code, theirs.run.stderr).toBe(0);
    expect(ours.run.code, ours.run.stderr).toBe(0);
    expect(ours.lines.map(([k]) => k)).toEqual(theirs.lines.map(([k]) => k));
    const mine = new Map(ours.lines);
    for (const [k, v] of theirs.lines) {
      const known = KNOWN_DIFFERENCES[`${script} ${k}`];
      if (known) {
        expect(v, `nanomsg ${k}`).toEqual(known.nanomsg);
        expect(mine.get(k), `nanosp ${k}`).toEqual(known.nanosp);
      } else {
        expect(mine.get(k), k).toEqual(v);
      }
    }
  });
});
