/**
 * Fixtures that talk in lines (test/chaos/fixtures): reading counts, fields and error codes
 * from their lines, waiting on a line by count, and ending them the way they are meant to
 * end, by themselves once their stdin is closed.
 */
import { finished } from './diag.js';
import type { Peer } from './peers.js';

/** Close the peer's stdin and wait until it exited on its own with code 0 (else fail, with its output). */
export async function stopPeer(peer: Peer, timeoutMs = 20_000): Promise<void> {
  peer.child.stdin.end();
  const { code, signal } = await finished(peer, timeoutMs);
  if (code !== 0 || signal !== null) {
    throw new Error(`${peer.commandLine} ended with code ${code}, signal ${signal}; stderr ${JSON.stringify(peer.stderr)}, stdout ${JSON.stringify(peer.output.slice(-20))}`);
  }
}

/** The number in the peer's last line that starts with `prefix ` (`answered 17` → 17), or 0. */
export function lastCount(peer: Peer, prefix: string): number {
  for (let i = peer.output.length - 1; i >= 0; i--) {
    const line = peer.output[i] as string;
    if (line.startsWith(`${prefix} `)) return Number(line.slice(prefix.length + 1).split(' ')[0]);
  }
  return 0;
}

/** The `n`th line (from 1, past or future) that starts with `prefix`. */
export function nthLine(peer: Peer, prefix: string, n: number, timeoutMs?: number): Promise<string> {
  let seen = 0;
  // Peer.line tests each line once, past lines first, so counting in the test is exact
  return peer.line((line) => line.startsWith(prefix) && ++seen === n, timeoutMs);
}

/** The `name=number` fields of a line (`done answered=300 wrong=0` → { answered: 300, wrong: 0 }). */
export function fieldsOf(line: string): Record<string, number> {
  return Object.fromEntries(line.split(' ').filter((f) => f.includes('=')).map((f) => [f.slice(0, f.indexOf('=')), Number(f.slice(f.indexOf('=') + 1))]));
}

/** The error codes of the peer's `broken <CODE> …` lines, in order. */
export function brokenCodes(peer: Peer): string[] {
  return peer.output.filter((line) => line.startsWith('broken ')).map((line) => line.split(' ')[1] as string);
}
