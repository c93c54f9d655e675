/**
 * recvInto / tryRecvInto: nn_recv with the caller's buffer. At most the buffer's length is
 * copied and the body's full length is returned (silent truncation, as nanomsg's nn_recv). A
 * large inproc body that send copied for this one receiver goes back to send's pool once it
 * has been copied out; a body the application received any other way is never reused.
 */
import { describe, expect, it } from 'vitest';
import { poll, POLLIN, SpError, type SpSocket } from '../../src/index.js';
import { giveBody, takeBody } from '../../src/sp/body-pool.js';
import { linked, next, testSocket } from '../helpers/sockets.js';
import { patterned } from '../helpers/patterned.js';

const LARGE = 64 * 1024;

/** Until `s` has a message to take (inproc delivers on a later turn, not inside send). */
async function readable(s: SpSocket): Promise<void> {
  expect(await poll([{ socket: s, events: POLLIN }], 5000)).toBe(1);
}

/** `listener` bound at `url` and `dialer` connected to it, once the listener has its pipe. */
async function attached(listener: SpSocket, dialer: SpSocket, url: string): Promise<void> {
  await listener.bind(url);
  const piped = next(listener, 'pipe');
  dialer.connect(url);
  await piped;
}

/** Memory of our own in send's pool: the next large send of this size copies into it. */
function seedPool(): Uint8Array {
  const seeded = takeBody(LARGE) as Uint8Array;
  giveBody(seeded);
  return seeded;
}

async function inprocPair(name: string): Promise<[ReturnType<typeof testSocket>, ReturnType<typeof testSocket>]> {
  const pull = testSocket('pull');
  const push = testSocket('push');
  await pull.bind(`inproc://${name}`);
  push.connect(`inproc://${name}`);
  return [push, pull];
}

