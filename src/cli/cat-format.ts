/**
 * How `nanosp cat` prints a received message: nanocat's echo formats, byte for byte.
 * "Printable" is the C locale's isprint: 0x20 to 0x7e; every other byte (controls, DEL, and
 * all of 0x80 to 0xff, so UTF-8 text too) is a dot in ascii and a \xNN escape in quoted.
 *
 *   no       nothing
 *   raw      the bytes unchanged, nothing between messages
 *   ascii    printable bytes, '.' for the others, then '\n'
 *   quoted   '"', the bytes with \n \r \\ \" and \xNN escapes, '"\n'
 *   msgpack  a MessagePack bin header (c4 LEN8, c5 LEN16, c6 LEN32, big-endian), then the bytes
 *   hex      '"', \xNN for every byte (lower-case), '"\n'
 */
import type { EchoFormat } from './cat-options.js';

const NOTHING = Buffer.alloc(0);
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const NEWLINE = 0x0a;
const RETURN = 0x0d;
const DOT = 0x2e;

function printable(byte: number): boolean {
  return byte >= 0x20 && byte <= 0x7e;
}

const HEX_DIGITS = '0123456789abcdef';

/** Write `\xNN` for `byte` into `out` at `at`; returns the next position. */
function escapeHex(out: Buffer, at: number, byte: number): number {
  out[at] = BACKSLASH;
  out[at + 1] = 0x78; // x
  out[at + 2] = HEX_DIGITS.charCodeAt(byte >> 4);
  out[at + 3] = HEX_DIGITS.charCodeAt(byte & 15);
  return at + 4;
}

function ascii(body: Buffer): Buffer {
  const out = Buffer.allocUnsafe(body.length + 1);
  for (let i = 0; i < body.length; i++) {
    const byte = body[i] as number;
    out[i] = printable(byte) ? byte : DOT;
  }
  out[body.length] = NEWLINE;
  return out;
}

function quoted(body: Buffer): Buffer {
  const out = Buffer.allocUnsafe(body.length * 4 + 3);
  let at = 0;
  out[at++] = QUOTE;
  for (const byte of body) {
    if (byte === NEWLINE || byte === RETURN) {
      out[at++] = BACKSLASH;
      out[at++] = byte === NEWLINE ? 0x6e : 0x72; // n, r
    } else if (byte === BACKSLASH || byte === QUOTE) {
      out[at++] = BACKSLASH;
      out[at++] = byte;
    } else if (printable(byte)) {
      out[at++] = byte;
    } else {
      at = escapeHex(out, at, byte);
    }
  }
  out[at++] = QUOTE;
  out[at++] = NEWLINE;
  return out.subarray(0, at);
}

function hex(body: Buffer): Buffer {
  const out = Buffer.allocUnsafe(body.length * 4 + 3);
  let at = 0;
  out[at++] = QUOTE;
  for (const byte of body) at = escapeHex(out, at, byte);
  out[at++] = QUOTE;
  out[at++] = NEWLINE;
  return out;
}

function msgpack(body: Buffer): Buffer {
  const length = body.length;
  let header: Buffer;
  if (length < 0x100) {
    header = Buffer.from([0xc4, length]);
  } else if (length < 0x10000) {
    header = Buffer.from([0xc5, length >> 8, length & 0xff]);
  } else {
    header = Buffer.alloc(5);
    header[0] = 0xc6;
    header.writeUInt32BE(length, 1);
  }
  return Buffer.concat([header, body]);
}

/** The bytes nanocat prints for one received message `body` in `format`. */
export function formatMessage(format: EchoFormat, body: Buffer): Buffer {
  switch (format) {
    case 'no':
      return NOTHING;
    case 'raw':
      return body;
    case 'ascii':
      return ascii(body);
    case 'quoted':
      return quoted(body);
    case 'msgpack':
      return msgpack(body);
    case 'hex':
      return hex(body);
  }
}
