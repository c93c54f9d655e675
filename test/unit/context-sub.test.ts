/**
 * NNG-style contexts on SUB, against fake pipes: each context has its own subscriptions and
 * its own queue, independent of the socket's and of each other; a message matching several
 * is delivered to each, as separate copies. spec/nng.md §1 (sub0 contexts).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { attachFake, cleanup, openSocket, thrownCode } from '../helpers/fake-pipe.js';
import { settle, track } from '../helpers/track.js';

afterEach(cleanup);

describe('SUB contexts', () => {
  it('a new context subscribes to nothing, whatever the socket subscribed', () => {
    const sub = openSocket('sub');
    const pipe = attachFake(sub);
    sub.subscribe('');
    const a = sub.context();
    pipe.deliver('news');
    expect(String(sub.tryRecv())).toBe('news');
    expect(thrownCode(() => a.tryRecv())).toBe('EAGAIN');
  });

  it('each context has its own subscriptions and queue, independent of the socket and of each other', () => {
    const sub = openSocket('sub');
    const pipe = attachFake(sub);
    const [a, b] = [sub.context(), sub.context()];
    sub.subscribe('s.');
    a.subscribe('a.');
    b.subscribe('b.');
    for (const m of ['a.1', 'b.1', 's.1', 'x.1', 'a.2']) pipe.deliver(m);
    expect(String(a.tryRecv())).toBe('a.1');
    expect(String(a.tryRecv())).toBe('a.2');
    expect(thrownCode(() => a.tryRecv())).toBe('EAGAIN');
    expect(String(b.tryRecv())).toBe('b.1');
    expect(thrownCode(() => b.tryRecv())).toBe('EAGAIN');
    expect(String(sub.tryRecv())).toBe('s.1');
    expect(thrownCode(() => sub.tryRecv())).toBe('EAGAIN');
  });

  it('unsubscribing on a context leaves the socket and the other contexts subscribed', () => {
    const sub = openSocket('sub');
    const pipe = attachFake(sub);
    const [a, b] = [sub.context(), sub.context()];
    sub.subscribe('t');
    a.subscribe('t');
    b.subscribe('t');
    a.unsubscribe('t');
    pipe.deliver('t1');
    expect(thrownCode(() => a.tryRecv())).toBe('EAGAIN');
    expect(String(b.tryRecv())).toBe('t1');
    expect(String(sub.tryRecv())).toBe('t1');
    // and the socket's unsubscribe leaves b subscribed
    sub.unsubscribe('t');
    pipe.deliver('t2');
    expect(String(b.tryRecv())).toBe('t2');
    expect(thrownCode(() => sub.tryRecv())).toBe('EAGAIN');
  });

  it('a message matching two contexts (and the socket) is delivered to each, as separate copies', async () => {
    const sub = openSocket('sub');
    const pipe = attachFake(sub);
    const [a, b] = [sub.context(), sub.context()];
    a.subscribe('top');
    b.subscribe('to');
    sub.subscribe('');
    const rb = b.recv();
    pipe.deliver('topic body');
    const fromA = await a.recv();
    const fromB = await rb;
    const fromSock = await sub.recv();
    expect(String(fromA)).toBe('topic body');
    expect(String(fromB)).toBe('topic body');
    fromA[0] = 0x58; // 'X'
    fromA.fill(0x21, 1);
    expect(String(fromB)).toBe('topic body');
    expect(String(fromSock)).toBe('topic body');
    fromSock.fill(0x3f);
    expect(String(fromB)).toBe('topic body');
  });

  it('a pending recv on a context is woken only by a message matching its subscriptions', async () => {
    const sub = openSocket('sub');
    const pipe = attachFake(sub);
    const [a, b] = [sub.context(), sub.context()];
    a.subscribe('a');
    b.subscribe('b');
    const ra = track(a.recv());
    pipe.deliver('b-only');
    await settle();
    expect(ra.done).toBe(false);
    pipe.deliver('a-too');
    await settle();
    expect(String(ra.value)).toBe('a-too');
    expect(String(b.tryRecv())).toBe('b-only');
  });

  it("the socket's own recv is woken while a context's recv waits for something else", async () => {
    const sub = openSocket('sub');
    const pipe = attachFake(sub);
    const a = sub.context();
    a.subscribe('for-a');
    sub.subscribe('for-sock');
    const ra = track(a.recv()); // a starts waiting first
    const rs = track(sub.recv());
    pipe.deliver('for-sock 1');
    await settle();
    expect(rs.done).toBe(true);
    expect(String(rs.value)).toBe('for-sock 1');
    expect(ra.done).toBe(false);
    pipe.deliver('for-a 1');
    await settle();
    expect(String(ra.value)).toBe('for-a 1');
  });

  it("the socket's own recv is not stuck behind a context that waited first, even once more messages come", async () => {
    const sub = openSocket('sub');
    const pipe = attachFake(sub);
    const a = sub.context();
    a.subscribe('for-a');
    sub.subscribe('for-sock');
    const ra = track(a.recv());
    const rs = track(sub.recv());
    pipe.deliver('for-sock 1');
    pipe.deliver('for-a 1');
    pipe.deliver('for-sock 2');
    await settle();
    expect(String(ra.value)).toBe('for-a 1');
    expect(rs.done).toBe(true);
    expect(String(rs.value)).toBe('for-sock 1');
    expect(String(sub.tryRecv())).toBe('for-sock 2');
  });

  it('unsubscribe of an unknown topic on a context is EINVAL, even one the socket or another context has', () => {
    const sub = openSocket('sub');
    const [a, b] = [sub.context(), sub.context()];
    sub.subscribe('sock');
    b.subscribe('b');
    expect(thrownCode(() => a.unsubscribe('nothing'))).toBe('EINVAL');
    expect(thrownCode(() => a.unsubscribe('sock'))).toBe('EINVAL');
    expect(thrownCode(() => a.unsubscribe('b'))).toBe('EINVAL');
    a.subscribe('x');
    a.unsubscribe('x');
    expect(thrownCode(() => a.unsubscribe('x'))).toBe('EINVAL');
  });

  it('counts subscriptions per context: subscribed twice needs two unsubscribes', () => {
    const sub = openSocket('sub');
    const pipe = attachFake(sub);
    const a = sub.context();
    a.subscribe('t');
    a.subscribe('t');
    a.unsubscribe('t');
    pipe.deliver('t1');
    expect(String(a.tryRecv())).toBe('t1');
    a.unsubscribe('t');
    pipe.deliver('t2');
    expect(thrownCode(() => a.tryRecv())).toBe('EAGAIN');
  });

  it('send on a SUB context is ENOTSUP', async () => {
    const a = openSocket('sub').context();
    await expect(a.send('x')).rejects.toMatchObject({ code: 'ENOTSUP' });
  });

  it('a second concurrent recv on one context is EFSM; the first still gets the message', async () => {
    const sub = openSocket('sub');
    const pipe = attachFake(sub);
    const a = sub.context();
    a.subscribe('');
    const first = track(a.recv());
    await expect(a.recv()).rejects.toMatchObject({ code: 'EFSM' });
    pipe.deliver('m');
    await settle();
    expect(String(first.value)).toBe('m');
  });

  it('a full context queue drops its oldest message, without touching other queues', () => {
    const sub = openSocket('sub', { recvBuffer: 10 });
    const pipe = attachFake(sub);
    const [a, b] = [sub.context(), sub.context()];
    a.subscribe('');
    b.subscribe('');
    pipe.deliver('11111');
    pipe.deliver('22222');
    pipe.deliver('33333');
    expect(String(a.tryRecv())).toBe('22222');
    expect(String(a.tryRecv())).toBe('33333');
    expect(String(b.tryRecv())).toBe('22222');
  });
});

describe('SUB context options and closing', () => {
  it('has recvTimeout and sendTimeout (copied, then its own); others are ENOPROTOOPT', async () => {
    vi.useFakeTimers();
    const sub = openSocket('sub', { recvTimeout: 300 });
    const a = sub.context();
    expect(a.getOption('recvTimeout')).toBe(300);
    a.setOption('recvTimeout', 20);
    expect(sub.getOption('recvTimeout')).toBe(300);
    for (const name of ['subscribe', 'resendInterval', 'surveyDeadline', 'linger', 'maxTtl']) {
      expect(thrownCode(() => a.setOption(name, 1))).toBe('ENOPROTOOPT');
    }
    expect(thrownCode(() => a.setOption('recvTimeout', {}))).toBe('EINVAL');
    a.subscribe('');
    const pending = track(a.recv());
    await vi.advanceTimersByTimeAsync(20);
    expect(pending.error).toMatchObject({ code: 'ETIMEDOUT' });
  });

  it('ctx.close() rejects its pending recv with EBADF; subscribe and unsubscribe are EBADF; the rest goes on', async () => {
    const sub = openSocket('sub');
    const pipe = attachFake(sub);
    const [a, b] = [sub.context(), sub.context()];
    a.subscribe('');
    b.subscribe('');
    sub.subscribe('');
    const ra = a.recv();
    await a.close();
    await expect(ra).rejects.toMatchObject({ code: 'EBADF', errno: 9 });
    expect(thrownCode(() => a.subscribe('x'))).toBe('EBADF');
    expect(thrownCode(() => a.unsubscribe(''))).toBe('EBADF');
    expect(thrownCode(() => a.tryRecv())).toBe('EBADF');
    pipe.deliver('after');
    expect(String(b.tryRecv())).toBe('after');
    expect(String(sub.tryRecv())).toBe('after');
  });

  it('socket.close() closes its contexts; for await ends; no timer left', async () => {
    vi.useFakeTimers();
    const sub = openSocket('sub');
    const pipe = attachFake(sub);
    const a = sub.context();
    const b = sub.context();
    a.subscribe('');
    b.subscribe('');
    const got: string[] = [];
    const loop = (async () => {
      for await (const m of a) got.push(String(m));
      return 'ended';
    })();
    const rb = b.recv({ timeout: 10_000 });
    pipe.deliver('one');
    await settle();
    expect(String(await rb)).toBe('one');
    const rb2 = b.recv({ timeout: 10_000 });
    await sub.close();
    await expect(loop).resolves.toBe('ended');
    await expect(rb2).rejects.toMatchObject({ code: 'EBADF' });
    expect(got).toEqual(['one']);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('await using closes the context', async () => {
    const sub = openSocket('sub');
    let pending: Promise<unknown> | undefined;
    {
      await using a = sub.context();
      a.subscribe('');
      pending = a.recv();
      pending.catch(() => {});
    }
    await expect(pending).rejects.toMatchObject({ code: 'EBADF' });
  });
});
