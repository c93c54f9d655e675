/**
 * Pooled memory for the copies `send` makes of large bodies (src/sp/body-pool.ts), and the
 * rules in src/sp/message.ts for when a body goes back: only memory the pool made, only a
 * body nanosp made and nobody shares, and only once. A body given back twice, or one a user
 * or an inproc receiver still holds, would be handed to the next send and overwritten.
 *
 * The pool is process-wide and hands back the most recently given buffer of a size class
 * first, so "is X in the pool?" is answered by the next takeBody of X's class.
 */
import { describe, expect, it } from 'vitest';
// Node's byte platform: pooled bodies come as Buffers
import '../../src/node/bytes.js';
import { giveBody, takeBody } from '../../src/sp/body-pool.js';
import { copyBodyOut, LARGE_BODY, releaseBody, shareBody, takeUnshared, toOwnedBytes } from '../../src/sp/message.js';

const KiB = 1024;
const MiB = 1024 * KiB;

/** A large body with a recognisable content. */
function patterned(n: number, seed = 1): Buffer {
  const run = Buffer.from(Array.from({ length: 251 }, (_, i) => (i * 13 + seed) & 0xff));
  return Buffer.allocUnsafe(n).fill(run);
}

/** True when the next body of `n` bytes the pool gives is `body`'s memory. */
function pooledNext(body: Uint8Array, n = body.length): boolean {
  return (takeBody(n) as Uint8Array).buffer === body.buffer;
}

describe('takeBody', () => {
  it('gives exactly n bytes, as a Buffer, at offset 0 of a power-of-two capacity of at least 16 KiB', () => {
    for (const n of [1, 100, 16 * KiB - 1, 16 * KiB, 16 * KiB + 1, 64 * KiB, 64 * KiB + 9, MiB + 3]) {
      const body = takeBody(n) as Buffer;
      expect(Buffer.isBuffer(body)).toBe(true);
      expect(body.length).toBe(n);
      expect(body.byteOffset).toBe(0);
      const capacity = body.buffer.byteLength;
      expect(capacity).toBeGreaterThanOrEqual(Math.max(n, 16 * KiB));
      expect(capacity & (capacity - 1)).toBe(0);
      // the smallest such power of two
      expect(capacity / 2 < Math.max(n, 16 * KiB)).toBe(true);
    }
  });

  it('serves up to 64 MiB, and nothing larger', () => {
    const largest = takeBody(64 * MiB) as Buffer;
    expect(largest.length).toBe(64 * MiB);
    expect(largest.buffer.byteLength).toBe(64 * MiB);
    expect(takeBody(64 * MiB + 1)).toBeUndefined();
    expect(takeBody(1024 * MiB)).toBeUndefined();
  });

  it('gives back the memory given to it, for any size of the same class', () => {
    const a = takeBody(20 * KiB) as Buffer;
    giveBody(a);
    const b = takeBody(30 * KiB) as Buffer;
    expect(b.buffer).toBe(a.buffer);
    expect(b.length).toBe(30 * KiB);
    // taken again: the next one is other memory
    expect(takeBody(30 * KiB)!.buffer).not.toBe(a.buffer);
  });

  it('keeps size classes apart', () => {
    const small = takeBody(16 * KiB) as Buffer;
    giveBody(small);
    const large = takeBody(16 * KiB + 1) as Buffer;
    expect(large.buffer).not.toBe(small.buffer);
    expect(pooledNext(small)).toBe(true);
  });

  it('never takes in memory it did not make', () => {
    const foreign = Buffer.alloc(32 * KiB);
    giveBody(foreign);
    expect(pooledNext(foreign)).toBe(false);
    const plain = new Uint8Array(new ArrayBuffer(32 * KiB));
    giveBody(plain);
    expect(pooledNext(plain)).toBe(false);
  });

  it('never takes in a view that does not start at offset 0', () => {
    const body = takeBody(40 * KiB) as Buffer;
    giveBody(body.subarray(1));
    expect(pooledNext(body)).toBe(false);
    giveBody(body.subarray(16 * KiB));
    expect(pooledNext(body)).toBe(false);
  });
});

