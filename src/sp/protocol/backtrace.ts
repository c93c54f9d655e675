/**
 * The REQ/REP and SURVEYOR/RESPONDENT header (RFC sp-request-reply-01 §3): 32-bit big-endian
 * words, hop ids with the top bit clear, ended by the request or survey id with the top bit
 * set. Each device on the way pushes one word, so the word count is the hop count that
 * maxTtl limits.
 */
import { readU32, u32Bytes, type Bytes } from '../bytes.js';

export const ID_FLAG = 0x8000_0000;

/** backtraceLength: no word with the top bit set before the payload ran out. */
export const GARBAGE = -1;
/** backtraceLength: more words than maxTtl allows. */
export const TOO_MANY_HOPS = -2;

/**
 * The length in bytes of the backtrace at the front of `payload` (hop words and the id), or
 * GARBAGE or TOO_MANY_HOPS. A direct request has one word; each device adds one (nanomsg tests/reqttl.c:
 * with maxTtl 1 a request through one device is dropped).
 */
export function backtraceLength(payload: Uint8Array, maxTtl: number): number {
  for (let offset = 0, hops = 1; offset + 4 <= payload.length; offset += 4, hops++) {
    if (hops > maxTtl) return TOO_MANY_HOPS;
    if ((payload[offset] as number) & 0x80) return offset + 4;
  }
  return GARBAGE;
}

/** Ids for requests and surveys: a random start, incremented, top bit set on the wire. */
export class IdSequence {
  private next = (Math.random() * 0x1_0000_0000) >>> 0;

  take(): number {
    this.next = (this.next + 1) >>> 0;
    return (this.next | ID_FLAG) >>> 0;
  }
}

/** The 4-byte header carrying `id`. */
export const idHeader: (id: number) => Bytes = u32Bytes;

/** The id in the first word of `payload`, or −1 when it is too short or not an id. */
export function leadingId(payload: Uint8Array): number {
  if (payload.length < 4 || !((payload[0] as number) & 0x80)) return -1;
  return readU32(payload, 0);
}
