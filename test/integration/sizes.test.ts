import { describe, expect, it } from 'vitest';
import { linked, next, testSocket } from '../helpers/sockets.js';

const MiB = 1024 * 1024;

describe('message sizes over TCP', () => {
  it('carries 0-byte, 1 B, 64 KiB, 1 MiB − 1 and exactly 1 MiB messages under the default limit', async () => {
    const a = testSocket('pair');
    const b = testSocket('pair');
    await linked(a, b);
    for (const size of [0, 1, 64 * 1024, MiB - 1, MiB]) {
      const body = Buffer.alloc(size, size % 251);
      await b.send(body);
      const got = await a.recv();
      expect(got.length).toBe(size);
      expect(got.equals(body)).toBe(true);
    }
  });

  it('drops the connection on a message over recvMaxSize (1 MiB + 1) and delivers nothing of it', async () => {
    const a = testSocket('pair');
    const b = testSocket('pair', { reconnectInterval: 10 });
    await linked(a, b);
    const broken = next(a, 'pipe-broken');
    await b.send(Buffer.alloc(MiB + 1));
    const [event] = await broken;
    expect(event.error.code).toBe('EMSGSIZE');
    expect(a.stats.brokenConnections).toBe(1);
    await expect(a.recv({ timeout: 50 })).rejects.toMatchObject({ code: 'ETIMEDOUT' });
    // the dialer reconnects, and normal messages flow again
    if (a.pipes.length === 0) await next(a, 'pipe');
    await b.send('small');
    expect(String(await a.recv())).toBe('small');
  });

  it('carries 4 MiB with recvMaxSize −1 (unlimited)', async () => {
    const a = testSocket('pair', { recvMaxSize: -1 });
    const b = testSocket('pair');
    await linked(a, b);
    const body = Buffer.alloc(4 * MiB);
    for (let i = 0; i < body.length; i += 4096) body[i] = i & 0xff;
    await b.send(body);
    expect((await a.recv()).equals(body)).toBe(true);
  });

  it('counts body bytes and messages as nanomsg does (tests/stats.c)', async () => {
    const a = testSocket('pair');
    const b = testSocket('pair');
    await linked(a, b);
    await b.send('ABC');
    await a.recv();
    expect(b.stats.messagesSent).toBe(1);
    expect(b.stats.bytesSent).toBe(3);
    expect(a.stats.messagesReceived).toBe(1);
    expect(a.stats.bytesReceived).toBe(3);
    expect(a.stats.acceptedConnections).toBe(1);
    expect(b.stats.establishedConnections).toBe(1);
    expect(a.stats.currentConnections).toBe(1);
    expect(b.stats.currentConnections).toBe(1);
  });
});
