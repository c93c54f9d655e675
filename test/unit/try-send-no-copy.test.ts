/**
 * trySend on a protocol that knows it cannot send now (PAIR without a writable peer) says
 * EAGAIN before copying a large body: a copy made only to be dropped cost a second 16 MiB
 * memcpy per message on the fast path. The errors keep nanomsg's order.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { next, testSocket } from '../helpers/sockets.js';

const pool = vi.hoisted(() => ({ taken: 0 }));
vi.mock('../../src/sp/body-pool.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../src/sp/body-pool.js')>();
  return {
    ...original,
    takeBody: (n: number) => {
      pool.taken++;
      return original.takeBody(n);
    },
  };
});

const LARGE = 64 * 1024;

afterEach(() => {
  pool.taken = 0;
});

describe('trySend that cannot send', () => {
  it('PAIR with no peer: EAGAIN, and no copy of the large body was made', () => {
    const a = testSocket('pair');
    expect(() => a.trySend(Buffer.alloc(LARGE, 1))).toThrow(expect.objectContaining({ code: 'EAGAIN', errno: 11 }));
    expect(pool.taken).toBe(0);
    // a large string too (strings are encoded, never pooled)
    expect(() => a.trySend('x'.repeat(LARGE))).toThrow(expect.objectContaining({ code: 'EAGAIN' }));
    // what does copy: a send that waits keeps its own copy
    void a.send(Buffer.alloc(LARGE, 2), { timeout: 10 }).catch(() => {});
    expect(pool.taken).toBe(1);
  });

  it('still reports bad data with EINVAL, and a closed socket with EBADF', async () => {
    const a = testSocket('pair');
    expect(() => a.trySend(42 as unknown as Buffer)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    await a.close();
    expect(() => a.trySend(Buffer.alloc(LARGE))).toThrow(expect.objectContaining({ code: 'EBADF' }));
  });

  it('a PAIR with a writable peer sends as before (one copy of a large body)', async () => {
    const a = testSocket('pair');
    const b = testSocket('pair');
    await a.bind('inproc://no-copy');
    const piped = Promise.all([next(a, 'pipe'), next(b, 'pipe')]);
    b.connect('inproc://no-copy');
    await piped;
    b.trySend(Buffer.alloc(LARGE, 3));
    expect(pool.taken).toBe(1);
    expect((await a.recv()).every((x) => x === 3)).toBe(true);
  });
});
