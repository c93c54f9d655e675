/**
 * The real peers: nanocat (libnanomsg 1.1.5) and nngcat (NNG 1.5.2), spawned as child
 * processes. When CI is set a missing peer fails the suite; elsewhere those tests are skipped
 * with a notice naming the install line.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { afterEach, describe, it } from 'vitest';

export const PEER_INSTALL = 'apt-get install -y nanomsg-utils nng-utils libnanomsg-dev libnng-dev';

const found = new Map<string, boolean>();

export function hasCommand(command: string): boolean {
  let ok = found.get(command);
  if (ok === undefined) {
    ok = spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
    found.set(command, ok);
  }
  return ok;
}

/**
 * `describe` for tests that need `command`. Without it: under CI one failing test that says
 * what to install; elsewhere the block is skipped with a notice.
 */
export function describePeer(command: string, name: string, body: () => void): void {
  if (hasCommand(command)) {
    describe(name, body);
  } else if (process.env.CI) {
    describe(name, () => {
      it(`needs ${command}`, () => {
        throw new Error(`${command} is not installed; CI must run: ${PEER_INSTALL}`);
      });
    });
  } else {
    console.warn(`[nanosp tests] skipping "${name}": ${command} is not installed (${PEER_INSTALL})`);
    describe.skip(name, body);
  }
}

/** A free TCP port on 127.0.0.1, for peers that cannot bind port 0 (nanocat, nngcat): the bench runners' own. */
export { freePort } from '../../bench/runner/listening.js';

export class Peer {
  readonly output: string[] = [];
  stderr = '';
  private buffered = '';
  private waiters: { test: (line: string) => boolean; resolve: (line: string) => void }[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(readonly child: ChildProcessWithoutNullStreams, readonly commandLine: string) {
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (text: string) => {
      this.buffered += text;
      let nl: number;
      while ((nl = this.buffered.indexOf('\n')) >= 0) {
        const line = this.buffered.slice(0, nl);
        this.buffered = this.buffered.slice(nl + 1);
        this.output.push(line);
        this.waiters = this.waiters.filter((w) => (w.test(line) ? (w.resolve(line), false) : true));
      }
    });
    child.stderr.on('data', (text: string) => {
      this.stderr += text;
    });
    // 'close', not 'exit': a process can exit before its last output has been read, and a
    // test that looks at `output` once it exited must see every line
    this.exited = new Promise((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
  }

  /** Resolves with the first output line (past or future) that passes `test`. */
  line(test: string | ((line: string) => boolean), timeoutMs = 10_000): Promise<string> {
    const pred = typeof test === 'string' ? (l: string) => l === test : test;
    const seen = this.output.find(pred);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`${this.commandLine}: no matching line within ${timeoutMs} ms; stdout ${JSON.stringify(this.output)}, stderr ${JSON.stringify(this.stderr)}`));
      }, timeoutMs);
      this.waiters.push({
        test: pred,
        resolve: (line) => {
          clearTimeout(timer);
          resolve(line);
        },
      });
    });
  }

  /** True while the process runs. */
  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  async kill(): Promise<void> {
    if (this.running) this.child.kill('SIGKILL');
    await this.exited;
  }
}

const live = new Set<Peer>();

afterEach(async () => {
  await Promise.all([...live].map((peer) => peer.kill()));
  live.clear();
});

/** Start a peer process; it is killed after the current test. */
export function startPeer(command: string, args: string[]): Peer {
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  const peer = new Peer(child, `${command} ${args.join(' ')}`);
  live.add(peer);
  return peer;
}
