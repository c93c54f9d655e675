/**
 * Property tests for the stream codec, driven by a seeded PRNG so any failure reproduces:
 * whatever the writer frames, the decoder gives back exactly, however the bytes are split;
 * and nothing a peer sends can make the decoder throw or hold more than it was given.
 */
import { describe, it, expect } from 'vitest';
import { FrameDecoder, FrameWriter } from '../../src/node/transport/stream-codec.js';
import { SpError } from '../../src/sp/errors.js';

const MiB = 1024 * 1024;
const SEED = 0x5eed_2024;

/** mulberry32: small, fast, and good enough to pick sizes and cut points. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    /** An integer in [lo, hi]. */
    int: (lo: number, hi: number): number => lo + Math.floor(next() * (hi - lo + 1)),
    chance: (p: number): boolean => next() < p,
    bytes(n: number): Buffer {
      const b = Buffer.allocUnsafe(n);
      for (let i = 0; i < n; i++) b[i] = Math.floor(next() * 256);
      return b;
    },
  };
}
type Rng = ReturnType<typeof prng>;

/** Split `data` into random pieces: sometimes whole, sometimes bytewise, usually a few cuts. */
function randomSplit(rng: Rng, data: Buffer): Buffer[] {
  if (data.length === 0) return [data];
  const mode = rng.next();
  if (mode < 0.1) return [data];
  if (mode < 0.15 && data.length < 400) return Array.from({ length: data.length }, (_, i) => data.subarray(i, i + 1));
  const cuts = new Set<number>();
  const n = rng.int(1, 12);
  for (let i = 0; i < n; i++) cuts.add(rng.int(0, data.length));
  const sorted = [...cuts].sort((x, y) => x - y);
  const pieces: Buffer[] = [];
  let prev = 0;
  for (const c of sorted) {
    pieces.push(data.subarray(prev, c)); // empty pieces included on purpose
    prev = c;
  }
  pieces.push(data.subarray(prev));
  return pieces;
}

function randomBodySize(rng: Rng): number {
  const r = rng.next();
  if (r < 0.1) return 0;
  if (r < 0.75) return rng.int(1, 64);
  if (r < 0.97) return rng.int(65, 3000);
  return rng.int(16 * 1024 - 2, 40_000); // around and above the by-reference threshold
}

/**
 * What the decoder keeps between pushes: the filled prefix bytes, the gathered body parts of a
 * frame over UPFRONT_MAX, and the allocation of a frame in progress (made whole once its
 * length has passed the recvMaxSize check, so it may exceed what was fed by one frame).
 * White-box on purpose (no public API reports it); fails loudly if the fields are renamed.
 */
function heldBytes(dec: FrameDecoder): number {
  const inner = dec as unknown as { parts?: unknown; prefixFill?: unknown; body?: unknown };
  if (!Array.isArray(inner.parts) || typeof inner.prefixFill !== 'number' || !('body' in inner)) {
    throw new Error('FrameDecoder internals changed (parts/prefixFill/body); update heldBytes() in fuzz.test.ts');
  }
  const body = inner.body instanceof Buffer ? inner.body.length : 0;
  return (inner.parts as Buffer[]).reduce((n, p) => n + p.length, 0) + inner.prefixFill + body;
}

/** The frame in progress's own allocation (0 between frames or while gathering parts). */
function frameAllocation(dec: FrameDecoder): number {
  const body = (dec as unknown as { body?: unknown }).body;
  return body instanceof Buffer ? body.length : 0;
}

function tcpLength(size: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(size);
  return b;
}

