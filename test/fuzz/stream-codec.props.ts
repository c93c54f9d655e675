/**
 * The SP stream mapping's decoders (TCP, IPC, TLS): the 8-byte connection header check and
 * the frame decoder, with and without IPC's type byte.
 */
import { deepStrictEqual, equal, ok } from 'node:assert/strict';
import fc from 'fast-check';
import { checkSpHeader, FrameDecoder, FrameWriter, PREDICT_MAX, PREDICT_MIN, spHeader, UPFRONT_MAX } from '../../src/node/transport/stream-codec.js';
import { SpError } from '../../src/sp/errors.js';
import { pure, type FuzzProperty } from './harness/property.js';
import { readThrough } from './harness/slab-reads.js';
import { bytesArb, cut, cutsArb } from './harness/split.js';
import { patterned } from '../helpers/patterned.js';

interface Decoded {
  readonly frames: Buffer[];
  readonly error: SpError | undefined;
  readonly partial: boolean;
  /** The most the decoder kept between two pushes. */
  readonly mostHeld: number;
}

/**
 * What the decoder keeps between pushes: gathered body parts, prefix bytes, and the frame in
 * progress's own allocation (made whole once its length passed the limit check) (white-box).
 */
function held(decoder: FrameDecoder): number {
  const inner = decoder as unknown as { parts: Buffer[]; prefixFill: number; body: Buffer | undefined };
  return inner.parts.reduce((n, p) => n + p.length, 0) + inner.prefixFill + (inner.body?.length ?? 0);
}

/** Feed `pieces` in turn, stopping at the first error, as a pipe does. */
function decode(ipc: boolean, recvMaxSize: number, pieces: readonly Buffer[]): Decoded {
  const frames: Buffer[] = [];
  const decoder = new FrameDecoder(ipc, { frame: (payload) => frames.push(Buffer.from(payload)) }, { recvMaxSize });
  let error: SpError | undefined;
  let mostHeld = 0;
  for (const piece of pieces) {
    error = decoder.push(piece);
    if (error) break;
    mostHeld = Math.max(mostHeld, held(decoder));
  }
  return { frames, error, partial: decoder.partial, mostHeld };
}

/** A 64-bit big-endian length, from small to beyond anything Node can hold. */
const lengthArb = fc.oneof(fc.bigInt({ min: 0n, max: 64n }), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }));

/** Byte streams that look like frames often enough to reach every state: prefixes, bodies, noise. */
function streamArb(ipc: boolean): fc.Arbitrary<Buffer> {
  const prefixed = fc.tuple(fc.oneof({ weight: 9, arbitrary: fc.constant(1) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 255 }) }), lengthArb, bytesArb(80)).map(([type, length, body]) => {
    const prefix = Buffer.alloc(8);
    prefix.writeBigUInt64BE(length);
    return Buffer.concat([ipc ? Buffer.from([type]) : Buffer.alloc(0), prefix, body]);
  });
  return fc.array(fc.oneof(prefixed, bytesArb(24)), { maxLength: 8 }).map((parts) => Buffer.concat(parts));
}

/** A framing (TCP or IPC) and a stream for it. */
const framedStreamArb = fc.boolean().chain((ipc) => fc.tuple(fc.constant(ipc), streamArb(ipc)));

const limitArb = fc.oneof(fc.constant(-1), fc.integer({ min: 0, max: 128 }), fc.constant(1024 * 1024));

const messageArb = fc.record({
  header: bytesArb(12),
  // now and then beyond the writer's copy limit, so bodies kept by reference are covered too
  body: fc.oneof({ weight: 19, arbitrary: bytesArb(200) }, { weight: 1, arbitrary: fc.integer({ min: 16 * 1024, max: 40_000 }).map((n) => Buffer.alloc(n, n & 0xff)) }),
});

/** Messages small and large, so that reads land in the slab and straight in frames' bodies. */
const bigOrSmallMessageArb = fc.record({
  header: bytesArb(12),
  body: fc.oneof(
    { weight: 3, arbitrary: bytesArb(200) },
    { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 16 * 1024, max: 150_000 }), fc.nat(255)).map(([n, seed]) => patterned(n, seed)) },
  ),
});

const readSizesArb = fc.array(fc.integer({ min: 1, max: 70_000 }), { minLength: 1, maxLength: 20 });
/** Reads now and then large enough to fill a run's buffer of several frames (up to PREDICT_RUN). */
const runReadSizesArb = fc.array(fc.oneof(fc.integer({ min: 1, max: 70_000 }), fc.integer({ min: 60_000, max: 300_000 })), { minLength: 1, maxLength: 20 });

/** Messages of one large size (around PREDICT_MIN..PREDICT_MAX), now and then a small one between. */
const equalRunArb = fc
  .tuple(fc.integer({ min: PREDICT_MIN - 16, max: PREDICT_MAX + 16 }), fc.array(fc.tuple(fc.nat(9), fc.nat(255)), { minLength: 1, maxLength: 12 }))
  .map(([size, picks]) => picks.map(([pick, seed]) => ({ header: Buffer.alloc(pick % 2 === 0 ? 0 : 4, seed), body: pick === 9 ? Buffer.from('small') : patterned(size - (pick % 2 === 0 ? 0 : 4), seed) })));

/**
 * Frame `messages`, feed the stream to a FrameDecoder through a SlabReader in reads of the
 * given sizes (each at most what the reader offers), and check every payload at the end: a
 * later read into memory a frame still views would show then.
 */
