/**
 * nanosp through a proxy that injects faults (test/helpers/fault-proxy.ts), on loopback, in
 * this process (no root needed, so these run everywhere):
 *  - a proxy that resets every connection within 0.5 s: 300 requests from 4 REQ contexts
 *    (resending) are all answered, each with its own reply; every reset is seen by the REQ
 *    as a broken connection (or a failed connect, if it came that early), nothing else;
 *  - a proxy that slices the stream into writes of 1–3 bytes with random pauses: messages of
 *    0 to 70,000 bytes (the sizes around each framing boundary) all arrive intact, in order,
 *    on one connection;
 *  - a proxy that stalls halfway into the third message of each connection, then cuts it:
 *    the REP drops each such pipe with EPROTO (it never hands half a message on), the REQ
 *    gets a new pipe and sends again, and every request of up to 70,000 bytes is answered.
 * The proxy's random choices come from a seed printed with the figures, and named in a failure.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { ErrnoName, SpSocket } from '../../src/index.js';
import { FaultProxy, type Fault } from '../helpers/fault-proxy.js';
import { runRounds, serveReplies } from '../helpers/request-rounds.js';
import { seededRandom, type SeededRandom } from '../helpers/seeded-random.js';
import { testSocket } from '../helpers/sockets.js';

const proxies: FaultProxy[] = [];

afterEach(async () => {
  await Promise.all(proxies.splice(0).map((p) => p.close()));
});

/** A REP serving on loopback, and a proxy with `fault` in front of it. */
async function repBehind(fault: Fault, random: SeededRandom): Promise<{ rep: SpSocket; proxy: FaultProxy; serving: Promise<void>; damaged: () => number }> {
  const rep = testSocket('rep');
  const ep = await rep.bind('tcp://127.0.0.1:0');
  let damaged = 0;
  const serving = serveReplies(rep, (intact) => {
    if (!intact) damaged++;
  });
  const proxy = await FaultProxy.start(Number(new URL(ep.url).port), fault, random);
  proxies.push(proxy);
  return { rep, proxy, serving, damaged: () => damaged };
}

/** The codes of the connections that broke on `sock`, as they break. */
function recordBroken(sock: SpSocket): ErrnoName[] {
  const codes: ErrnoName[] = [];
  sock.on('pipe-broken', ({ error }) => codes.push(error.code));
  return codes;
}

