/** A process's memory as the measurement sees it: process.memoryUsage() in MiB, and sums over samples. */

export interface Memory {
  rss: number;
  heapUsed: number;
  /** Memory of objects outside the V8 heap, arrayBuffers included. */
  external: number;
  /** Buffers and ArrayBuffers: where queued messages live in JavaScript. */
  arrayBuffers: number;
}

const tenths = (n: number) => Math.round(n * 10) / 10;

export function memoryNow(): Memory {
  const m = process.memoryUsage();
  const mib = (bytes: number) => tenths(bytes / 2 ** 20);
  return { rss: mib(m.rss), heapUsed: mib(m.heapUsed), external: mib(m.external), arrayBuffers: mib(m.arrayBuffers) };
}

/** The higher of each figure. */
export function higher(a: Memory, b: Memory): Memory {
  return {
    rss: Math.max(a.rss, b.rss),
    heapUsed: Math.max(a.heapUsed, b.heapUsed),
    external: Math.max(a.external, b.external),
    arrayBuffers: Math.max(a.arrayBuffers, b.arrayBuffers),
  };
}

/** `to` minus `from`, figure by figure. */
export function grown(from: Memory, to: Memory): Memory {
  return {
    rss: tenths(to.rss - from.rss),
    heapUsed: tenths(to.heapUsed - from.heapUsed),
    external: tenths(to.external - from.external),
    arrayBuffers: tenths(to.arrayBuffers - from.arrayBuffers),
  };
}
