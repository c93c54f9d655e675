import { describe, expect, it } from 'vitest';
import { next, testSocket } from '../helpers/sockets.js';

describe('PUSH/PULL over TCP', () => {
  it('PUSH round-robins across two PULLs (nanomsg tests/pipeline.c)', async () => {
    const push = testSocket('push');
    const ep = await push.bind('tcp://127.0.0.1:0');
    const pull1 = testSocket('pull');
    const pull2 = testSocket('pull');
    let piped = next(push, 'pipe');
    pull1.connect(ep.url);
    await piped;
    piped = next(push, 'pipe');
    pull2.connect(ep.url);
    await piped;
    await push.send('ABC');
    await push.send('DEF');
    expect(String(await pull1.recv())).toBe('ABC');
    expect(String(await pull2.recv())).toBe('DEF');
  });

  it('PULL fair-queues messages from two PUSHes', async () => {
    const pull = testSocket('pull');
    const ep = await pull.bind('tcp://127.0.0.1:0');
    const push1 = testSocket('push');
    const push2 = testSocket('push');
    const piped = Promise.all([next(push1, 'pipe'), next(push2, 'pipe')]);
    push1.connect(ep.url);
    push2.connect(ep.url);
    await piped;
    for (let i = 0; i < 5; i++) {
      await push1.send(`one${i}`);
      await push2.send(`two${i}`);
    }
    const got: string[] = [];
    for (let i = 0; i < 10; i++) got.push(String(await pull.recv()));
    expect(got.filter((m) => m.startsWith('one'))).toEqual(['one0', 'one1', 'one2', 'one3', 'one4']);
    expect(got.filter((m) => m.startsWith('two'))).toEqual(['two0', 'two1', 'two2', 'two3', 'two4']);
  });

  it('send priorities: both messages go to the priority-1 PULL (nanomsg tests/prio.c)', async () => {
    const pullA = testSocket('pull');
    const pullB = testSocket('pull');
    const a = await pullA.bind('tcp://127.0.0.1:0');
    const b = await pullB.bind('tcp://127.0.0.1:0');
    const push = testSocket('push');
    const piped = Promise.all([next(pullA, 'pipe'), next(pullB, 'pipe')]);
    push.connect(a.url, { sendPriority: 1 });
    push.connect(b.url, { sendPriority: 2 });
    await piped;
    await new Promise<void>((resolve) => {
      // both pipes of push attached: wait for its second 'pipe' event if not seen yet
      if (push.pipes.length === 2) resolve();
      else push.on('pipe', () => push.pipes.length === 2 && resolve());
    });
    expect(push.stats.currentSndPriority).toBe(1);
    await push.send('ABC');
    await push.send('DEF');
    expect(String(await pullA.recv())).toBe('ABC');
    expect(String(await pullA.recv())).toBe('DEF');
    await expect(pullB.recv({ timeout: 50 })).rejects.toMatchObject({ code: 'ETIMEDOUT' });
  });

  it('receive priorities: the priority-1 PUSH is received first', async () => {
    const pull = testSocket('pull');
    const pushA = testSocket('push');
    const pushB = testSocket('push');
    const a = await pushA.bind('tcp://127.0.0.1:0');
    const b = await pushB.bind('tcp://127.0.0.1:0');
    const piped = Promise.all([next(pushA, 'pipe'), next(pushB, 'pipe')]);
    pull.connect(a.url, { recvPriority: 2 });
    pull.connect(b.url, { recvPriority: 1 });
    await piped;
    await pushA.send('ABC');
    await pushB.send('DEF');
    // wait until both messages are in, then the priority decides the order
    while (pull.stats.messagesReceived === 0 && (pull.pipes[0]?.sink?.queuedBytes ?? 0) + (pull.pipes[1]?.sink?.queuedBytes ?? 0) < 6) {
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(String(await pull.recv())).toBe('DEF');
    expect(String(await pull.recv())).toBe('ABC');
  });

  it('gives EAGAIN once the only PULL has gone (nanomsg tests/prio.c)', async () => {
    const push = testSocket('push');
    const pull = testSocket('pull');
    const ep = await pull.bind('tcp://127.0.0.1:0');
    const piped = next(push, 'pipe');
    push.connect(ep.url);
    await piped;
    push.trySend('one');
    expect(String(await pull.recv())).toBe('one');
    const removed = next(push, 'pipe-removed');
    await pull.close();
    const [, reason] = await removed;
    expect(reason).toBe('broken');
    expect(() => push.trySend('two')).toThrow(expect.objectContaining({ code: 'EAGAIN' }));
    expect(push.stats.currentSndPriority).toBe(-1);
  });

  it('refuses to receive on PUSH and to send on PULL with ENOTSUP', async () => {
    const push = testSocket('push');
    const pull = testSocket('pull');
    await expect(push.recv()).rejects.toMatchObject({ code: 'ENOTSUP', errno: 95 });
    await expect(pull.send('x')).rejects.toMatchObject({ code: 'ENOTSUP' });
    expect(() => pull.trySend('x')).toThrow(expect.objectContaining({ code: 'ENOTSUP' }));
  });
});
