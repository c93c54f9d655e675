/**
 * Blocked sends and receives: each waits in FIFO order for the protocol to say it may
 * proceed, until its timeout, its AbortSignal, or the socket's close. Only calls that cannot
 * complete at once get here; the fast path never allocates a waiter.
 */
import { spError, type SpError } from './errors.js';
import { Queue } from './queue.js';

export interface WaitOptions {
  /** ms to wait; 0 fails at once with EAGAIN; negative waits for ever. Defaults to the socket's option. */
  timeout?: number;
  signal?: AbortSignal;
}

export class Waiter<T> {
  timer: NodeJS.Timeout | undefined;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;

  constructor(
    readonly resolve: (value: T) => void,
    readonly reject: (err: SpError) => void,
    /** The message a blocked send carries. */
    readonly body: Buffer | undefined,
    readonly header: Buffer | undefined,
  ) {}

  /** Release the timer and the abort listener. */
  settle(): void {
    clearTimeout(this.timer);
    this.signal?.removeEventListener('abort', this.onAbort as () => void);
  }
}

export class WaiterList<T> {
  private readonly queue = new Queue<Waiter<T>>();

  constructor(private readonly what: 'send' | 'receive') {}

  get length(): number {
    return this.queue.length;
  }

  peek(): Waiter<T> | undefined {
    return this.queue.peek();
  }

  /** Take the first waiter off the list, settled, ready to be resolved or rejected. */
  shift(): Waiter<T> | undefined {
    const waiter = this.queue.shift();
    waiter?.settle();
    return waiter;
  }

  /** Wait for a turn. `timeout` is already resolved against the socket's option. */
  wait(timeout: number, signal: AbortSignal | undefined, body?: Buffer, header?: Buffer): Promise<T> {
    if (signal?.aborted) return Promise.reject(this.aborted(signal));
    return new Promise<T>((resolve, reject) => {
      const waiter = new Waiter<T>(resolve, reject, body, header);
      if (timeout > 0) {
        waiter.timer = setTimeout(() => {
          this.queue.remove(waiter);
          waiter.settle();
          reject(spError('ETIMEDOUT', `the ${this.what} did not complete within ${timeout} ms`));
        }, timeout);
      }
      if (signal) {
        waiter.signal = signal;
        waiter.onAbort = () => {
          this.queue.remove(waiter);
          waiter.settle();
          reject(this.aborted(signal));
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.queue.push(waiter);
    });
  }

  /** Fail every waiter (the socket closed). */
  rejectAll(err: SpError): void {
    this.queue.drain((waiter) => {
      waiter.settle();
      waiter.reject(err);
    });
  }

  private aborted(signal: AbortSignal): SpError {
    return spError('EINTR', `the ${this.what} was aborted by its AbortSignal`, signal.reason);
  }
}