describe('chaos: a fault proxy between nanosp sockets', () => {
  it('resets every connection within 0.5 s: REQ with resend gets every request answered right', async () => {
    const random = seededRandom();
    const { rep, proxy, serving } = await repBehind({ kind: 'reset-within', maxMs: 500 }, random);
    const req = testSocket('req', { resendInterval: 200, reconnectInterval: 20 });
    const broken = recordBroken(req);
    req.connect(proxy.url);
    const started = Date.now();
    const result = await runRounds(req, { requests: 300, contexts: 4, paceMs: 20, size: () => 64, timeoutMs: 10_000 });
    const elapsed = Date.now() - started;

    expect(result, `seed ${random.seed}`).toMatchObject({ answered: 300, wrong: [], failed: [] });
    const resetsWhileOpen = proxy.counts.resets;
    await req.close();
    await proxy.idle();
    const { resets, connections } = proxy.counts;
    expect(resets, `seed ${random.seed}`).toBeGreaterThanOrEqual(3);
    // each reset ended in a closed pipe (or a failed connect, when it beat the connect) on the
    // REQ — except that the REQ's one connection may be reset just as the REQ closes it itself
    // (its RST not read yet, or the proxy's timer firing before it saw the REQ's close)
    const seen = req.stats.brokenConnections + req.stats.connectErrors;
    expect(seen, `seed ${random.seed}`).toBeGreaterThanOrEqual(resetsWhileOpen - 1);
    expect(seen, `seed ${random.seed}`).toBeLessThanOrEqual(resets);
    expect(new Set(broken)).toEqual(new Set(['ECONNRESET']));
    await rep.close();
    await serving;
    console.info(`[chaos] reset proxy (seed ${random.seed}): 300/300 answered right in ${elapsed} ms through ${connections} connections, ${resets} reset; REQ broken ${req.stats.brokenConnections}, connect errors ${req.stats.connectErrors}, longest wait ${result.maxWaitMs} ms`);
  }, 60_000);

  it('slices the stream into 1–3 byte writes with random pauses: every message of 0..70,000 bytes arrives intact', async () => {
    const random = seededRandom();
    const pull = testSocket('pull');
    const ep = await pull.bind('tcp://127.0.0.1:0');
    const proxy = await FaultProxy.start(Number(new URL(ep.url).port), { kind: 'slice', pauseChance: 1 / 200, maxPauseMs: 5 }, random);
    proxies.push(proxy);
    const push = testSocket('push');
    const broken = [...recordBroken(push), ...recordBroken(pull)];
    push.connect(proxy.url);
    // 0 and 70,000, and both sides of each size where the framing or the codec changes its ways
    const sizes = [0, 1, 2, 3, 7, 8, 9, 255, 256, 1023, 1024, 8191, 16384, 65535, 65536, 70_000];
    const messages = sizes.map((size) => randomBytes(size));
    const started = Date.now();
    for (const m of messages) await push.send(m);
    const received: string[] = [];
    for (const m of messages) {
      const got = await pull.recv({ timeout: 30_000 });
      received.push(got.equals(m) ? `${m.length} intact` : `${m.length} sent, ${got.length} received, different bytes`);
    }
    const elapsed = Date.now() - started;

    expect(received, `seed ${random.seed}`).toEqual(sizes.map((size) => `${size} intact`));
    expect(broken).toEqual([]);
    expect(proxy.counts.connections).toBe(1);
    const bytes = sizes.reduce((a, b) => a + b, 0);
    // every byte went on in a write of 3 bytes at most (frames and SP headers add to the count)
    expect(proxy.counts.slices).toBeGreaterThanOrEqual(bytes / 3);
    expect(proxy.counts.pauses).toBeGreaterThan(0);
    console.info(`[chaos] slicing proxy (seed ${random.seed}): ${sizes.length} messages, ${bytes} bytes, all intact in ${elapsed} ms; ${proxy.counts.slices} writes of 1–3 bytes, ${proxy.counts.pauses} pauses`);
  }, 60_000);

  it('stalls mid-frame, then cuts the connection: the pipe is dropped and replaced, nothing delivered half', async () => {
    const random = seededRandom();
    const { rep, proxy, serving, damaged } = await repBehind({ kind: 'stall-mid-frame', frame: 2, stallMs: 200 }, random);
    const repBroken = recordBroken(rep);
    // resends only when a connection goes: each stall costs exactly one
    const req = testSocket('req', { resendInterval: 60_000, reconnectInterval: 20 });
    const reqBroken = recordBroken(req);
    let pipes = 0;
    req.on('pipe', () => pipes++);
    req.connect(proxy.url);
    const sizes = Array.from({ length: 20 }, () => random.int(1000, 70_000));
    const started = Date.now();
    const result = await runRounds(req, { requests: sizes.length, contexts: 1, paceMs: 0, size: (seq) => sizes[seq] as number, timeoutMs: 10_000 });
    const elapsed = Date.now() - started;

    expect(result, `seed ${random.seed}`).toMatchObject({ answered: sizes.length, wrong: [], failed: [] });
    const { stalls } = proxy.counts;
    // two requests pass on each connection, the third stalls: 20 requests, 9 stalls
    expect(stalls).toBe(9);
    expect(damaged()).toBe(0);
    expect(repBroken).toEqual(Array(stalls).fill('EPROTO'));
    expect(reqBroken).toEqual(Array(stalls).fill('ECONNRESET'));
    expect(pipes).toBe(stalls + 1);
    await req.close();
    await rep.close();
    await serving;
    console.info(`[chaos] stalling proxy (seed ${random.seed}): ${sizes.length}/${sizes.length} requests of up to 70,000 bytes answered in ${elapsed} ms; ${stalls} stalls, each one EPROTO pipe dropped by the REP and one new pipe on the REQ; 0 partial messages delivered`);
  }, 60_000);
});
