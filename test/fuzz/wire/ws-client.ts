/**
 * The raw WebSocket peer's view of an attack: waiting for the other side's HTTP head, and
 * reading the frames nanosp sent after it.
 */
import { ok } from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import fc from 'fast-check';
import type { RawPeer } from '../../helpers/raw-peer.js';

/** A Sec-WebSocket-Key: 16 bytes in base64. */
export const wsKeyArb = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => Buffer.from(b).toString('base64'));

/** The port of a `ws://host:port/path` URL. */
export function portOf(url: string): string {
  return /:(\d+)\//.exec(url)?.[1] ?? '';
}

/** RFC 6455 §4.2.2's Sec-WebSocket-Accept for `key`, computed here rather than with nanosp's acceptKey. */
export function acceptFor(key: string): string {
  return createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
}

/** A field of an HTTP head, by name in any case; undefined when it is not there. */
export function field(head: string, name: string): string | undefined {
  const line = head.split('\r\n').find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  return line?.slice(line.indexOf(':') + 1).trim();
}

/** Resolves with everything received once it holds a whole HTTP head; fails if the connection closes first. */
export async function headReceived(peer: RawPeer): Promise<{ head: string; after: Buffer }> {
  let closed = false;
  void peer.closed.then(() => (closed = true));
  for (;;) {
    const at = peer.received.indexOf('\r\n\r\n');
    if (at >= 0) return { head: peer.received.toString('latin1', 0, at), after: peer.received.subarray(at + 4) };
    if (closed) throw new Error(`the connection closed before a whole head came: ${JSON.stringify(peer.received.toString('latin1'))}`);
    await Promise.race([once(peer.socket, 'data').catch(() => undefined), peer.closed]);
  }
}

export interface SentFrame {
  readonly op: number;
  readonly payload: Buffer;
}

/**
 * The frames nanosp sent in `bytes`, unmasked: FIN, no reserved bits, masked exactly when
 * nanosp is the client (`masked`); an incomplete last frame is a failure, as nanosp never
 * cuts one short.
 */
export function sentFrames(bytes: Buffer, masked: boolean): SentFrame[] {
  const frames: SentFrame[] = [];
  let at = 0;
  while (at < bytes.length) {
    ok(bytes.length - at >= 2, 'a cut frame header');
    const b0 = bytes[at] as number;
    const b1 = bytes[at + 1] as number;
    ok((b0 & 0xf0) === 0x80 && (b1 & 0x80) === (masked ? 0x80 : 0), `a frame must be FIN, without reserved bits, ${masked ? '' : 'un'}masked: ${b0.toString(16)} ${b1.toString(16)}`);
    let length = b1 & 0x7f;
    let start = at + 2;
    if (length === 126) {
      length = bytes.readUInt16BE(start);
      start += 2;
    } else if (length === 127) {
      length = Number(bytes.readBigUInt64BE(start));
      start += 8;
    }
    const key = masked ? bytes.subarray(start, start + 4) : undefined;
    if (key) start += 4;
    ok(start + length <= bytes.length, 'a cut frame');
    const payload = Buffer.from(bytes.subarray(start, start + length));
    if (key) for (let i = 0; i < payload.length; i++) payload[i] = (payload[i] as number) ^ (key[i % 4] as number);
    frames.push({ op: b0 & 0x0f, payload });
    at = start + length;
  }
  return frames;
}
