/**
 * `for await (const body of socket)`: every message until the socket (or context) closes.
 *
 * Written out rather than as an `async *` generator. A generator awaited `recv()` and then
 * yielded, two more awaits per message inside it, and settled each step with the Buffer itself,
 * whose `then` the language looks up first (slow on a Buffer): 225 ns per message against 97
 * for `await recv()` (bench/micro/recv-drain.ts). Here a message that is ready costs one
 * promise of a plain result object.
 *
 * What a generator guaranteed is kept: calls to `next()` that overlap are served in order, one
 * receive at a time (a context opened with `context()` refuses a second waiting receive); the
 * iteration ends quietly once the socket closes; an error is reported once, to the call it
 * happened to, and every later call is done. One thing differs, on purpose: `return()` and
 * `throw()` do not wait for a `next()` still waiting for a message. They cancel its receive (the
 * call gets done, and a message that comes later stays in the socket for whoever receives
 * next), where a generator would have left that receive waiting and taken the next message for
 * a call its caller may have given up on.
 */
import type { Bytes } from './bytes.js';
import { SpError } from './errors.js';
import type { WaitOptions } from './waiters.js';

/** What the iterator needs of a context. */
export interface MessageSource {
  readonly closed: boolean;
  /** A message's body if one is ready now, else undefined; throws as `tryRecv` would (EBADF, ENOTSUP, EFSM). */
  bodyNow(): Bytes | undefined;
  recv(options?: WaitOptions): Promise<Bytes>;
}

type Step = IteratorResult<Bytes, void>;

/** A `next()` call waiting for its step. */
interface Call {
  resolve(step: Step): void;
  reject(err: unknown): void;
}

export class MessageIterator implements AsyncGenerator<Bytes, void, undefined> {
  private finished = false;
  /** The call whose receive is waiting, then the calls queued behind it. */
  private readonly calls: Call[] = [];
  /** Cancels the waiting receive (return(), throw()). */
  private abort: AbortController | undefined;

  constructor(private readonly source: MessageSource) {}

  next(): Promise<Step> {
    if (this.calls.length === 0) {
      if (this.finished) return Promise.resolve(done());
      try {
        const body = this.source.bodyNow();
        if (body !== undefined) return Promise.resolve(yielded(body));
      } catch (err) {
        return this.endOn(err) ? Promise.resolve(done()) : Promise.reject(err);
      }
    }
    return new Promise<Step>((resolve, reject) => {
      this.calls.push({ resolve, reject });
      if (this.calls.length === 1) this.wait();
    });
  }

  return(): Promise<Step> {
    this.stop();
    return Promise.resolve(done());
  }

  throw(err?: unknown): Promise<Step> {
    this.stop();
    return Promise.reject(err);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.return();
  }

  private stop(): void {
    this.finished = true;
    this.abort?.abort();
  }

  /** Receive for the first waiting call. */
  private wait(): void {
    const abort = new AbortController();
    this.abort = abort;
    this.source.recv({ signal: abort.signal }).then(this.arrived, this.failed);
  }

  private readonly arrived = (body: Bytes): void => {
    this.abort = undefined;
    (this.calls.shift() as Call).resolve(yielded(body));
    // the calls queued behind it: messages that are ready now, then another wait
    while (this.calls.length > 0) {
      let next: Bytes | undefined;
      try {
        next = this.finished ? undefined : this.source.bodyNow();
      } catch (err) {
        return this.failed(err);
      }
      if (next === undefined) return this.finished ? this.endAll() : this.wait();
      (this.calls.shift() as Call).resolve(yielded(next));
    }
  };

  private readonly failed = (err: unknown): void => {
    this.abort = undefined;
    const first = this.calls.shift();
    if (this.endOn(err)) first?.resolve(done());
    else first?.reject(err);
    this.endAll();
  };

  /** Every call still waiting is done. */
  private endAll(): void {
    for (const call of this.calls.splice(0)) call.resolve(done());
  }

  /** End the iteration on `err`: true when it ends quietly (it was ended already, or the socket closed), false when `err` is to be reported. */
  private endOn(err: unknown): boolean {
    const quiet = this.finished || (this.source.closed && err instanceof SpError && err.code === 'EBADF');
    this.finished = true;
    return quiet;
  }
}

function yielded(value: Bytes): Step {
  return { value, done: false };
}

function done(): Step {
  return { value: undefined, done: true };
}
