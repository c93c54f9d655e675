/**
 * Bytes in the runtime-neutral core: `Uint8Array` and `DataView` only. What the core hands a
 * user (received bodies, raw headers) is typed `Bytes`: a platform layer may make it a
 * subclass of Uint8Array (Node makes it `Buffer`, by augmenting `PlatformTypes` and installing
 * its allocator), so that Node users keep getting Buffers without a copy or a wrap.
 */

/**
 * Augmented by a platform layer (`interface PlatformTypes { bytes: Buffer; tls: … }`), so that
 * its users see its own types; the core alone sees the neutral ones below.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface PlatformTypes {}

/** The byte type results come in: Uint8Array, or the platform's subclass of it. */
export type Bytes = PlatformTypes extends { bytes: infer B extends Uint8Array } ? B : Uint8Array;

/** TLS settings, passed through to the platform's TLS (Node's `tls` options there). */
export type TlsOptions = PlatformTypes extends { tls: infer T } ? T : Record<string, unknown>;

/** A web server a `ws://` or `wss://` listener may share (Node's `http.Server` / `https.Server`). */
export type HttpServerLike = PlatformTypes extends { httpServer: infer H } ? H : object;

/** How a platform makes bytes: its allocator and its string encoder. */
export interface BytesPlatform {
  /** `n` bytes of undefined content. */
  alloc(n: number): Uint8Array;
  /** UTF-8 bytes of a string. */
  fromString(text: string): Uint8Array;
  /** The same memory as `bytes`, as the platform's byte type (no copy). */
  view(bytes: Uint8Array): Uint8Array;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

let platform: BytesPlatform = {
  alloc: (n) => new Uint8Array(n),
  fromString: (text) => encoder.encode(text),
  view: (bytes) => bytes,
};

/** A platform layer installs its byte type once, before any socket is made. */
export function setBytesPlatform(next: BytesPlatform): void {
  platform = next;
  EMPTY_BYTES = platform.alloc(0) as Bytes;
}

/** A shared empty message part (never written to). */
export let EMPTY_BYTES: Bytes = platform.alloc(0) as Bytes;

export function allocBytes(n: number): Bytes {
  return platform.alloc(n) as Bytes;
}

export function stringBytes(text: string): Bytes {
  return platform.fromString(text) as Bytes;
}

/** `bytes` as the platform's byte type, sharing its memory. */
export function viewBytes(bytes: Uint8Array): Bytes {
  return platform.view(bytes) as Bytes;
}

/** A copy the caller owns. */
export function copyBytes(bytes: Uint8Array): Bytes {
  const copy = allocBytes(bytes.length);
  copy.set(bytes);
  return copy;
}

/** `a` then `b` in one new array. */
export function joinBytes(a: Uint8Array, b: Uint8Array): Bytes {
  const joined = allocBytes(a.length + b.length);
  joined.set(a, 0);
  joined.set(b, a.length);
  return joined;
}

/** UTF-8 length of a string, without encoding it where that can be avoided. */
export function utf8Length(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

export function utf8Text(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

/** Latin-1 text of bytes, for error messages about topics and headers. */
export function latin1Text(bytes: Uint8Array): string {
  let text = '';
  for (let i = 0; i < bytes.length; i++) text += String.fromCharCode(bytes[i] as number);
  return text;
}

export function readU32(bytes: Uint8Array, offset: number): number {
  return (((bytes[offset] as number) << 24) | ((bytes[offset + 1] as number) << 16) | ((bytes[offset + 2] as number) << 8) | (bytes[offset + 3] as number)) >>> 0;
}

/** A new 4-byte big-endian word: SP's request and survey ids, pipe ids, PAIR v1 hop counts. */
export function u32Bytes(value: number): Bytes {
  const word = allocBytes(4);
  writeU32(word, 0, value);
  return word;
}

export function writeU32(bytes: Uint8Array, offset: number, value: number): void {
  bytes[offset] = value >>> 24;
  bytes[offset + 1] = (value >>> 16) & 0xff;
  bytes[offset + 2] = (value >>> 8) & 0xff;
  bytes[offset + 3] = value & 0xff;
}
