/**
 * The SP stream mapping shared by TCP, IPC and TLS (RFC sp-tcp-mapping-01, sp-ipc-mapping-01):
 * the 8-byte connection header, then each message as a 64-bit big-endian length and the
 * payload; IPC puts a message-type byte 0x01 before each length. No I/O here: the decoder
 * turns chunks into payloads, the writer turns messages into chunks for one gather write.
 */
import { constants as bufferConstants } from 'node:buffer';
import { spError, type SpError } from '../errors.js';
import { EMPTY } from '../message.js';

export const SP_HEADER_SIZE = 8;
/** The only IPC message type (in-band data). */
export const IPC_MSG_TYPE = 0x01;

/** `00 'S' 'P' 00 <protocol u16 BE> 00 00`. */
export function spHeader(protocolId: number): Buffer {
  const header = Buffer.alloc(SP_HEADER_SIZE);
  header[1] = 0x53;
  header[2] = 0x50;
  header.writeUInt16BE(protocolId, 4);
  return header;
}

/**
 * Check the peer's 8 bytes: magic, version 0, reserved bytes 0 (as NNG and mangos require),
 * and exactly the protocol id we may talk to. Returns what was wrong, or undefined.
 */
export function checkSpHeader(header: Buffer, expectedPeer: number, peerName: (id: number) => string): SpError | undefined {
  if (header[0] !== 0 || header[1] !== 0x53 || header[2] !== 0x50) {
    return spError('EPROTO', `the peer did not start with the SP header 00 53 50 00 (got ${header.subarray(0, 4).toString('hex')}); it is not an SP peer`);
  }
  if (header[3] !== 0) return spError('EPROTO', `the peer speaks SP header version ${header[3]}, nanosp speaks version 0`);
  if (header[6] !== 0 || header[7] !== 0) {
    return spError('EPROTO', `the peer's SP header has non-zero reserved bytes ${header.subarray(6, 8).toString('hex')}`);
  }
  const peer = header.readUInt16BE(4);
  if (peer !== expectedPeer) {
    return spError('EPROTO', `the peer is a ${peerName(peer)} socket (protocol 0x${peer.toString(16)}), which cannot talk to this one; it needs ${peerName(expectedPeer)} (0x${expectedPeer.toString(16)})`);
  }
  return undefined;
}

export interface FrameSink {
  /** One whole payload (protocol header and body together). */
  frame(payload: Buffer): void;
}

/** Where the decoder reads the live receive limit (the socket's options). */
export interface FrameLimits {
  readonly recvMaxSize: number;
}

/**
 * Turns a byte stream into payloads. Whole frames inside one chunk are handed on as
 * `subarray` views without copying; a frame split across chunks is gathered once. The size
 * limit is checked on the length field before anything is kept, and memory held for a partial
 * frame never exceeds what the peer actually sent.
 */
export class FrameDecoder {
  private readonly prefixSize: number;
  private readonly prefix: Buffer;
  private prefixFill = 0;
  /** Body bytes still missing from the frame in progress; 0 between frames. */
  private missing = 0;
  private frameSize = 0;
  private parts: Buffer[] = [];
  /** Set by the owner when the pipe closes inside `frame()`, to stop at once. */
  halted = false;

  constructor(
    private readonly ipc: boolean,
    private readonly sink: FrameSink,
    private readonly limits: FrameLimits,
  ) {
    this.prefixSize = ipc ? 9 : 8;
    this.prefix = Buffer.alloc(this.prefixSize);
  }

  /** True while a frame has started but not finished: an EOF now truncates it. */
  get partial(): boolean {
    return this.missing > 0 || this.prefixFill > 0;
  }

  /** Feed one chunk. Returns the error that must close the connection, or undefined. */
  push(chunk: Buffer): SpError | undefined {
    const end = chunk.length;
    let off = 0;
    while (off < end && !this.halted) {
      if (this.missing > 0) {
        const take = Math.min(this.missing, end - off);
        this.parts.push(take === end - off && off === 0 ? chunk : chunk.subarray(off, off + take));
        off += take;
        this.missing -= take;
        if (this.missing === 0) {
          const parts = this.parts;
          this.parts = [];
          this.sink.frame(parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, this.frameSize));
        }
        continue;
      }

      let size: number;
      const p = this.prefixSize;
      if (this.prefixFill === 0 && end - off >= p) {
        if (this.ipc && chunk[off] !== IPC_MSG_TYPE) return this.badType(chunk[off] as number);
        size = lengthAt(chunk, off + p - 8);
        off += p;
      } else {
        const take = Math.min(p - this.prefixFill, end - off);
        chunk.copy(this.prefix, this.prefixFill, off, off + take);
        this.prefixFill += take;
        off += take;
        if (this.prefixFill < p) return undefined;
        this.prefixFill = 0;
        if (this.ipc && this.prefix[0] !== IPC_MSG_TYPE) return this.badType(this.prefix[0] as number);
        size = lengthAt(this.prefix, p - 8);
      }

      const max = this.limits.recvMaxSize;
      if (max >= 0 && size > max) {
        return spError('EMSGSIZE', `the peer sent a ${size}-byte message, over recvMaxSize ${max}; the connection is dropped as nanomsg does`);
      }
      if (size > bufferConstants.MAX_LENGTH) {
        return spError('EMSGSIZE', `the peer announced a ${size}-byte message, larger than Node can hold in one Buffer`);
      }
      if (size === 0) {
        this.sink.frame(EMPTY);
      } else if (end - off >= size) {
        this.sink.frame(chunk.subarray(off, off + size));
        off += size;
      } else {
        this.frameSize = size;
        this.missing = size;
      }
    }
    return undefined;
  }

  private badType(type: number): SpError {
    return spError('EPROTO', `the IPC peer sent message type 0x${type.toString(16).padStart(2, '0')}; only 0x01 exists`);
  }
}

