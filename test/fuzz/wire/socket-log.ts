/**
 * What happened to a nanosp socket's pipes, kept as it happens, so that a test can wait for
 * an event that may already have passed: pipes attached, and how each one ended.
 */
import type { SpError, SpSocket } from '../../../src/index.js';
import type { Pipe } from '../../../src/sp/pipe.js';

/** How long a run waits for something the socket must do at once, before failing. */
export const EVENT_WAIT_MS = 3000;

export class SocketLog {
  readonly attached: Pipe[] = [];
  /** pipe-broken errors by pipe id, and those of connections that broke before they were pipes. */
  readonly broken = new Map<number, SpError>();
  readonly brokenEarly: SpError[] = [];
  private readonly waiters = new Set<() => void>();

  constructor(readonly socket: SpSocket) {
    // the 'pipe' event hands over the pipe itself, with its statistics
    socket.on('pipe', (pipe) => this.record(() => this.attached.push(pipe as Pipe)));
    socket.on('pipe-broken', (event) => this.record(() => (event.pipe ? this.broken.set(event.pipe.id, event.error) : this.brokenEarly.push(event.error))));
    socket.on('pipe-removed', () => this.record(() => undefined));
  }

  private record(change: () => unknown): void {
    change();
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const wake of waiters) wake();
  }

  /** The first non-undefined `find()`, re-checked at every event; fails after `timeoutMs`. */
  async until<T>(find: () => T | undefined, what: string, timeoutMs = EVENT_WAIT_MS): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = find();
      if (found !== undefined) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${this.socket.type}: no ${what} within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(wake, left);
        function wake(): void {
          clearTimeout(timer);
          resolve();
        }
        this.waiters.add(wake);
      });
    }
  }

  /** The pipe attached after the first `seen` ones. */
  nextPipe(seen: number): Promise<Pipe> {
    return this.until(() => this.attached[seen], 'new pipe');
  }

  /** The error `pipe` broke with, once it is gone from the socket. */
  endOf(pipe: Pipe): Promise<SpError> {
    return this.until(() => (this.socket.pipes.includes(pipe) ? undefined : this.broken.get(pipe.id)), `end of pipe ${pipe.id}`);
  }
}
