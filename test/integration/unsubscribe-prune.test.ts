/**
 * Unsubscribing takes back what is queued (spec/nng.md §4 item 7): messages that arrived for a
 * topic and were not received yet are never delivered once the topic is unsubscribed — as
 * nanomsg (which filters when the application receives) and NNG (which prunes its queues)
 * both behave. A message another subscription still matches stays; a topic subscribed twice
 * needs two unsubscribes; SUB contexts prune their own queues only; raw SUB prunes too; and a
 * publisher paused because its inbox was full is read again once a prune frees the room.
 * Real TCP on loopback, waiting on what has arrived (poll and the pipe's queued bytes, or a
 * witness context), never on time; then the same rules against fake pipes, exactly.
 */
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { poll, POLLIN, type Context, type SocketInit, type SpSocket } from '../../src/index.js';
import { attachFake, cleanup, openSocket, thrownCode } from '../helpers/fake-pipe.js';
import { next, testSocket } from '../helpers/sockets.js';

afterEach(cleanup);

/** A PUB bound on loopback and a SUB (made with `init`) connected to it, both with their pipe up. */
async function pubSub(init: SocketInit = {}): Promise<{ pub: SpSocket; sub: SpSocket }> {
  const pub = testSocket('pub');
  const sub = testSocket('sub', init);
  const ep = await pub.bind('tcp://127.0.0.1:0');
  const piped = Promise.all([next(pub, 'pipe'), next(sub, 'pipe')]);
  sub.connect(ep.url);
  await piped;
  return { pub, sub };
}

/** Bytes SUB holds from its publishers and has not handed out yet (its own queue). */
function queuedBytes(sub: SpSocket): number {
  return sub.pipes.reduce((n, p) => n + ((p as unknown as { sink?: { queuedBytes: number } }).sink?.queuedBytes ?? 0), 0);
}

/**
 * Wait until SUB's own queue holds `bytes` bytes: poll for the first arrival, then look again
 * on each turn of the event loop (the protocol raises no event for later messages).
 */
async function arrived(sub: SpSocket, bytes: number, timeoutMs = 5000): Promise<void> {
  expect(await poll([{ socket: sub, events: POLLIN }], { timeout: timeoutMs })).toBe(1);
  const deadline = performance.now() + timeoutMs;
  while (queuedBytes(sub) < bytes) {
    if (performance.now() > deadline) throw new Error(`only ${queuedBytes(sub)} of ${bytes} bytes arrived within ${timeoutMs} ms`);
    await new Promise((resolve) => setImmediate(resolve));
  }
  expect(queuedBytes(sub)).toBe(bytes);
}

/** Everything receivable now from `r`, as strings; stops at EAGAIN. */
function drain(r: SpSocket | Context): string[] {
  const got: string[] = [];
  for (;;) {
    let body: Uint8Array;
    try {
      body = r.tryRecv();
    } catch (err) {
      expect((err as { code?: string }).code).toBe('EAGAIN');
      return got;
    }
    got.push(Buffer.from(body).toString());
  }
}

/** Send each message from PUB, in order. */
async function publish(pub: SpSocket, ...messages: string[]): Promise<void> {
  for (const m of messages) await pub.send(m);
}

const size = (...messages: string[]): number => messages.reduce((n, m) => n + Buffer.byteLength(m), 0);

