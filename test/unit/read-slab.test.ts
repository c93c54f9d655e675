/**
 * Reads that choose where the kernel writes (src/node/transport/read-slab.ts) and the
 * decoder's side of them (FrameDecoder.readTarget / filledInPlace): small reads land in a
 * slab that is only ever filled forwards, so chunks cut from it stay valid; a large frame's
 * body is read straight into its own allocation. `adoptReader` switches an accepted, paused
 * node:net socket to these reads.
 */
import { once } from 'node:events';
import { createServer, connect, Socket, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { adoptReader, SlabReader, SLAB_MIN_ROOM, SLAB_SIZE, SMALL_SLAB, type ReadSink } from '../../src/node/transport/read-slab.js';
import { FrameDecoder, IN_PLACE_MIN, PREDICT_MAX, PREDICT_MIN, PREDICT_RUN, UPFRONT_MAX } from '../../src/node/transport/stream-codec.js';
import { patterned } from '../helpers/patterned.js';

const KiB = 1024;
const MiB = 1024 * KiB;

/** A sink whose answers the test scripts: `target` is what readTarget() returns. */
class ScriptedSink implements ReadSink {
  readonly chunks: Buffer[] = [];
  readonly filled: number[] = [];
  target: Buffer | undefined;
  /** Bytes taken so far, as chunks or in place. */
  total = 0;
  private waiting: { n: number; resolve: () => void }[] = [];

  chunk(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.took(chunk.length);
  }

  readTarget(): Buffer | undefined {
    return this.target;
  }

  filledInPlace(n: number): void {
    this.filled.push(n);
    this.took(n);
  }

  /** Resolves once `n` bytes have come in all. */
  reached(n: number): Promise<void> {
    if (this.total >= n) return Promise.resolve();
    return new Promise((resolve) => this.waiting.push({ n, resolve }));
  }

  private took(n: number): void {
    this.total += n;
    this.waiting = this.waiting.filter((w) => (this.total >= w.n ? (w.resolve(), false) : true));
  }
}

/**
 * One read as the kernel does it: ask for the buffer, write `data` at its start, report
 * `data.length` bytes. `scribble` first fills the whole buffer with garbage: the reader must
 * hand out only memory nothing it gave away before lies in.
 */
function kernelRead(reader: SlabReader, data: Buffer, scribble = false): Buffer {
  const buf = reader.buffer();
  expect(buf.length).toBeGreaterThanOrEqual(data.length);
  if (scribble) buf.fill(0xee);
  data.copy(buf, 0);
  reader.callback(data.length, buf);
  return buf;
}

/**
 * A reader that has moved to full-size slabs: one read that filled its first (small) slab,
 * taken by a sink of its own, so `sink` sees only what comes after.
 */
function busyReader(sink: ScriptedSink): SlabReader {
  const reader = new SlabReader();
  reader.attach(new ScriptedSink());
  kernelRead(reader, patterned(SMALL_SLAB, 0));
  reader.attach(sink);
  return reader;
}

/** A TCP length prefix announcing `size` bytes. */
function prefix(size: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(size));
  return b;
}

/** A decoder that records payloads as handed on (not copied: the tests check the memory). */
function decoder(recvMaxSize = 128 * MiB, ipc = false) {
  const frames: Buffer[] = [];
  const dec = new FrameDecoder(ipc, { frame: (p) => frames.push(p) }, { recvMaxSize });
  return { dec, frames };
}

