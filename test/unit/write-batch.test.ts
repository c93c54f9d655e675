/** The shared outbound batch: slab reuse while writes go straight through, never while they wait. */
import { PassThrough } from 'node:stream';
import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { FLUSH_AT, WriteBatch, writeBatch } from '../../src/node/transport/write-batch.js';

function put(batch: WriteBatch, text: string): void {
  const bytes = Buffer.from(text);
  const slab = batch.reserve(bytes.length);
  slab.set(bytes, batch.pos);
  batch.pos += bytes.length;
  batch.queued += bytes.length;
}

describe('WriteBatch', () => {
  it('takes what was appended, in order, with references between copies', () => {
    const batch = new WriteBatch();
    put(batch, 'ab');
    const big = Buffer.alloc(20_000, 7);
    batch.addRef(big);
    batch.queued += big.length;
    put(batch, 'cd');
    const chunks = batch.take();
    expect(chunks.map((c) => (c === big ? 'BIG' : c.toString()))).toEqual(['ab', 'BIG', 'cd']);
    expect(batch.queued).toBe(0);
  });

  it('rewinds only when nothing is queued, and then refills the same slab from its start', () => {
    const batch = new WriteBatch();
    put(batch, 'first');
    const [first] = batch.take();
    const slab = batch.slab;
    put(batch, 'queued');
    batch.rewind(); // something is queued: no effect
    expect(batch.pos).toBe('firstqueued'.length);
    batch.take();
    batch.rewind();
    expect(batch.pos).toBe(0);
    put(batch, 'again');
    expect(batch.slab).toBe(slab);
    // the first chunk was a view of the same memory: the caller may rewind only once it has left
    expect(first!.toString()).toBe('again');
  });

  it('starts a new slab when a message does not fit, keeping earlier regions intact', () => {
    const batch = new WriteBatch();
    const room = batch.slab.length;
    put(batch, 'x'.repeat(room - 3));
    const [taken] = batch.take();
    put(batch, 'yyyy'); // 4 bytes do not fit in the 3 left
    expect(taken!.toString()).toBe('x'.repeat(room - 3));
    expect(batch.take()[0]!.toString()).toBe('yyyy');
  });

  it('has room for a full flush threshold plus a copied message', () => {
    expect(new WriteBatch().slab.length).toBeGreaterThan(FLUSH_AT + 16 * 1024);
  });
});

describe('writeBatch', () => {
  it('writes several chunks as one corked gather write and rewinds when they all left at once', () => {
    const stream = new PassThrough();
    const written: string[] = [];
    stream.on('data', (chunk: Buffer) => written.push(chunk.toString()));
    const batch = new WriteBatch();
    put(batch, 'a');
    batch.addRef(Buffer.alloc(20_000, 0x62));
    batch.queued += 20_000;
    put(batch, 'c');
    let called = 0;
    writeBatch(stream as unknown as Socket, batch, () => called++);
    expect(written.join('')).toBe(`a${'b'.repeat(20_000)}c`);
    expect(batch.pos).toBe(0); // rewound: the PassThrough took everything at once
    return new Promise<void>((resolve) => setImmediate(() => (expect(called).toBe(1), resolve())));
  });
});
