/**
 * The sending half of WebSocket framing: messages in, chunks for one gather write out. No I/O.
 */
import { randomFillSync } from 'node:crypto';
import { maskInPlace } from './frames.js';

/** Random mask keys are taken from a pool refilled 2048 keys at a time. */
const MASK_POOL = Buffer.allocUnsafe(8 * 1024);
let maskPoolPos = MASK_POOL.length;

function putMaskKey(dst: Buffer, pos: number): void {
  if (maskPoolPos === MASK_POOL.length) {
    randomFillSync(MASK_POOL);
    maskPoolPos = 0;
  }
  MASK_POOL.copy(dst, pos, maskPoolPos, maskPoolPos + 4);
  maskPoolPos += 4;
}

/** Payloads this large go by reference (unmasked only) instead of being copied into the batch. */
const COPY_LIMIT = 16 * 1024;
const SLAB_SIZE = 64 * 1024;

/** Bytes in the header of a frame carrying `size` bytes. */
export function frameHeaderSize(size: number, masked: boolean): number {
  return (size < 126 ? 2 : size < 0x1_0000 ? 4 : 10) + (masked ? 4 : 0);
}

/** Write a FIN frame header at `buf[pos]` (with a fresh mask key when `masked`); returns the end. */
function writeFrameHeader(buf: Buffer, pos: number, opcode: number, size: number, masked: boolean): number {
  buf[pos++] = 0x80 | opcode;
  const m = masked ? 0x80 : 0;
  if (size < 126) buf[pos++] = m | size;
  else if (size < 0x1_0000) {
    buf[pos++] = m | 126;
    buf.writeUInt16BE(size, pos);
    pos += 2;
  } else {
    buf[pos++] = m | 127;
    buf.writeUInt32BE(Math.floor(size / 0x1_0000_0000), pos);
    buf.writeUInt32BE(size >>> 0, pos + 4);
    pos += 8;
  }
  if (masked) {
    putMaskKey(buf, pos);
    pos += 4;
  }
  return pos;
}

/**
 * Collects frames into as few chunks as possible: headers and small payloads are copied into
 * a shared slab; large unmasked payloads are kept by reference; masked payloads are copied
 * (masking must not touch the caller's buffer) and masked in place. Every message leaves as
 * one FIN frame, as nanomsg sends. A slab region is never rewritten once taken.
 */
export class WsFrameWriter {
  private slab: Buffer = Buffer.allocUnsafe(SLAB_SIZE);
  private slabStart = 0;
  private slabPos = 0;
  private chunks: Buffer[] = [];
  /** Bytes appended and not yet taken. */
  queued = 0;

  /** `masked`: this side is the client. */
  constructor(private readonly masked: boolean) {}

  /** One message (`header` then `body`) as one frame of `opcode`. */
  append(opcode: number, header: Buffer, body: Buffer): void {
    const size = header.length + body.length;
    const hs = frameHeaderSize(size, this.masked);
    if (!this.masked) {
      const byRef = body.length >= COPY_LIMIT;
      const copied = hs + header.length + (byRef ? 0 : body.length);
      if (this.slab.length - this.slabPos < copied) this.newSlab(copied);
      let pos = writeFrameHeader(this.slab, this.slabPos, opcode, size, false);
      if (header.length > 0) pos += header.copy(this.slab, pos);
      if (byRef) {
        this.slabPos = pos;
        this.seal();
        this.chunks.push(body);
      } else {
        if (body.length > 0) pos += body.copy(this.slab, pos);
        this.slabPos = pos;
      }
    } else {
      const copied = hs + size;
      let buf: Buffer;
      let start: number;
      if (copied > SLAB_SIZE) {
        // a large masked frame gets a buffer of its own
        this.seal();
        buf = Buffer.allocUnsafe(copied);
        start = 0;
      } else {
        if (this.slab.length - this.slabPos < copied) this.newSlab(copied);
        buf = this.slab;
        start = this.slabPos;
      }
      let pos = writeFrameHeader(buf, start, opcode, size, true);
      const payloadStart = pos;
      if (header.length > 0) pos += header.copy(buf, pos);
      if (body.length > 0) pos += body.copy(buf, pos);
      maskInPlace(buf, payloadStart, pos, buf, payloadStart - 4, 0);
      if (buf === this.slab) this.slabPos = pos;
      else this.chunks.push(buf);
    }
    this.queued += hs + size;
  }

  /** The chunks appended since the last take, in order; empties the writer. */
  take(): Buffer[] {
    this.seal();
    const chunks = this.chunks;
    this.chunks = [];
    this.queued = 0;
    return chunks;
  }

  private seal(): void {
    if (this.slabPos > this.slabStart) this.chunks.push(this.slab.subarray(this.slabStart, this.slabPos));
    this.slabStart = this.slabPos;
  }

  private newSlab(atLeast: number): void {
    this.seal();
    this.slab = Buffer.allocUnsafe(Math.max(SLAB_SIZE, atLeast));
    this.slabStart = 0;
    this.slabPos = 0;
  }
}