describe('SlabReader', () => {
  it('starts on a small slab and stays there while reads are small (idle pipes hold 2 KiB, not 64)', () => {
    const reader = new SlabReader();
    const sink = new ScriptedSink();
    reader.attach(sink);
    for (let i = 0; i < 50; i++) kernelRead(reader, patterned(100, i));
    const slabs = new Set(sink.chunks.map((c) => c.buffer));
    expect(slabs.size).toBeGreaterThan(1);
    // slices of Node's shared pool: no chunk lies in a full-size slab
    for (const chunk of sink.chunks) expect(chunk.buffer.byteLength).toBeLessThan(SLAB_SIZE);
    expect(reader.buffer().length).toBeLessThanOrEqual(SMALL_SLAB);
    sink.chunks.forEach((chunk, i) => expect(chunk.equals(patterned(100, i))).toBe(true));
  });

  it('moves to full-size slabs after a read that fills its buffer', () => {
    const reader = new SlabReader();
    const sink = new ScriptedSink();
    reader.attach(sink);
    const first = reader.buffer();
    expect(first.length).toBe(SMALL_SLAB);
    kernelRead(reader, patterned(SMALL_SLAB, 1));
    expect(reader.buffer().length).toBe(SLAB_SIZE);
  });

  it('hands small reads on as consecutive views of one slab', () => {
    const sink = new ScriptedSink();
    const reader = busyReader(sink);
    kernelRead(reader, patterned(100, 1));
    kernelRead(reader, patterned(3000, 2));
    kernelRead(reader, patterned(1, 3));
    const [a, b, c] = sink.chunks as [Buffer, Buffer, Buffer];
    expect(sink.chunks).toHaveLength(3);
    expect(a.buffer).toBe(b.buffer);
    expect(b.buffer).toBe(c.buffer);
    expect(a.buffer.byteLength).toBe(SLAB_SIZE);
    expect(b.byteOffset).toBe(a.byteOffset + a.length);
    expect(c.byteOffset).toBe(b.byteOffset + b.length);
    expect(a).toEqual(patterned(100, 1));
    expect(b).toEqual(patterned(3000, 2));
    expect(c).toEqual(patterned(1, 3));
  });

  it('never hands the kernel memory that an earlier chunk lies in', () => {
    const sink = new ScriptedSink();
    const reader = busyReader(sink);
    // reads of up to SLAB_MIN_ROOM (the least buffer() ever offers), nearly two slabs' worth
    const m = SLAB_MIN_ROOM;
    const sizes = [1, 7, 100, 4096, m, m - 1, 13, m, 9_999, m, m, m, 5];
    sizes.forEach((n, i) => kernelRead(reader, patterned(n, i), true));
    // more than a slab went through: the chunks are spread over more than one slab
    expect(new Set(sink.chunks.map((c) => c.buffer)).size).toBeGreaterThan(1);
    sink.chunks.forEach((chunk, i) => expect(chunk.equals(patterned(sizes[i] as number, i))).toBe(true));
  });

  it('keeps filling the slab while at least SLAB_MIN_ROOM is left', () => {
    const sink = new ScriptedSink();
    const reader = busyReader(sink);
    const first = kernelRead(reader, patterned(SLAB_SIZE - SLAB_MIN_ROOM, 1));
    const next = reader.buffer();
    expect(next.buffer).toBe(first.buffer);
    expect(next.byteOffset).toBe(SLAB_SIZE - SLAB_MIN_ROOM);
    expect(next.length).toBe(SLAB_MIN_ROOM);
  });

  it('starts a new slab once less than SLAB_MIN_ROOM is left', () => {
    const sink = new ScriptedSink();
    const reader = busyReader(sink);
    const first = kernelRead(reader, patterned(SLAB_SIZE - SLAB_MIN_ROOM + 1, 1));
    const next = reader.buffer();
    expect(next.buffer).not.toBe(first.buffer);
    expect(next.byteOffset).toBe(0);
    expect(next.length).toBe(SLAB_SIZE);
    // what was read into the old slab is untouched by reads into the new one
    next.fill(0);
    reader.callback(10, next);
    expect((sink.chunks[0] as Buffer).equals(patterned(SLAB_SIZE - SLAB_MIN_ROOM + 1, 1))).toBe(true);
  });

  it('gives the kernel exactly the sink’s readTarget, and reports the read as filledInPlace', () => {
    const reader = new SlabReader();
    const sink = new ScriptedSink();
    reader.attach(sink);
    kernelRead(reader, patterned(500, 1));
    const body = Buffer.alloc(100 * KiB);
    sink.target = body.subarray(4 * KiB);
    const buf = reader.buffer();
    expect(buf).toBe(sink.target);
    patterned(40 * KiB, 2).copy(buf);
    reader.callback(40 * KiB, buf);
    expect(sink.filled).toEqual([40 * KiB]);
    expect(sink.chunks).toHaveLength(1);
    expect(body.subarray(4 * KiB, 44 * KiB).equals(patterned(40 * KiB, 2))).toBe(true);
  });

  it('does not use up slab space for a read into a target', () => {
    const reader = new SlabReader();
    const sink = new ScriptedSink();
    reader.attach(sink);
    kernelRead(reader, patterned(500, 1));
    sink.target = Buffer.alloc(64 * KiB);
    kernelRead(reader, patterned(64 * KiB, 2));
    sink.target = undefined;
    kernelRead(reader, patterned(200, 3));
    const [a, b] = sink.chunks as [Buffer, Buffer];
    expect(sink.chunks).toHaveLength(2);
    expect(b.buffer).toBe(a.buffer);
    expect(b.byteOffset).toBe(a.byteOffset + a.length);
    expect(b).toEqual(patterned(200, 3));
  });

  it('holds what arrives before attach() and delivers it in order at attach', () => {
    const reader = new SlabReader();
    // no sink yet: the reader cannot ask for a target, reads go to the slab
    kernelRead(reader, patterned(10, 1));
    kernelRead(reader, patterned(20, 2));
    const sink = new ScriptedSink();
    expect(sink.chunks).toHaveLength(0);
    reader.attach(sink);
    expect(sink.chunks.map((c) => c.length)).toEqual([10, 20]);
    expect(sink.chunks[0]).toEqual(patterned(10, 1));
    expect(sink.chunks[1]).toEqual(patterned(20, 2));
    kernelRead(reader, patterned(30, 3));
    expect(sink.chunks).toHaveLength(3);
    expect(sink.chunks[2]).toEqual(patterned(30, 3));
    expect(sink.filled).toEqual([]);
  });
});

