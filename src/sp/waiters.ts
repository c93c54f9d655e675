/**
 * Blocked sends and receives: each waits in FIFO order for the protocol to say it may
 * proceed, until its timeout, its AbortSignal, or the socket's close. Only calls that cannot
 * complete at once get here; the fast path never allocates a waiter.
 */
import { spError, type SpError } from './errors.js';
import { Queue } from './queue.js';

export interface WaitOptions {
  /**
   * ms to wait; 0 fails at once with EAGAIN (NN_DONTWAIT); negative waits for ever. Defaults
   * to the socket's sendTimeout or recvTimeout.
   */
  timeout?: number;
  signal?: AbortSignal;
}

/**
 * The checked `{ timeout, signal }` of a call, the timeout falling back to the socket's option:
 * a timeout that is not a number (NaN included) or a signal that is not an AbortSignal is EINVAL,
 * not a call that waits for ever.
 */
export function waitOptions(options: WaitOptions | undefined, fallback: number): { timeout: number; signal: AbortSignal | undefined } {
  if (options === undefined) return { timeout: fallback, signal: undefined };
  if (options === null || typeof options !== 'object') throw spError('EINVAL', `the call's options must be an object such as { timeout: 100 }, got ${String(options)}`);
  const { timeout = fallback, signal } = options;
  if (typeof timeout !== 'number' || Number.isNaN(timeout)) {
    throw spError('EINVAL', `timeout must be a number of milliseconds (0: do not wait, negative: for ever), got ${String(timeout)}`);
  }
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw spError('EINVAL', 'signal must be an AbortSignal');
  return { timeout, signal };
}

export class Waiter<T> {
  timer: ReturnType<typeof setTimeout> | undefined;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;

  constructor(
    readonly resolve: (value: T) => void,
    readonly reject: (err: SpError) => void,
    /** The message a blocked send carries. */
    readonly body: Uint8Array | undefined,
    readonly header: Uint8Array | undefined,
    /** A blocked receive that wants the SP header with the body (recvMessage). */
    readonly whole: boolean,
    /** The pipe a blocked send is addressed to (0: any). */
    readonly pipe: number,
  ) {}

  /** Release the timer and the abort listener. */
  settle(): void {
    clearTimeout(this.timer);
    this.signal?.removeEventListener('abort', this.onAbort as () => void);
  }
}

/** Where `capture` leaves a new promise's resolve and reject, for the caller to take at once. */
const captured: { resolve: (value: never) => void; reject: (err: SpError) => void } = { resolve: () => {}, reject: () => {} };

function capture(resolve: (value: never) => void, reject: (err: SpError) => void): void {
  captured.resolve = resolve;
  captured.reject = reject;
}

function expire<T>(list: WaiterList<T>, waiter: Waiter<T>, timeout: number): void {
  list.expired(waiter, timeout);
}

export class WaiterList<T> {
  private readonly queue = new Queue<Waiter<T>>();

  /** `gaveUp`: told when a waiter timed out or was aborted (NNG's REQ contexts drop their request). */
  constructor(
    private readonly what: 'send' | 'receive',
    private readonly gaveUp?: () => void,
  ) {}

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
  wait(timeout: number, signal: AbortSignal | undefined, body?: Uint8Array, header?: Uint8Array, whole = false, pipe = 0): Promise<T> {
    if (signal?.aborted) return Promise.reject(this.aborted(signal));
    // one shared executor instead of a closure per wait: this is every blocking receive
    const promise = new Promise<T>(capture);
    const waiter = new Waiter<T>(captured.resolve as (value: T) => void, captured.reject, body, header, whole, pipe);
    if (timeout > 0) waiter.timer = setTimeout(expire, timeout, this, waiter, timeout);
    if (signal) {
      waiter.signal = signal;
      waiter.onAbort = () => {
        this.queue.remove(waiter);
        waiter.settle();
        waiter.reject(this.aborted(signal));
        this.gaveUp?.();
      };
      signal.addEventListener('abort', waiter.onAbort, { once: true });
    }
    this.queue.push(waiter);
    return promise;
  }

  /** @internal A waiter's timeout passed. */
  expired(waiter: Waiter<T>, timeout: number): void {
    this.queue.remove(waiter);
    waiter.settle();
    waiter.reject(spError('ETIMEDOUT', `the ${this.what} did not complete within ${timeout} ms`));
    this.gaveUp?.();
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
