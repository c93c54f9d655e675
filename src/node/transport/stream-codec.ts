/**
 * The SP stream mapping shared by TCP, IPC and TLS (RFC sp-tcp-mapping-01, sp-ipc-mapping-01):
 * the 8-byte connection header, then each message as a 64-bit big-endian length and the
 * payload; IPC puts a message-type byte 0x01 before each length. No I/O here: the decoder
 * turns chunks into payloads, the writer turns messages into chunks for one gather write.
 */
import { constants as bufferConstants } from 'node:buffer';
import { spError, type SpError } from '../../sp/errors.js';
import { takeReceivedBody } from '../../sp/message.js';
import { EMPTY } from '../bytes.js';
import { tryAllocBody } from '../malloc-thresholds.js';
import { COPY_LIMIT, WriteBatch } from './write-batch.js';

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
 * Frames at most this large get their own allocation as soon as their length is known (after
 * the recvMaxSize check), and the rest of the body is read or copied straight into it. A larger
 * frame (possible only with recvMaxSize -1) is gathered from what arrives instead, so a peer
 * that announces gigabytes and stalls holds only what it sent.
 */
export const UPFRONT_MAX = 64 * 1024 * 1024;
/**
 * A body still missing at least this much is worth a read of its own into its allocation;
 * smaller remainders come with the next read, into the shared buffer or at the head of a run's
 * buffer (see PREDICT_RUN), and are copied in (no tiny system calls).
 */
export const IN_PLACE_MIN = 16 * 1024;
/**
 * After two frames in a row of the same size, at least this large, the next read goes into a
 * buffer sized for more such frames, prefixes included (one at first, see PREDICT_RUN): when the peer
 * sends that size again (a stream of equal large messages) the body is a view of that buffer
 * and nothing is copied, where a read into the shared buffer took most of the frame there and
 * copied it out (a 64 KiB memcpy for every 64 KiB message, most of a receiver's CPU). Smaller
 * frames several to a read stay views of the shared buffer, which costs fewer system calls.
 */
export const PREDICT_MIN = 32 * 1024;
/**
 * ...and at most this large. Node asks for the next read's buffer as soon as a read ends, so a
 * pipe that goes idle holds that buffer, besides its slab, until its peer sends again: one
 * frame of at most this much (PREDICT_RUN while a run is read several frames at a time), and
 * only after a run of equal frames (not after one large message). Above it the one read into
 * the shared buffer is a small part of the frame anyway.
 */
export const PREDICT_MAX = 128 * 1024;
/**
 * A run of equal frames is read up to this many bytes at a time (whole frames, at least one,
 * after the small rest of a frame in progress if any) while reads fill what they are given: a
 * full read says the sender is probably ahead, so each one doubles the frames the next may take;
 * a read of one frame or less, or a frame of another size, brings it back to one. One read then takes several frames, each a
 * view of the buffer: fewer system calls, read callbacks and allocations per message (a 64 KiB
 * receiver fed by libnanomsg: 25–34 µs of CPU per message → 21–23). A view keeps the whole
 * buffer alive, so a receiver that keeps one message of each run holds up to this much for it.
 */
export const PREDICT_RUN = 256 * 1024;

/**
 * A frame's own allocation, once its length has passed the limit check: send's pool for a
 * large frame (recvInto gives it back once copied out), else new memory; undefined when none
 * can be had. The stream and WebSocket decoders share it.
 */
export function allocFrameBody(n: number): Buffer | undefined {
  return takeReceivedBody(n) ?? tryAllocBody(n);
}

/**
 * Turns a byte stream into payloads. Whole frames inside one chunk are handed on as
 * `subarray` views without copying. A frame split across chunks gets its own allocation once
 * its length has passed the limit check (from send's pool when it is 16 KiB or more, where
 * recvInto gives it back once copied out), and its body is copied in as it arrives, or read
 * straight into it (readTarget/filledInPlace) by a reader that can choose where the kernel
 * writes. A stall holds at most one frame's memory, or during a run of equal frames one
 * run's buffer (at most PREDICT_RUN and a small rest).
 */