describe('FrameDecoder reading in place', () => {
  it('has no target between frames', () => {
    const { dec, frames } = decoder();
    expect(dec.readTarget()).toBeUndefined();
    expect(dec.push(Buffer.concat([prefix(3), Buffer.from('abc')]))).toBeUndefined();
    expect(frames.map(String)).toEqual(['abc']);
    expect(dec.readTarget()).toBeUndefined();
  });

  it('has no target while only the length has partly arrived', () => {
    const { dec } = decoder();
    dec.push(prefix(MiB).subarray(0, 5));
    expect(dec.readTarget()).toBeUndefined();
  });

  it('has no target for a remainder under IN_PLACE_MIN', () => {
    const { dec } = decoder();
    dec.push(Buffer.concat([prefix(IN_PLACE_MIN + 100), patterned(101, 1)]));
    expect(dec.partial).toBe(true);
    expect(dec.readTarget()).toBeUndefined();
  });

  it('has no target for a small frame split across reads', () => {
    const { dec } = decoder();
    dec.push(Buffer.concat([prefix(1000), patterned(10, 1)]));
    expect(dec.readTarget()).toBeUndefined();
  });

  it('targets the rest of a large frame’s body, exactly', () => {
    const { dec } = decoder();
    const size = 200 * KiB;
    dec.push(Buffer.concat([prefix(size), patterned(1000, 1)]));
    const target = dec.readTarget();
    expect(target).toBeDefined();
    expect(target!.length).toBe(size - 1000);
    // a remainder of exactly IN_PLACE_MIN still gets a target
    const { dec: edge } = decoder();
    edge.push(Buffer.concat([prefix(IN_PLACE_MIN + 1), patterned(1, 1)]));
    expect(edge.readTarget()?.length).toBe(IN_PLACE_MIN);
  });

  it('completes a frame read in place with the right bytes, in its own memory', () => {
    const { dec, frames } = decoder();
    const size = 300 * KiB + 7;
    const body = patterned(size, 5);
    dec.push(Buffer.concat([prefix(size), body.subarray(0, 1000)]));
    // the kernel fills the target a piece at a time, as reads come back short
    let at = 1000;
    let last: Buffer | undefined;
    for (const n of [64 * KiB, 100 * KiB, 50_000]) {
      const target = dec.readTarget() as Buffer;
      expect(target.length).toBe(size - at);
      if (last) expect(target.buffer).toBe(last.buffer);
      body.copy(target, 0, at, at + n);
      dec.filledInPlace(n);
      at += n;
      last = target;
    }
    expect(frames).toHaveLength(0);
    const final = dec.readTarget() as Buffer;
    expect(final.length).toBe(size - at);
    body.copy(final, 0, at);
    dec.filledInPlace(size - at);
    expect(frames).toHaveLength(1);
    expect(frames[0]!.equals(body)).toBe(true);
    expect(frames[0]!.buffer).toBe(final.buffer);
    expect(dec.partial).toBe(false);
    expect(dec.readTarget()).toBeUndefined();
    // and decoding goes on as before
    dec.push(Buffer.concat([prefix(2), Buffer.from('ok')]));
    expect(frames.map((f) => f.length)).toEqual([size, 2]);
    expect(String(frames[1])).toBe('ok');
  });

  it('mixes pushed chunks and in-place reads in one frame, over IPC framing too', () => {
    const { dec, frames } = decoder(128 * MiB, true);
    const size = 100 * KiB;
    const body = patterned(size, 9);
    dec.push(Buffer.concat([Buffer.from([0x01]), prefix(size)]));
    const target = dec.readTarget() as Buffer;
    expect(target.length).toBe(size);
    body.copy(target, 0, 0, 70 * KiB);
    dec.filledInPlace(70 * KiB);
    // 30 KiB missing: still in place
    expect(dec.readTarget()?.length).toBe(30 * KiB);
    dec.push(body.subarray(70 * KiB, 90 * KiB));
    // 10 KiB missing: the slab's next read brings it, with the next frame
    expect(dec.readTarget()).toBeUndefined();
    dec.push(Buffer.concat([body.subarray(90 * KiB), Buffer.from([0x01]), prefix(1), Buffer.from('z')]));
    expect(frames).toHaveLength(2);
    expect(frames[0]!.equals(body)).toBe(true);
    expect(String(frames[1])).toBe('z');
  });

  it('offers no target once halted', () => {
    const { dec } = decoder();
    dec.push(prefix(MiB));
    expect(dec.readTarget()).toBeDefined();
    dec.halted = true;
    expect(dec.readTarget()).toBeUndefined();
  });

  it('gathers a frame over UPFRONT_MAX (recvMaxSize -1) without a target, and still decodes it', () => {
    const { dec, frames } = decoder(-1);
    const size = UPFRONT_MAX + 1;
    const piece = 4 * MiB;
    // one buffer holding the whole body; chunks are views of it
    const body = Buffer.allocUnsafe(size);
    for (let i = 0; i < size; i += piece) patterned(Math.min(piece, size - i), i / piece).copy(body, i);
    expect(dec.push(prefix(size))).toBeUndefined();
    expect(dec.readTarget()).toBeUndefined();
    for (let at = 0; at < size; at += piece) {
      expect(dec.push(body.subarray(at, Math.min(at + piece, size)))).toBeUndefined();
      if (at + piece < size) expect(dec.readTarget()).toBeUndefined();
    }
    expect(frames).toHaveLength(1);
    expect(frames[0]!.length).toBe(size);
    expect(frames[0]!.equals(body)).toBe(true);
  });
});

