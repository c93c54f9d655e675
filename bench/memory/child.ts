/**
 * A helper process of the memory measurement (sender.ts, stalled.ts): started under tsx,
 * talked to in lines on stdin and stdout, waited on by its lines (never by time), and ended
 * by closing its stdin (it closes its sockets and exits) or, if it will not, by SIGKILL.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';

/** How long a helper may take to answer (start-up under tsx on a busy machine is slow). */
const ANSWER_MS = 60_000;

interface Waiter {
  readonly test: (line: string) => boolean;
  readonly resolve: (line: string) => void;
  readonly reject: (err: Error) => void;
}

export class Child {
  private readonly process: ChildProcessByStdio<Writable, Readable, Readable>;
  private readonly lines: string[] = [];
  private waiters: Waiter[] = [];
  private stderr = '';
  private gone = false;
  private readonly exited: Promise<void>;

  /** Start bench/memory/`file` with `args`. */
  constructor(file: string, args: readonly string[] = []) {
    const path = fileURLToPath(new URL(file, import.meta.url));
    this.process = spawn(process.execPath, ['--import', 'tsx', path, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.process.stderr.setEncoding('utf8').on('data', (text: string) => (this.stderr += text));
    createInterface({ input: this.process.stdout }).on('line', (line) => {
      this.lines.push(line);
      this.waiters = this.waiters.filter((w) => (w.test(line) ? (w.resolve(line), false) : true));
    });
    // a process that died fails the waits on its lines (below), not the caller's writes
    this.process.stdin.on('error', () => undefined);
    this.exited = new Promise((resolve) => this.process.once('close', () => resolve()));
    this.exited.then(() => {
      this.gone = true;
      for (const w of this.waiters) w.reject(this.failure('exited before saying what was awaited'));
      this.waiters = [];
    });
  }

  /** The first line, past or future, that is `words` or starts with `words` and a space; what follows them. */
  line(words: string, timeoutMs = ANSWER_MS): Promise<string> {
    const test = (line: string) => line === words || line.startsWith(`${words} `);
    const cut = (line: string) => line.slice(words.length).trim();
    const seen = this.lines.find(test);
    if (seen !== undefined) return Promise.resolve(cut(seen));
    if (this.gone) return Promise.reject(this.failure(`has exited; it did not say "${words}"`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(this.failure(`did not say "${words}" within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter: Waiter = {
        test,
        resolve: (line) => {
          clearTimeout(timer);
          resolve(cut(line));
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      };
      this.waiters.push(waiter);
    });
  }

  /** Send `command`, forgetting the lines seen so far: `line()` then waits for what it says next. */
  tell(command: string): void {
    this.lines.length = 0;
    this.process.stdin.write(`${command}\n`);
  }

  /** Send `command` and wait until it says `answer` (see `line`). */
  ask(command: string, answer: string, timeoutMs?: number): Promise<string> {
    this.tell(command);
    return this.line(answer, timeoutMs);
  }

  /** Close its stdin and wait until it exited; kill it if it has not within `graceMs`. */
  async stop(graceMs = 5000): Promise<void> {
    if (this.process.exitCode !== null || this.process.signalCode !== null) return;
    this.process.stdin.end();
    const timer = setTimeout(() => this.process.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  private failure(what: string): Error {
    const ended = this.gone ? ` (exit code ${this.process.exitCode}, signal ${this.process.signalCode})` : '';
    return new Error(`${this.process.spawnargs.slice(2).join(' ')} ${what}${ended}; stderr: ${this.stderr.slice(-2000) || '(empty)'}`);
  }
}

/** Stop every helper, even when one of them fails to. */
export async function stopAll(helpers: readonly ({ stop(): Promise<void> } | undefined)[]): Promise<void> {
  await Promise.allSettled(helpers.map((h) => h?.stop()));
}
