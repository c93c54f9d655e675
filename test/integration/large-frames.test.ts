/**
 * Large frames over the stream transports (tcp://, ipc://), end to end: messages from empty to
 * 16 MiB arrive intact both ways; a sender looping on trySend without yielding reuses pooled
 * copies instead of allocating one per message; messages a receiver keeps stay intact while
 * later ones arrive (they are views into the read slab, which must never be written again);
 * and a peer announcing a big frame can make nanosp hold at most that one frame.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import type { SpSocket } from '../../src/index.js';
import { takeBody } from '../../src/sp/body-pool.js';
import { RawPeer, spHeaderBytes } from '../helpers/raw-peer.js';
import { next, testSocket } from '../helpers/sockets.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const PAIR = 0x10;

setFlagsFromString('--expose-gc');
/** One full collection (V8 exposes gc only with --expose-gc, set just above). */
const fullGc = runInNewContext('gc') as () => void;

/**
 * Collect garbage and let V8 finish freeing the array buffers it found dead: their memory is
 * swept concurrently after a collection, and a second one waits for that sweep. A baseline
 * taken after one collection alone could drop later by megabytes freed meanwhile (seen in CI:
 * a 16 MiB allocation that never showed as growth).
 */
function gc(): void {
  fullGc();
  fullGc();
}

const arrayBuffers = (): number => process.memoryUsage().arrayBuffers;

let ipcCount = 0;
const TRANSPORTS = [
  { name: 'tcp', url: () => 'tcp://127.0.0.1:0', ipc: false },
  { name: 'ipc', url: () => `ipc://${join(tmpdir(), `nanosp-large-${process.pid}-${++ipcCount}.ipc`)}`, ipc: true },
] as const;
type TransportCase = (typeof TRANSPORTS)[number];

const rawPeers: RawPeer[] = [];
afterEach(() => {
  for (const p of rawPeers.splice(0)) p.destroy();
});

/** Two PAIR sockets connected over `t`, both with pipes up. */
async function pairOver(t: TransportCase, options = { recvMaxSize: -1 }): Promise<[SpSocket, SpSocket]> {
  const a = testSocket('pair', options);
  const b = testSocket('pair', options);
  const ep = await a.bind(t.url());
  const piped = Promise.all([next(a, 'pipe'), next(b, 'pipe')]);
  b.connect(ep.url);
  await piped;
  return [a, b];
}

/**
 * The content of message `seq` of `size` bytes: a 251-byte run shifted by `seq` (so
 * neighbours differ everywhere, and a slice from the wrong place or message shows).
 */
function content(size: number, seq: number): Buffer {
  if (size === 0) return Buffer.alloc(0);
  const run = Buffer.allocUnsafe(251);
  for (let i = 0; i < run.length; i++) run[i] = (i * 7 + seq * 13 + 1) & 0xff;
  return Buffer.allocUnsafe(size).fill(run);
}

/** Fails with where `got` first differs from `want`, without printing megabytes. */
function expectSame(got: Uint8Array, want: Buffer, what: string): void {
  expect(got.length, `${what}: length`).toBe(want.length);
  if (Buffer.from(got.buffer, got.byteOffset, got.length).equals(want)) return;
  const at = want.findIndex((b, i) => got[i] !== b);
  expect.fail(`${what}: differs first at byte ${at} of ${want.length} (got ${got[at]}, want ${want[at]})`);
}

const SIZES = [0, 1, 16 * KiB - 1, 16 * KiB, 64 * KiB, 64 * KiB + 9, MiB + 3, 16 * MiB];

/**
 * Sequence-stamped messages written into one reused buffer: `send` must copy it (so the loop
 * itself allocates nothing). The stamp (a u32 BE) is at the start, the middle and the end; the
 * rest is content(size, 0). spawnReceiver's script checks the same layout.
 */
class StampedMessages {
  readonly template: Buffer;
  private readonly buf: Buffer;

  constructor(readonly size: number) {
    this.template = content(size, 0);
    this.buf = Buffer.from(this.template);
  }

  /** The message with sequence number `seq` (the same buffer every time). */
  stamp(seq: number): Buffer {
    for (const at of this.places()) this.buf.writeUInt32BE(seq, at);
    return this.buf;
  }

  private places(): number[] {
    return [0, (this.size >> 1) & ~3, this.size - 4];
  }
}

