/**
 * glibc's malloc, set once for a process that moves large messages.
 *
 * glibc serves a block of 128 KiB or more with its own mmap, and gives its heap's top back to
 * the kernel once more than 128 KiB of it is free. Both thresholds adapt to the largest mmapped
 * block the process has freed so far (the trim threshold becomes twice it), up to 32 MiB.
 * nanosp hands every received large message to the user in new memory (it is theirs for good),
 * and V8 frees those buffers in batches when it collects them. With the thresholds at or near
 * the message size, glibc gives each batch back to the kernel and the next messages fault the
 * same pages in again, one page at a time: on the benchmark VM a first touch costs ~11 µs per
 * 4 KiB page (~360 MB/s, where a copy into warm memory runs at ~20 GB/s), so a 1 MiB message
 * cost as much as 2.9 ms of page faults against 22 µs for its copy (BENCHMARKS.md, issue 18).
 *
 * Freeing one mmapped block just under the 32 MiB ceiling raises both thresholds to their top
 * once, as any program that once freed such a block would: blocks up to 32 MiB then come from
 * the heap, and up to 64 MiB of free heap is kept for the next allocations instead of being
 * given back. The block is never written, so it costs no page; V8 frees it at its next
 * collection, which the 32 MiB of external memory brings forward. Other allocators (musl,
 * macOS, Windows) see one untouched allocation and nothing else.
 */
import { LARGE_BODY } from '../sp/message.js';

/**
 * glibc's ceiling for the adaptive mmap threshold on 64-bit (DEFAULT_MMAP_THRESHOLD_MAX,
 * 32 MiB), less room for the block's header and page rounding: a larger block leaves the
 * thresholds where they are.
 */
const RAISING_BLOCK = 32 * 1024 * 1024 - 64 * 1024;

/** `NANOSP_MALLOC_THRESHOLDS=default` (or `off`, `0`) leaves glibc's thresholds alone (read once). */
let raised = ['default', 'off', '0'].includes(process.env.NANOSP_MALLOC_THRESHOLDS ?? '');

/** Called before a large allocation; raises glibc's thresholds the first time (Linux only). */
function raiseMallocThresholds(): void {
  if (raised) return;
  raised = true;
  if (process.platform !== 'linux') return;
  try {
    // one plain malloc (no pool, no zero-fill), dropped at once
    Buffer.allocUnsafeSlow(RAISING_BLOCK);
  } catch {
    // refused (a memory limit, no overcommit): only a speed-up is lost; the caller's own
    // allocation, which follows, reports a real shortage
  }
}

/**
 * `Buffer.allocUnsafe(n)`, for a message body: a large one raises the thresholds first. Every
 * large body a receiver hands on is new memory (`send`'s pooled copies, inproc deliveries,
 * frames read from the network).
 */
export function allocBody(n: number): Buffer {
  if (n >= LARGE_BODY) raiseMallocThresholds();
  return Buffer.allocUnsafe(n);
}

/**
 * allocBody for memory a peer asked for (a frame's announced length): undefined when the
 * allocation fails (a V8 or cgroup limit), so that the connection is dropped with ENOMEM
 * instead of an exception escaping from a read callback and ending the process.
 */
export function tryAllocBody(n: number): Buffer | undefined {
  try {
    return allocBody(n);
  } catch {
    return undefined;
  }
}