describe('FrameDecoder reading at a frame boundary after equal large frames', () => {
  /** A decoder that has just finished two frames of `size` bytes (pushed whole). */
  function after(size: number, recvMaxSize = 128 * MiB, ipc = false) {
    const d = decoder(recvMaxSize, ipc);
    const type = ipc ? Buffer.from([0x01]) : Buffer.alloc(0);
    const frame = Buffer.concat([type, prefix(size), patterned(size, 1)]);
    expect(d.dec.push(Buffer.concat([frame, frame]))).toBeUndefined();
    expect(d.frames).toHaveLength(2);
    return { ...d, type };
  }

  /** The kernel puts `bytes` at the start of the decoder's next target; returns that target. */
  function readInto(dec: FrameDecoder, bytes: Buffer): Buffer {
    const target = dec.readTarget() as Buffer;
    expect(target).toBeDefined();
    bytes.copy(target, 0, 0, Math.min(bytes.length, target.length));
    expect(dec.filledInPlace(Math.min(bytes.length, target.length))).toBeUndefined();
    return target;
  }

  it('offers a buffer for the prefix and one more frame of the same size', () => {
    for (const size of [PREDICT_MIN, 64 * KiB, PREDICT_MAX]) {
      expect(after(size).dec.readTarget()?.length).toBe(8 + size);
      expect(after(size, 128 * MiB, true).dec.readTarget()?.length).toBe(9 + size);
    }
  });

  it('keeps an equal-size frame in that buffer: the body is a view of what the kernel filled, no copy', () => {
    for (const ipc of [false, true]) {
      const { dec, frames, type } = after(64 * KiB, 128 * MiB, ipc);
      const body = patterned(64 * KiB, 2);
      const target = readInto(dec, Buffer.concat([type, prefix(64 * KiB), body]));
      expect(frames).toHaveLength(3);
      expect(frames[2]!.equals(body)).toBe(true);
      expect(frames[2]!.buffer).toBe(target.buffer);
      expect(dec.partial).toBe(false);
    }
  });

  it('reads the rest of an equal-size frame into the same buffer when the first read came short', () => {
    const { dec, frames } = after(100 * KiB);
    const body = patterned(100 * KiB, 3);
    const wire = Buffer.concat([prefix(100 * KiB), body]);
    const first = readInto(dec, wire.subarray(0, 20 * KiB));
    expect(dec.partial).toBe(true);
    // 80 KiB + 8 missing: read in place, into the same allocation
    const rest = dec.readTarget() as Buffer;
    expect(rest.buffer).toBe(first.buffer);
    expect(rest.length).toBe(wire.length - 20 * KiB);
    wire.copy(rest, 0, 20 * KiB);
    dec.filledInPlace(rest.length);
    expect(frames).toHaveLength(3);
    expect(frames[2]!.equals(body)).toBe(true);
    expect(frames[2]!.buffer).toBe(first.buffer);
  });

  it('decodes whatever else arrives there as an ordinary chunk: other sizes, small frames, a lone prefix byte', () => {
    const { dec, frames } = after(64 * KiB);
    const small = Buffer.concat([prefix(3), Buffer.from('abc'), prefix(2), Buffer.from('de')]);
    readInto(dec, small);
    expect(frames.slice(2).map(String)).toEqual(['abc', 'de']);
    // small frames last: back to the shared buffer
    expect(dec.readTarget()).toBeUndefined();

    const other = after(64 * KiB);
    const body = patterned(50 * KiB, 4);
    readInto(other.dec, Buffer.concat([prefix(50 * KiB), body]));
    expect(other.frames[2]!.equals(body)).toBe(true);
    // one 50 KiB frame predicts nothing; a second one does
    expect(other.dec.readTarget()).toBeUndefined();
    other.dec.push(Buffer.concat([prefix(50 * KiB), body]));
    expect(other.dec.readTarget()?.length).toBe(8 + 50 * KiB);

    const lone = after(64 * KiB);
    readInto(lone.dec, prefix(64 * KiB).subarray(0, 1));
    expect(lone.dec.partial).toBe(true);
    expect(lone.dec.push(Buffer.concat([prefix(64 * KiB).subarray(1), patterned(64 * KiB, 5)]))).toBeUndefined();
    expect(lone.frames[2]!.equals(patterned(64 * KiB, 5))).toBe(true);
  });

  it('refuses a bad IPC type byte or an over-limit length that arrives there, as in any chunk', () => {
    const ipc = after(64 * KiB, 128 * MiB, true);
    const target = ipc.dec.readTarget() as Buffer;
    Buffer.concat([Buffer.from([0x02]), prefix(64 * KiB)]).copy(target);
    expect(ipc.dec.filledInPlace(9)?.code).toBe('EPROTO');

    const limited = after(64 * KiB, 64 * KiB);
    const t = limited.dec.readTarget() as Buffer;
    prefix(64 * KiB + 1).copy(t);
    expect(limited.dec.filledInPlace(8)?.code).toBe('EMSGSIZE');
  });

  it('predicts nothing after frames under PREDICT_MIN or over PREDICT_MAX, or past a recvMaxSize lowered since', () => {
    expect(after(PREDICT_MIN - 1).dec.readTarget()).toBeUndefined();
    expect(after(PREDICT_MAX + 1).dec.readTarget()).toBeUndefined();
    const limits = { recvMaxSize: 128 * MiB };
    const frames: Buffer[] = [];
    const dec = new FrameDecoder(false, { frame: (p) => frames.push(p) }, limits);
    const frame = Buffer.concat([prefix(64 * KiB), patterned(64 * KiB, 6)]);
    dec.push(Buffer.concat([frame, frame]));
    expect(dec.readTarget()).toBeDefined();
    limits.recvMaxSize = 64 * KiB - 1;
    expect(dec.readTarget()).toBeUndefined();
  });

  it('predicts nothing after one large frame: a pipe that goes idle after it keeps no buffer for it', () => {
    const { dec } = decoder();
    dec.push(Buffer.concat([prefix(64 * KiB), patterned(64 * KiB, 1)]));
    expect(dec.readTarget()).toBeUndefined();
    // nor after two large frames of different sizes
    dec.push(Buffer.concat([prefix(60 * KiB), patterned(60 * KiB, 1)]));
    expect(dec.readTarget()).toBeUndefined();
  });

  it('copies a short read out of the buffer, so that small messages do not each keep it alive', () => {
    const { dec, frames } = after(64 * KiB);
    const target = readInto(dec, Buffer.concat([prefix(3), Buffer.from('abc')]));
    expect(String(frames[2])).toBe('abc');
    expect(frames[2]!.buffer).not.toBe(target.buffer);
  });

  it('refuses an equal frame over a recvMaxSize lowered while its buffer waited for the read', () => {
    const limits = { recvMaxSize: 128 * MiB };
    const dec = new FrameDecoder(false, { frame: () => {} }, limits);
    const frame = Buffer.concat([prefix(64 * KiB), patterned(64 * KiB, 6)]);
    dec.push(Buffer.concat([frame, frame]));
    const target = dec.readTarget() as Buffer;
    limits.recvMaxSize = 1000;
    frame.copy(target);
    expect(dec.filledInPlace(target.length)?.code).toBe('EMSGSIZE');
  });

  it('forgets a buffer handed out and not filled once it asks for another target', () => {
    const { dec, frames } = after(64 * KiB);
    expect(dec.readTarget()).toBeDefined();
    // the next bytes came another way (a 'data' chunk): the start of a 200 KiB frame
    const body = patterned(200 * KiB, 8);
    dec.push(Buffer.concat([prefix(200 * KiB), body.subarray(0, 100)]));
    const rest = dec.readTarget() as Buffer;
    expect(rest.length).toBe(200 * KiB - 100);
    body.copy(rest, 0, 100);
    expect(dec.filledInPlace(rest.length)).toBeUndefined();
    expect(frames[2]!.equals(body)).toBe(true);
    expect(dec.partial).toBe(false);
  });

  it('offers room for more frames at once after a read that filled its buffer, up to PREDICT_RUN, and one again after a short read', () => {
    const size = 64 * KiB;
    const frame = 8 + size;
    const { dec } = after(size);
    const wire = (n: number) => Buffer.concat(Array.from({ length: n }, (_, i) => Buffer.concat([prefix(size), patterned(size, 10 + i)])));
    const lengths: number[] = [];
    for (let i = 0; i < 4; i++) {
      const target = dec.readTarget() as Buffer;
      lengths.push(target.length);
      readInto(dec, wire(target.length / frame));
    }
    const most = Math.floor(PREDICT_RUN / frame);
    expect(most).toBeGreaterThan(1);
    expect(lengths).toEqual([frame, 2 * frame, Math.min(4, most) * frame, most * frame].map((n) => Math.min(n, most * frame)));
    // a read of one frame: the sender is not ahead any longer
    const target = dec.readTarget() as Buffer;
    readInto(dec, wire(1));
    expect(target.length).toBe(most * frame);
    expect(dec.readTarget()?.length).toBe(frame);
  });

  it('hands on every whole frame of a run read as a view of its buffer, and reads a last partial frame on into it', () => {
    for (const ipc of [false, true]) {
      const size = 40 * KiB;
      const { dec, frames, type } = after(size, 128 * MiB, ipc);
      const bodies = [20, 21, 22, 23, 24, 25].map((seed) => patterned(size, seed));
      const wire = Buffer.concat(bodies.map((b) => Buffer.concat([type, prefix(size), b])));
      const frame = wire.length / bodies.length;
      // reads that fill their targets (one frame, then two), so that the next one has room for four
      readInto(dec, wire.subarray(0, frame));
      readInto(dec, wire.subarray(frame, 3 * frame));
      const run = dec.readTarget() as Buffer;
      expect(run.length).toBe(4 * frame);
      // two frames and 100 bytes of the third body
      const n = 2 * frame + type.length + 8 + 100;
      wire.copy(run, 0, 3 * frame, 3 * frame + n);
      expect(dec.filledInPlace(n)).toBeUndefined();
      expect(frames).toHaveLength(7);
      expect(frames[5]!.buffer).toBe(run.buffer);
      expect(frames[6]!.buffer).toBe(run.buffer);
      expect(dec.partial).toBe(true);
      // the rest of the third body: read into the same buffer, where its start is
      const rest = dec.readTarget() as Buffer;
      expect(rest.buffer).toBe(run.buffer);
      expect(rest.length).toBe(size - 100);
      wire.copy(rest, 0, 3 * frame + n);
      expect(dec.filledInPlace(rest.length)).toBeUndefined();
      expect(frames).toHaveLength(8);
      expect(frames[7]!.buffer).toBe(run.buffer);
      expect(frames.slice(2).every((f, i) => f.equals(bodies[i]!))).toBe(true);
      expect(dec.partial).toBe(false);
    }
  });

  it('reads the small rest of a frame in progress at the start of the next run buffer, then the frames after it as views', () => {
    const size = 64 * KiB;
    const { dec, frames } = after(size);
    const bodies = [30, 31, 32].map((seed) => patterned(size, seed));
    const wire = Buffer.concat(bodies.map((b) => Buffer.concat([prefix(size), b])));
    // all of the first frame but 1000 bytes came as a chunk
    dec.push(wire.subarray(0, 8 + size - 1000));
    const target = dec.readTarget() as Buffer;
    expect(target.length).toBe(1000 + 8 + size);
    wire.copy(target, 0, 8 + size - 1000);
    expect(dec.filledInPlace(target.length)).toBeUndefined();
    expect(frames).toHaveLength(4);
    expect(frames[2]!.equals(bodies[0]!)).toBe(true);
    expect(frames[3]!.equals(bodies[1]!)).toBe(true);
    expect(frames[3]!.buffer).toBe(target.buffer);
    expect(frames[3]!.byteOffset - target.byteOffset).toBe(1000 + 8);
    expect(dec.partial).toBe(false);
    // a read that brought only part of that rest: still missing the remainder, nothing else lost
    const again = after(size);
    again.dec.push(wire.subarray(0, 8 + size - 1000));
    const t = again.dec.readTarget() as Buffer;
    wire.copy(t, 0, 8 + size - 1000, 8 + size - 400);
    expect(again.dec.filledInPlace(600)).toBeUndefined();
    expect(again.dec.partial).toBe(true);
    expect(again.dec.push(wire.subarray(8 + size - 400, 8 + size))).toBeUndefined();
    expect(again.frames[2]!.equals(bodies[0]!)).toBe(true);
  });

  it('decodes a run buffer as an ordinary chunk from the first frame that is not of the run: another size, or a bad IPC type', () => {
    const size = 64 * KiB;
    const { dec, frames } = after(size);
    readInto(dec, Buffer.concat([prefix(size), patterned(size, 40)]));
    const other = patterned(50 * KiB, 41);
    const run = readInto(dec, Buffer.concat([prefix(size), patterned(size, 42), prefix(50 * KiB), other, prefix(3), Buffer.from('xyz')]));
    expect(run.length).toBe(2 * (8 + size));
    expect(frames.slice(3).map((f) => f.length)).toEqual([size, 50 * KiB, 3]);
    expect(frames[3]!.equals(patterned(size, 42))).toBe(true);
    expect(frames[4]!.equals(other)).toBe(true);
    expect(String(frames[5])).toBe('xyz');
    expect(dec.partial).toBe(false);

    const ipc = after(size, 128 * MiB, true);
    readInto(ipc.dec, Buffer.concat([Buffer.from([1]), prefix(size), patterned(size, 43)]));
    const t = ipc.dec.readTarget() as Buffer;
    Buffer.concat([Buffer.from([1]), prefix(size), patterned(size, 44), Buffer.from([2]), prefix(size)]).copy(t);
    expect(ipc.dec.filledInPlace(2 * (9 + size))?.code).toBe('EPROTO');
    expect(ipc.frames).toHaveLength(4);
  });

  it('starts each run at one frame: room grown for one size is not offered for the next', () => {
    const small = after(32 * KiB);
    const f32 = Buffer.concat([prefix(32 * KiB), patterned(32 * KiB, 50)]);
    for (let i = 0; i < 3; i++) {
      const t = small.dec.readTarget() as Buffer;
      for (let o = 0; o < t.length; o += f32.length) f32.copy(t, o);
      expect(small.dec.filledInPlace(t.length)).toBeUndefined();
    }
    expect(small.dec.readTarget()!.length).toBeGreaterThan(4 * f32.length);
    const f128 = Buffer.concat([prefix(128 * KiB), patterned(128 * KiB, 51)]);
    expect(small.dec.push(Buffer.concat([f128, f128]))).toBeUndefined();
    expect(small.dec.readTarget()!.length).toBe(f128.length);
  });

  it('stops handing on frames of a run buffer once the pipe closes inside one of them', () => {
    const size = 32 * KiB;
    const frames: Buffer[] = [];
    const dec: FrameDecoder = new FrameDecoder(false, { frame: (p) => { frames.push(p); if (frames.length === 4) dec.halted = true; } }, { recvMaxSize: -1 });
    const f = (seed: number) => Buffer.concat([prefix(size), patterned(size, seed)]);
    dec.push(Buffer.concat([f(1), f(2)]));
    for (const seeds of [[3], [4, 5]]) {
      const t = dec.readTarget() as Buffer;
      Buffer.concat(seeds.map(f)).copy(t);
      expect(dec.filledInPlace(t.length)).toBeUndefined();
    }
    expect(frames).toHaveLength(4);
    expect(dec.readTarget()).toBeUndefined();
  });

  it('does not take an IPC prefix cut one byte short at the end of a read for a frame, whatever lies beyond it', () => {
    const size = 64 * KiB;
    const { dec, frames } = after(size, 128 * MiB, true);
    const wire = Buffer.concat([0, 1].map((i) => Buffer.concat([Buffer.from([1]), prefix(size), patterned(size, 60 + i)])));
    readInto(dec, wire.subarray(0, 9 + size)); // a full read: room for two frames next
    const t = dec.readTarget() as Buffer;
    expect(t.length).toBe(2 * (9 + size));
    // the kernel wrote 8 of the 9 prefix bytes; the buffer holds the 9th already (an old copy)
    wire.copy(t, 0, 9 + size);
    expect(dec.filledInPlace(8)).toBeUndefined();
    expect(frames).toHaveLength(3);
    expect(dec.partial).toBe(true);
    expect(dec.push(wire.subarray(9 + size + 8))).toBeUndefined();
    expect(frames).toHaveLength(4);
    expect(frames[2]!.equals(patterned(size, 60))).toBe(true);
    expect(frames[3]!.equals(patterned(size, 61))).toBe(true);
  });

  it('refuses the frames of a run buffer that follow a recvMaxSize lowered while they are handed on', () => {
    const size = 32 * KiB;
    const limits = { recvMaxSize: 128 * MiB };
    const frames: Buffer[] = [];
    const dec = new FrameDecoder(false, { frame: (p) => { frames.push(p); if (frames.length === 4) limits.recvMaxSize = 1000; } }, limits);
    const f = (seed: number) => Buffer.concat([prefix(size), patterned(size, seed)]);
    dec.push(Buffer.concat([f(1), f(2)]));
    const first = dec.readTarget() as Buffer;
    f(3).copy(first);
    expect(dec.filledInPlace(first.length)).toBeUndefined();
    const t = dec.readTarget() as Buffer;
    Buffer.concat([f(4), f(5)]).copy(t);
    expect(dec.filledInPlace(t.length)?.code).toBe('EMSGSIZE');
    expect(frames).toHaveLength(4);
  });

  it('offers no buffer once halted', () => {
    const { dec } = after(64 * KiB);
    dec.halted = true;
    expect(dec.readTarget()).toBeUndefined();
  });
});

