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
import { capacityFor, giveBody, takeBody } from '../../src/sp/body-pool.js';
import { copyBodyOut, LARGE_BODY, releaseBody, shareBody, takeReceivedBody, takeUnshared, toOwnedBytes } from '../../src/sp/message.js';
import { FrameDecoder } from '../../src/node/transport/stream-codec.js';
import { WsDecoder } from '../../src/node/transport/ws/receiver.js';
import { patterned } from '../helpers/patterned.js';

const KiB = 1024;
const MiB = 1024 * KiB;

/** True when the next body of `n` bytes the pool gives is `body`'s memory. */
function pooledNext(body: Uint8Array, n = body.length): boolean {
  return (takeBody(n) as Uint8Array).buffer === body.buffer;
}

describe('takeBody', () => {
  it('gives exactly n bytes, as a Buffer, at offset 0 of memory at most a quarter larger (at least 16 KiB)', () => {
    for (const n of [1, 100, 16 * KiB - 1, 16 * KiB, 16 * KiB + 1, 20 * KiB + 1, 64 * KiB, 64 * KiB + 9, MiB + 3, 16 * MiB + 1, 48 * MiB - 1]) {
      const body = takeBody(n) as Buffer;
      expect(Buffer.isBuffer(body)).toBe(true);
      expect(body.length).toBe(n);
      expect(body.byteOffset).toBe(0);
      const capacity = body.buffer.byteLength;
      expect(capacity).toBe(capacityFor(n));
      expect(capacity).toBeGreaterThanOrEqual(Math.max(n, 16 * KiB));
      if (n > 16 * KiB) expect(capacity, `${n}`).toBeLessThan(n * 1.25);
      // whole pages
      expect(capacity % (4 * KiB)).toBe(0);
    }
  });

  it('has capacities of 16 KiB, then four steps from one power of two to the next', () => {
    expect([16 * KiB, 16 * KiB + 1, 20 * KiB, 20 * KiB + 1, 31 * KiB, 32 * KiB, 33 * KiB].map(capacityFor)).toEqual([
      16 * KiB, 20 * KiB, 20 * KiB, 24 * KiB, 32 * KiB, 32 * KiB, 40 * KiB,
    ]);
    expect([MiB, MiB + 1, 16 * MiB, 16 * MiB + 1, 64 * MiB].map(capacityFor)).toEqual([MiB, 1.25 * MiB, 16 * MiB, 20 * MiB, 64 * MiB]);
  });

  it('serves up to 64 MiB, and nothing larger', () => {
    const largest = takeBody(64 * MiB) as Buffer;
    expect(largest.length).toBe(64 * MiB);
    expect(largest.buffer.byteLength).toBe(64 * MiB);
    expect(takeBody(64 * MiB + 1)).toBeUndefined();
    expect(takeBody(1024 * MiB)).toBeUndefined();
  });

  it('gives back the memory given to it, for any size of the same capacity', () => {
    const a = takeBody(29 * KiB) as Buffer;
    giveBody(a);
    const b = takeBody(32 * KiB) as Buffer;
    expect(b.buffer).toBe(a.buffer);
    expect(b.length).toBe(32 * KiB);
    // taken again: the next one is other memory
    expect(takeBody(32 * KiB)!.buffer).not.toBe(a.buffer);
  });

  it('keeps size classes apart', () => {
    const small = takeBody(16 * KiB) as Buffer;
    giveBody(small);
    const large = takeBody(16 * KiB + 1) as Buffer;
    expect(large.buffer).not.toBe(small.buffer);
    expect(pooledNext(small)).toBe(true);
  });

  it('keeps at most 128 MiB idle in all, whatever the capacities', () => {
    const capacities = [5, 6, 7, 8, 10, 12, 14, 16, 20, 24, 28, 32, 40, 48].map((m) => m * MiB);
    const bodies = capacities.map((c) => takeBody(c) as Buffer);
    for (const body of bodies) giveBody(body);
    const back = bodies.filter((body) => pooledNext(body));
    const keptBytes = back.reduce((sum, body) => sum + body.length, 0);
    expect(keptBytes).toBeLessThanOrEqual(128 * MiB);
    // the first given back were kept, up to the limit; the rest were left to the collector
    expect(back.length).toBeGreaterThan(0);
    expect(back.length).toBeLessThan(bodies.length);
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

/** Memory of our own in the pool's class for `n`: the next body of that class is read into it. */
function seeded(n: number): Uint8Array {
  const memory = takeBody(n) as Uint8Array;
  giveBody(memory);
  return memory;
}

/** An SP/TCP frame of `body`, cut in two so that its body spans reads (a decoder then allocates it whole). */
function spanningFrame(body: Buffer): [Buffer, Buffer] {
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64BE(BigInt(body.length));
  return [Buffer.concat([prefix, body.subarray(0, 100)]), body.subarray(100)];
}

describe('large bodies read from the wire', () => {
  function decoder(): { dec: InstanceType<typeof FrameDecoder>; frames: Buffer[] } {
    const frames: Buffer[] = [];
    return { dec: new FrameDecoder(false, { frame: (p) => frames.push(p) }, { recvMaxSize: -1 }), frames };
  }

  it('are read into pool memory, which recvInto gives back once it has copied the body out', () => {
    const n = 200 * KiB + 3;
    const memory = seeded(n);
    const { dec, frames } = decoder();
    for (const part of spanningFrame(patterned(n, 8))) expect(dec.push(part)).toBeUndefined();
    const [first] = frames as [Buffer];
    expect(first.buffer).toBe(memory.buffer);
    expect(first.equals(patterned(n, 8))).toBe(true);
    const target = Buffer.alloc(n);
    // (the protocol hands the user a view of the payload: a PAIR v0 body starts where it does)
    expect(copyBodyOut(first.subarray(0), target)).toBe(n);
    expect(target.equals(patterned(n, 8))).toBe(true);
    // the next frame of that class is read into the same memory
    for (const part of spanningFrame(patterned(n - 1000, 9))) dec.push(part);
    expect(frames[1]!.buffer).toBe(memory.buffer);
    expect(frames[1]!.equals(patterned(n - 1000, 9))).toBe(true);
  });

  it('never go back while the application may hold them: received, kept, or a view past a header', () => {
    const n = 300 * KiB;
    const memory = seeded(n);
    const { dec, frames } = decoder();
    for (const part of spanningFrame(patterned(n, 10))) dec.push(part);
    expect(frames[0]!.buffer).toBe(memory.buffer);
    // taken with recv (not copied out): the next frame goes elsewhere, this one stays intact
    for (const part of spanningFrame(patterned(n, 11))) dec.push(part);
    expect(frames[1]!.buffer).not.toBe(memory.buffer);
    expect(frames[0]!.equals(patterned(n, 10))).toBe(true);
    // a body after a protocol header (PAIR v1, REQ/REP) is a view that does not start the memory
    copyBodyOut(frames[1]!.subarray(4), Buffer.alloc(n));
    expect(pooledNext(frames[1]!, n)).toBe(false);
  });

  it('under 16 KiB are never pool memory: a frame spanning reads gets exactly its size', () => {
    expect(takeReceivedBody(LARGE_BODY - 1)).toBeUndefined();
    const n = 10 * KiB;
    const { dec, frames } = decoder();
    for (const part of spanningFrame(patterned(n, 14))) dec.push(part);
    expect(frames[0]!.equals(patterned(n, 14))).toBe(true);
    expect(frames[0]!.buffer.byteLength).toBe(n);
  });

  it('give back only once, however often copied out (which cannot happen)', () => {
    const body = takeReceivedBody(64 * KiB) as Buffer;
    copyBodyOut(body, Buffer.alloc(64 * KiB));
    copyBodyOut(body, Buffer.alloc(64 * KiB));
    expect(pooledNext(body)).toBe(true);
    expect(pooledNext(body)).toBe(false);
  });

  it('frames small enough to arrive whole are views of the read, never pool memory', () => {
    const memory = seeded(LARGE_BODY);
    const { dec, frames } = decoder();
    const prefix = Buffer.alloc(8);
    prefix.writeBigUInt64BE(BigInt(LARGE_BODY));
    const chunk = Buffer.concat([prefix, patterned(LARGE_BODY, 12)]);
    dec.push(chunk);
    expect(frames[0]!.buffer).toBe(chunk.buffer);
    copyBodyOut(frames[0]!, Buffer.alloc(LARGE_BODY));
    expect(pooledNext(memory)).toBe(true);
    expect(pooledNext(chunk, LARGE_BODY)).toBe(false);
  });

  it('over WebSocket too: a large frame spanning reads is read into pool memory', () => {
    const n = 100 * KiB;
    const memory = seeded(n);
    const got: Buffer[] = [];
    const dec = new WsDecoder(false, { wsMessage: (p) => void got.push(p), wsPing: () => {}, wsClose: () => {} }, { recvMaxSize: -1 });
    // FIN + binary, 127: a 64-bit length, unmasked (a server's frame to a client)
    const head = Buffer.alloc(10);
    head[0] = 0x82;
    head[1] = 127;
    head.writeUInt32BE(n, 6);
    const body = patterned(n, 13);
    expect(dec.push(Buffer.concat([head, body.subarray(0, 10)]))).toBeUndefined();
    expect(dec.push(body.subarray(10))).toBeUndefined();
    expect(got[0]!.buffer).toBe(memory.buffer);
    expect(got[0]!.equals(body)).toBe(true);
  });
});

