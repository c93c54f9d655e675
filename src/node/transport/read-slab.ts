/**
 * Reads that choose where the kernel writes (node:net's `onread`), for the stream transports:
 * small frames land in a slab that is only ever filled forwards, so the messages cut
 * from it stay valid as views (no copy, as with 'data' chunks); the body of a large frame is
 * read straight into the frame's own allocation, which the decoder made once its length passed
 * the limit check (no gathering, no concatenation: libnanomsg reads bodies the same way).
 * Node's default reads are 64 KiB into a fresh buffer each, so every 64 KiB frame spanned two
 * reads and was copied whole once more.
 */
import type { Socket } from 'node:net';

/**
 * The slab size: Node's own read size. Larger slabs made small messages slower (1 KiB over tcp:
 * 0.4–0.6 M msg/s with 1 MiB slabs, 0.9–1.2 M with 64 KiB): each message is a view that keeps
 * its slab alive, and memory the allocator cannot recycle at once must be faulted in afresh.
 * A large frame that does not fit is read into its own allocation anyway.
 */
export const SLAB_SIZE = 64 * 1024;
/** Less room than this left in a full-size slab: start a new one rather than read a sliver. */
export const SLAB_MIN_ROOM = 16 * 1024;
/**
 * The slab of a pipe whose reads are small (a handshake, a subscription, a trickle of short
 * messages): a slice of Node's shared pool. Thousands of mostly idle pipes (a PUB's
 * subscribers, a storm's clients) then hold 2 KiB each, not 64 KiB of memory that V8 also
 * counts toward its garbage collections; a read that fills its buffer moves the pipe to
 * full-size slabs.
 */
export const SMALL_SLAB = 2048;

/** Where the bytes go: the pipe, once it exists. */
export interface ReadSink {
  /** A chunk read into the slab (a view the sink may keep). */
  chunk(chunk: Buffer): void;
  /** The frame body the sink asked to read into, or undefined for the slab. */
  readTarget(): Buffer | undefined;
  /** `n` bytes were read into the last readTarget(). */
  filledInPlace(n: number): void;
}

export class SlabReader {
  private slab: Buffer = EMPTY_SLAB;
  private pos = 0;
  /** The last read into the slab was large, or filled what it was given: next slab full size. */
  private busy = false;
  /** The buffer handed to the kernel for the next read is the sink's target, not the slab. */
  private inPlace = false;
  private sink: ReadSink | undefined;
  /** What arrived before the sink was attached (a dialer's peer may speak first). */
  private early: Buffer[] = [];

  constructor() {
    this.buffer = this.buffer.bind(this);
    this.callback = this.callback.bind(this);
  }

  /** node:net's `onread` option. */
  get onread(): { buffer: () => Buffer; callback: (nread: number, buf: Buffer) => boolean } {
    return { buffer: this.buffer, callback: this.callback };
  }

  attach(sink: ReadSink): void {
    this.sink = sink;
    const early = this.early;
    this.early = [];
    for (const chunk of early) sink.chunk(chunk);
  }

  /** Node asks, before each read, where it may go. */
  buffer(): Buffer {
    const target = this.sink?.readTarget();
    if (target !== undefined) {
      this.inPlace = true;
      return target;
    }
    this.inPlace = false;
    const size = this.slab.length;
    if (size - this.pos < (size === SLAB_SIZE ? SLAB_MIN_ROOM : SMALL_SLAB / 4)) {
      this.slab = Buffer.allocUnsafe(this.busy ? SLAB_SIZE : SMALL_SLAB);
      this.pos = 0;
    }
    return this.slab.subarray(this.pos);
  }

  /** `nread` bytes arrived at the start of `buf` (the last buffer() given). */
  callback(nread: number, buf: Buffer): boolean {
    if (this.inPlace) {
      this.sink?.filledInPlace(nread);
      return true;
    }
    const chunk = buf.subarray(0, nread);
    // buf is the slab from pos (buffer() is asked again after every read): those bytes are taken for good
    this.pos += nread;
    this.busy = nread === buf.length || nread >= SMALL_SLAB / 2;
    if (this.sink) this.sink.chunk(chunk);
    else this.early.push(chunk);
    return true;
  }
}

const EMPTY_SLAB = Buffer.alloc(0);

type UserBufferHandle = { useUserBuffer?: (buf: Uint8Array) => void; reading?: boolean };

/** node:net's private symbols for `onread`, found by description on the first socket (they are per process). */
let onreadSymbols: { kBuffer: symbol; kBufferCb: symbol; kBufferGen: symbol } | null | undefined;

function symbolsOf(socket: Socket): typeof onreadSymbols {
  if (onreadSymbols !== undefined) return onreadSymbols;
  const own = Object.getOwnPropertySymbols(socket);
  const find = (name: string) => own.find((s) => s.description === name);
  const [kBuffer, kBufferCb, kBufferGen] = [find('kBuffer'), find('kBufferCb'), find('kBufferGen')];
  onreadSymbols = kBuffer && kBufferCb && kBufferGen ? { kBuffer, kBufferCb, kBufferGen } : null;
  return onreadSymbols;
}

/**
 * Switch an accepted socket (from a server made with `pauseOnConnect`, so it has not read
 * yet) to `onread` reads, as `new net.Socket({ onread })` would have set it up: Node 20's
 * servers take no `onread` option. Returns false, leaving the socket on 'data' events, where
 * this Node's internals differ.
 */
export function adoptReader(socket: Socket, reader: SlabReader): boolean {
  const handle = (socket as unknown as { _handle?: UserBufferHandle })._handle;
  const symbols = symbolsOf(socket);
  if (!handle || typeof handle.useUserBuffer !== 'function' || handle.reading || !symbols) return false;
  const { kBuffer, kBufferCb, kBufferGen } = symbols;
  const { buffer, callback } = reader.onread;
  const first = buffer();
  try {
    handle.useUserBuffer(first);
  } catch {
    return false; // a handle that refuses: nothing was changed, 'data' events it is
  }
  const fields = socket as unknown as Record<symbol, unknown>;
  fields[kBuffer] = first;
  fields[kBufferGen] = buffer;
  fields[kBufferCb] = callback;
  return true;
}
