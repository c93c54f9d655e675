/**
 * Helpers for interop tests against nanocat and nngcat: race a wait against the peer's exit
 * (so a peer that dies says why instead of a bare timeout), and resend until the peer shows
 * it received.
 */
import type { SpSocket } from '../../src/index.js';
import { freePort, type Peer } from './peers.js';

/** A loopback TCP URL on a port nobody listens on yet (for a peer that binds). */
export async function freeTcpUrl(): Promise<string> {
  return `tcp://127.0.0.1:${await freePort()}`;
}

/** Rejects, naming the peer's exit and its stderr, if `peer` exits before `work` settles. */
export function whilePeerRuns<T>(peer: Peer, work: Promise<T>): Promise<T> {
  const died = peer.exited.then(({ code, signal }) => {
    throw new Error(`${peer.commandLine} exited (code ${code}, signal ${signal}) while the test waited; stderr ${JSON.stringify(peer.stderr)}, stdout ${JSON.stringify(peer.output)}`);
  });
  return Promise.race([work, died]);
}

/** The next message on `sock` as text, failing if the peer exits or nothing comes in time. */
export async function recvText(sock: SpSocket, peer: Peer, timeoutMs = 10_000): Promise<string> {
  const body = await whilePeerRuns(peer, sock.recv({ timeout: timeoutMs }));
  return body.toString('utf8');
}

/**
 * Send `data` on `sock` now and then every `intervalMs` until `peer` prints `line`
 * (for PUB, whose messages go nowhere while the peer's side is not attached yet).
 */
export async function sendUntilLine(sock: SpSocket, data: string, peer: Peer, line: string, intervalMs = 100): Promise<string> {
  const failures: unknown[] = [];
  const sendOnce = () => {
    sock.send(data, { timeout: intervalMs }).catch((err: unknown) => failures.push(err));
  };
  sendOnce();
  const timer = setInterval(sendOnce, intervalMs);
  try {
    return await whilePeerRuns(peer, peer.line(line));
  } catch (err) {
    if (failures.length > 0) throw new Error(`${String(err)}; sends failed: ${failures.map(String).join(', ')}`);
    throw err;
  } finally {
    clearInterval(timer);
  }
}

/** The quoted (-Q) form of a text message as nanocat and nngcat print it. */
export function quoted(text: string): string {
  return JSON.stringify(text);
}