export class FrameDecoder {
  private readonly prefixSize: number;
  private readonly prefix: Buffer;
  private prefixFill = 0;
  /** Body bytes still missing from the frame in progress; 0 between frames. */
  private missing = 0;
  private frameSize = 0;
  /** The frame in progress, allocated whole (frames up to UPFRONT_MAX), and how much is in. */
  private body: Buffer | undefined;
  private bodyFill = 0;
  /** The frame in progress as it arrived (frames over UPFRONT_MAX). */
  private parts: Buffer[] = [];
  /** The size of the last frame begun. */
  private lastSize = -1;
  /** The size of the last two frames when they were equal and PREDICT_MIN..PREDICT_MAX, else 0. */
  private repeatLarge = 0;
  /** The buffer handed out for a read during a run of equal frames (see PREDICT_MIN), until it is filled. */
  private predicted: Buffer | undefined;
  /** How many of `predicted`'s first bytes finish the frame in progress. */
  private lead = 0;
  /** How many frames the next run buffer has room for: more while reads fill them (see PREDICT_RUN). */
  private runFrames = 1;
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

  /**
   * Where the next read should go: the rest of the frame in progress when that is large, so
   * the kernel writes the body into its own allocation; during a run of equal large frames, a
   * buffer for the small rest of the frame in progress (if any) and the frames after it; else
   * undefined for the shared buffer.
   */
  readTarget(): Buffer | undefined {
    // (a buffer handed out earlier and not filled is not coming back)
    this.predicted = undefined;
    if (this.halted) return undefined;
    if (this.missing >= IN_PLACE_MIN && this.body !== undefined) return this.body.subarray(this.bodyFill);
    if (this.repeatLarge === 0 || this.prefixFill > 0 || (this.missing > 0 && this.body === undefined)) return undefined;
    // (the size passed the limit check for the last frame; the limit may have been lowered since)
    const max = this.limits.recvMaxSize;
    if (max >= 0 && this.repeatLarge > max) return undefined;
    // (none to be had: this read goes to the slab, as any other)
    this.predicted = tryAllocBody(this.missing + (this.prefixSize + this.repeatLarge) * this.runFrames);
    this.lead = this.missing;
    return this.predicted;
  }

  /**
   * `n` bytes were read into readTarget()'s buffer. Returns the error that must close the
   * connection (a read into a run's buffer is parsed like any chunk), or undefined.
   */
  filledInPlace(n: number): SpError | undefined {
    const predicted = this.predicted;
    if (predicted !== undefined) {
      this.predicted = undefined;
      return this.pushRun(predicted, n);
    }
    this.bodyIn(n);
    return undefined;
  }

  /** `n` more bytes of the frame's own allocation are in; hands the frame on once it is whole. */
  private bodyIn(n: number): void {
    this.bodyFill += n;
    this.missing -= n;
    if (this.missing === 0) this.finishBody();
  }

  /**
   * The first `n` bytes of `buffer` were read during a run of equal frames of repeatLarge
   * bytes: first the `lead` bytes the frame in progress still missed (copied into it: under
   * IN_PLACE_MIN), then whole frames of that size, each kept as a view of the buffer, and
   * perhaps the start of one more, whose body is then read on into the same buffer. Anything
   * else is an ordinary chunk (copied out when short, so that a few small messages do not each
   * keep a buffer of PREDICT_MIN or more alive), as is a frame over a recvMaxSize lowered while
   * the buffer waited, which push() then refuses.
   */
  private pushRun(buffer: Buffer, n: number): SpError | undefined {
    let off = Math.min(this.lead, n);
    if (off > 0) {
      // (readTarget hands out a lead only for a frame that has its own allocation)
      (this.body as Buffer).set(buffer.subarray(0, off), this.bodyFill);
      this.bodyIn(off);
      if (off === n || this.halted) return undefined;
    }
    const p = this.prefixSize;
    const size = this.repeatLarge;
    const frame = p + size;
    // a read that took all it was given: the sender is probably ahead, so offer room for more
    if (n === buffer.length) this.runFrames = Math.min(this.runFrames * 2, Math.max(1, Math.floor(PREDICT_RUN / frame)));
    else if (n - off <= frame) this.runFrames = 1;
    while (n - off >= frame && !this.halted) {
      // (a frame over a recvMaxSize lowered since the run began is push()'s to refuse)
      const max = this.limits.recvMaxSize;
      if (!this.startsFrame(buffer, off, size) || (max >= 0 && size > max)) return this.pushRest(buffer, off, n);
      this.sink.frame(buffer.subarray(off + p, off + frame));
      off += frame;
    }
    if (off === n || this.halted) return undefined;
    const max = this.limits.recvMaxSize;
    if (n - off < p || !this.startsFrame(buffer, off, size) || (max >= 0 && size > max)) return this.pushRest(buffer, off, n);
    this.body = buffer.subarray(off + p, off + frame);
    this.bodyFill = 0;
    this.missing = size;
    this.bodyIn(n - off - p);
    return undefined;
  }

