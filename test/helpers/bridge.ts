/**
 * The ESTP → Prometheus bridge (`nanosp stat --prometheus`) as the tests drive it: started on
 * free 127.0.0.1 ports, scraped (once, or until the body passes a test), its samples read
 * back, and stopped with SIGTERM.
 */
import { expect } from 'vitest';
import { finished, linesOf, startNode } from './diag.js';
import { freePort, type Peer } from './peers.js';

const MAIN = new URL('../../src/cli/main.ts', import.meta.url).pathname;

export interface Bridge {
  peer: Peer;
  port: number;
  url: string;
}

/** The bridge on free 127.0.0.1 ports, once it says it serves. */
export async function startBridge(extra: string[] = []): Promise<Bridge> {
  const [port, estp] = [await freePort(), await freePort()];
  const url = `tcp://127.0.0.1:${estp}`;
  const peer = startNode(MAIN, ['stat', '--prometheus', `127.0.0.1:${port}`, ...extra, url]);
  await peer.line((l) => l.startsWith('nanosp stat: serving ESTP from '));
  return { peer, port, url };
}

export async function scrape(port: number, accept?: string): Promise<{ status: number; type: string | null; body: string }> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`, { headers: accept ? { accept } : {}, signal: AbortSignal.timeout(2000) });
  return { status: res.status, type: res.headers.get('content-type'), body: await res.text() };
}

/** Scrape every 50 ms until `test` passes on the body; fails after `timeoutMs` with the last body. */
export async function scrapeUntil(bridge: Bridge, test: (body: string) => boolean, timeoutMs = 10_000, accept?: string): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (!bridge.peer.running) break;
    last = (await scrape(bridge.port, accept)).body;
    if (test(last)) return last;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no scrape passed within ${timeoutMs} ms; last body:\n${last}\nbridge stderr ${JSON.stringify(bridge.peer.stderr)}`);
}

export function samples(text: string, name: string): string[] {
  return linesOf(text).filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
}

export function value(text: string, line: string): number | undefined {
  const found = linesOf(text).find((l) => l.startsWith(`${line} `));
  return found === undefined ? undefined : Number(found.slice(line.length + 1));
}

/** SIGTERM: the bridge closes and exits 0. */
export async function stopBridge(bridge: Bridge): Promise<void> {
  bridge.peer.child.kill('SIGTERM');
  expect(await finished(bridge.peer)).toEqual({ code: 0, signal: null });
}
