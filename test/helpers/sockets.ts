/** Helpers for tests on nanosp sockets: close what a test opened, wait for events. */
import { once } from 'node:events';
import { afterEach } from 'vitest';
import { socket, type SocketInit, type SocketType, type SpSocket } from '../../src/index.js';
import type { SocketEventMap } from '../../src/sp/events.js';

const open = new Set<SpSocket>();

afterEach(async () => {
  await Promise.all([...open].map((s) => s.close()));
  open.clear();
});

/** A socket closed automatically after the current test. */
export function testSocket(type: SocketType, options?: SocketInit): SpSocket {
  const s = socket(type, { linger: 0, ...options });
  open.add(s);
  return s;
}

/** The next `event` on `s`, failing after `timeoutMs`. */
export async function next<K extends keyof SocketEventMap>(s: SpSocket, event: K, timeoutMs = 5000): Promise<SocketEventMap[K]> {
  return (await once(s, event, { signal: AbortSignal.timeout(timeoutMs) })) as SocketEventMap[K];
}

/** Bind `a` (on a free loopback port unless `url` says where), connect `b` to it, and wait until both have a pipe. */
export async function linked(a: SpSocket, b: SpSocket, url = 'tcp://127.0.0.1:0'): Promise<string> {
  const ep = await a.bind(url);
  const piped = Promise.all([next(a, 'pipe'), next(b, 'pipe')]);
  b.connect(ep.url);
  await piped;
  return ep.url;
}