describe('codec round trip (seeded)', () => {
  it('FrameWriter → concat → random re-split → FrameDecoder gives back every payload exactly', () => {
    const rng = prng(SEED);
    // one long-lived writer per framing, so slab reuse across take() calls is exercised too
    const writers = { tcp: new FrameWriter(false), ipc: new FrameWriter(true) };
    let checkedMessages = 0;
    for (let iter = 0; iter < 2500; iter++) {
      const ipc = rng.chance(0.5);
      const writer = ipc ? writers.ipc : writers.tcp;
      const expected: Buffer[] = [];
      const chunks: Buffer[] = [];
      const rounds = rng.int(1, 3);
      for (let r = 0; r < rounds; r++) {
        const count = rng.int(0, 12);
        let queued = 0;
        for (let m = 0; m < count; m++) {
          const header = rng.bytes(rng.chance(0.5) ? 0 : 4 * rng.int(1, 3));
          const body = rng.bytes(randomBodySize(rng));
          writer.append(header, body);
          queued += (ipc ? 9 : 8) + header.length + body.length;
          expect(writer.queued, `seed ${SEED} iter ${iter}`).toBe(queued);
          expected.push(Buffer.concat([header, body]));
        }
        chunks.push(...writer.take());
        expect(writer.queued).toBe(0);
      }
      const stream = Buffer.concat(chunks);
      const frames: Buffer[] = [];
      const dec = new FrameDecoder(ipc, { frame: (p) => frames.push(p) }, { recvMaxSize: rng.chance(0.5) ? -1 : MiB });
      for (const piece of randomSplit(rng, stream)) {
        const err = dec.push(piece);
        if (err) throw new Error(`seed ${SEED} iter ${iter}: unexpected ${err.message}`);
      }
      expect(dec.partial, `seed ${SEED} iter ${iter}`).toBe(false);
      expect(frames.length, `seed ${SEED} iter ${iter}`).toBe(expected.length);
      for (let i = 0; i < expected.length; i++) {
        if (!(frames[i] as Buffer).equals(expected[i] as Buffer)) {
          throw new Error(`seed ${SEED} iter ${iter}: payload ${i} differs (${frames[i]?.length} vs ${expected[i]?.length} bytes)`);
        }
      }
      checkedMessages += expected.length;
    }
    expect(checkedMessages).toBeGreaterThan(10_000);
  });

  it('a stream truncated anywhere yields exactly the whole frames before the cut, and partial says whether a frame was cut', () => {
    const rng = prng(SEED + 1);
    for (let iter = 0; iter < 2000; iter++) {
      const ipc = rng.chance(0.5);
      const w = new FrameWriter(ipc);
      const payloads: Buffer[] = [];
      const ends: number[] = []; // stream offset where each frame ends
      let offset = 0;
      for (let m = rng.int(1, 8); m > 0; m--) {
        const body = rng.bytes(rng.int(0, 100));
        w.append(Buffer.alloc(0), body);
        payloads.push(body);
        offset += (ipc ? 9 : 8) + body.length;
        ends.push(offset);
      }
      const stream = Buffer.concat(w.take());
      const cut = rng.int(0, stream.length);
      const frames: Buffer[] = [];
      const dec = new FrameDecoder(ipc, { frame: (p) => frames.push(p) }, { recvMaxSize: MiB });
      for (const piece of randomSplit(rng, stream.subarray(0, cut))) expect(dec.push(piece)).toBeUndefined();
      const whole = ends.filter((e) => e <= cut).length;
      const msg = `seed ${SEED + 1} iter ${iter} cut ${cut}`;
      expect(frames.length, msg).toBe(whole);
      frames.forEach((f, i) => expect(f.equals(payloads[i] as Buffer), msg).toBe(true));
      expect(dec.partial, msg).toBe(cut !== 0 && !ends.includes(cut));
      // what was fed past the last whole frame, or the one frame in progress's allocation
      expect(heldBytes(dec), msg).toBeLessThanOrEqual(Math.max(cut - (whole > 0 ? (ends[whole - 1] as number) : 0), frameAllocation(dec) + (ipc ? 9 : 8)));
    }
  });
});