describe('toOwnedBytes and releaseBody', () => {
  it('copies a large Buffer: equal content, other memory', () => {
    const mine = patterned(64 * KiB, 3);
    const owned = toOwnedBytes(mine);
    expect(Buffer.isBuffer(owned)).toBe(true);
    expect(owned.buffer).not.toBe(mine.buffer);
    expect(owned.equals(mine)).toBe(true);
    // the copy is the sender's own: changing the user's buffer does not reach it
    mine.fill(0);
    expect(owned.equals(patterned(64 * KiB, 3))).toBe(true);
  });

  it('keeps a small body as it is (the transports copy it anyway)', () => {
    const small = patterned(LARGE_BODY - 1);
    const owned = toOwnedBytes(small);
    expect(owned.buffer).toBe(small.buffer);
    expect(owned.byteOffset).toBe(small.byteOffset);
  });

  it('gives a large copy back to the pool once released', () => {
    const owned = toOwnedBytes(patterned(64 * KiB));
    releaseBody(owned);
    expect(pooledNext(owned)).toBe(true);
  });

  it('gives it back only once, however often it is released', () => {
    const owned = toOwnedBytes(patterned(100 * KiB));
    releaseBody(owned);
    releaseBody(owned);
    const first = takeBody(100 * KiB) as Buffer;
    const second = takeBody(100 * KiB) as Buffer;
    expect(first.buffer).toBe(owned.buffer);
    expect(second.buffer).not.toBe(owned.buffer);
  });

  it('never gives back a body that was shared (fan-out, resends)', () => {
    const owned = toOwnedBytes(patterned(64 * KiB));
    shareBody(owned);
    releaseBody(owned);
    expect(pooledNext(owned)).toBe(false);
  });

  it('never gives back a body an inproc receiver took as its own', () => {
    const owned = toOwnedBytes(patterned(64 * KiB));
    expect(takeUnshared(owned)).toBe(true);
    // only one receiver may take it
    expect(takeUnshared(owned)).toBe(false);
    releaseBody(owned);
    expect(pooledNext(owned)).toBe(false);
  });

  it('gives back an inproc receiver’s body once recvInto has copied it out, and only once', () => {
    const owned = toOwnedBytes(patterned(64 * KiB, 3));
    expect(takeUnshared(owned)).toBe(true);
    const target = Buffer.alloc(64 * KiB);
    expect(copyBodyOut(owned, target)).toBe(64 * KiB);
    expect(target.equals(patterned(64 * KiB, 3))).toBe(true);
    expect(pooledNext(owned)).toBe(true);
    // a second copy-out of the same body (which cannot happen) gives nothing back again
    copyBodyOut(owned, target);
    expect(pooledNext(owned)).toBe(false);
  });

  it('never gives back, on copy-out, a body no inproc receiver took as its own', () => {
    const target = Buffer.alloc(64 * KiB);
    // still the sender's (a trySend that failed gives it back itself)
    const sendersCopy = toOwnedBytes(patterned(64 * KiB, 4));
    copyBodyOut(sendersCopy, target);
    expect(pooledNext(sendersCopy)).toBe(false);
    // shared by several receivers
    const shared = toOwnedBytes(patterned(64 * KiB, 5));
    shareBody(shared);
    expect(takeUnshared(shared)).toBe(false);
    copyBodyOut(shared, target);
    expect(pooledNext(shared)).toBe(false);
  });

  it('copies out at most the target’s length and returns the body’s', () => {
    const body = patterned(64 * KiB, 6);
    const small = Buffer.alloc(10, 0xaa);
    expect(copyBodyOut(body, small)).toBe(64 * KiB);
    expect(small.equals(body.subarray(0, 10))).toBe(true);
    const large = Buffer.alloc(70 * KiB, 0xaa);
    expect(copyBodyOut(body, large)).toBe(64 * KiB);
    expect(large.subarray(0, 64 * KiB).equals(body)).toBe(true);
    expect(large.subarray(64 * KiB).every((b) => b === 0xaa)).toBe(true);
  });

  it('never gives back a user’s own buffer, even one from the pool’s size classes', () => {
    const users = Buffer.alloc(64 * KiB);
    releaseBody(users);
    expect(pooledNext(users)).toBe(false);
    // nor a body the pool made that never went through toOwnedBytes
    const taken = takeBody(64 * KiB) as Buffer;
    releaseBody(taken);
    expect(pooledNext(taken)).toBe(false);
  });

  it('never pools a string body', () => {
    const text = 'x'.repeat(40 * KiB);
    const owned = toOwnedBytes(text);
    expect(owned.length).toBe(40 * KiB);
    expect(owned.toString()).toBe(text);
    releaseBody(owned);
    expect(pooledNext(owned)).toBe(false);
  });

  it('copies a body over 64 MiB without the pool', () => {
    const big = Buffer.alloc(64 * MiB + 1, 7);
    const owned = toOwnedBytes(big);
    expect(owned.buffer).not.toBe(big.buffer);
    expect(owned.buffer.byteLength).toBe(64 * MiB + 1);
    expect(owned.length).toBe(big.length);
    expect(owned[0]).toBe(7);
    expect(owned[owned.length - 1]).toBe(7);
    // releasing it is harmless: the pool has no class it could go to
    releaseBody(owned);
  });
});
