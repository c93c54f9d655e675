/**
 * The outbound batch every connection-oriented pipe shares: messages framed into one slab
 * (large payloads by reference), taken as a few chunks for one gather write. While the kernel
 * takes each write at once, the same slab is filled again from its start, so a fast sender
 * allocates nothing per batch; while writes wait, taken regions are never rewritten. A slab
 * given up while its writes waited is kept and filled again once they have left: a TLS
 * socket finishes every write later, never at once, and would otherwise leave a slab of
 * garbage behind every batch.
 */
import type { Socket } from 'node:net';
import { LARGE_BODY, releaseBody } from '../../sp/message.js';

/**
 * Payloads this large are written by reference instead of being copied into the batch (the
 * socket's send has made them its own).
 */
export const COPY_LIMIT = LARGE_BODY;
/**
 * A batch this large is written at once instead of at the end of the tick: the default
 * sendBuffer, so that a sender who keeps the pipe full hands the socket one gather write per
 * sendBuffer's worth. At 64 KiB, each 32–64 KiB message went out in a write of its own, and
 * Node's cost per write (its write request, callbacks, a tick) was a large part of the
 * sender's CPU: 32 KiB over ipc 63–70 k → 79–92 k msg/s, 64 KiB 48–50 k → 49–53 k (BENCHMARKS.md).
 */
export const FLUSH_AT = 128 * 1024;
/**
 * Room for a full batch plus the largest copied message (a payload under COPY_LIMIT and its
 * framing): a batch is flushed before its slab runs out.
 */
const SLAB_SIZE = FLUSH_AT + COPY_LIMIT + 2048;
/**
 * A new batch starts with a slab this small (a slice of Node's shared pool) and takes a full
 * SLAB_SIZE one the first time a batch outgrows it: a PUB's thousands of subscriber pipes,
 * each written a short message at a time, then hold 1 KiB each rather than 146 KiB (which
 * also counts as external memory that drives V8's garbage collections).
 */
const FIRST_SLAB_SIZE = 1024;

export class WriteBatch {
  slab: Buffer = Buffer.allocUnsafe(FIRST_SLAB_SIZE);
  /** Where the next byte goes in `slab`. */
  pos = 0;
  private start = 0;
  private chunks: Buffer[] = [];
  /** Bytes appended and not yet taken. */
  queued = 0;
  /** Batches handed to the socket (writeBatch), and how many of them it has finished writing. */
  private flushes = 0;
  private flushesWritten = 0;
  /** The last flush that carried a region of `slab`. */
  private slabLastFlush = 0;
  /** Slabs given up while writes used them, oldest first, each with the last flush that carried it. */
  private readonly retired: { slab: Buffer; lastFlush: number }[] = [];
  /** A slab whose writes have all left, to fill next (one is enough: see flushWritten). */
  private spare: Buffer | undefined;
  /** Bodies appended by reference since the last flush. */
  private refs: Buffer[] | undefined;
  /** Flushes that carried bodies by reference, oldest first: released once written. */
  private readonly refFlushes: { flush: number; bodies: Buffer[] }[] = [];

  /** Make room for `bytes` contiguous bytes at `pos` of `slab` (which may be a new slab). */
  reserve(bytes: number): Buffer {
    if (this.slab.length - this.pos < bytes) {
      // a region not taken yet leaves with the next flush
      const lastFlush = this.pos > this.start ? this.flushes + 1 : this.slabLastFlush;
      this.seal();
      // (the small first slab, or one larger than SLAB_SIZE made for one message, is not kept)
      if (this.slab.length === SLAB_SIZE) this.retired.push({ slab: this.slab, lastFlush });
      if (this.spare !== undefined && bytes <= SLAB_SIZE) {
        this.slab = this.spare;
        this.spare = undefined;
      } else {
        this.slab = Buffer.allocUnsafe(Math.max(SLAB_SIZE, bytes));
      }
      this.slabLastFlush = 0;
      this.start = 0;
      this.pos = 0;
    }
    return this.slab;
  }