describe('decoder robustness (seeded)', () => {
  it('random garbage never throws; errors are returned as EMSGSIZE/EPROTO; frames respect recvMaxSize; held memory ≤ bytes fed or one frame within the limit', () => {
    const rng = prng(SEED + 2);
    const limits = [-1, 0, 1, 7, 100, 4096, MiB];
    const seen = { EMSGSIZE: 0, EPROTO: 0, frames: 0 };
    for (let iter = 0; iter < 4000; iter++) {
      const ipc = rng.chance(0.5);
      const recvMaxSize = limits[rng.int(0, limits.length - 1)] as number;
      const msg = `seed ${SEED + 2} iter ${iter}`;
      // garbage, sometimes with plausible small lengths mixed in so frames get through too
      const parts: Buffer[] = [];
      for (let k = rng.int(1, 6); k > 0; k--) {
        if (rng.chance(0.4)) {
          const size = rng.int(0, 40);
          const prefix = ipc ? Buffer.concat([Buffer.from([rng.chance(0.9) ? 1 : rng.int(0, 255)]), tcpLength(BigInt(size))]) : tcpLength(BigInt(size));
          parts.push(prefix, rng.bytes(rng.int(0, size + 5)));
        } else {
          parts.push(rng.bytes(rng.int(0, 64)));
        }
      }
      const data = Buffer.concat(parts);
      const frames: Buffer[] = [];
      const dec = new FrameDecoder(ipc, { frame: (p) => frames.push(p) }, { recvMaxSize });
      let fed = 0;
      let result: SpError | undefined;
      for (const piece of randomSplit(rng, data)) {
        try {
          result = dec.push(piece);
        } catch (e) {
          throw new Error(`${msg}: push threw ${String(e)}`);
        }
        fed += piece.length;
        if (result) break;
        expect(heldBytes(dec), msg).toBeLessThanOrEqual(Math.max(fed, frameAllocation(dec)));
        if (recvMaxSize >= 0) expect(heldBytes(dec), msg).toBeLessThanOrEqual(recvMaxSize + (ipc ? 9 : 8));
      }
      if (result) {
        expect(result, msg).toBeInstanceOf(SpError);
        expect(['EMSGSIZE', 'EPROTO'], msg).toContain(result.code);
        if (result.code === 'EPROTO') expect(ipc, `${msg}: EPROTO only exists in IPC framing`).toBe(true);
        seen[result.code as 'EMSGSIZE' | 'EPROTO']++;
      }
      if (recvMaxSize >= 0) for (const f of frames) expect(f.length, msg).toBeLessThanOrEqual(recvMaxSize);
      seen.frames += frames.length;
    }
    // the generator really reaches every outcome
    expect(seen.EMSGSIZE).toBeGreaterThan(100);
    expect(seen.EPROTO).toBeGreaterThan(100);
    expect(seen.frames).toBeGreaterThan(100);
  });

  it('any announced length over recvMaxSize is refused as soon as the length is complete', () => {
    const rng = prng(SEED + 3);
    for (let iter = 0; iter < 2000; iter++) {
      const ipc = rng.chance(0.5);
      const recvMaxSize = rng.int(0, 2 * MiB);
      // from just over the limit to the full 64-bit range
      const random64 = ((BigInt(rng.int(0, 2 ** 32 - 1)) << 32n) | BigInt(rng.int(0, 2 ** 32 - 1))) >> BigInt(rng.int(0, 63));
      const over = rng.chance(0.5) ? BigInt(rng.int(1, 1000)) : random64 + 1n;
      const max64 = 2n ** 64n - 1n;
      const size = BigInt(recvMaxSize) + over > max64 ? max64 : BigInt(recvMaxSize) + over;
      const prefix = ipc ? Buffer.concat([Buffer.from([1]), tcpLength(size)]) : tcpLength(size);
      const frames: Buffer[] = [];
      const dec = new FrameDecoder(ipc, { frame: (p) => frames.push(p) }, { recvMaxSize });
      const pieces = randomSplit(rng, prefix);
      const msg = `seed ${SEED + 3} iter ${iter} size ${size} max ${recvMaxSize}`;
      let fed = 0;
      let err: SpError | undefined;
      for (const piece of pieces) {
        err = dec.push(piece);
        fed += piece.length;
        if (fed < prefix.length) expect(err, msg).toBeUndefined();
        else break; // the piece that completed the length must already report it
      }
      expect(err?.code, msg).toBe('EMSGSIZE');
      expect(frames).toHaveLength(0);
    }
  });

  it('with recvMaxSize 1 MiB a 2^40-byte announcement is refused at once, holding nothing', () => {
    const dec = new FrameDecoder(false, { frame: () => expect.unreachable() }, { recvMaxSize: MiB });
    const err = dec.push(tcpLength(2n ** 40n));
    expect(err?.code).toBe('EMSGSIZE');
    expect(heldBytes(dec)).toBe(0);
  });

  it('a valid length within the limit holds one allocation of that frame, however the body arrives', () => {
    const dec = new FrameDecoder(false, { frame: () => expect.unreachable() }, { recvMaxSize: MiB });
    expect(dec.push(tcpLength(BigInt(MiB)))).toBeUndefined();
    expect(heldBytes(dec)).toBe(MiB);
    for (const n of [1, 10, 100, 1000, 10_000]) {
      expect(dec.push(Buffer.alloc(n))).toBeUndefined();
      expect(heldBytes(dec)).toBe(MiB);
    }
    expect(dec.partial).toBe(true);
  });

  it('a 1 GiB announcement with no limit does not allocate it up front', () => {
    const dec = new FrameDecoder(false, { frame: () => expect.unreachable() }, { recvMaxSize: -1 });
    const before = process.memoryUsage().arrayBuffers;
    expect(dec.push(Buffer.concat([tcpLength(2n ** 30n), Buffer.alloc(100)]))).toBeUndefined();
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * MiB);
    expect(heldBytes(dec)).toBe(100);
  });
});