describe('unsubscribe on a SUB socket, over TCP', () => {
  it("takes back the queued messages of the topic: only 'bar 1' is received, then EAGAIN", async () => {
    const { pub, sub } = await pubSub();
    sub.subscribe('foo');
    sub.subscribe('bar');
    await publish(pub, 'foo 1', 'bar 1', 'foo 2');
    await arrived(sub, size('foo 1', 'bar 1', 'foo 2'));
    sub.unsubscribe('foo');
    expect(queuedBytes(sub)).toBe(size('bar 1'));
    expect(String(await sub.recv({ timeout: 0 }))).toBe('bar 1');
    await expect(sub.recv({ timeout: 0 })).rejects.toMatchObject({ code: 'EAGAIN' });
    expect(sub.stats.messagesReceived).toBe(1);
    // what comes later follows the subscriptions in force
    await publish(pub, 'foo 3', 'bar 2');
    expect(String(await sub.recv({ timeout: 5000 }))).toBe('bar 2');
    expect(drain(sub)).toEqual([]);
  });

  it('leaves nothing readable when every queued message goes', async () => {
    const { pub, sub } = await pubSub();
    sub.subscribe('foo');
    await publish(pub, 'foo 1', 'foo 2');
    await arrived(sub, size('foo 1', 'foo 2'));
    expect(sub.pollState() & POLLIN).toBe(POLLIN);
    sub.unsubscribe('foo');
    expect(sub.pollState() & POLLIN).toBe(0);
    expect(await poll([{ socket: sub, events: POLLIN }], { timeout: 0 })).toBe(0);
    expect(queuedBytes(sub)).toBe(0);
    await expect(sub.recv({ timeout: 0 })).rejects.toMatchObject({ code: 'EAGAIN' });
    // a receive waiting now gets the next message that matches
    sub.subscribe('bar');
    const waiting = sub.recv({ timeout: 5000 });
    await publish(pub, 'foo 3', 'bar 1');
    expect(String(await waiting)).toBe('bar 1');
  });

  it('keeps a message another subscription still matches', async () => {
    const { pub, sub } = await pubSub();
    sub.subscribe('foo');
    sub.subscribe('fo');
    sub.subscribe('bar');
    await publish(pub, 'foo 1', 'fox 1', 'bar 1', 'foo 2');
    await arrived(sub, size('foo 1', 'fox 1', 'bar 1', 'foo 2'));
    sub.unsubscribe('foo');
    expect(drain(sub)).toEqual(['foo 1', 'fox 1', 'bar 1', 'foo 2']);
  });

  it('keeps them while the topic is still subscribed (subscriptions are counted)', async () => {
    const { pub, sub } = await pubSub();
    sub.subscribe('foo');
    sub.subscribe('foo');
    sub.subscribe('bar');
    await publish(pub, 'foo 1', 'bar 1', 'foo 2');
    await arrived(sub, size('foo 1', 'bar 1', 'foo 2'));
    sub.unsubscribe('foo');
    expect(queuedBytes(sub)).toBe(size('foo 1', 'bar 1', 'foo 2'));
    sub.unsubscribe('foo');
    expect(drain(sub)).toEqual(['bar 1']);
  });

  it('the empty topic: unsubscribing it keeps only what the other topics match', async () => {
    const { pub, sub } = await pubSub();
    sub.subscribe('');
    sub.subscribe('bar');
    await publish(pub, 'foo 1', 'bar 1', 'baz 1');
    await arrived(sub, size('foo 1', 'bar 1', 'baz 1'));
    sub.unsubscribe('');
    expect(drain(sub)).toEqual(['bar 1']);
  });

  it('an unknown topic is EINVAL and takes nothing back', async () => {
    const { pub, sub } = await pubSub();
    sub.subscribe('foo');
    await publish(pub, 'foo 1');
    await arrived(sub, size('foo 1'));
    expect(() => sub.unsubscribe('bar')).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(drain(sub)).toEqual(['foo 1']);
  });

  it('prunes across publishers and keeps the fair order of what stays', async () => {
    const sub = testSocket('sub');
    const ep = await sub.bind('tcp://127.0.0.1:0');
    const pubs = [testSocket('pub'), testSocket('pub')];
    for (const pub of pubs) {
      const piped = Promise.all([next(sub, 'pipe'), next(pub, 'pipe')]);
      pub.connect(ep.url);
      await piped;
    }
    sub.subscribe('foo');
    sub.subscribe('bar');
    await publish(pubs[0]!, 'foo a1', 'bar a1', 'bar a2');
    await publish(pubs[1]!, 'foo b1', 'foo b2', 'bar b1');
    await arrived(sub, 6 * size('foo a1'));
    sub.unsubscribe('foo');
    const got = drain(sub);
    expect(got.sort()).toEqual(['bar a1', 'bar a2', 'bar b1']);
  });

  it('raw SUB prunes too', async () => {
    const { pub, sub } = await pubSub({ raw: true });
    sub.subscribe('foo');
    sub.subscribe('bar');
    await publish(pub, 'foo 1', 'bar 1', 'foo 2');
    await arrived(sub, size('foo 1', 'bar 1', 'foo 2'));
    sub.unsubscribe('foo');
    expect(drain(sub)).toEqual(['bar 1']);
  });

  it('a publisher paused because its inbox was full is read again once a prune frees it', async () => {
    const recvBuffer = 256;
    const { pub, sub } = await pubSub({ recvBuffer });
    sub.subscribe('foo');
    sub.subscribe('bar');
    const big = (n: number): string => `foo ${n} ${'x'.repeat(94)}`;
    // 3 × 100 bytes: the third fills the inbox past recvBuffer and the pipe stops being read
    await publish(pub, big(1), big(2), big(3));
    await arrived(sub, 3 * 100);
    const net = (sub.pipes[0] as unknown as { socket: Socket }).socket;
    expect(net.isPaused()).toBe(true);
    // this one waits in the kernel while the pipe is paused
    await publish(pub, 'bar after');
    sub.unsubscribe('foo');
    expect(queuedBytes(sub)).toBe(0);
    expect(net.isPaused()).toBe(false);
    expect(String(await sub.recv({ timeout: 5000 }))).toBe('bar after');
    expect(drain(sub)).toEqual([]);
  });

  it('a prune that leaves the inbox more than half full keeps the pipe paused', async () => {
    const { pub, sub } = await pubSub({ recvBuffer: 256 });
    sub.subscribe('foo');
    sub.subscribe('bar');
    const msg = (topic: string, n: number): string => `${topic} ${n} ${'x'.repeat(94)}`;
    await publish(pub, msg('bar', 1), msg('foo', 1), msg('bar', 2));
    await arrived(sub, 300);
    const net = (sub.pipes[0] as unknown as { socket: Socket }).socket;
    expect(net.isPaused()).toBe(true);
    sub.unsubscribe('foo');
    // 200 bytes left, at least recvBuffer / 2: still paused until the reader catches up
    expect(queuedBytes(sub)).toBe(200);
    expect(net.isPaused()).toBe(true);
    expect(drain(sub)).toEqual([msg('bar', 1), msg('bar', 2)]);
    expect(net.isPaused()).toBe(false);
  });
});

