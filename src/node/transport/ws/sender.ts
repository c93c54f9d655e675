/**
 * The sending half of WebSocket framing: messages in, chunks for one gather write out. No I/O.
 */
import { randomFillSync } from 'node:crypto';
import { COPY_LIMIT, WriteBatch } from '../write-batch.js';
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
 * Frames messages into a WriteBatch: headers and small payloads are copied into the slab;
 * large unmasked payloads are kept by reference; masked payloads are copied (masking must not
 * touch the caller's buffer) and masked in place. Every message leaves as one FIN frame, as
 * nanomsg sends.
 */
export class WsFrameWriter {
  readonly batch = new WriteBatch();

  /** `masked`: this side is the client. */
  constructor(private readonly masked: boolean) {}

  /** Bytes appended and not yet taken. */
  get queued(): number {
    return this.batch.queued;
  }

  /** One message (`header` then `body`) as one frame of `opcode`. */
  append(opcode: number, header: Buffer, body: Buffer): void {
    const size = header.length + body.length;
    const hs = frameHeaderSize(size, this.masked);
    const batch = this.batch;
    if (!this.masked) {
      const byRef = body.length >= COPY_LIMIT;
      const slab = batch.reserve(hs + header.length + (byRef ? 0 : body.length));
      batch.putPayload(writeFrameHeader(slab, batch.pos, opcode, size, false), header, body);
    } else if (hs + size > COPY_LIMIT + 2048) {
      // a large masked frame gets a buffer of its own
      const buf = Buffer.allocUnsafe(hs + size);
      this.maskedFrame(buf, 0, opcode, header, body);
      batch.addRef(buf);
    } else {
      const slab = batch.reserve(hs + size);
      batch.pos = this.maskedFrame(slab, batch.pos, opcode, header, body);
    }
    batch.queued += hs + size;
  }

  /** A masked frame at `buf[start]`; returns its end. */
  private maskedFrame(buf: Buffer, start: number, opcode: number, header: Buffer, body: Buffer): number {
    let pos = writeFrameHeader(buf, start, opcode, header.length + body.length, true);
    const payloadStart = pos;
    if (header.length > 0) {
      buf.set(header, pos);
      pos += header.length;
    }
    if (body.length > 0) {
      buf.set(body, pos);
      pos += body.length;
    }
    maskInPlace(buf, payloadStart, pos, buf, payloadStart - 4, 0);
    return pos;
  }

  /** The chunks appended since the last take, in order; empties the writer. */
  take(): Buffer[] {
    return this.batch.take();
  }
}
