/**
 * The shared end-of-tick flush (src/node/transport/flush-queue.ts): order, once per tick, and
 * slices that let the event loop poll — short ones while a listener accepts connections,
 * because Node accepts one connection per turn of the loop.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';

type FlushQueue = typeof import('../../src/node/transport/flush-queue.js');

/** A fresh copy of the module: its accept clock is module state. */
async function freshQueue(): Promise<FlushQueue> {
  vi.resetModules();
  return import('../../src/node/transport/flush-queue.js');
}

function busy(us: number): void {
  const until = performance.now() + us / 1000;
  while (performance.now() < until);
}

/** `n` pipes whose flush takes `costUs`, recording the order they were flushed in. */
function pipes(n: number, costUs: number, log: number[]) {
  return Array.from({ length: n }, (_, i) => ({
    flushScheduled: false,
    flush() {
      busy(costUs);
      log.push(i);
    },
  }));
}

/** How many of `all` the first slice flushed: a setImmediate queued first runs right after it. */
function firstSlice(queue: FlushQueue, all: ReturnType<typeof pipes>, log: number[]): Promise<number> {
  return new Promise((resolve) => {
    setImmediate(() => resolve(log.length));
    for (const pipe of all) queue.scheduleFlush(pipe);
  });
}

/** Resolves once every pipe in `log`'s run has been flushed. */
async function drained(log: number[], n: number): Promise<void> {
  while (log.length < n) await new Promise((resolve) => setImmediate(resolve));
}

let server: Server | undefined;
let client: Socket | undefined;
afterEach(async () => {
  client?.destroy();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

describe('flush queue', () => {
  it('flushes each pipe once per tick, in the order they asked, however often they asked', async () => {
    const queue = await freshQueue();
    const log: number[] = [];
    const all = pipes(5, 0, log);
    for (const pipe of [...all, ...all]) queue.scheduleFlush(pipe);
    expect(all.every((p) => p.flushScheduled)).toBe(true);
    await drained(log, 5);
    expect(log).toEqual([0, 1, 2, 3, 4]);
    expect(all.some((p) => p.flushScheduled)).toBe(false);
    // asked again after its flush: flushed again
    queue.scheduleFlush(all[2] as (typeof all)[number]);
    await drained(log, 6);
    expect(log).toEqual([0, 1, 2, 3, 4, 2]);
  });

  it('runs a long fan-out in slices with a turn of the event loop between them, keeping the order', async () => {
    const queue = await freshQueue();
    const log: number[] = [];
    // 1,000 flushes of 20 µs: 20 ms, five 4 ms slices at least
    const all = pipes(1000, 20, log);
    const first = await firstSlice(queue, all, log);
    expect(first).toBeGreaterThan(8);
    expect(first).toBeLessThan(1000);
    await drained(log, 1000);
    expect(log).toEqual(all.map((_, i) => i));
  });

  it('keeps slices short while a listener accepts connections, so that the loop turns (and accepts) often', async () => {
    const queue = await freshQueue();
    server = createServer((socket) => socket.destroy());
    queue.turnOftenWhileAccepting(server);
    await new Promise<void>((resolve) => (server as Server).listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await new Promise<void>((resolve) => {
      (server as Server).once('connection', () => resolve());
      client = createConnection(port, '127.0.0.1').on('error', () => {});
    });
    const log: number[] = [];
    const all = pipes(1000, 20, log);
    // the first look at the clock comes after 8 flushes (160 µs), past the accepting slice
    // (a 4 ms slice would take about 200)
    expect(await firstSlice(queue, all, log)).toBeLessThanOrEqual(16);
    await drained(log, 1000);
    expect(log).toEqual(all.map((_, i) => i));
  });
});