/**
 * A PAIR peer in another process (raw SP over node:net) that reads `count` messages made by
 * StampedMessages(size) and checks each: its length, its stamps in order, the rest of it.
 * `result` is `{ received }` once all came, or `{ received, error }` at the first bad one.
 */
function spawnReceiver(url: string, count: number, size: number): { result: Promise<unknown>; kill: () => void } {
  const script = `
    const net = require('node:net');
    const [url, count, size] = [process.argv[1], Number(process.argv[2]), Number(process.argv[3])];
    const ipc = url.startsWith('ipc://');
    const socket = ipc ? net.connect({ path: url.slice(6) })
      : net.connect({ host: new URL(url.replace(/^tcp:/, 'http:')).hostname, port: Number(new URL(url.replace(/^tcp:/, 'http:')).port) });
    const run = Buffer.allocUnsafe(251);
    for (let i = 0; i < run.length; i++) run[i] = (i * 7 + 1) & 0xff;
    const template = Buffer.allocUnsafe(size).fill(run);
    const places = [0, (size >> 1) & ~3, size - 4];
    const prefix = (ipc ? 9 : 8);
    const frame = prefix + size;
    let pending = [];
    let pendingBytes = 0;
    let headerSeen = false;
    let received = 0;
    const done = (r) => { process.stdout.write(JSON.stringify(r)); socket.destroy(); };
    socket.write(Buffer.from([0, 0x53, 0x50, 0, 0, 0x10, 0, 0]));
    socket.on('data', (chunk) => {
      pending.push(chunk);
      pendingBytes += chunk.length;
      if (!headerSeen) {
        if (pendingBytes < 8) return;
        const all = Buffer.concat(pending);
        pending = [all.subarray(8)];
        pendingBytes -= 8;
        headerSeen = true;
      }
      if (pendingBytes < frame) return;
      let all = Buffer.concat(pending);
      let off = 0;
      while (all.length - off >= frame) {
        const len = Number(all.readBigUInt64BE(off + prefix - 8));
        const body = all.subarray(off + prefix, off + frame);
        let error;
        if (len !== size) error = 'length ' + len;
        else {
          let from = 0;
          for (const at of places) {
            if (body.readUInt32BE(at) !== received) error = 'stamp ' + body.readUInt32BE(at) + ' at ' + at;
            else if (body.compare(template, from, at, from, at) !== 0) error = 'bytes ' + from + '..' + at;
            if (error) break;
            from = at + 4;
          }
        }
        if (error) return done({ received, error });
        received++;
        off += frame;
        if (received === count) return done({ received });
      }
      pending = [all.subarray(off)];
      pendingBytes = all.length - off;
    });
    socket.on('error', (err) => done({ received, error: String(err) }));
  `;
  const child = spawn(process.execPath, ['-e', script, url, String(count), String(size)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d));
  const result = once(child, 'exit').then(() => JSON.parse(out || '{}') as unknown);
  return { result, kill: () => child.kill() };
}

/**
 * Take every idle buffer of `size`'s class out of the process-wide body pool (until it has to
 * make a new one), and return them: held, the next send's copy (or the next large frame read
 * from the wire) must come from new memory.
 */
function drainPool(size: number): Uint8Array[] {
  const held: Uint8Array[] = [];
  for (;;) {
    const before = arrayBuffers();
    held.push(takeBody(size) as Uint8Array);
    if (arrayBuffers() > before) return held;
  }
}

/** A raw SP peer connected to a nanosp listener at `url` (tcp:// or ipc://). */
async function rawPeer(url: string): Promise<RawPeer> {
  let socket;
  if (url.startsWith('ipc://')) socket = connect({ path: url.slice('ipc://'.length) });
  else {
    const { hostname, port } = new URL(url.replace(/^tcp:/, 'http:'));
    socket = connect({ host: hostname, port: Number(port) });
  }
  const peer = new RawPeer(socket);
  rawPeers.push(peer);
  await once(socket, 'connect');
  return peer;
}

/** A frame's length prefix (with IPC's type byte) announcing `size` bytes. */
function lengthPrefix(size: number, ipc: boolean): Buffer {
  const len = Buffer.alloc(8);
  len.writeBigUInt64BE(BigInt(size));
  return ipc ? Buffer.concat([Buffer.from([0x01]), len]) : len;
}

