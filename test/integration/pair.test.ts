import { describe, expect, it, vi } from 'vitest';
import { linked, next, testSocket } from '../helpers/sockets.js';

describe('PAIR over TCP', () => {
  it('exchanges messages both ways, ping-pong and batch (nanomsg tests/tcp.c)', async () => {
    const a = testSocket('pair');
    const b = testSocket('pair');
    await linked(a, b);
    for (let i = 0; i < 100; i++) {
      await b.send('ABC');
      expect(String(await a.recv())).toBe('ABC');
      await a.send('DEF');
      expect(String(await b.recv())).toBe('DEF');
    }
    for (let i = 0; i < 100; i++) await b.send(`XYZ${i}`);
    for (let i = 0; i < 100; i++) expect(String(await a.recv())).toBe(`XYZ${i}`);
  });

  it('refuses a second peer after its SP handshake and keeps the first pair working', async () => {
    const a = testSocket('pair');
    const b = testSocket('pair');
    const url = await linked(a, b);
    const third = testSocket('pair', { reconnectInterval: 50 });
    const onPipe = vi.fn();
    a.on('pipe', onPipe);
    const refused = next(a, 'pipe-broken');
    third.connect(url);
    const [event] = await refused;
    expect(event.error.code).toBe('EISCONN');
    expect(event.pipe).toBeUndefined();
    expect(onPipe).not.toHaveBeenCalled();
    expect(a.stats.currentConnections).toBe(1);
    await b.send('still here');
    expect(String(await a.recv())).toBe('still here');
  });

  it('blocks while there is no peer: EAGAIN without waiting, ETIMEDOUT after the timeout', async () => {
    const a = testSocket('pair');
    expect(() => a.trySend('x')).toThrow(expect.objectContaining({ code: 'EAGAIN', errno: 11 }));
    await expect(a.send('x', { timeout: 0 })).rejects.toMatchObject({ code: 'EAGAIN' });
    const started = Date.now();
    await expect(a.send('x', { timeout: 100 })).rejects.toMatchObject({ code: 'ETIMEDOUT', errno: 110 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
  });

  it('a send waiting for a peer goes out once the peer arrives', async () => {
    const a = testSocket('pair');
    const b = testSocket('pair');
    const ep = await a.bind('tcp://127.0.0.1:0');
    const sent = b.send('early');
    b.connect(ep.url);
    await sent;
    expect(String(await a.recv())).toBe('early');
  });

  it('applies back-pressure when the peer does not read: the sender blocks instead of queueing without bound', async () => {
    const a = testSocket('pair', { recvBuffer: 4096 });
    const b = testSocket('pair', { sendBuffer: 4096 });
    await linked(a, b);
    const chunk = Buffer.alloc(1024, 1);
    let sent = 0;
    let blocked: unknown;
    // kernel socket buffers take a few MiB; a bounded number of sends must then block
    for (; sent < 100_000; sent++) {
      try {
        await b.send(chunk, { timeout: 200 });
      } catch (err) {
        blocked = err;
        break;
      }
    }
    expect(blocked).toMatchObject({ code: 'ETIMEDOUT' });
    expect(sent).toBeLessThan(100_000);
    // and everything that was accepted arrives once the reader reads
    for (let i = 0; i < sent; i++) expect((await a.recv()).length).toBe(1024);
  });
});
