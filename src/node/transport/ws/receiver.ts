/**
 * The receiving half of WebSocket framing: bytes in, messages and control events out. No I/O.
 */
import { constants as bufferConstants, isUtf8 } from 'node:buffer';
import { spError, type SpError } from '../../../sp/errors.js';
import { EMPTY } from '../../bytes.js';
import { allocFrameBody, IN_PLACE_MIN, UPFRONT_MAX } from '../stream-codec.js';
import {
  CLOSE_INVALID_DATA,
  CLOSE_PROTOCOL_ERROR,
  CLOSE_TOO_BIG,
  maskInPlace,
  MAX_CONTROL_PAYLOAD,
  OP_BINARY,
  OP_CLOSE,
  OP_CONTINUATION,
  OP_PING,
  OP_PONG,
  OP_TEXT,
} from './frames.js';

/** What the decoder reports to: the pipe. */
export interface WsReceiver {
  /** One whole data message; `text` when it came as a text message. */
  wsMessage(payload: Buffer, text: boolean): void;
  wsPing(payload: Buffer): void;
  /** The peer sent Close (code undefined when it sent none); the decoder has stopped. */
  wsClose(code: number | undefined, reason: string): void;
}

/** A violation that fails the connection: the Close code to send and the error to report. */
export interface WsFailure {
  readonly closeCode: number;
  readonly error: SpError;
}

/** Where the decoder reads the live receive limit (the socket's options). */
export interface WsLimits {
  readonly recvMaxSize: number;
}

function failure(closeCode: number, detail: string): WsFailure {
  return { closeCode, error: spError(closeCode === CLOSE_TOO_BIG ? 'EMSGSIZE' : 'EPROTO', `${detail} (WebSocket close ${closeCode})`) };
}

/** Bytes in a frame header whose second byte is `b1`. */
function headerSize(b1: number): number {
  const len = b1 & 0x7f;
  return 2 + (len === 126 ? 2 : len === 127 ? 8 : 0) + (b1 & 0x80 ? 4 : 0);
}

/**
 * Turns a byte stream into messages. A message that sits whole in one chunk as one frame is
 * handed on as a `subarray` view, never copied; masked payloads are unmasked in place (the
 * chunks are the decoder's to change). A large single-frame message that spans chunks gets its
 * own allocation once its length has passed the limit check, filled as it arrives or read
 * straight into it (readTarget/filledInPlace), as the SP stream decoder does. Fragmented
 * messages are gathered and joined once. Each frame's announced length is checked against the
 * limit before anything is kept.
 */
export class WsDecoder {
  private readonly hdr = Buffer.alloc(14);
  private hdrFill = 0;
  private readonly maskKey = Buffer.alloc(4);
  /** Reading a frame's payload: bytes still missing. */
  private inPayload = false;
  private remaining = 0;
  private phase = 0;
  private frameOp = 0;
  private frameFin = false;
  private frameMasked = false;
  private controlParts: Buffer[] = [];
  /** The data message in progress: its opcode (0: none), parts and announced size. */
  private msgOp = 0;
  private msgParts: Buffer[] = [];
  private msgSize = 0;
  /** The payload of a large single-frame message, allocated whole, and how much is in. */
  private body: Buffer | undefined;
  private bodyFill = 0;
  /** Set when the connection is failing or closed, to stop at once. */
  halted = false;

  constructor(
    /** A server expects masked frames, a client unmasked ones. */
    private readonly expectMasked: boolean,
    private readonly receiver: WsReceiver,
    private readonly limits: WsLimits,
  ) {}

  /** True while a frame or a fragmented message has started and not finished. */
  get partial(): boolean {
    return this.hdrFill > 0 || this.inPayload || this.msgOp !== 0;
  }

  /**
   * Where the next read should go: the rest of a large message's payload when that is large,
   * so the kernel writes it into the message's own allocation; undefined for the shared buffer.
   */
  readTarget(): Buffer | undefined {
    if (this.halted || this.body === undefined || this.remaining < IN_PLACE_MIN) return undefined;
    return this.body.subarray(this.bodyFill);
  }

  /** `n` bytes were read into readTarget()'s buffer. Returns the failure that must close the connection. */
  filledInPlace(n: number): WsFailure | undefined {
    const err = this.bodyFilled(n);
    return err ? this.fail(err) : undefined;
  }