function throughSlabReader(ipc: boolean, messages: { header: Buffer; body: Buffer }[], readSizes: number[]): void {
  const writer = new FrameWriter(ipc);
  for (const m of messages) writer.append(m.header, m.body);
  const stream = Buffer.concat(writer.take());
  const frames: Buffer[] = [];
  const decoder = new FrameDecoder(ipc, { frame: (payload) => frames.push(payload) }, { recvMaxSize: -1 });
  // the sink a running StreamPipe is
  readThrough(stream, readSizes, {
    chunk: (chunk) => equal(decoder.push(chunk), undefined),
    readTarget: () => decoder.readTarget(),
    filledInPlace: (n) => equal(decoder.filledInPlace(n), undefined),
  });
  equal(decoder.partial, false);
  deepStrictEqual(frames.map((f) => Buffer.from(f)), messages.map((m) => Buffer.concat([m.header, m.body])));
}

export const streamCodecProperties: readonly FuzzProperty[] = [
  pure('FrameWriter output, cut anywhere, decodes to the same payloads', 300, () =>
    fc.property(fc.boolean(), fc.array(messageArb, { maxLength: 10 }), cutsArb, (ipc, messages, cuts) => {
      const writer = new FrameWriter(ipc);
      for (const m of messages) writer.append(m.header, m.body);
      const stream = Buffer.concat(writer.take());
      const got = decode(ipc, -1, cut(stream, cuts));
      equal(got.error, undefined);
      equal(got.partial, false);
      deepStrictEqual(got.frames, messages.map((m) => Buffer.concat([m.header, m.body])));
    }),
  ),

  pure('any bytes decode alike however they are cut: the same frames, error and partial state', 1000, () =>
    fc.property(limitArb, cutsArb, framedStreamArb, (limit, cuts, [ipc, stream]) => {
      const whole = decode(ipc, limit, [stream]);
      const split = decode(ipc, limit, cut(stream, cuts));
      deepStrictEqual(split.frames, whole.frames);
      equal(split.error?.code, whole.error?.code);
      if (!whole.error) equal(split.partial, whole.partial);
    }),
  ),

  pure('any bytes: only SpErrors EMSGSIZE or (IPC type byte) EPROTO, frames within recvMaxSize, nothing kept beyond what came or one frame within the limit', 1000, () =>
    fc.property(limitArb, cutsArb, framedStreamArb, (limit, cuts, [ipc, stream]) => {
      const pieces = cut(stream, cuts);
      const got = decode(ipc, limit, pieces);
      if (got.error) {
        ok(got.error instanceof SpError);
        ok(got.error.code === 'EMSGSIZE' || (ipc && got.error.code === 'EPROTO'), got.error.message);
      }
      if (limit >= 0) for (const f of got.frames) ok(f.length <= limit);
      // what came, or one frame allocated whole after its length passed the limit
      ok(got.mostHeld <= Math.max(stream.length, limit >= 0 ? limit + (ipc ? 9 : 8) : UPFRONT_MAX));
      if (limit >= 0) ok(got.mostHeld <= limit + (ipc ? 9 : 8));
    }),
  ),

  pure('a length above recvMaxSize is refused the moment it is complete, before any body is kept', 500, () =>
    fc.property(fc.boolean(), fc.integer({ min: 0, max: 1 << 20 }), fc.bigInt({ min: 1n, max: 2n ** 64n - 1n }), cutsArb, (ipc, limit, over, cuts) => {
      const length = BigInt(limit) + over > 2n ** 64n - 1n ? 2n ** 64n - 1n : BigInt(limit) + over;
      const prefix = Buffer.alloc(8);
      prefix.writeBigUInt64BE(length);
      const stream = Buffer.concat([ipc ? Buffer.from([1]) : Buffer.alloc(0), prefix, Buffer.alloc(16)]);
      const got = decode(ipc, limit, cut(stream.subarray(0, stream.length - 16), cuts));
      equal(got.error?.code, 'EMSGSIZE');
      equal(got.frames.length, 0);
      ok(got.mostHeld < (ipc ? 9 : 8)); // at most the prefix, one byte short of complete
    }),
  ),

  pure('written frames read through SlabReader (random read sizes, bodies read in place) come back intact, and no view handed out is written over later', 300, () =>
    fc.property(fc.boolean(), fc.array(bigOrSmallMessageArb, { minLength: 1, maxLength: 12 }), readSizesArb, throughSlabReader),
  ),

  pure('runs of equal large frames, read several at a time into buffers sized for them, come back intact', 200, () =>
    fc.property(fc.boolean(), equalRunArb, runReadSizesArb, throughSlabReader),
  ),

  pure('the SP header check accepts exactly 00 53 50 00 <peer id> 00 00 and reports anything else as EPROTO', 1000, () =>
    fc.property(fc.integer({ min: 0, max: 0xffff }), fc.oneof(bytesArb(8).filter((b) => b.length === 8), fc.integer({ min: 0, max: 0xffff }).map(spHeader), fc.tuple(fc.integer({ min: 0, max: 0xffff }), fc.nat(7), fc.integer({ min: 1, max: 255 })).map(([id, at, flip]) => {
      const h = spHeader(id);
      h[at] = (h[at] as number) ^ flip;
      return h;
    })), (expected, header) => {
      const err = checkSpHeader(header, expected, (id) => `0x${id.toString(16)}`);
      if (header.equals(spHeader(expected))) equal(err, undefined);
      else {
        ok(err instanceof SpError);
        equal(err.code, 'EPROTO');
      }
    }),
  ),
];