describe('unsubscribe on SUB contexts, over TCP', () => {
  /** A context subscribed to everything: once it has `n` messages, every context was offered them. */
  async function witnessed(witness: Context, n: number): Promise<string[]> {
    const got: string[] = [];
    for (let i = 0; i < n; i++) got.push(String(await witness.recv({ timeout: 5000 })));
    return got;
  }

  it("ctx.unsubscribe('foo') takes back the context's queued 'foo' messages", async () => {
    const { pub, sub } = await pubSub();
    const ctx = sub.context();
    const witness = sub.context();
    ctx.subscribe('foo');
    ctx.subscribe('bar');
    witness.subscribe('');
    await publish(pub, 'foo 1', 'bar 1', 'foo 2');
    expect(await witnessed(witness, 3)).toEqual(['foo 1', 'bar 1', 'foo 2']);
    ctx.unsubscribe('foo');
    expect(String(await ctx.recv({ timeout: 0 }))).toBe('bar 1');
    await expect(ctx.recv({ timeout: 0 })).rejects.toMatchObject({ code: 'EAGAIN' });
    expect(ctx.pollState() & POLLIN).toBe(0);
  });

  it('keeps a message another of its subscriptions matches, and leaves other contexts and the socket alone', async () => {
    const { pub, sub } = await pubSub();
    const a = sub.context();
    const b = sub.context();
    const witness = sub.context();
    a.subscribe('foo');
    a.subscribe('f');
    a.subscribe('bar');
    b.subscribe('foo');
    sub.subscribe('foo');
    witness.subscribe('');
    await publish(pub, 'foo 1', 'bar 1', 'foo 2', 'fig 1');
    await witnessed(witness, 4);
    a.unsubscribe('foo');
    b.unsubscribe('foo');
    expect(drain(a)).toEqual(['foo 1', 'bar 1', 'foo 2', 'fig 1']);
    expect(drain(b)).toEqual([]);
    // the socket's own subscription to 'foo' is its own
    expect(drain(sub)).toEqual(['foo 1', 'foo 2']);
  });

  it('the socket unsubscribing prunes its own queue only, not its contexts', async () => {
    const { pub, sub } = await pubSub();
    const ctx = sub.context();
    const witness = sub.context();
    ctx.subscribe('foo');
    witness.subscribe('');
    sub.subscribe('foo');
    sub.subscribe('bar');
    await publish(pub, 'foo 1', 'bar 1');
    await witnessed(witness, 2);
    sub.unsubscribe('foo');
    expect(drain(sub)).toEqual(['bar 1']);
    expect(drain(ctx)).toEqual(['foo 1']);
  });

  it('a context with a subscription counted twice keeps its messages after one unsubscribe', async () => {
    const { pub, sub } = await pubSub();
    const ctx = sub.context();
    const witness = sub.context();
    ctx.subscribe('foo');
    ctx.subscribe('foo');
    witness.subscribe('');
    await publish(pub, 'foo 1');
    await witnessed(witness, 1);
    ctx.unsubscribe('foo');
    expect(drain(ctx)).toEqual(['foo 1']);
    expect(() => ctx.unsubscribe('bar')).toThrow(expect.objectContaining({ code: 'EINVAL' }));
  });

  it('after a prune the context queue has its room back (recvBuffer counts what stays)', async () => {
    // recvBuffer 20: a context holds 20 bytes at most and drops its oldest to make room
    const { pub, sub } = await pubSub({ recvBuffer: 20 });
    const ctx = sub.context();
    const witness = sub.context();
    ctx.subscribe('foo');
    ctx.subscribe('bar');
    witness.subscribe('');
    await publish(pub, 'foo 1', 'foo 2', 'bar 1');
    await witnessed(witness, 3);
    ctx.unsubscribe('foo');
    // 5 bytes held; three more 5-byte messages fit without dropping 'bar 1'
    await publish(pub, 'bar 2', 'bar 3', 'bar 4');
    await witnessed(witness, 3);
    expect(drain(ctx)).toEqual(['bar 1', 'bar 2', 'bar 3', 'bar 4']);
  });
});

