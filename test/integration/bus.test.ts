import { describe, expect, it } from 'vitest';
import { Message, type SpSocket } from '../../src/index.js';
import { next, testSocket } from '../helpers/sockets.js';

/** Resolves once `s` has at least `n` live pipes (state-based: safe to call at any time). */
function pipesUp(s: SpSocket, n: number): Promise<void> {
  if (s.pipes.length >= n) return Promise.resolve();
  return new Promise((resolve) => {
    const onPipe = (): void => {
      if (s.pipes.length < n) return;
      s.off('pipe', onPipe);
      resolve();
    };
    s.on('pipe', onPipe);
  });
}

describe('BUS over TCP (nanomsg tests/bus.c)', () => {
  it('3-node full mesh: each node receives exactly the other two messages, never its own', async () => {
    const bus1 = testSocket('bus');
    const bus2 = testSocket('bus');
    const bus3 = testSocket('bus');
    const ep1 = await bus1.bind('tcp://127.0.0.1:0');
    const ep2 = await bus2.bind('tcp://127.0.0.1:0');
    const meshed = Promise.all([bus1, bus2, bus3].map((b) => pipesUp(b, 2)));
    bus2.connect(ep1.url);
    bus3.connect(ep1.url);
    bus3.connect(ep2.url);
    await meshed;
    const nodes: [string, SpSocket][] = [
      ['A', bus1],
      ['AB', bus2],
      ['ABC', bus3],
    ];
    for (const [body, node] of nodes) await node.send(body);
    for (const [own, node] of nodes) {
      const got = [String(await node.recv()), String(await node.recv())];
      expect(got.sort()).toEqual(nodes.map(([body]) => body).filter((body) => body !== own));
    }
    for (const [, node] of nodes) await expect(node.recv({ timeout: 50 })).rejects.toMatchObject({ code: 'ETIMEDOUT' });
  });

  it('a cooked BUS does not forward: a line a–b–c delivers only to direct neighbours', async () => {
    const a = testSocket('bus');
    const b = testSocket('bus');
    const c = testSocket('bus');
    const ep = await b.bind('tcp://127.0.0.1:0');
    const piped = Promise.all([pipesUp(b, 2), next(a, 'pipe'), next(c, 'pipe')]);
    a.connect(ep.url);
    c.connect(ep.url);
    await piped;
    await a.send('from a');
    expect(String(await b.recv())).toBe('from a');
    await expect(c.recv({ timeout: 50 })).rejects.toMatchObject({ code: 'ETIMEDOUT' });
  });

  it('send never blocks, even with no peers', async () => {
    const lonely = testSocket('bus');
    expect(() => lonely.trySend('into the void')).not.toThrow();
    await expect(lonely.send('again')).resolves.toBeUndefined();
  });
});

describe('raw BUS', () => {
  it('the header of a received message is the 4-byte id of the pipe it came from', async () => {
    const raw = testSocket('bus', { raw: true });
    const ep = await raw.bind('tcp://127.0.0.1:0');
    const peer = testSocket('bus');
    const piped = Promise.all([next(raw, 'pipe'), next(peer, 'pipe')]);
    peer.connect(ep.url);
    const [[pipe]] = await piped;
    await peer.send('hi');
    const m = await raw.recvMessage();
    expect(String(m.body)).toBe('hi');
    expect(m.header.length).toBe(4);
    expect(m.header.readUInt32BE(0)).toBe(pipe.id);
  });

  it('sendMessage with a pipe id header goes to every pipe but that one; with no header, to all', async () => {
    const raw = testSocket('bus', { raw: true });
    const ep = await raw.bind('tcp://127.0.0.1:0');
    const c1 = testSocket('bus');
    const c2 = testSocket('bus');
    const piped = Promise.all([pipesUp(raw, 2), next(c1, 'pipe'), next(c2, 'pipe')]);
    c1.connect(ep.url);
    c2.connect(ep.url);
    await piped;
    await c1.send('from c1');
    const m = await raw.recvMessage();
    await raw.sendMessage(m);
    expect(String(await c2.recv())).toBe('from c1');
    await expect(c1.recv({ timeout: 50 })).rejects.toMatchObject({ code: 'ETIMEDOUT' });
    await raw.sendMessage(new Message(Buffer.from('to all')));
    expect(String(await c1.recv())).toBe('to all');
    expect(String(await c2.recv())).toBe('to all');
  });

  it('sendMessage with a header that is neither empty nor 4 bytes fails with EINVAL', async () => {
    const raw = testSocket('bus', { raw: true });
    await expect(raw.sendMessage(new Message(Buffer.from('x'), Buffer.from([1, 2])))).rejects.toMatchObject({ code: 'EINVAL', errno: 22 });
    await expect(raw.sendMessage(new Message(Buffer.from('x'), Buffer.alloc(8)))).rejects.toMatchObject({ code: 'EINVAL' });
  });
});
