/**
 * `for await (const body of socket)` and the iterator behind it (src/sp/message-iterator.ts),
 * against fake pipes: what an `async *` generator guaranteed is kept now that it is written
 * out. Messages come in order, ready or waited for; overlapping `next()` calls are served in
 * order, even on a context that takes one receive at a time; the iteration ends quietly when
 * the socket closes; an error is reported once, and after it, `return()` or `throw()` every
 * `next()` is done; leaving a loop does not close the socket. One difference from a generator,
 * on purpose: `return()` cancels a receive still waiting, so no message goes to a call its
 * caller gave up on and the context may receive again at once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { SpError } from '../../src/sp/errors.js';
import { attachFake, bytes, cleanup, openSocket } from '../helpers/fake-pipe.js';
import { settle } from '../helpers/track.js';

afterEach(cleanup);

/** A SUB context (one receive at a time, as NNG's) subscribed to everything, and its socket's fake pipe. */
function subscribedContext() {
  const sub = openSocket('sub');
  const pipe = attachFake(sub);
  const ctx = sub.context();
  ctx.subscribe('');
  return { sub, pipe, ctx };
}

const text = (step: IteratorResult<Uint8Array, void>): string | undefined => (step.done ? undefined : bytes(step.value).toString());

describe('for await over a socket', () => {
  it('yields the messages that are ready, then waits for the next, in order', async () => {
    const pull = openSocket('pull');
    const pipe = attachFake(pull);
    pipe.deliver('a');
    pipe.deliver('b');
    const it = pull[Symbol.asyncIterator]();
    expect(text(await it.next())).toBe('a');
    expect(text(await it.next())).toBe('b');
    const waiting = it.next();
    pipe.deliver('c');
    expect(text(await waiting)).toBe('c');
    expect(pull.stats.messagesReceived).toBe(3);
  });

  it('serves overlapping next() calls in order on a context that takes one receive at a time', async () => {
    const { pipe, ctx } = subscribedContext();
    const it = ctx[Symbol.asyncIterator]();
    const steps = [it.next(), it.next(), it.next()];
    for (const m of ['one', 'two', 'three']) pipe.deliver(m);
    expect((await Promise.all(steps)).map(text)).toEqual(['one', 'two', 'three']);
    // arriving one at a time, with turns between, while more calls wait
    const later = [it.next(), it.next(), it.next(), it.next()];
    for (const m of ['4', '5', '6', '7']) {
      pipe.deliver(m);
      await settle();
    }
    expect((await Promise.all(later)).map(text)).toEqual(['4', '5', '6', '7']);
    // a plain second recv() while one waits is refused there (NNG), so the queueing is the iterator's
    const first = ctx.recv();
    await expect(ctx.recv()).rejects.toMatchObject({ code: 'EFSM' });
    pipe.deliver('eight');
    expect(bytes(await first).toString()).toBe('eight');
  });

  it('ends, without an error, when the socket closes while it waits', async () => {
    const pull = openSocket('pull');
    attachFake(pull);
    const got: string[] = [];
    const loop = (async () => {
      for await (const m of pull) got.push(bytes(m).toString());
      return 'ended';
    })();
    await pull.close();
    await expect(loop).resolves.toBe('ended');
    expect(got).toEqual([]);
  });

  it('is done at once on a socket already closed, and stays done', async () => {
    const pull = openSocket('pull');
    await pull.close();
    const it = pull[Symbol.asyncIterator]();
    expect(await it.next()).toEqual({ value: undefined, done: true });
    expect(await it.next()).toEqual({ value: undefined, done: true });
  });

  it('reports another error once, then is done', async () => {
    const push = openSocket('push');
    const it = push[Symbol.asyncIterator]();
    await expect(it.next()).rejects.toMatchObject({ code: 'ENOTSUP' } satisfies Partial<SpError>);
    expect(await it.next()).toEqual({ value: undefined, done: true });
  });

  it('leaving the loop (break: return()) keeps the socket and its messages', async () => {
    const pull = openSocket('pull');
    const pipe = attachFake(pull);
    for (const m of ['a', 'b', 'c']) pipe.deliver(m);
    for await (const m of pull) {
      expect(bytes(m).toString()).toBe('a');
      break;
    }
    expect(pull.closed).toBe(false);
    expect(bytes(pull.tryRecv()).toString()).toBe('b');
    // the iterator left is done; a new one goes on where the socket is
    const it = pull[Symbol.asyncIterator]();
    expect(await it.return()).toEqual({ value: undefined, done: true });
    expect(await it.next()).toEqual({ value: undefined, done: true });
    expect(text(await pull[Symbol.asyncIterator]().next())).toBe('c');
  });

  it('throw() rejects with what it is given and ends the iteration', async () => {
    const pull = openSocket('pull');
    const pipe = attachFake(pull);
    pipe.deliver('a');
    const it = pull[Symbol.asyncIterator]();
    const reason = new Error('stop');
    await expect(it.throw(reason)).rejects.toBe(reason);
    expect(await it.next()).toEqual({ value: undefined, done: true });
    expect(bytes(pull.tryRecv()).toString()).toBe('a');
  });

  it('a receive timeout (recvTimeout) ends the loop with ETIMEDOUT, once', async () => {
    const pull = openSocket('pull', { recvTimeout: 20 });
    attachFake(pull);
    const it = pull[Symbol.asyncIterator]();
    await expect(it.next()).rejects.toMatchObject({ code: 'ETIMEDOUT' });
    expect(await it.next()).toEqual({ value: undefined, done: true });
  });

  it('a close while calls are queued: the waiting one and those behind it are done', async () => {
    const { sub, pipe, ctx } = subscribedContext();
    pipe.deliver('a');
    const it = ctx[Symbol.asyncIterator]();
    const steps = [it.next(), it.next(), it.next()];
    await settle();
    await ctx.close();
    expect((await Promise.all(steps)).map(text)).toEqual(['a', undefined, undefined]);
    expect(await it.next()).toEqual({ value: undefined, done: true });
    expect(sub.closed).toBe(false);
  });

  it('return() while a call waits: that call is done, and the next message stays for the context', async () => {
    const { pipe, ctx } = subscribedContext();
    const it = ctx[Symbol.asyncIterator]();
    const waiting = it.next();
    const queued = it.next();
    expect(await it.return()).toEqual({ value: undefined, done: true });
    expect(await waiting).toEqual({ value: undefined, done: true });
    expect(await queued).toEqual({ value: undefined, done: true });
    // no receive of the iterator's is left waiting: the context takes the next message itself
    const own = ctx.recv();
    pipe.deliver('later');
    expect(bytes(await own).toString()).toBe('later');
  });

  it('await using ends the iteration', async () => {
    const pull = openSocket('pull');
    const pipe = attachFake(pull);
    pipe.deliver('kept');
    let it: AsyncGenerator<Uint8Array, void, undefined>;
    {
      await using scoped = pull[Symbol.asyncIterator]();
      it = scoped;
    }
    expect(await it.next()).toEqual({ value: undefined, done: true });
    expect(bytes(pull.tryRecv()).toString()).toBe('kept');
  });
});