  /** `n` more bytes of `body` are in (unmasked here); delivers the message once it is whole. */
  private bodyFilled(n: number): WsFailure | undefined {
    const body = this.body as Buffer;
    if (this.frameMasked) {
      maskInPlace(body, this.bodyFill, this.bodyFill + n, this.maskKey, 0, this.phase);
      this.phase = (this.phase + n) & 3;
    }
    this.bodyFill += n;
    this.remaining -= n;
    if (this.remaining > 0) return undefined;
    this.body = undefined;
    this.inPayload = false;
    const op = this.msgOp;
    this.msgOp = 0;
    this.msgSize = 0;
    return this.deliver(body, op);
  }

  /** Feed one chunk (it may be changed in place). Returns the failure that must close the connection. */
  push(chunk: Buffer): WsFailure | undefined {
    const end = chunk.length;
    let off = 0;
    while (off < end && !this.halted) {
      if (this.body !== undefined) {
        const take = Math.min(this.remaining, end - off);
        chunk.copy(this.body, this.bodyFill, off, off + take);
        off += take;
        const err = this.bodyFilled(take);
        if (err) return this.fail(err);
        continue;
      }
      if (this.inPayload) {
        const take = Math.min(this.remaining, end - off);
        const part = off === 0 && take === end ? chunk : chunk.subarray(off, off + take);
        if (this.frameMasked) {
          maskInPlace(part, 0, take, this.maskKey, 0, this.phase);
          this.phase = (this.phase + take) & 3;
        }
        if (this.frameOp >= 8) this.controlParts.push(part);
        else this.msgParts.push(part);
        off += take;
        this.remaining -= take;
        if (this.remaining === 0) {
          this.inPayload = false;
          const err = this.frameDone();
          if (err) return this.fail(err);
        }
        continue;
      }

      let hb: Buffer;
      let hp: number;
      if (this.hdrFill === 0 && end - off >= 2 && end - off >= headerSize(chunk[off + 1] as number)) {
        hb = chunk;
        hp = off;
        off += headerSize(chunk[off + 1] as number);
      } else {
        for (;;) {
          const need = this.hdrFill < 2 ? 2 : headerSize(this.hdr[1] as number);
          if (this.hdrFill >= need) break;
          if (off >= end) return undefined;
          const take = Math.min(need - this.hdrFill, end - off);
          chunk.copy(this.hdr, this.hdrFill, off, off + take);
          this.hdrFill += take;
          off += take;
        }
        this.hdrFill = 0;
        hb = this.hdr;
        hp = 0;
      }
      const bad = this.beginFrame(hb, hp);
      if (bad) return this.fail(bad);

      const len = this.remaining;
      if (len === 0) {
        const err = this.frameDone();
        if (err) return this.fail(err);
      } else if (this.frameFin && this.frameOp !== OP_CONTINUATION && this.frameOp < 8 && end - off >= len) {
        // the common case: a whole message in one frame inside this chunk, handed on as a view
        const payload = chunk.subarray(off, off + len);
        if (this.frameMasked) maskInPlace(payload, 0, len, this.maskKey, 0, 0);
        off += len;
        this.remaining = 0;
        const op = this.msgOp;
        this.msgOp = 0;
        this.msgSize = 0;
        const err = this.deliver(payload, op);
        if (err) return this.fail(err);
      } else {
        this.inPayload = true;
        if (this.frameFin && this.frameOp !== OP_CONTINUATION && this.frameOp < 8 && len >= IN_PLACE_MIN && len <= UPFRONT_MAX) {
          this.body = allocFrameBody(len);
          this.bodyFill = 0;
          if (this.body === undefined) {
            return this.fail({ closeCode: CLOSE_TOO_BIG, error: spError('ENOMEM', `cannot allocate the ${len}-byte message the peer announced (WebSocket close ${CLOSE_TOO_BIG})`) });
          }
        }
      }
    }
    return undefined;
  }

  private fail(err: WsFailure): WsFailure {
    this.halted = true;
    return err;
  }

