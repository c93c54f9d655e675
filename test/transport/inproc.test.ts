/**
 * inproc specifics, after nanomsg's tests/inproc.c and tests/separation.c (spec/wire.md §1.4):
 * connect before bind; a duplicate bind is EADDRINUSE; the receiver's recvBuffer bounds what
 * may be queued toward it (200 bytes: exactly 20 ten-byte messages, then ETIMEDOUT), reading
 * frees the sender, and an empty queue takes a message of any size; a new binder of a name
 * re-attaches the connectors left by the old one; incompatible types never attach and nothing
 * is reported; a raw REP sees the 8-byte header (pipe key, then the request id).
 */
import { describe, expect, it, vi } from 'vitest';
import { Message, type SpSocket } from '../../src/index.js';
import { next, testSocket } from '../helpers/sockets.js';

let count = 0;
const unique = (what: string) => `inproc://${what}-${process.pid}-${++count}`;

/** Record every event that would mean a connection was made, failed or reported. */
function watch(s: SpSocket): ReturnType<typeof vi.fn> {
  const seen = vi.fn();
  for (const event of ['pipe', 'connected', 'accepted', 'connect-failed', 'pipe-broken', 'endpoint-error', 'accept-failed'] as const) {
    s.on(event, (...args: unknown[]) => seen(event, ...args));
  }
  return seen;
}

