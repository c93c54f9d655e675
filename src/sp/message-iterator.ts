/**
 * `for await (const body of socket)`: every message until the socket (or context) closes.
 *
 * Written out rather than as an `async *` generator. A generator awaited `recv()` and then
 * yielded, two more awaits per message inside it, and settled each step with the Buffer itself,
 * whose `then` the language looks up first (slow on a Buffer): 225 ns per message against 97
 * for `await recv()` (bench/micro/recv-drain.ts). Here a message that is ready costs one
 * promise of a plain result object. What a generator guaranteed is kept: calls to `next()`
 * that overlap are served in order (a context opened with `context()` takes one receive at a
 * time), the iteration ends quietly once the socket closes, and after an error or `return()`
 * every `next()` says done.
 */
import type { Bytes } from './bytes.js';
import { SpError } from './errors.js';

/** What the iterator needs of a context. */
export interface MessageSource {
  readonly closed: boolean;
  /** A message's body if one is ready now, else undefined; throws as `tryRecv` would (EBADF, ENOTSUP, EFSM). */
  bodyNow(): Bytes | undefined;
  recv(): Promise<Bytes>;
}

type Step = IteratorResult<Bytes, void>;

export class MessageIterator implements AsyncGenerator<Bytes, void, undefined> {
  private finished = false;
  /** The last step still in progress; a `next()` meanwhile queues behind it. */
  private tail: Promise<Step> | undefined;

  constructor(private readonly source: MessageSource) {}

  next(): Promise<Step> {
    const tail = this.tail;
    if (tail !== undefined) return this.queue(tail.then(this.take, this.take));
    const step = this.take();
    return step instanceof Promise ? this.queue(step) : Promise.resolve(step);
  }

  return(): Promise<Step> {
    this.finished = true;
    return Promise.resolve(done());
  }

  throw(err?: unknown): Promise<Step> {
    this.finished = true;
    return Promise.reject(err);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.return();
  }

  /** One step, once every earlier one has settled: the step itself when a message is ready, else a promise of it. */
  private readonly take = (): Step | Promise<Step> => {
    if (this.finished) return done();
    let body: Bytes | undefined;
    try {
      body = this.source.bodyNow();
    } catch (err) {
      return this.ended(err);
    }
    if (body !== undefined) return yielded(body);
    return this.source.recv().then(yielded, this.ended);
  };

  /** `step` is now the last in progress. */
  private queue(step: Promise<Step>): Promise<Step> {
    this.tail = step;
    const settled = (): void => {
      if (this.tail === step) this.tail = undefined;
    };
    step.then(settled, settled);
    return step;
  }

  /** A receive failed: the end of the iteration if the socket closed, else the error, once. */
  private readonly ended = (err: unknown): Step | Promise<never> => {
    this.finished = true;
    if (this.source.closed && err instanceof SpError && err.code === 'EBADF') return done();
    return Promise.reject(err);
  };
}

function yielded(value: Bytes): Step {
  return { value, done: false };
}

function done(): Step {
  return { value: undefined, done: true };
}
