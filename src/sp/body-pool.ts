/**
 * Memory for the copies `send` makes of large bodies, used again once a transport has written
 * them. A fresh allocation per large message costs far more than the copy itself: the process
 * keeps allocating until the garbage collector runs (a sender of 64 KiB messages reached 1.4 GB
 * of RSS), and every new page is faulted in again. Capacities are powers of two; only memory
 * this pool made comes back to it, and only as much as MAX_KEPT per size.
 */
import { allocBytes, viewBytes, type Bytes } from './bytes.js';

const MIN_CLASS = 14; // 16 KiB, LARGE_BODY
const MAX_CLASS = 26; // 64 MiB
/** Idle bytes kept per capacity (at least two buffers of it). */
const MAX_KEPT = 32 * 1024 * 1024;

const free: ArrayBuffer[][] = Array.from({ length: MAX_CLASS + 1 }, () => []);
const made = new WeakSet<ArrayBuffer>();

function classOf(n: number): number {
  return Math.max(MIN_CLASS, 32 - Math.clz32(n - 1));
}

/** `n` bytes of undefined content, from a pooled buffer when one is free. */
export function takeBody(n: number): Bytes | undefined {
  const k = classOf(n);
  if (k > MAX_CLASS) return undefined;
  let memory = free[k]!.pop();
  if (memory === undefined) {
    // the platform's allocator, which need not zero the memory (new ArrayBuffer must)
    const fresh = allocBytes(2 ** k);
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
  const k = classOf(memory.byteLength);
  const list = free[k]!;
  if (list.length < Math.max(2, MAX_KEPT >>> k)) list.push(memory);
}
