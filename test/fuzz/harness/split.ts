/**
 * Cutting a byte stream the way a network might deliver it: anywhere, into any number of
 * chunks, empty ones included, or one byte at a time.
 */
import fc from 'fast-check';

/** Where to cut: positions taken modulo the stream's length, or every byte. */
export type Cuts = number[] | 'every-byte';

export const cutsArb: fc.Arbitrary<Cuts> = fc.oneof(
  { weight: 9, arbitrary: fc.array(fc.nat(), { maxLength: 16 }) },
  { weight: 1, arbitrary: fc.constant('every-byte' as const) },
);

/** Byte-by-byte cutting stops here; the rest of a longer stream stays whole. */
const EVERY_BYTE_MAX = 2048;

/** `bytes` cut at `cuts`: the pieces, in order, that concatenate to `bytes`. */
export function cut(bytes: Buffer, cuts: Cuts): Buffer[] {
  if (cuts === 'every-byte') {
    const n = Math.min(bytes.length, EVERY_BYTE_MAX);
    const pieces = Array.from({ length: n }, (_, i) => bytes.subarray(i, i + 1));
    return n < bytes.length ? [...pieces, bytes.subarray(n)] : pieces;
  }
  const points = cuts.map((c) => c % (bytes.length + 1)).sort((a, b) => a - b);
  const pieces: Buffer[] = [];
  let from = 0;
  for (const point of points) {
    pieces.push(bytes.subarray(from, point));
    from = point;
  }
  pieces.push(bytes.subarray(from));
  return pieces;
}

/** Fresh copies of `pieces`, for a decoder that may change its chunks in place (unmasking). */
export function copies(pieces: readonly Buffer[]): Buffer[] {
  return pieces.map((piece) => Buffer.from(piece));
}

/** Arbitrary bytes as a Buffer. */
export function bytesArb(maxLength: number): fc.Arbitrary<Buffer> {
  return fc.uint8Array({ maxLength }).map((b) => Buffer.from(b));
}