  /** Check a frame header at `b[p]` and set up for its payload. */
  private beginFrame(b: Buffer, p: number): WsFailure | undefined {
    const b0 = b[p] as number;
    const b1 = b[p + 1] as number;
    if ((b0 & 0x70) !== 0) return failure(CLOSE_PROTOCOL_ERROR, `the peer set reserved bits 0x${(b0 & 0x70).toString(16)} in a frame; no extension was agreed`);
    const op = b0 & 0x0f;
    const fin = (b0 & 0x80) !== 0;
    const masked = (b1 & 0x80) !== 0;
    if (masked !== this.expectMasked) {
      return failure(
        CLOSE_PROTOCOL_ERROR,
        this.expectMasked ? 'the client sent an unmasked frame; clients must mask every frame' : 'the server sent a masked frame; servers must not mask',
      );
    }
    let len = b1 & 0x7f;
    let q = p + 2;
    if (len === 126) {
      len = b.readUInt16BE(q);
      q += 2;
    } else if (len === 127) {
      const hi = b.readUInt32BE(q);
      if (hi >= 0x8000_0000) return failure(CLOSE_PROTOCOL_ERROR, 'the peer sent a 64-bit frame length with the top bit set');
      len = hi * 0x1_0000_0000 + b.readUInt32BE(q + 4);
      q += 8;
    }
    if (masked) b.copy(this.maskKey, 0, q, q + 4);

    if (op >= 8) {
      if (op !== OP_CLOSE && op !== OP_PING && op !== OP_PONG) return failure(CLOSE_PROTOCOL_ERROR, `the peer sent a frame with the unknown control opcode 0x${op.toString(16)}`);
      if (!fin) return failure(CLOSE_PROTOCOL_ERROR, 'the peer fragmented a control frame');
      if (len > MAX_CONTROL_PAYLOAD) return failure(CLOSE_PROTOCOL_ERROR, `the peer sent a ${len}-byte control frame; at most ${MAX_CONTROL_PAYLOAD} are allowed`);
    } else {
      if (op === OP_CONTINUATION) {
        if (this.msgOp === 0) return failure(CLOSE_PROTOCOL_ERROR, 'the peer sent a continuation frame with no message to continue');
      } else if (op === OP_TEXT || op === OP_BINARY) {
        if (this.msgOp !== 0) return failure(CLOSE_PROTOCOL_ERROR, 'the peer started a new message before finishing the fragmented one');
      } else {
        return failure(CLOSE_PROTOCOL_ERROR, `the peer sent a frame with the unknown data opcode 0x${op.toString(16)}`);
      }
      const total = this.msgSize + len;
      const max = this.limits.recvMaxSize;
      if (max >= 0 && total > max) {
        return failure(CLOSE_TOO_BIG, `the peer sent a message of at least ${total} bytes, over recvMaxSize ${max}; the connection is dropped as nanomsg does`);
      }
      if (total > bufferConstants.MAX_LENGTH) {
        return failure(CLOSE_TOO_BIG, `the peer sent a message of at least ${total} bytes, more than Node can hold in one Buffer`);
      }
      this.msgSize = total;
      if (op !== OP_CONTINUATION) this.msgOp = op;
    }
    this.frameOp = op;
    this.frameFin = fin;
    this.frameMasked = masked;
    this.phase = 0;
    this.remaining = len;
    return undefined;
  }

  /** A frame's payload is complete. */
  private frameDone(): WsFailure | undefined {
    const op = this.frameOp;
    if (op >= 8) {
      const parts = this.controlParts;
      this.controlParts = [];
      const payload = parts.length === 0 ? EMPTY : parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
      if (op === OP_PING) this.receiver.wsPing(payload);
      else if (op === OP_CLOSE) {
        if (payload.length === 1) return failure(CLOSE_PROTOCOL_ERROR, 'the peer sent a Close frame with a 1-byte payload');
        this.halted = true;
        this.receiver.wsClose(payload.length >= 2 ? payload.readUInt16BE(0) : undefined, payload.toString('utf8', 2));
      }
      // a PONG answers nothing nanosp asked: ignored (nanosp never sends PING)
      return undefined;
    }
    if (!this.frameFin) return undefined;
    const parts = this.msgParts;
    this.msgParts = [];
    const size = this.msgSize;
    const msgOp = this.msgOp;
    this.msgOp = 0;
    this.msgSize = 0;
    const payload = parts.length === 0 ? EMPTY : parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, size);
    return this.deliver(payload, msgOp);
  }

  private deliver(payload: Buffer, op: number): WsFailure | undefined {
    const text = op === OP_TEXT;
    // nanomsg validates text messages and fails the connection with 1007 (tests/ws.c test_text)
    if (text && !isUtf8(payload)) return failure(CLOSE_INVALID_DATA, 'the peer sent a text message that is not valid UTF-8');
    this.receiver.wsMessage(payload, text);
    return undefined;
  }
}