describe('unsubscribe prunes, against fake pipes', () => {
  it('frees a paused pipe: resumed once the inbox falls below half of recvBuffer', () => {
    const sub = openSocket('sub', { recvBuffer: 20 });
    const pipe = attachFake(sub);
    sub.subscribe('foo');
    sub.subscribe('bar');
    for (const m of ['foo 1', 'bar 1', 'foo 2', 'foo 3']) pipe.deliver(m);
    expect(pipe.pauses).toBe(1);
    sub.unsubscribe('foo');
    expect(pipe.resumes).toBe(1);
    expect(drain(sub)).toEqual(['bar 1']);
    expect(pipe.resumes).toBe(1);
  });

  it('keeps a pipe paused while what stays is half of recvBuffer or more', () => {
    const sub = openSocket('sub', { recvBuffer: 20 });
    const pipe = attachFake(sub);
    sub.subscribe('foo');
    sub.subscribe('bar');
    for (const m of ['bar 1', 'foo 1', 'bar 2', 'foo 2']) pipe.deliver(m);
    expect(pipe.pauses).toBe(1);
    sub.unsubscribe('foo');
    expect(pipe.resumes).toBe(0);
    expect(String(sub.tryRecv())).toBe('bar 1');
    expect(pipe.resumes).toBe(1);
    expect(drain(sub)).toEqual(['bar 2']);
  });

  it('prunes what a publisher that went away left behind', () => {
    const sub = openSocket('sub');
    const gone = attachFake(sub);
    const live = attachFake(sub);
    sub.subscribe('foo');
    sub.subscribe('bar');
    gone.deliver('foo gone');
    gone.deliver('bar gone');
    gone.hangUp();
    live.deliver('foo live');
    sub.unsubscribe('foo');
    expect(drain(sub).sort()).toEqual(['bar gone']);
  });

  it('a gone publisher whose messages are all pruned no longer counts against recvBuffer', () => {
    // gone pipes keep at most recvBuffer bytes in all; pruned bytes must be given back
    const sub = openSocket('sub', { recvBuffer: 10 });
    sub.subscribe('foo');
    sub.subscribe('bar');
    const first = attachFake(sub);
    first.deliver('foo 12345');
    first.hangUp();
    sub.unsubscribe('foo');
    expect(drain(sub)).toEqual([]);
    const second = attachFake(sub);
    second.deliver('bar 12345');
    second.hangUp();
    // if the pruned 9 bytes were still counted, these 9 would be over the limit and dropped
    expect(drain(sub)).toEqual(['bar 12345']);
  });

  it('prunes the raw socket and contexts alike; unknown topics are EINVAL', () => {
    const raw = openSocket('sub', { raw: true });
    const pipe = attachFake(raw);
    raw.subscribe('a');
    raw.subscribe('b');
    for (const m of ['a1', 'b1', 'a2']) pipe.deliver(m);
    raw.unsubscribe('a');
    expect(drain(raw)).toEqual(['b1']);
    expect(thrownCode(() => raw.unsubscribe('a'))).toBe('EINVAL');

    const sub = openSocket('sub');
    const p = attachFake(sub);
    const ctx = sub.context();
    ctx.subscribe('a');
    ctx.subscribe('b');
    for (const m of ['a1', 'b1', 'a2']) p.deliver(m);
    ctx.unsubscribe('a');
    expect(drain(ctx)).toEqual(['b1']);
  });
});