describe('adoptReader', () => {
  const cleanup: (() => void)[] = [];
  afterEach(async () => {
    for (const done of cleanup.splice(0)) done();
  });

  /** A paused server and a client connected to it; both closed after the test. */
  async function acceptedPair(): Promise<{ server: Server; accepted: Socket; client: Socket }> {
    const server = createServer({ pauseOnConnect: true });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanup.push(() => server.close());
    const acceptedP = once(server, 'connection') as Promise<[Socket]>;
    const client = connect({ host: '127.0.0.1', port: (server.address() as { port: number }).port });
    cleanup.push(() => client.destroy());
    const [accepted] = await acceptedP;
    cleanup.push(() => accepted.destroy());
    await once(client, 'connect');
    return { server, accepted, client };
  }

  /** Resolves once the sink has `n` bytes; rejects if the socket closes first. */
  function received(sink: ScriptedSink, socket: Socket, n: number): Promise<void> {
    const closed = once(socket, 'close').then(() => {
      throw new Error(`the socket closed after ${sink.total} of ${n} bytes`);
    });
    closed.catch(() => undefined);
    return Promise.race([sink.reached(n), closed]);
  }

  it('returns false for a socket without a handle', () => {
    expect(adoptReader(new Socket(), new SlabReader())).toBe(false);
  });

  it('switches an accepted, paused socket to the reader: data comes through its callback, not "data"', async () => {
    const { accepted, client } = await acceptedPair();
    const reader = new SlabReader();
    expect(adoptReader(accepted, reader)).toBe(true);
    const sink = new ScriptedSink();
    reader.attach(sink);
    let dataEvents = 0;
    accepted.on('data', () => dataEvents++);
    accepted.resume();
    const sent = patterned(300 * KiB, 3);
    client.write(Buffer.from('hello'));
    client.write(sent);
    await received(sink, accepted, 5 + sent.length);
    expect(dataEvents).toBe(0);
    const all = Buffer.concat(sink.chunks);
    expect(all.subarray(0, 5).toString()).toBe('hello');
    expect(all.subarray(5).equals(sent)).toBe(true);
    // the chunks are views of the reader's slabs: after the first small reads, full-size ones
    expect(sink.chunks.some((chunk) => chunk.buffer.byteLength === SLAB_SIZE)).toBe(true);
  });

  it('reads into the sink’s target on a real socket', async () => {
    const { accepted, client } = await acceptedPair();
    const reader = new SlabReader();
    // the first read's buffer is chosen here, before any sink: it is the slab
    expect(adoptReader(accepted, reader)).toBe(true);
    const body = Buffer.alloc(256 * KiB);
    const sink = new ScriptedSink();
    // a sink like the pipe's: the rest of the body while any is missing
    const fill = () => sink.filled.reduce((a, b) => a + b, 0);
    sink.readTarget = () => (fill() < body.length ? body.subarray(fill()) : undefined);
    reader.attach(sink);
    accepted.resume();
    client.write('head');
    await received(sink, accepted, 4);
    expect(Buffer.concat(sink.chunks).toString()).toBe('head');
    const sent = patterned(body.length, 4);
    client.write(sent);
    await received(sink, accepted, 4 + sent.length);
    expect(fill()).toBe(body.length);
    expect(sink.chunks).toHaveLength(1);
    expect(body.equals(sent)).toBe(true);
    // with the body full, reads go to the slab again
    client.write('tail');
    await received(sink, accepted, 4 + sent.length + 4);
    expect(Buffer.concat(sink.chunks).toString()).toBe('headtail');
  });
});