  /** Whether a frame of `size` bytes starts at `off` of `buffer` (its prefix is there). */
  private startsFrame(buffer: Buffer, off: number, size: number): boolean {
    return (!this.ipc || buffer[off] === IPC_MSG_TYPE) && lengthAt(buffer, off + this.prefixSize - 8) === size;
  }

  /**
   * What a run's buffer holds from `off` that is not the run, parsed as a chunk: copied out
   * when it is a small part of the buffer, so that what it holds (small messages, say) does
   * not keep the whole buffer alive.
   */
  private pushRest(buffer: Buffer, off: number, n: number): SpError | undefined {
    const rest = buffer.subarray(off, n);
    return this.push(rest.length < Math.max(PREDICT_MIN, buffer.length / 2) ? Buffer.from(rest) : rest);
  }

  /** Feed one chunk. Returns the error that must close the connection, or undefined. */
  push(chunk: Buffer): SpError | undefined {
    const end = chunk.length;
    let off = 0;
    while (off < end && !this.halted) {
      if (this.missing > 0) {
        const take = Math.min(this.missing, end - off);
        if (this.body !== undefined) {
          this.body.set(take === end ? chunk : chunk.subarray(off, off + take), this.bodyFill);
          off += take;
          this.bodyIn(take);
          continue;
        }
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

      if (size !== this.lastSize) this.runFrames = 1;
      this.repeatLarge = size === this.lastSize && size >= PREDICT_MIN && size <= PREDICT_MAX ? size : 0;
      this.lastSize = size;
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
        if (size <= UPFRONT_MAX) {
          this.body = allocFrameBody(size);
          if (this.body === undefined) return spError('ENOMEM', `cannot allocate the ${size}-byte message the peer announced; the connection is dropped`);
          this.bodyFill = 0;
        }
      }
    }
    return undefined;
  }

  private finishBody(): void {
    const body = this.body as Buffer;
    this.body = undefined;
    this.sink.frame(body);
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

/**
 * Frames messages into a WriteBatch: the length prefix (and IPC's type byte), the header, and
 * the body, which is copied when small and kept by reference when large.
 */
export class FrameWriter {
  private readonly prefixSize: number;
  readonly batch = new WriteBatch();

  constructor(private readonly ipc: boolean) {
    this.prefixSize = ipc ? 9 : 8;
  }

  /** Bytes appended and not yet taken. */
  get queued(): number {
    return this.batch.queued;
  }

  append(header: Buffer, body: Buffer): void {
    const size = header.length + body.length;
    const byRef = body.length >= COPY_LIMIT;
    const batch = this.batch;
    const slab = batch.reserve(this.prefixSize + header.length + (byRef ? 0 : body.length));
    let pos = batch.pos;
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
    batch.putPayload(pos + 8, header, body);
    batch.queued += this.prefixSize + size;
  }

  /** The chunks appended since the last take, in order; empties the writer. */
  take(): Buffer[] {
    return this.batch.take();
  }
}