/** The 64-bit big-endian length at `at`, read byte by byte (cheaper than two readUInt32BE calls). */
function lengthAt(b: Buffer, at: number): number {
  const hi = (((b[at] as number) << 24) | ((b[at + 1] as number) << 16) | ((b[at + 2] as number) << 8) | (b[at + 3] as number)) >>> 0;
  const lo = (((b[at + 4] as number) << 24) | ((b[at + 5] as number) << 16) | ((b[at + 6] as number) << 8) | (b[at + 7] as number)) >>> 0;
  return hi === 0 ? lo : hi * 0x1_0000_0000 + lo;
}

/** Bodies this large are written by reference instead of being copied into the batch. */
const COPY_LIMIT = 16 * 1024;
/** A batch this large is written at once instead of at the end of the tick. */
export const FLUSH_AT = 64 * 1024;
/**
 * Room for a full batch plus the largest message that is copied (body under COPY_LIMIT, a
 * header of up to 255 hops): a batch is flushed before its slab runs out, so a sender whose
 * writes go straight through keeps refilling one slab.
 */
const SLAB_SIZE = FLUSH_AT + COPY_LIMIT + 2048;

/**
 * Collects framed messages into as few chunks as possible: small messages (with their length
 * prefix) are copied into a shared slab, large bodies are kept by reference. `take()` hands the
 * chunks to one gather write. A slab region is never rewritten once taken, so chunks stay valid
 * while the kernel drains them.
 */
export class FrameWriter {
  private readonly prefixSize: number;
  private slab: Buffer = Buffer.allocUnsafe(SLAB_SIZE);
  private slabStart = 0;
  private slabPos = 0;
  private chunks: Buffer[] = [];
  /** Bytes appended and not yet taken. */
  queued = 0;

  constructor(private readonly ipc: boolean) {
    this.prefixSize = ipc ? 9 : 8;
  }

  append(header: Buffer, body: Buffer): void {
    const size = header.length + body.length;
    const byRef = body.length >= COPY_LIMIT;
    const copied = this.prefixSize + header.length + (byRef ? 0 : body.length);
    if (this.slab.length - this.slabPos < copied) this.newSlab(copied);
    const slab = this.slab;
    let pos = this.slabPos;
    if (this.ipc) slab[pos++] = IPC_MSG_TYPE;
    // the 64-bit length as two 32-bit halves, byte by byte: sizes stay below 2^53
    const hi = size > 0xffff_ffff ? Math.floor(size / 0x1_0000_0000) : 0;
    slab[pos] = hi >>> 24;
    slab[pos + 1] = hi >>> 16;
    slab[pos + 2] = hi >>> 8;
    slab[pos + 3] = hi;
    slab[pos + 4] = size >>> 24;
    slab[pos + 5] = size >>> 16;
    slab[pos + 6] = size >>> 8;
    slab[pos + 7] = size;
    pos += 8;
    if (header.length > 0) {
      slab.set(header, pos);
      pos += header.length;
    }
    if (byRef) {
      this.slabPos = pos;
      this.seal();
      this.chunks.push(body);
    } else {
      if (body.length > 0) slab.set(body, pos);
      this.slabPos = pos + body.length;
    }
    this.queued += this.prefixSize + size;
  }

  /** The chunks appended since the last take, in order; empties the writer. */
  take(): Buffer[] {
    this.seal();
    const chunks = this.chunks;
    this.chunks = [];
    this.queued = 0;
    return chunks;
  }

  /**
   * Everything taken so far has left (the kernel copied it, nothing waits in the stream):
   * write the next messages from the start of the current slab again instead of a new one.
   */
  rewind(): void {
    if (this.queued === 0) this.slabStart = this.slabPos = 0;
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