/** Resolves once `check()` holds, testing after each turn of the event loop (reads run in it). */
async function untilTrue(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe.each(TRANSPORTS)('large frames over $name', (t) => {
  it.each([
    ['listener → dialer', 0],
    ['dialer → listener', 1],
  ] as const)('every size from 0 to 16 MiB arrives intact, %s', async (_dir, from) => {
    const pair = await pairOver(t);
    const sender = pair[from] as SpSocket;
    const receiver = pair[1 - from] as SpSocket;
    const received = (async () => {
      for (const [seq, size] of SIZES.entries()) expectSame(await receiver.recv(), content(size, seq), `message of ${size} bytes`);
    })();
    for (const [seq, size] of SIZES.entries()) await sender.send(content(size, seq));
    await received;
  });

  it('both ways at once, the large sizes interleaved', async () => {
    const [a, b] = await pairOver(t);
    const sizes = [16 * MiB, 64 * KiB + 9, MiB + 3, 16 * KiB, 16 * MiB];
    const oneWay = async (s: SpSocket, r: SpSocket, salt: number) => {
      const got = (async () => {
        for (const [i, size] of sizes.entries()) expectSame(await r.recv(), content(size, salt + i), `message ${i}`);
      })();
      for (const [i, size] of sizes.entries()) await s.send(content(size, salt + i));
      await got;
    };
    await Promise.all([oneWay(a, b, 0), oneWay(b, a, 100)]);
  });

  it('2,000 messages of 64 KiB from a trySend loop arrive in order, and the loop reuses its copies', async () => {
    const sender = testSocket('pair');
    const ep = await sender.bind(t.url());
    const N = 2000;
    const messages = new StampedMessages(64 * KiB);
    // the receiver is another process, reading while this one loops
    const piped = next(sender, 'pipe');
    const receiver = spawnReceiver(ep.url, N, messages.size);
    try {
      await piped;
      gc();
      // earlier tests filled the pool: with buffers to spare, even a loop that never gave one
      // back would not allocate; hold them all, so that every copy the loop keeps shows
      const held = drainPool(messages.size);
      const start = arrayBuffers();
      let seq = 0;
      let longestRun = 0;
      let peakGrowth = 0;
      let peakRunGrowth = 0;
      while (seq < N) {
        // a run of trySend calls without yielding: no write is called back meanwhile
        const base = arrayBuffers();
        let run = 0;
        while (seq < N) {
          try {
            sender.trySend(messages.stamp(seq));
          } catch (err) {
            if ((err as { code?: string }).code !== 'EAGAIN') throw err;
            break;
          }
          seq++;
          run++;
          const now = arrayBuffers();
          peakRunGrowth = Math.max(peakRunGrowth, now - base);
          peakGrowth = Math.max(peakGrowth, now - start);
        }
        longestRun = Math.max(longestRun, run);
        // the kernel is full: wait until it takes this one
        if (seq < N) await sender.send(messages.stamp(seq++));
      }
      expect(await receiver.result).toEqual({ received: N });
      const measured = `longest run ${longestRun}, growth ${(peakGrowth / MiB).toFixed(1)} MiB (${(peakRunGrowth / MiB).toFixed(1)} MiB in one run)`;
      // the loop did run without yielding for a while (usually for hundreds of messages)...
      expect(longestRun, measured).toBeGreaterThanOrEqual(8);
      // ...and what it allocated is a few copies in flight, not one per message: 2 MiB is 32
      // messages (a loop keeping every copy until its write callback grew by 3-110 MiB here)
      expect(peakGrowth, measured).toBeLessThan(2 * MiB);
      expect(held.length).toBeGreaterThan(0);
    } finally {
      receiver.kill();
    }
  });

  it('messages a receiver keeps stay intact while thousands more arrive', async () => {
    const [sender, receiver] = await pairOver(t);
    // small sizes, many per read: they are views into the read slab; some large ones too
    const sizeOf = (seq: number) => (seq % 50 === 7 ? 64 * KiB + 9 : 1 + ((seq * 389) % 4000));
    const KEEP = 200;
    const MORE = 2000;
    const sending = (async () => {
      for (let seq = 0; seq < KEEP + MORE; seq++) await sender.send(content(sizeOf(seq), seq));
    })();
    const kept: Uint8Array[] = [];
    for (let seq = 0; seq < KEEP; seq++) kept.push(await receiver.recv());
    for (let seq = KEEP; seq < KEEP + MORE; seq++) expectSame(await receiver.recv(), content(sizeOf(seq), seq), `message ${seq}`);
    await sending;
    kept.forEach((m, seq) => expectSame(m, content(sizeOf(seq), seq), `kept message ${seq}`));
  });
});

describe.each(TRANSPORTS)('a hostile peer over $name', (t) => {
  /** A PAIR with recvMaxSize 32 MiB, and a raw peer that has passed the SP handshake with it. */
  async function pairWithRawPeer(): Promise<{ s: SpSocket; peer: RawPeer }> {
    const s = testSocket('pair', { recvMaxSize: 32 * MiB });
    const ep = await s.bind(t.url());
    const piped = next(s, 'pipe');
    const peer = await rawPeer(ep.url);
    await peer.writeSegments([spHeaderBytes(PAIR)]);
    await piped;
    return { s, peer };
  }

  it('announcing 16 MiB + 1 and stalling after 1 KiB holds at most that frame (in memory at most a quarter larger); nothing is delivered; closing drops the pipe', async () => {
    const { s, peer } = await pairWithRawPeer();
    const broken = next(s, 'pipe-broken');
    // a large frame is read into send's pool: with its idle buffers of that capacity taken, the frame's memory is new and shows
    drainPool(16 * MiB + 1);
    gc();
    const base = arrayBuffers();
    await peer.writeSegments([Buffer.concat([lengthPrefix(16 * MiB + 1, t.ipc), content(KiB, 1)])]);
    // the frame's allocation shows once nanosp has read the length
    await untilTrue(() => arrayBuffers() - base >= 16 * MiB, 'nanosp allocates the announced frame');
    // another round of reads (nothing more comes), then look again
    await expect(s.recv({ timeout: 50 })).rejects.toMatchObject({ code: 'ETIMEDOUT' });
    // (the pool's capacity for 16 MiB + 1 is 20 MiB, of which only what arrives is ever touched)
    expect(arrayBuffers() - base).toBeLessThanOrEqual(20 * MiB + 2 * MiB);
    expect(s.stats.messagesReceived).toBe(0);
    peer.socket.end();
    const [event] = await broken;
    expect(event.error.code).toBe('EPROTO');
    expect(event.error.message).toMatch(/middle of a message/);
    await peer.closed;
    expect(s.stats.brokenConnections).toBe(1);
    expect(s.stats.currentConnections).toBe(0);
    expect(s.stats.messagesReceived).toBe(0);
    await expect(s.recv({ timeout: 20 })).rejects.toMatchObject({ code: 'ETIMEDOUT' });
  });

  it('after a run of equal 64 KiB frames, a bad frame read into the buffer sized for the next one still breaks the pipe', async () => {
    const { s, peer } = await pairWithRawPeer();
    const frame = (seq: number) => Buffer.concat([lengthPrefix(64 * KiB, t.ipc), content(64 * KiB, seq)]);
    await peer.writeSegments([frame(1), frame(2)]);
    expectSame(await s.recv(), content(64 * KiB, 1), 'first');
    expectSame(await s.recv(), content(64 * KiB, 2), 'second');
    // the next read at the boundary goes into a buffer sized for a third such frame
    const broken = next(s, 'pipe-broken');
    const bad = t.ipc ? Buffer.concat([Buffer.from([0x02]), lengthPrefix(64 * KiB, false)]) : lengthPrefix(32 * MiB + 1, false);
    await peer.writeSegments([bad]);
    const [event] = await broken;
    expect(event.error.code).toBe(t.ipc ? 'EPROTO' : 'EMSGSIZE');
    await peer.closed;
    expect(s.stats.messagesReceived).toBe(2);
  });

  it('announcing recvMaxSize + 1 bytes is dropped with EMSGSIZE, without allocating them', async () => {
    const { s, peer } = await pairWithRawPeer();
    const broken = next(s, 'pipe-broken');
    gc();
    const base = arrayBuffers();
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, arrayBuffers() - base)), 1);
    try {
      await peer.writeSegments([Buffer.concat([lengthPrefix(32 * MiB + 1, t.ipc), content(KiB, 2)])]);
      const [event] = await broken;
      peak = Math.max(peak, arrayBuffers() - base);
      expect(event.error.code).toBe('EMSGSIZE');
    } finally {
      clearInterval(sampler);
    }
    await peer.closed;
    expect(peak).toBeLessThan(4 * MiB);
    expect(s.stats.brokenConnections).toBe(1);
    expect(s.stats.messagesReceived).toBe(0);
    await expect(s.recv({ timeout: 20 })).rejects.toMatchObject({ code: 'ETIMEDOUT' });
  });
});
