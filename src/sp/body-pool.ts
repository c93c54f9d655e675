/**
 * Memory for large bodies nanosp makes itself, used again once nothing refers to it: the
 * copies `send` makes (back once a transport has written them) and the bodies transports read
 * into allocations of their own (back once recvInto has copied them out). A fresh allocation
 * per large message costs far more than the copy itself: the process keeps allocating until
 * the garbage collector runs (a sender of 64 KiB messages reached 1.4 GB of RSS), and every
 * new page is faulted in again. Only memory this pool made comes back to it, and only as much
 * as MAX_KEPT per capacity and MAX_KEPT_TOTAL in all.
 *
 * Capacities: 16 KiB, then four steps between consecutive powers of two (20, 24, 28, 32 KiB,
 * 40, 48, 56, 64 KiB, …), so that a body's memory is less than a quarter larger than the
 * body: a peer that announces a frame and stalls holds little more than that frame. The bytes
 * past a body's end, in its ArrayBuffer, hold whatever the memory held before (an earlier
 * message), as the bytes around a small Node Buffer in Node's shared pool do.
 */
import { allocBytes, viewBytes, type Bytes } from './bytes.js';

const MIN_CAPACITY = 16 * 1024; // LARGE_BODY
const MAX_CAPACITY = 64 * 1024 * 1024;
/** Idle bytes kept per capacity (at least two buffers of it)... */
const MAX_KEPT = 32 * 1024 * 1024;
/** ...and in all (two 64 MiB buffers): the pool never shrinks, so what it keeps stays bounded. */
const MAX_KEPT_TOTAL = 128 * 1024 * 1024;

const free = new Map<number, ArrayBuffer[]>();
const made = new WeakSet<ArrayBuffer>();
let idleBytes = 0;

/** The smallest capacity that holds `n` bytes: 16 KiB, or 2^k + m·2^(k−2) (m = 1..4) for 2^k < n. */
export function capacityFor(n: number): number {
  if (n <= MIN_CAPACITY) return MIN_CAPACITY;
  const k = 31 - Math.clz32(n - 1);
  const base = 2 ** k;
  const step = base / 4;
  return base + Math.ceil((n - base) / step) * step;
}

/** `n` bytes of undefined content, from a pooled buffer when one is free. */
export function takeBody(n: number): Bytes | undefined {
  const capacity = capacityFor(n);
  if (capacity > MAX_CAPACITY) return undefined;
  let memory = free.get(capacity)?.pop();
  if (memory !== undefined) idleBytes -= capacity;
  else {
    // the platform's allocator, which need not zero the memory (new ArrayBuffer must)
    const fresh = allocBytes(capacity);
    if (fresh.byteOffset !== 0 || fresh.buffer.byteLength !== fresh.length) return fresh.subarray(0, n) as Bytes;
    memory = fresh.buffer as ArrayBuffer;
    made.add(memory);
  }
  return viewBytes(new Uint8Array(memory, 0, n));
}

/** A body from takeBody that nothing refers to any longer (given once: see releaseBody). */
export function giveBody(body: Uint8Array): void {
  const memory = body.buffer as ArrayBuffer;
  if (body.byteOffset !== 0 || !made.has(memory)) return;
  const capacity = memory.byteLength;
  let list = free.get(capacity);
  if (list === undefined) free.set(capacity, (list = []));
  if (list.length >= Math.max(2, Math.floor(MAX_KEPT / capacity)) || idleBytes + capacity > MAX_KEPT_TOTAL) return;
  list.push(memory);
  idleBytes += capacity;
}
