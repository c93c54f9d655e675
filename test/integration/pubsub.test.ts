import { describe, expect, it } from 'vitest';
import { linked, next, testSocket } from '../helpers/sockets.js';

describe('PUB/SUB over TCP', () => {
  it('one PUB reaches two SUBs with empty subscriptions (nanomsg tests/pubsub.c)', async () => {
    const pub = testSocket('pub');
    const ep = await pub.bind('tcp://127.0.0.1:0');
    const sub1 = testSocket('sub');
    const sub2 = testSocket('sub');
    sub1.subscribe('');
    sub2.subscribe('');
    const piped = Promise.all([next(sub1, 'pipe'), next(sub2, 'pipe')]);
    sub1.connect(ep.url);
    sub2.connect(ep.url);
    await piped;
    while (pub.pipes.length < 2) await next(pub, 'pipe');
    await pub.send('0123456789012345678901234567890123456789');
    expect(String(await sub1.recv())).toBe('0123456789012345678901234567890123456789');
    expect(String(await sub2.recv())).toBe('0123456789012345678901234567890123456789');
  });

  it('delivers only messages whose body starts with a subscribed topic', async () => {
    const pub = testSocket('pub');
    const sub = testSocket('sub');
    sub.subscribe('foo');
    sub.subscribe(Buffer.from([0xff, 0x00]));
    await linked(pub, sub);
    for (const m of ['bar', 'foobar', 'fo', 'foo', 'xfoo']) await pub.send(m);
    await pub.send(Buffer.from([0xff, 0x00, 0x01]));
    await pub.send('last-unmatched');
    expect(String(await sub.recv())).toBe('foobar');
    expect(String(await sub.recv())).toBe('foo');
    expect([...(await sub.recv())]).toEqual([0xff, 0x00, 0x01]);
    await expect(sub.recv({ timeout: 50 })).rejects.toMatchObject({ code: 'ETIMEDOUT' });
  });

  it('without a subscription nothing is delivered; unsubscribing stops delivery; subscriptions are counted', async () => {
    const pub = testSocket('pub');
    const sub = testSocket('sub');
    await linked(pub, sub);
    await pub.send('before');
    await expect(sub.recv({ timeout: 50 })).rejects.toMatchObject({ code: 'ETIMEDOUT' });
    sub.subscribe('a');
    sub.subscribe('a');
    sub.unsubscribe('a');
    await pub.send('a1');
    expect(String(await sub.recv())).toBe('a1');
    sub.unsubscribe('a');
    await pub.send('a2');
    await expect(sub.recv({ timeout: 50 })).rejects.toMatchObject({ code: 'ETIMEDOUT' });
    expect(() => sub.unsubscribe('a')).toThrow(expect.objectContaining({ code: 'EINVAL' }));
  });

  it('one SUB fair-queues two publishers', async () => {
    const sub = testSocket('sub');
    sub.subscribe('');
    const ep = await sub.bind('tcp://127.0.0.1:0');
    const pub1 = testSocket('pub');
    const pub2 = testSocket('pub');
    const piped = Promise.all([next(pub1, 'pipe'), next(pub2, 'pipe')]);
    pub1.connect(ep.url);
    pub2.connect(ep.url);
    await piped;
    await pub1.send('one');
    await pub2.send('two');
    const got = [String(await sub.recv()), String(await sub.recv())].sort();
    expect(got).toEqual(['one', 'two']);
  });

  it('refuses send on SUB, receive on PUB, and subscribe on other types', async () => {
    const pub = testSocket('pub');
    const sub = testSocket('sub');
    await expect(sub.send('x')).rejects.toMatchObject({ code: 'ENOTSUP' });
    await expect(pub.recv()).rejects.toMatchObject({ code: 'ENOTSUP' });
    expect(() => pub.subscribe('x')).toThrow(expect.objectContaining({ code: 'ENOPROTOOPT' }));
  });

  it('never blocks on a slow subscriber: it drops for that subscriber and keeps serving the others', async () => {
    const pub = testSocket('pub', { sendBuffer: 16 * 1024 });
    const ep = await pub.bind('tcp://127.0.0.1:0');
    const slow = testSocket('sub', { recvBuffer: 4096 });
    const fast = testSocket('sub');
    slow.subscribe('');
    fast.subscribe('');
    const piped = Promise.all([next(slow, 'pipe'), next(fast, 'pipe')]);
    slow.connect(ep.url);
    fast.connect(ep.url);
    await piped;
    while (pub.pipes.length < 2) await next(pub, 'pipe');
    const body = Buffer.alloc(1024, 7);
    const total = 20_000; // 20 MiB: far more than any kernel buffer holds for the slow one
    let fastGot = 0;
    const stopReading = new AbortController();
    const reader = (async () => {
      for (;;) {
        const m = await fast.recv({ signal: stopReading.signal }).catch(() => undefined);
        if (!m) return;
        fastGot++;
      }
    })();
    for (let i = 0; i < total; i++) {
      await pub.send(body); // resolves at once: PUB never waits
      if (i % 256 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    expect(pub.stats.messagesSent).toBe(total);
    stopReading.abort();
    await reader;
    expect(fastGot).toBeGreaterThan(0);
    // the slow subscriber, which never read, lost most of them
    let slowGot = 0;
    while (await slow.recv({ timeout: 100 }).then(() => true, () => false)) slowGot++;
    expect(slowGot).toBeLessThan(total / 2);
  });
});
