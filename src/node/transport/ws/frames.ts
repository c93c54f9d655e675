/**
 * RFC 6455 framing basics shared by the receiver and the sender (spec/wire.md §1.5 "Messages
 * and frames"): opcodes, close codes, masking. One SP message is one WebSocket message,
 * header and body together, no length prefix. Receiving (receiver.ts) and sending
 * (sender.ts) are kept apart, as the `ws` library keeps its Receiver and Sender.
 */
import { EMPTY } from '../../bytes.js';

export const OP_CONTINUATION = 0x0;
export const OP_TEXT = 0x1;
export const OP_BINARY = 0x2;
export const OP_CLOSE = 0x8;
export const OP_PING = 0x9;
export const OP_PONG = 0xa;

export const CLOSE_NORMAL = 1000;
export const CLOSE_PROTOCOL_ERROR = 1002;
export const CLOSE_INVALID_DATA = 1007;
export const CLOSE_TOO_BIG = 1009;

/** Control frames carry at most this much (RFC 6455 §5.5). */
export const MAX_CONTROL_PAYLOAD = 125;

const wordBytes = new Uint8Array(4);
const word = new Uint32Array(wordBytes.buffer);

/**
 * XOR `buf[start, end)` in place with the 4-byte key at `key[keyOff]`, starting at key byte
 * `phase` (the payload offset mod 4 where `start` lies). Long runs go a 32-bit word at a time.
 */
export function maskInPlace(buf: Uint8Array, start: number, end: number, key: Uint8Array, keyOff: number, phase: number): void {
  let i = start;
  let p = phase & 3;
  if (end - i >= 64) {
    while (((buf.byteOffset + i) & 3) !== 0) {
      buf[i] = (buf[i] as number) ^ (key[keyOff + p] as number);
      i++;
      p = (p + 1) & 3;
    }
    // the key rotated to the current phase, as one word in the platform's byte order
    wordBytes[0] = key[keyOff + p] as number;
    wordBytes[1] = key[keyOff + ((p + 1) & 3)] as number;
    wordBytes[2] = key[keyOff + ((p + 2) & 3)] as number;
    wordBytes[3] = key[keyOff + ((p + 3) & 3)] as number;
    const w = word[0] as number;
    const count = (end - i) >>> 2;
    const words = new Uint32Array(buf.buffer, buf.byteOffset + i, count);
    for (let j = 0; j < count; j++) words[j] = (words[j] as number) ^ w;
    i += count << 2;
  }
  for (; i < end; i++) {
    buf[i] = (buf[i] as number) ^ (key[keyOff + p] as number);
    p = (p + 1) & 3;
  }
}

/** A Close frame's payload: the 2-byte status code (and no reason). */
export function closePayload(code: number | undefined): Buffer {
  if (code === undefined) return EMPTY;
  const b = Buffer.allocUnsafe(2);
  b.writeUInt16BE(code, 0);
  return b;
}
