/**
 * The outbound batch every connection-oriented pipe shares: messages framed into one slab
 * (large payloads by reference), taken as a few chunks for one gather write. While the kernel
 * takes each write at once, the same slab is filled again from its start, so a fast sender
 * allocates nothing per batch; while writes wait, taken regions are never rewritten.
 */
import type { Socket } from 'node:net';
import { LARGE_BODY } from '../../sp/message.js';

/**
 * Payloads this large are written by reference instead of being copied into the batch (the
 * socket's send has made them its own).
 */
export const COPY_LIMIT = LARGE_BODY;
/** A batch this large is written at once instead of at the end of the tick. */
export const FLUSH_AT = 64 * 1024;
/**
 * Room for a full batch plus the largest copied message (a payload under COPY_LIMIT and its
 * framing): a batch is flushed before its slab runs out.
 */
const SLAB_SIZE = FLUSH_AT + COPY_LIMIT + 2048;

export class WriteBatch {
  slab: Buffer = Buffer.allocUnsafe(SLAB_SIZE);
  /** Where the next byte goes in `slab`. */
  pos = 0;
  private start = 0;
  private chunks: Buffer[] = [];
  /** Bytes appended and not yet taken. */
  queued = 0;

  /** Make room for `bytes` contiguous bytes at `pos` of `slab` (which may be a new slab). */
  reserve(bytes: number): Buffer {
    if (this.slab.length - this.pos < bytes) {
      this.seal();
      this.slab = Buffer.allocUnsafe(Math.max(SLAB_SIZE, bytes));
      this.start = 0;
      this.pos = 0;
    }
    return this.slab;
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
 * `onWritten` once it has all left; rewinds the batch when the kernel took it at once.
 */
export function writeBatch(socket: Socket, batch: WriteBatch, onWritten: (err?: Error | null) => void): void {
  const chunks = batch.take();
  const last = chunks.length - 1;
  if (last < 0) return;
  if (last === 0) {
    socket.write(chunks[0] as Buffer, onWritten);
  } else {
    socket.cork();
    for (let i = 0; i < last; i++) socket.write(chunks[i] as Buffer);
    socket.write(chunks[last] as Buffer, onWritten);
    socket.uncork();
  }
  if (socket.writableLength === 0) batch.rewind();
}