describe('recvInto and tryRecvInto', () => {
  it('copy the body into the buffer and give its length; the rest of the buffer is left as it was', async () => {
    const [push, pull] = await inprocPair('into-small');
    await push.send('hello');
    await readable(pull);
    const target = Buffer.alloc(16, 0xee);
    expect(pull.tryRecvInto(target)).toBe(5);
    expect(target.subarray(0, 5).toString()).toBe('hello');
    expect(target.subarray(5).every((b) => b === 0xee)).toBe(true);

    await push.send(patterned(LARGE, 1));
    const big = new Uint8Array(LARGE);
    expect(await pull.recvInto(big)).toBe(LARGE);
    expect(Buffer.from(big).equals(patterned(LARGE, 1))).toBe(true);
  });

  it('truncate silently and return the full length, as nn_recv does', async () => {
    const [push, pull] = await inprocPair('into-trunc');
    await push.send(patterned(LARGE, 2));
    await readable(pull);
    const small = Buffer.alloc(100);
    expect(pull.tryRecvInto(small)).toBe(LARGE);
    expect(small.equals(patterned(LARGE, 2).subarray(0, 100))).toBe(true);
    await push.send('abc');
    expect(await pull.recvInto(Buffer.alloc(0))).toBe(3);
  });

  it('tryRecvInto throws EAGAIN with nothing ready; recvInto waits for the next message', async () => {
    const [push, pull] = await inprocPair('into-wait');
    const target = Buffer.alloc(8);
    expect(() => pull.tryRecvInto(target)).toThrow(expect.objectContaining({ code: 'EAGAIN', errno: 11 }));
    const waiting = pull.recvInto(target);
    await push.send('later');
    expect(await waiting).toBe(5);
    expect(target.subarray(0, 5).toString()).toBe('later');
  });

  it('honour recvTimeout and the timeout option, with ETIMEDOUT', async () => {
    const [, pull] = await inprocPair('into-timeout');
    await expect(pull.recvInto(Buffer.alloc(8), { timeout: 20 })).rejects.toMatchObject({ code: 'ETIMEDOUT' });
  });

  it('refuse a target that is not bytes with EINVAL, naming what they got, and take no message', async () => {
    const [push, pull] = await inprocPair('into-einval');
    await push.send('kept');
    await readable(pull);
    for (const bad of [null, 'text', 42, new ArrayBuffer(8), [1, 2, 3]]) {
      let caught: unknown;
      try {
        pull.tryRecvInto(bad as unknown as Uint8Array);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(SpError);
      expect(caught).toMatchObject({ code: 'EINVAL', errno: 22 });
      expect(String((caught as Error).message)).toMatch(/recvInto needs a Uint8Array to receive into, got /);
      await expect(pull.recvInto(bad as unknown as Uint8Array)).rejects.toMatchObject({ code: 'EINVAL' });
    }
    // typed arrays of other kinds are named
    expect(() => pull.tryRecvInto(new Float32Array(4) as unknown as Uint8Array)).toThrow(/got a Float32Array/);
    expect(() => pull.tryRecvInto(Object.create(null) as Uint8Array)).toThrow(/got a plain object/);
    // the message is still there
    expect(String(pull.tryRecv())).toBe('kept');
  });

  it('refuse a buffer whose memory was transferred away with EINVAL, and take no message', async () => {
    const [push, pull] = await inprocPair('into-detached');
    await push.send('kept');
    await readable(pull);
    const gone = new Uint8Array(16);
    structuredClone(gone.buffer, { transfer: [gone.buffer] });
    expect(() => pull.tryRecvInto(gone)).toThrow(expect.objectContaining({ name: 'SpError', code: 'EINVAL', message: expect.stringMatching(/detached/) }));
    await expect(pull.recvInto(gone)).rejects.toMatchObject({ name: 'SpError', code: 'EINVAL' });
    // an empty buffer of its own is fine: nothing is copied and the full length is returned
    expect(pull.tryRecvInto(new Uint8Array(0))).toBe(4);
  });

  it('a buffer transferred away while recvInto waited: EINVAL for that call, the message counted as dropped, the socket goes on', async () => {
    const [push, pull] = await inprocPair('into-detached-waiting');
    const target = new Uint8Array(16);
    const waiting = pull.recvInto(target);
    structuredClone(target.buffer, { transfer: [target.buffer] });
    await push.send('lost');
    await expect(waiting).rejects.toMatchObject({ name: 'SpError', code: 'EINVAL', message: expect.stringMatching(/4-byte message .* dropped/) });
    expect(pull.stats.droppedMessages).toBe(1);
    await push.send('next');
    expect(String(await pull.recv())).toBe('next');
  });

  it('reject on a closed socket with EBADF, and on a socket that cannot receive with ENOTSUP', async () => {
    const [push, pull] = await inprocPair('into-closed');
    await expect(push.recvInto(Buffer.alloc(8))).rejects.toMatchObject({ code: 'ENOTSUP' });
    await pull.close();
    expect(() => pull.tryRecvInto(Buffer.alloc(8))).toThrow(expect.objectContaining({ code: 'EBADF' }));
    await expect(pull.recvInto(Buffer.alloc(8))).rejects.toMatchObject({ code: 'EBADF' });
  });

  it('receive over tcp as well (the body read from the wire is copied out)', async () => {
    const a = testSocket('pair');
    const b = testSocket('pair');
    await linked(a, b);
    await b.send(patterned(LARGE + 9, 3));
    await b.send('tail');
    const target = Buffer.alloc(LARGE + 9);
    expect(await a.recvInto(target)).toBe(LARGE + 9);
    expect(target.equals(patterned(LARGE + 9, 3))).toBe(true);
    expect(await a.recvInto(target)).toBe(4);
    expect(target.subarray(0, 4).toString()).toBe('tail');
  });

  it('work on an NNG context (REP): each context copies its own request out', async () => {
    const rep = testSocket('rep');
    const req = testSocket('req');
    await linked(rep, req);
    const ctx = rep.context();
    const target = Buffer.alloc(32);
    const asked = ctx.recvInto(target);
    const answered = req.send('question').then(() => req.recv());
    expect(await asked).toBe(8);
    expect(target.subarray(0, 8).toString()).toBe('question');
    await ctx.send('answer');
    expect(String(await answered)).toBe('answer');
  });
});

// that the memory does go back is checked where it can be seen, in test/unit/body-pool.test.ts
describe('recvInto gives inproc memory back to send, and only memory nobody holds', () => {
  it('never reuses a body the application holds: 200 messages, kept and copied out in turn, all intact', async () => {
    const [push, pull] = await inprocPair('into-safety');
    const kept: { seed: number; body: Buffer }[] = [];
    const target = Buffer.alloc(LARGE);
    for (let seed = 0; seed < 200; seed++) {
      await push.send(patterned(LARGE, seed));
      await readable(pull);
      if (seed % 3 === 0) {
        kept.push({ seed, body: pull.tryRecv() as Buffer });
      } else {
        expect(pull.tryRecvInto(target)).toBe(LARGE);
        expect(target.equals(patterned(LARGE, seed))).toBe(true);
      }
    }
    expect(kept.length).toBe(67);
    for (const { seed, body } of kept) expect(body.equals(patterned(LARGE, seed)), `message ${seed}`).toBe(true);
  });

  it("a copied-out PUSH → PULL body's memory carries the next large message", async () => {
    const [push, pull] = await inprocPair('into-reuse-push');
    const seeded = seedPool();
    await push.send(patterned(LARGE, 40));
    await readable(pull);
    expect(pull.tryRecvInto(Buffer.alloc(LARGE))).toBe(LARGE);
    await push.send(patterned(LARGE, 41));
    await readable(pull);
    const kept = pull.tryRecv();
    expect(kept.buffer).toBe(seeded.buffer);
    expect(Buffer.from(kept).equals(patterned(LARGE, 41))).toBe(true);
    // kept by the application: the next send's copy goes elsewhere
    await push.send(patterned(LARGE, 42));
    await readable(pull);
    expect(pull.tryRecv().buffer).not.toBe(seeded.buffer);
  });

  it('and so does a PAIR body received with the awaited recvInto', async () => {
    const a = testSocket('pair');
    const b = testSocket('pair');
    await attached(a, b, 'inproc://into-reuse-pair');
    const seeded = seedPool();
    const waiting = a.recvInto(Buffer.alloc(LARGE));
    await b.send(patterned(LARGE, 50));
    expect(await waiting).toBe(LARGE);
    await b.send(patterned(LARGE, 51));
    expect((await a.recv()).buffer).toBe(seeded.buffer);
  });

  it('PUB shares one body among its subscribers: copying one out gives nothing back', async () => {
    const pub = testSocket('pub');
    const sub = testSocket('sub');
    sub.subscribe('');
    await attached(pub, sub, 'inproc://into-pub');
    const seeded = seedPool();
    await pub.send(patterned(LARGE, 60));
    expect(await sub.recvInto(Buffer.alloc(LARGE))).toBe(LARGE);
    // the seeded memory carried pub's copy, which the subscriber got a copy of: not given back
    expect((takeBody(LARGE) as Uint8Array).buffer).not.toBe(seeded.buffer);
  });
});

describe('recvInto gives memory read from tcp and ipc back to the pool, and only memory nobody holds', () => {
  /**
   * Sizes that differ from one message to the next (each large one read into its own
   * allocation), then a run of equal 64 KiB frames (read several to a buffer, the rest of a
   * frame in progress copied into its allocation).
   */
  const sizeOf = (seed: number): number => (seed >= 80 ? 64 * 1024 : seed % 2 === 0 ? 40 * 1024 + 17 * seed : 300 * 1024 + seed);

  for (const [url, type] of [
    ['tcp://127.0.0.1:0', 'pair'],
    [`ipc:///tmp/nanosp-into-${process.pid}-${Date.now()}.ipc`, 'pair'],
    ['tcp://127.0.0.1:0', 'pair1'],
    ['ws://127.0.0.1:0/into', 'pair'],
  ] as const) {
    it(`${url.split(':')[0]} ${type}: 120 large messages in a burst, every third kept, the rest copied out: all intact`, async () => {
      const a = testSocket(type, { recvMaxSize: -1 });
      const b = testSocket(type, { recvMaxSize: -1 });
      await linked(a, b, url);
      // the sender's copies come from the same pool: its memory and the receiver's change hands
      const sent = (async () => {
        for (let seed = 0; seed < 120; seed++) await b.send(patterned(sizeOf(seed), seed));
      })();
      const kept: { seed: number; body: Buffer }[] = [];
      const target = Buffer.alloc(400 * 1024);
      for (let seed = 0; seed < 120; seed++) {
        if (seed % 3 === 0) {
          kept.push({ seed, body: (await a.recv()) as Buffer });
        } else {
          const n = await a.recvInto(target);
          expect(n).toBe(sizeOf(seed));
          expect(target.subarray(0, n).equals(patterned(n, seed)), `message ${seed}`).toBe(true);
        }
      }
      await sent;
      expect(kept.length).toBe(40);
      for (const { seed, body } of kept) expect(body.equals(patterned(sizeOf(seed), seed)), `kept message ${seed}`).toBe(true);
    });
  }
});

describe('recvInto beside the other receives', () => {
  it('a zero timeout gives EAGAIN, recvTimeout 0 gives ETIMEDOUT, and a busy context EFSM', async () => {
    const [, pull] = await inprocPair('into-zero');
    await expect(pull.recvInto(Buffer.alloc(8), { timeout: 0 })).rejects.toMatchObject({ code: 'EAGAIN' });
    pull.setOption('recvTimeout', 0);
    await expect(pull.recvInto(Buffer.alloc(8))).rejects.toMatchObject({ code: 'ETIMEDOUT' });
    const rep = testSocket('rep');
    const ctx = rep.context();
    const first = ctx.recvInto(Buffer.alloc(8), { timeout: 1000 });
    await expect(ctx.recvInto(Buffer.alloc(8))).rejects.toMatchObject({ code: 'EFSM' });
    await rep.close();
    await expect(first).rejects.toMatchObject({ code: 'EBADF' });
  });

  it('a closed socket reports EBADF before looking at the target', async () => {
    const [, pull] = await inprocPair('into-order');
    await pull.close();
    expect(() => pull.tryRecvInto(null as unknown as Uint8Array)).toThrow(expect.objectContaining({ code: 'EBADF' }));
    await expect(pull.recvInto('x' as unknown as Uint8Array)).rejects.toMatchObject({ code: 'EBADF' });
  });

  it('counts what it receives in the statistics, at the full length', async () => {
    const [push, pull] = await inprocPair('into-stats');
    await push.send(patterned(LARGE, 70));
    expect(await pull.recvInto(Buffer.alloc(10))).toBe(LARGE);
    expect(pull.stats.messagesReceived).toBe(1);
    expect(pull.stats.bytesReceived).toBe(LARGE);
  });
});
