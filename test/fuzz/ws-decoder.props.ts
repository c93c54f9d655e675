/**
 * The WebSocket receiver (WsDecoder): frames, masking, fragmentation, control frames, UTF-8 of
 * text messages, recvMaxSize. Judged against an RFC 6455 model (wire/ws-model.ts), and
 * against itself: however the bytes are cut, it reports the same.
 */
import { deepStrictEqual, equal, ok } from 'node:assert/strict';
import fc from 'fast-check';
import { WsDecoder } from '../../src/node/transport/ws/receiver.js';
import { WsFrameWriter } from '../../src/node/transport/ws/sender.js';
import { pure, type FuzzProperty } from './harness/property.js';
import { readThrough } from './harness/slab-reads.js';
import { bytesArb, copies, cut, cutsArb } from './harness/split.js';
import { decodeWs } from './wire/ws-decode.js';
import { anyFrameArb, encodeFrame, messageFramesArb, OP, type DataMessage, type FrameSpec } from './wire/ws-frame.js';
import { expectedEvents } from './wire/ws-model.js';

const limitArb = fc.oneof(fc.constant(-1), fc.integer({ min: 0, max: 64 }), fc.constant(1024 * 1024));

/** A data message that keeps the rules: binary bytes, or text that is UTF-8. */
const messageArb: fc.Arbitrary<DataMessage> = fc.oneof(
  bytesArb(300).map((payload) => ({ text: false, payload })),
  fc.string({ unit: 'binary', maxLength: 60 }).map((s) => ({ text: true, payload: Buffer.from(s) })),
);

/** Mostly small messages, some large enough (16 KiB up) to be read into their own allocation. */
const bigOrSmallArb: fc.Arbitrary<DataMessage> = fc.oneof(
  { weight: 2, arbitrary: messageArb },
  {
    weight: 1,
    arbitrary: fc.tuple(fc.integer({ min: 16 * 1024 - 2, max: 150_000 }), fc.nat(255)).map(([n, seed]) => {
      const payload = Buffer.allocUnsafe(n);
      for (let i = 0; i < n; i++) payload[i] = (i * 7 + seed) & 0xff;
      return { text: false, payload };
    }),
  },
);

/** Frames to bytes, maybe with noise after them. */
function streamOf(frames: readonly FrameSpec[], tail: Buffer = Buffer.alloc(0)): Buffer {
  return Buffer.concat([...frames.map((f) => encodeFrame(f)), tail]);
}

export const wsDecoderProperties: readonly FuzzProperty[] = [
  pure("WsFrameWriter's frames, cut anywhere, decode to the same messages (client and server side)", 300, () =>
    fc.property(fc.boolean(), fc.array(messageArb, { maxLength: 8 }), cutsArb, (masked, messages, cuts) => {
      const writer = new WsFrameWriter(masked);
      for (const m of messages) writer.append(m.text ? OP.text : OP.binary, Buffer.alloc(0), m.payload);
      const got = decodeWs(masked, -1, cut(Buffer.concat(writer.take()), cuts));
      deepStrictEqual(got.events, messages.map((m) => ({ kind: 'message', payload: m.payload, text: m.text })));
      equal(got.partial, false);
    }),
  ),

  pure('large and small messages read through SlabReader (random read sizes, large payloads read in place and unmasked there) come out whole, and no view is written over later', 200, () =>
    fc.property(fc.boolean(), fc.array(bigOrSmallArb, { minLength: 1, maxLength: 8 }), fc.array(fc.integer({ min: 1, max: 70_000 }), { minLength: 1, maxLength: 20 }), (masked, messages, readSizes) => {
      const writer = new WsFrameWriter(masked);
      for (const m of messages) writer.append(m.text ? OP.text : OP.binary, Buffer.alloc(0), m.payload);
      const stream = Buffer.concat(writer.take());
      const got: Buffer[] = [];
      const decoder = new WsDecoder(masked, { wsMessage: (payload) => void got.push(payload), wsPing: () => {}, wsClose: () => {} }, { recvMaxSize: -1 });
      readThrough(stream, readSizes, {
        chunk: (chunk) => equal(decoder.push(chunk), undefined),
        readTarget: () => decoder.readTarget(),
        filledInPlace: (n) => equal(decoder.filledInPlace(n), undefined),
      });
      equal(decoder.partial, false);
      // compared only now: a later read into memory a message still views would show here
      deepStrictEqual(got.map((p) => Buffer.from(p)), messages.map((m) => m.payload));
    }),
  ),

  pure('fragmented messages with pings and pongs between the fragments come out whole, pings in order', 300, () =>
    fc.property(fc.boolean().chain((masked) => fc.tuple(fc.constant(masked), fc.array(messageFramesArb(messageArb, masked), { maxLength: 4 }))), cutsArb, ([masked, messages], cuts) => {
      const frames = messages.flat();
      const got = decodeWs(masked, -1, cut(streamOf(frames), cuts));
      deepStrictEqual(got.events, expectedEvents(frames, masked, -1));
      equal(got.events.filter((e) => e.kind === 'message').length, messages.length);
      equal(got.partial, false);
    }),
  ),

  pure('any sequence of frames decodes as RFC 6455 says: messages, pings, Close, or the failure with its close code', 1000, () =>
    fc.property(fc.boolean().chain((masked) => fc.tuple(fc.constant(masked), fc.array(anyFrameArb(masked), { maxLength: 8 }))), limitArb, cutsArb, ([masked, frames], limit, cuts) => {
      const got = decodeWs(masked, limit, cut(streamOf(frames), cuts));
      deepStrictEqual(got.events, expectedEvents(frames, masked, limit));
    }),
  ),

  pure('any bytes decode alike however they are cut, never throw, and fail only with 1002, 1007 or 1009', 1000, () =>
    fc.property(fc.boolean().chain((masked) => fc.tuple(fc.constant(masked), fc.array(anyFrameArb(masked), { maxLength: 4 }))), bytesArb(64), limitArb, cutsArb, ([masked, frames], noise, limit, cuts) => {
      const stream = streamOf(frames, noise);
      const whole = decodeWs(masked, limit, [Buffer.from(stream)]);
      const split = decodeWs(masked, limit, copies(cut(stream, cuts)));
      deepStrictEqual(split.events, whole.events);
      const last = whole.events.at(-1);
      if (last?.kind === 'failure') ok([1002, 1007, 1009].includes(last.closeCode));
      else if (last?.kind !== 'close') equal(split.partial, whole.partial);
      if (limit >= 0) for (const e of whole.events) if (e.kind === 'message') ok(e.payload.length <= limit);
    }),
  ),

  pure('a frame that takes its message over recvMaxSize fails with 1009 as soon as its header is complete (1002 for a length with the top bit)', 500, () =>
    fc.property(fc.boolean(), fc.integer({ min: 0, max: 4096 }), fc.bigInt({ min: 1n, max: 2n ** 64n - 1n }), fc.constantFrom('short' as const, '16' as const, '64' as const), fc.integer({ min: 0, max: 255 }), (masked, limit, over, form, key) => {
      const announce = BigInt(limit) + over > 2n ** 64n - 1n ? 2n ** 64n - 1n : BigInt(limit) + over;
      const frame = encodeFrame({ fin: true, rsv: 0, op: OP.binary, masked, payload: Buffer.alloc(0), form, key: Buffer.alloc(4, key) }, announce);
      const got = decodeWs(masked, limit, [frame]);
      deepStrictEqual(got.events, [{ kind: 'failure', closeCode: announce >= 2n ** 63n ? 1002 : 1009 }]);
    }),
  ),
];