  /** writeBatch handed the chunks it took to the socket. */
  flushed(): void {
    this.flushes++;
    if (this.pos > 0) this.slabLastFlush = this.flushes;
    if (this.refs !== undefined) {
      this.refFlushes.push({ flush: this.flushes, bodies: this.refs });
      this.refs = undefined;
    }
  }

  /**
   * The socket finished writing the oldest flush still pending (its callbacks come in order):
   * the slabs it was the last to carry may be filled again. Once nothing is in flight the
   * current slab is refilled from its start, so a sender that writes a sendBuffer's worth per
   * tick turns over two slabs.
   */
  flushWritten(): void {
    this.flushesWritten++;
    const retired = this.retired;
    while (retired.length > 0 && (retired[0] as { lastFlush: number }).lastFlush <= this.flushesWritten) {
      const { slab } = retired.shift() as { slab: Buffer };
      this.spare ??= slab;
    }
    this.releaseWritten(this.flushesWritten);
    if (this.flushesWritten === this.flushes) this.rewind();
  }

  /**
   * The bodies of flushes up to `flush` are in the kernel: their memory may serve the next send.
   * (When a write completes at once, Node calls back only on the next tick: a sender looping
   * without yielding would otherwise allocate a new copy for every message until it yields.)
   */
  releaseWritten(flush = this.flushes): void {
    const refFlushes = this.refFlushes;
    while (refFlushes.length > 0 && (refFlushes[0] as { flush: number }).flush <= flush) {
      for (const body of (refFlushes.shift() as { bodies: Buffer[] }).bodies) releaseBody(body);
    }
  }

  /**
   * After a frame's prefix, written into the slab up to `pos`: the SP header, then the body,
   * copied into the slab or, when large, kept by reference. The slab must have been reserved
   * for the header and, unless large, the body.
   */
  putPayload(pos: number, header: Buffer, body: Buffer): void {
    const slab = this.slab;
    if (header.length > 0) {
      slab.set(header, pos);
      pos += header.length;
    }
    if (body.length >= COPY_LIMIT) {
      this.pos = pos;
      this.addRef(body);
      (this.refs ??= []).push(body);
    } else {
      if (body.length > 0) slab.set(body, pos);
      this.pos = pos + body.length;
    }
  }

  /** Append `chunk` by reference, after what the slab holds so far. */
  addRef(chunk: Buffer): void {
    this.seal();
    this.chunks.push(chunk);
  }

  /** The chunks appended since the last take, in order; empties the batch. */
  take(): Buffer[] {
    this.seal();
    const chunks = this.chunks;
    this.chunks = [];
    this.queued = 0;
    return chunks;
  }

  /** Everything taken has left (nothing waits in the stream): fill the slab from its start again. */
  rewind(): void {
    if (this.queued === 0) this.start = this.pos = 0;
  }

  private seal(): void {
    if (this.pos > this.start) this.chunks.push(this.slab.subarray(this.start, this.pos));
    this.start = this.pos;
  }
}

/**
 * Hand a batch to `socket` as one write, or one gather write (cork, writes, uncork), calling
 * `onWritten` once it has all left (which must tell the batch: flushWritten); rewinds the
 * batch when the kernel took it at once.
 */
export function writeBatch(socket: Socket, batch: WriteBatch, onWritten: (err?: Error | null) => void): void {
  const chunks = batch.take();
  const last = chunks.length - 1;
  if (last < 0) return;
  batch.flushed();
  if (last === 0) {
    socket.write(chunks[0] as Buffer, onWritten);
  } else {
    socket.cork();
    for (let i = 0; i < last; i++) socket.write(chunks[i] as Buffer);
    socket.write(chunks[last] as Buffer, onWritten);
    socket.uncork();
  }
  if (socket.writableLength === 0) {
    batch.rewind();
    batch.releaseWritten();
  }
}