describe('inproc transport', () => {
  it('connect before bind: the connector attaches once the name is bound (ping-pong and a batch of 100)', async () => {
    const url = unique('early');
    const sc = testSocket('pair');
    sc.connect(url);
    const sb = testSocket('pair');
    const piped = Promise.all([next(sb, 'pipe'), next(sc, 'pipe')]);
    await sb.bind(url);
    await piped;
    for (let i = 0; i < 100; i++) {
      await sc.send('ABC');
      expect(String(await sb.recv())).toBe('ABC');
      await sb.send('DEF');
      expect(String(await sc.recv())).toBe('DEF');
    }
    for (let i = 0; i < 100; i++) await sc.send('0123456789');
    for (let i = 0; i < 100; i++) expect(String(await sb.recv())).toBe('0123456789');
  });

  it('a second bind of a name is EADDRINUSE; once the binder closes the name is free again', async () => {
    const url = unique('dup');
    const first = testSocket('pair');
    await first.bind(url);
    await expect(testSocket('pair').bind(url)).rejects.toMatchObject({ name: 'SpError', code: 'EADDRINUSE', errno: 98 });
    await first.close();
    const second = testSocket('pair');
    await expect(second.bind(url)).resolves.toMatchObject({ url });
  });

  it('names are case-sensitive', async () => {
    const url = unique('Case');
    const upper = testSocket('pair');
    const upperWatch = watch(upper);
    await upper.bind(url);
    const lower = testSocket('pair');
    const lowerPiped = next(lower, 'pipe');
    const lowerBinder = testSocket('pair');
    const lowerBound = next(lowerBinder, 'pipe');
    lower.connect(url.toLowerCase());
    await lowerBinder.bind(url.toLowerCase());
    await Promise.all([lowerPiped, lowerBound]);
    expect(upperWatch).not.toHaveBeenCalled();
    expect(upper.stats.acceptedConnections).toBe(0);
  });

  it('recvBuffer 200 on the receiver: exactly 20 ten-byte messages are taken, then a send times out; reading frees the sender', async () => {
    const url = unique('queue');
    const sb = testSocket('pair', { recvBuffer: 200 });
    await sb.bind(url);
    const sc = testSocket('pair', { sendTimeout: 200 });
    const piped = Promise.all([next(sb, 'pipe'), next(sc, 'pipe')]);
    sc.connect(url);
    await piped;

    let accepted = 0;
    for (;;) {
      try {
        await sc.send('0123456789');
        accepted++;
      } catch (err) {
        expect(err).toMatchObject({ name: 'SpError', code: 'ETIMEDOUT' });
        break;
      }
      expect(accepted).toBeLessThanOrEqual(20);
    }
    expect(accepted).toBe(20);

    // each message read makes room for one more
    expect(String(await sb.recv())).toBe('0123456789');
    await sc.send('0123456789');
    expect(String(await sb.recv())).toBe('0123456789');
    await sc.send('0123456789');
    for (let i = 0; i < 20; i++) expect(String(await sb.recv())).toBe('0123456789');
    expect(() => sb.tryRecv()).toThrow(expect.objectContaining({ code: 'EAGAIN' }));

    // a message bigger than the whole buffer still passes an empty queue
    const big = Buffer.alloc(256);
    for (let i = 0; i < big.length; i++) big[i] = i % 256;
    await sc.send(big);
    expect((await sb.recv()).equals(big)).toBe(true);
  });

  it('a blocked sender is woken by the receiver reading, without waiting for its timeout', async () => {
    const url = unique('wake');
    const sb = testSocket('pair', { recvBuffer: 200 });
    await sb.bind(url);
    const sc = testSocket('pair', { sendTimeout: 10_000 });
    const piped = Promise.all([next(sb, 'pipe'), next(sc, 'pipe')]);
    sc.connect(url);
    await piped;
    for (let i = 0; i < 20; i++) await sc.send(`message ${String(i).padStart(2, '0')}`);
    const blocked = sc.send('message 20');
    const state = vi.fn();
    blocked.then(() => state('sent'), (err: unknown) => state('failed', err));
    expect(String(await sb.recv())).toBe('message 00');
    await blocked;
    expect(state).toHaveBeenCalledWith('sent');
    for (let i = 1; i <= 20; i++) expect(String(await sb.recv())).toBe(`message ${String(i).padStart(2, '0')}`);
  });

  it('a new binder of the name re-attaches the connectors of the old one (BUS)', async () => {
    const url = unique('rebind');
    const s1 = testSocket('bus');
    await s1.bind(url);
    const s2 = testSocket('bus', { reconnectInterval: 10 });
    let piped = Promise.all([next(s1, 'pipe'), next(s2, 'pipe')]);
    s2.connect(url);
    await piped;
    await s2.send('to the first');
    expect(String(await s1.recv())).toBe('to the first');

    const broken = next(s2, 'pipe-broken');
    await s1.close();
    expect((await broken)[0].error.code).toBe('ECONNRESET');

    const s3 = testSocket('bus');
    piped = Promise.all([next(s3, 'pipe'), next(s2, 'pipe')]);
    await s3.bind(url);
    await piped;
    await s2.send('to the second');
    expect(String(await s3.recv())).toBe('to the second');
    await s3.send('back');
    expect(String(await s2.recv())).toBe('back');
    expect(s2.stats.connectErrors).toBe(0);
  });

  for (const order of ['connect first', 'bind first'] as const) {
    it(`incompatible types (PAIR connector, PULL binder; ${order}) never attach and nothing is reported`, async () => {
      const url = unique('separate');
      const pull = testSocket('pull');
      const pair = testSocket('pair', { sendTimeout: 100 });
      const pullSeen = watch(pull);
      const pairSeen = watch(pair);
      if (order === 'bind first') await pull.bind(url);
      const ep = pair.connect(url);
      if (order === 'connect first') await pull.bind(url);
      // nanomsg tests/separation.c: the send times out
      await expect(pair.send('ABC')).rejects.toMatchObject({ code: 'ETIMEDOUT' });
      expect(pullSeen).not.toHaveBeenCalled();
      expect(pairSeen).not.toHaveBeenCalled();
      expect(ep.error).toBeUndefined();
      expect(pair.stats.connectErrors).toBe(0);
      expect(pair.stats.inprogressConnections).toBe(1); // still waiting for a binder it fits
      expect(pull.stats.acceptedConnections).toBe(0);

      // the binder is fine: a PUSH attaches at once
      const push = testSocket('push');
      const piped = Promise.all([next(pull, 'pipe'), next(push, 'pipe')]);
      push.connect(url);
      await piped;
      await push.send('fits');
      expect(String(await pull.recv())).toBe('fits');
      expect(pull.pipes).toHaveLength(1);
    });
  }

  it('a raw REP receives the 8-byte header: pipe key (top bit clear), then the request id (top bit set)', async () => {
    const url = unique('raw-rep');
    const rep = testSocket('rep', { raw: true });
    await rep.bind(url);
    const req = testSocket('req');
    const piped = Promise.all([next(rep, 'pipe'), next(req, 'pipe')]);
    req.connect(url);
    await piped;
    await req.send('ABC');
    const request = await rep.recvMessage();
    expect(String(request.body)).toBe('ABC');
    expect(request.header.length).toBe(8);
    expect(request.header.readUInt32BE(0) & 0x8000_0000).toBe(0);
    expect(request.header.readUInt32BE(4) & 0x8000_0000).not.toBe(0);
    await rep.sendMessage(new Message(Buffer.from('DEF'), request.header));
    expect(String(await req.recv())).toBe('DEF');
  });
});
