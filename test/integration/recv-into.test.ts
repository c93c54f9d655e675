/**
 * recvInto / tryRecvInto: nn_recv with the caller's buffer. At most the buffer's length is
 * copied and the body's full length is returned (silent truncation, as nanomsg's nn_recv). A
 * large inproc body that send copied for this one receiver goes back to send's pool once it
 * has been copied out; a body the application received any other way is never reused.
 */
import { describe, expect, it } from 'vitest';
import { poll, POLLIN, SpError, type SpSocket } from '../../src/index.js';
import { linked, next, testSocket } from '../helpers/sockets.js';

const LARGE = 64 * 1024;

/** A body whose every byte tells which message it is and where it is. */
function patterned(n: number, seed: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = (i * 7 + seed * 31) & 0xff;
  return b;
}

/** Until `s` has a message to take (inproc delivers on a later turn, not inside send). */
async function readable(s: SpSocket): Promise<void> {
  expect(await poll([{ socket: s, events: POLLIN }], 5000)).toBe(1);
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
      expect(String((caught as Error).message)).toMatch(/recvInto needs a Uint8Array or Buffer/);
      await expect(pull.recvInto(bad as unknown as Uint8Array)).rejects.toMatchObject({ code: 'EINVAL' });
    }
    // the message is still there
    expect(String(pull.tryRecv())).toBe('kept');
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

  it('a PUB message copied out by one subscriber leaves the other subscriber’s copy alone', async () => {
    const pub = testSocket('pub');
    const a = testSocket('sub');
    const b = testSocket('sub');
    await pub.bind('inproc://into-pub');
    for (const s of [a, b]) {
      s.subscribe('');
      const piped = next(pub, 'pipe');
      s.connect('inproc://into-pub');
      await piped;
    }
    const target = Buffer.alloc(LARGE);
    for (let seed = 10; seed < 20; seed++) {
      await pub.send(patterned(LARGE, seed));
      const bodyB = await b.recv();
      expect(await a.recvInto(target)).toBe(LARGE);
      await pub.send(patterned(LARGE, seed + 100));
      expect(await a.recvInto(target)).toBe(LARGE);
      expect(Buffer.from(await b.recv()).equals(patterned(LARGE, seed + 100))).toBe(true);
      expect(Buffer.from(bodyB).equals(patterned(LARGE, seed))).toBe(true);
    }
  });
});
