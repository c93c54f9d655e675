/**
 * Test bodies whose bytes differ from one position to the next and from one seed to another
 * (any two seeds under 256 differ at every byte), so a body that was overwritten, cut, shifted
 * or swapped for another one fails the comparison. The pattern is a run of 251 bytes (a prime,
 * so it never lines up with power-of-two sizes or frame boundaries), repeated.
 */
export function patterned(n: number, seed = 1): Buffer {
  const run = Buffer.allocUnsafe(251);
  for (let i = 0; i < run.length; i++) run[i] = (i * 31 + seed * 7 + 1) & 0xff;
  return Buffer.allocUnsafe(n).fill(run);
}
