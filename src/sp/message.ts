/**
 * Messages. Cooked sockets hand the user the body; raw sockets also carry the SP protocol
 * header (backtrace, request or survey id) separately, as nn_recvmsg's SP_HDR does. Every
 * received message also knows the pipe it came in on (NNG's nng_msg_get_pipe).
 */
import { EMPTY_BYTES, stringBytes, copyBytes, viewBytes, type Bytes } from './bytes.js';
import { giveBody, takeBody } from './body-pool.js';
import { spError } from './errors.js';

/** What `send` accepts: bytes, or a string sent as UTF-8. */
export type MessageData = string | Uint8Array;

export class Message {
  /** The user payload. */
  readonly body: Bytes;
  /** The id of the pipe a received message came in on; 0 for messages made locally. */
  readonly pipe: number;
  #header: Bytes | undefined;
  /** A received message's whole payload, whose first bytes are its header (cut when asked for). */
  #payload: Bytes | undefined;

  constructor(body: Bytes, header: Bytes = EMPTY_BYTES, pipe = 0) {
    this.body = body;
    this.#header = header;
    this.pipe = pipe;
  }

  /**
   * @internal A received payload: the first `headerLength` bytes are the SP header. Most
   * receives want only the body, so the header's view is made when it is first read.
   */
  static split(payload: Bytes, headerLength: number, pipe: number): Message {
    const message = new Message(payload.subarray(headerLength), undefined, pipe);
    message.#header = undefined;
    message.#payload = payload;
    return message;
  }

  /** The SP protocol header: empty on PAIR v0, PUB/SUB, PUSH/PULL, BUS (on the wire). */
  get header(): Bytes {
    if (this.#header === undefined) {
      const payload = this.#payload as Bytes;
      this.#header = payload.subarray(0, payload.length - this.body.length);
      this.#payload = undefined;
    }
    return this.#header;
  }
}

/** What `sendMessage` takes: a body, and where it applies an SP header and the pipe to send on. */
export interface MessageInit {
  readonly body: MessageData;
  /** Raw sockets: the SP header (backtrace, request id, hop count). */
  readonly header?: Uint8Array;
  /** Polyamorous PAIR v1: the id of the pipe to send on (a received message's `pipe`); 0 or none: the first. */
  readonly pipe?: number;
}

/** Bytes of a message, without copying when they already are bytes. */
export function toBytes(data: MessageData, what = 'message'): Bytes {
  if (typeof data === 'string') return stringBytes(data);
  if (data instanceof Uint8Array) return viewBytes(data);
  throw spError('EINVAL', `${what} must be a string or a Uint8Array, got ${data === null ? 'null' : typeof data}`);
}

/**
 * Bodies this large are written to the wire by reference, after `send` has returned; `send`
 * therefore takes its own copy of them first, so the caller may reuse its buffer at once, as
 * nn_send allows. Smaller bodies are copied into the write batch anyway.
 */
export const LARGE_BODY = 16 * 1024;

/**
 * Large bodies that nanosp made itself in `send` (its copy, or a string's encoding): nobody
 * else holds them, so the one inproc receiver of such a body may take it as it is instead of
 * copying it again. A body that is sent more than once (a REQ's resends, PUB/BUS/SURVEYOR
 * fan-out) is taken out of this set first.
 */
const unshared = new WeakSet<Uint8Array>();

/** The bytes of a message to send, copied when the transports would keep a reference. */
export function toOwnedBytes(data: MessageData, what = 'message'): Bytes {
  const bytes = toBytes(data, what);
  if (bytes.length < LARGE_BODY) return bytes;
  let owned = bytes;
  if (typeof data !== 'string') {
    const pooled = takeBody(bytes.length);
    if (pooled === undefined) owned = copyBytes(bytes);
    else {
      pooled.set(bytes);
      owned = pooled;
    }
  }
  unshared.add(owned);
  return owned;
}

/**
 * A transport has written `body` and no longer refers to it: if nanosp made it and nobody else
 * holds it (not shared, not taken by an inproc receiver), its memory serves the next send.
 */
export function releaseBody(body: Uint8Array): void {
  if (unshared.delete(body)) giveBody(body);
}

/**
 * The pool memory of bodies on their way to one receive call: an inproc receiver's body (the
 * sender's own pooled copy) and a body a transport read into pool memory of its own. A
 * message reaches one receive call only, so once recvInto has copied such a body out nothing
 * refers to it, and its memory serves the next send or read (as nn_recv into a buffer lets
 * nanomsg free its chunk). A body handed to the application (recv, tryRecv, recvMessage)
 * simply stays in this set until it is collected. Keyed by memory, not by view: the protocol
 * hands the user a view of the payload it got (a body that starts the memory, at offset 0,
 * when there is no SP header in front of it; any other view never goes back).
 */
const handedOver = new WeakSet<ArrayBufferLike>();

/**
 * True once for a body nobody else holds: the caller (an inproc receiver) may keep it without
 * a copy. Such a body may later be copied out by recvInto, which then gives its memory back.
 */
export function takeUnshared(body: Uint8Array): boolean {
  if (body.length < LARGE_BODY || !unshared.delete(body)) return false;
  handedOver.add(body.buffer);
  return true;
}

/**
 * Memory for a large body a transport receives (a frame read into its own allocation): from
 * send's pool, so that a receiver that takes messages with recvInto reads every one into the
 * same few warm buffers instead of fresh memory (page faults, and collections driven by
 * external memory). Undefined for a body under LARGE_BODY (the pool's smallest capacity would
 * waste most of it) or when none can be had; it may be larger than `n` underneath.
 */
export function takeReceivedBody(n: number): Bytes | undefined {
  if (n < LARGE_BODY) return undefined;
  let body: Bytes | undefined;
  try {
    body = takeBody(n);
  } catch {
    return undefined;
  }
  if (body !== undefined) handedOver.add(body.buffer);
  return body;
}

/**
 * nn_recv into the caller's buffer: copies at most `target.length` bytes of `body` and returns
 * the body's full length, which may be larger (truncation is silent, as in nanomsg). Called
 * only with a body just taken from the protocol, which nothing else holds.
 */
export function copyBodyOut(body: Uint8Array, target: Uint8Array): number {
  const n = body.length;
  target.set(n <= target.length ? body : body.subarray(0, target.length));
  // (giveBody takes back only a body that starts memory the pool made)
  if (n >= LARGE_BODY && handedOver.delete(body.buffer)) giveBody(body);
  return n;
}

/** `body` goes to more than one receiver, or again later: none of them may take it. */
export function shareBody(body: Uint8Array): void {
  if (body.length >= LARGE_BODY) unshared.delete(body);
}
