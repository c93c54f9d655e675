/**
 * Messages. Cooked sockets hand the user the body as a Buffer; raw sockets also carry the SP
 * protocol header (backtrace, request or survey id) separately, as nn_recvmsg's SP_HDR does.
 */
import { spError } from './errors.js';

export const EMPTY: Buffer = Buffer.alloc(0);

/** What `send` accepts: bytes, or a string sent as UTF-8. */
export type MessageData = string | Uint8Array;

export class Message {
  constructor(
    /** The user payload. */
    readonly body: Buffer,
    /** The SP protocol header: empty on PAIR, PUB/SUB, PUSH/PULL, BUS (on the wire). */
    readonly header: Buffer = EMPTY,
  ) {}
}

/** Bytes of a message, without copying when they already are bytes. */
export function toBuffer(data: MessageData, what = 'message'): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (data instanceof Uint8Array) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  throw spError('EINVAL', `${what} must be a string or a Uint8Array, got ${data === null ? 'null' : typeof data}`);
}

/**
 * Bodies this large are written to the wire by reference, after `send` has returned; `send`
 * therefore takes its own copy of them first, so the caller may reuse its buffer at once, as
 * nn_send allows. Smaller bodies are copied into the write batch anyway.
 */
export const LARGE_BODY = 16 * 1024;

/** The bytes of a message to send, copied when the transports would keep a reference. */
export function toOwnedBuffer(data: MessageData, what = 'message'): Buffer {
  const bytes = toBuffer(data, what);
  return bytes.length >= LARGE_BODY && typeof data !== 'string' ? Buffer.from(bytes) : bytes;
}
