/** The shared outbound batch: slab reuse while writes go straight through or once they have left, never while they wait. */
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

/** Fill the small slab a batch starts with until it takes a full-size one, and leave it empty. */
function outgrowFirstSlab(batch: WriteBatch): void {
  put(batch, 'x'.repeat(batch.slab.length + 1));
  batch.take();
  batch.rewind();
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

  it('fills a slab it gave up again once the flushes that carried it were written, not before', () => {
    const batch = new WriteBatch();
    outgrowFirstSlab(batch);
    const first = batch.slab;
    put(batch, 'x'.repeat(first.length - 3));
    const [carried] = batch.take();
    batch.flushed(); // flush 1 carries the first slab, and its write waits (as TLS's always do)
    put(batch, 'yyyy'); // does not fit: a second slab
    const second = batch.slab;
    expect(second).not.toBe(first);
    batch.take();
    batch.flushed(); // flush 2
    put(batch, 'z'.repeat(second.length - 4 - 3));
    batch.take();
    batch.flushed(); // flush 3
    put(batch, 'wwww'); // a third slab: flush 1 has not been written
    expect(batch.slab).not.toBe(first);
    expect(carried!.toString()).toBe('x'.repeat(first.length - 3));
    batch.flushWritten(); // flush 1 has left: the first slab is free
    put(batch, 'v'.repeat(batch.slab.length)); // does not fit: the free slab takes it
    expect(batch.slab).toBe(first);
  });

  it('rewinds once every flush handed to the socket was written (a TLS socket finishes its writes later)', () => {
    const batch = new WriteBatch();
    put(batch, 'one');
    batch.take();
    batch.flushed();
    put(batch, 'two');
    batch.take();
    batch.flushed();
    batch.flushWritten();
    expect(batch.pos).toBe('onetwo'.length); // flush 2 is still in flight
    put(batch, 'queued');
    batch.flushWritten();
    expect(batch.pos).toBe('onetwoqueued'.length); // nothing in flight, but a batch is being filled
    batch.take();
    batch.flushed();
    batch.flushWritten();
    expect(batch.pos).toBe(0);
  });

  it('starts small, and once a batch outgrows that has room for a full flush threshold plus a copied message', () => {
    const batch = new WriteBatch();
    expect(batch.slab.length).toBeLessThanOrEqual(4096);
    outgrowFirstSlab(batch);
    expect(batch.slab.length).toBeGreaterThan(FLUSH_AT + 16 * 1024);
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
