/**
 * WebSocket framing (RFC 6455 §5, spec/wire.md §1.5): the decoder's lengths, masking rules,
 * fragmentation, control frames, limits and errors, fed whole and split at every byte; the
 * writer's frames checked byte for byte and round-tripped through the decoder.
 */
import { constants as bufferConstants } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { closePayload, maskInPlace, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG, OP_TEXT } from '../../src/node/transport/ws/frames.js';
import { WsDecoder, type WsFailure } from '../../src/node/transport/ws/receiver.js';
import { WsFrameWriter } from '../../src/node/transport/ws/sender.js';

const MiB = 1024 * 1024;

interface FrameSpec {
  op: number;
  payload?: Buffer | string;
  fin?: boolean;
  /** A 4-byte key: the frame is masked with it. */
  mask?: Buffer;
  rsv?: number;
  /** Force the 16- or 64-bit length form. */
  lengthForm?: 7 | 16 | 64;
}

/** A frame built by hand, independently of the writer. */
function frame(spec: FrameSpec): Buffer {
  const payload = typeof spec.payload === 'string' ? Buffer.from(spec.payload) : (spec.payload ?? Buffer.alloc(0));
  const len = payload.length;
  const form = spec.lengthForm ?? (len < 126 ? 7 : len < 65536 ? 16 : 64);
  const head: number[] = [((spec.fin ?? true) ? 0x80 : 0) | ((spec.rsv ?? 0) << 4) | spec.op];
  const m = spec.mask ? 0x80 : 0;
  if (form === 7) head.push(m | len);
  else if (form === 16) head.push(m | 126, len >> 8, len & 0xff);
  else {
    head.push(m | 127);
    const b = Buffer.alloc(8);
    b.writeBigUInt64BE(BigInt(len));
    head.push(...b);
  }
  if (!spec.mask) return Buffer.concat([Buffer.from(head), payload]);
  const masked = Buffer.from(payload.map((byte, i) => byte ^ (spec.mask as Buffer)[i % 4]!));
  return Buffer.concat([Buffer.from(head), spec.mask, masked]);
}

interface Seen {
  messages: { payload: Buffer; text: boolean }[];
  pings: Buffer[];
  closes: { code: number | undefined; reason: string }[];
}

/** A decoder for a server (expects masked frames) or a client, recording what it reports (copied). */
function decoder(server: boolean, recvMaxSize = MiB) {
  const seen: Seen = { messages: [], pings: [], closes: [] };
  const limits = { recvMaxSize };
  const dec = new WsDecoder(server, {
    wsMessage: (payload, text) => seen.messages.push({ payload: Buffer.from(payload), text }),
    wsPing: (payload) => seen.pings.push(Buffer.from(payload)),
    wsClose: (code, reason) => seen.closes.push({ code, reason }),
  }, limits);
  return { dec, seen, limits };
}

/** The payloads compare equal (Buffer.equals: deep equality is slow on large buffers). */
function expectPayloads(seen: Seen, payloads: Buffer[]): void {
  expect(seen.messages.length).toBe(payloads.length);
  seen.messages.forEach((m, i) => expect(m.payload.equals(payloads[i]!), `message ${i}`).toBe(true));
}

/** Feed `chunks` (copied: the decoder unmasks in place); the first failure, if any. */
function feed(dec: WsDecoder, ...chunks: Buffer[]): WsFailure | undefined {
  for (const chunk of chunks) {
    const err = dec.push(Buffer.from(chunk));
    if (err) return err;
  }
  return undefined;
}

const KEY = Buffer.from([0x37, 0xfa, 0x21, 0x3d]);

describe('RFC 6455 §5.7 examples', () => {
  it('decodes a single-frame unmasked text message (client side)', () => {
    const { dec, seen } = decoder(false);
    expect(feed(dec, Buffer.from('810548656c6c6f', 'hex'))).toBeUndefined();
    expect(seen.messages).toEqual([{ payload: Buffer.from('Hello'), text: true }]);
  });

  it('decodes a single-frame masked text message (server side)', () => {
    const { dec, seen } = decoder(true);
    expect(feed(dec, Buffer.from('818537fa213d7f9f4d5158', 'hex'))).toBeUndefined();
    expect(seen.messages).toEqual([{ payload: Buffer.from('Hello'), text: true }]);
  });

  it('reassembles a fragmented unmasked text message', () => {
    const { dec, seen } = decoder(false);
    expect(feed(dec, Buffer.from('010348656c', 'hex'), Buffer.from('80026c6f', 'hex'))).toBeUndefined();
    expect(seen.messages).toEqual([{ payload: Buffer.from('Hello'), text: true }]);
  });

  it('reports an unmasked ping and ignores a masked pong', () => {
    const client = decoder(false);
    expect(feed(client.dec, Buffer.from('890548656c6c6f', 'hex'))).toBeUndefined();
    expect(client.seen.pings).toEqual([Buffer.from('Hello')]);
    const server = decoder(true);
    expect(feed(server.dec, Buffer.from('8a8537fa213d7f9f4d5158', 'hex'))).toBeUndefined();
    expect(server.seen).toEqual({ messages: [], pings: [], closes: [] });
  });

  it('reads 256 bytes with a 16-bit length and 64 KiB with a 64-bit length', () => {
    const { dec, seen } = decoder(false);
    const small = randomBytes(256);
    const large = randomBytes(65536);
    expect(feed(dec, Buffer.concat([Buffer.from('827e0100', 'hex'), small]))).toBeUndefined();
    expect(feed(dec, Buffer.concat([Buffer.from('827f0000000000010000', 'hex'), large]))).toBeUndefined();
    expectPayloads(seen, [small, large]);
    expect(seen.messages.every((m) => !m.text)).toBe(true);
  });
});

describe('decoder', () => {
  it.each([0, 1, 125, 126, 127, 65535, 65536, 70000])('takes a %i-byte binary message in either direction', (size) => {
    const payload = randomBytes(size);
    const toClient = decoder(false);
    expect(feed(toClient.dec, frame({ op: OP_BINARY, payload }))).toBeUndefined();
    expectPayloads(toClient.seen, [payload]);
    const toServer = decoder(true);
    expect(feed(toServer.dec, frame({ op: OP_BINARY, payload, mask: randomBytes(4) }))).toBeUndefined();
    expectPayloads(toServer.seen, [payload]);
    expect(toServer.seen.messages[0]?.text).toBe(false);
  });

  it('accepts lengths written in a longer form than needed', () => {
    const { dec, seen } = decoder(false);
    expect(feed(dec, frame({ op: OP_BINARY, payload: 'abc', lengthForm: 16 }), frame({ op: OP_BINARY, payload: 'de', lengthForm: 64 }))).toBeUndefined();
    expect(seen.messages.map((m) => String(m.payload))).toEqual(['abc', 'de']);
  });

  it('hands on a whole frame inside one chunk as a view of it, unmasked in place', () => {
    const seen: Buffer[] = [];
    const dec = new WsDecoder(true, { wsMessage: (p) => seen.push(p), wsPing: () => {}, wsClose: () => {} }, { recvMaxSize: -1 });
    const chunk = Buffer.concat([frame({ op: OP_BINARY, payload: 'first', mask: KEY }), frame({ op: OP_BINARY, payload: 'second', mask: KEY })]);
    expect(dec.push(chunk)).toBeUndefined();
    expect(seen.map(String)).toEqual(['first', 'second']);
    for (const payload of seen) expect(payload.buffer).toBe(chunk.buffer);
  });

  it('reassembles continuation frames with control frames between them', () => {
    const { dec, seen } = decoder(true);
    const err = feed(
      dec,
      frame({ op: OP_BINARY, payload: 'one ', fin: false, mask: randomBytes(4) }),
      frame({ op: OP_PING, payload: 'are you there', mask: randomBytes(4) }),
      frame({ op: 0, payload: 'two ', fin: false, mask: randomBytes(4) }),
      frame({ op: OP_PONG, payload: '', mask: randomBytes(4) }),
      frame({ op: 0, payload: '', fin: false, mask: randomBytes(4) }),
      frame({ op: 0, payload: 'three', mask: randomBytes(4) }),
      frame({ op: OP_BINARY, payload: 'next', mask: randomBytes(4) }),
    );
    expect(err).toBeUndefined();
    expect(seen.messages.map((m) => String(m.payload))).toEqual(['one two three', 'next']);
    expect(seen.pings.map(String)).toEqual(['are you there']);
  });

  it('reassembles NNG-style 64 KiB fragments of a large message', () => {
    const { dec, seen } = decoder(false, 4 * MiB);
    const payload = randomBytes(300_000);
    const frames: Buffer[] = [];
    for (let off = 0; off < payload.length; off += 65536) {
      const last = off + 65536 >= payload.length;
      frames.push(frame({ op: off === 0 ? OP_BINARY : 0, payload: payload.subarray(off, off + 65536), fin: last }));
    }
    expect(feed(dec, Buffer.concat(frames))).toBeUndefined();
    expectPayloads(seen, [payload]);
  });

  it('reports Close with its code and reason, and stops reading after it', () => {
    const { dec, seen } = decoder(false);
    const close = frame({ op: OP_CLOSE, payload: Buffer.concat([closePayload(1001), Buffer.from('going away')]) });
    expect(feed(dec, Buffer.concat([close, frame({ op: OP_BINARY, payload: 'after' })]))).toBeUndefined();
    expect(seen.closes).toEqual([{ code: 1001, reason: 'going away' }]);
    expect(seen.messages).toEqual([]);
    expect(dec.halted).toBe(true);
  });

  it('reports a Close without a code', () => {
    const { dec, seen } = decoder(true);
    expect(feed(dec, frame({ op: OP_CLOSE, mask: KEY }))).toBeUndefined();
    expect(seen.closes).toEqual([{ code: undefined, reason: '' }]);
  });

  it('passes valid UTF-8 text and knows partial state', () => {
    const { dec, seen } = decoder(false);
    const text = Buffer.from('ünïcödé ✓');
    expect(feed(dec, frame({ op: OP_TEXT, payload: text.subarray(0, 3), fin: false }))).toBeUndefined();
    expect(dec.partial).toBe(true);
    expect(feed(dec, frame({ op: 0, payload: text.subarray(3) }))).toBeUndefined();
    expect(dec.partial).toBe(false);
    expect(seen.messages).toEqual([{ payload: text, text: true }]);
    expect(feed(dec, frame({ op: OP_BINARY, payload: 'abc' }).subarray(0, 1))).toBeUndefined();
    expect(dec.partial).toBe(true);
  });

  const failures: [string, boolean, Buffer[], number, string][] = [
    ['reserved bits', false, [frame({ op: OP_BINARY, payload: 'x', rsv: 4 })], 1002, 'reserved bits'],
    ['an unknown data opcode', false, [frame({ op: 3, payload: 'x' })], 1002, 'unknown data opcode 0x3'],
    ['an unknown control opcode', false, [frame({ op: 0xb })], 1002, 'unknown control opcode 0xb'],
    ['a fragmented control frame', false, [frame({ op: OP_PING, fin: false })], 1002, 'fragmented a control frame'],
    ['a 126-byte control frame', false, [frame({ op: OP_PING, payload: Buffer.alloc(126) })], 1002, '126-byte control frame'],
    ['a continuation with no message', false, [frame({ op: 0, payload: 'x' })], 1002, 'no message to continue'],
    ['a new message inside a fragmented one', false, [frame({ op: OP_BINARY, payload: 'a', fin: false }), frame({ op: OP_BINARY, payload: 'b' })], 1002, 'before finishing'],
    ['a masked frame to a client', false, [frame({ op: OP_BINARY, payload: 'x', mask: KEY })], 1002, 'servers must not mask'],
    ['an unmasked frame to a server', true, [frame({ op: OP_BINARY, payload: 'x' })], 1002, 'clients must mask'],
    ['invalid UTF-8 in a text message', false, [frame({ op: OP_TEXT, payload: Buffer.from([0x61, 0xff, 0xfe]) })], 1007, 'not valid UTF-8'],
    ['invalid UTF-8 across fragments', false, [frame({ op: OP_TEXT, payload: Buffer.from([0xe2, 0x82]), fin: false }), frame({ op: 0, payload: Buffer.from([0x41]) })], 1007, 'not valid UTF-8'],
    ['a Close with a 1-byte payload', false, [frame({ op: OP_CLOSE, payload: Buffer.from([3]) })], 1002, '1-byte payload'],
    ['a 64-bit length with the top bit set', false, [Buffer.from('827f8000000000000001', 'hex')], 1002, 'top bit set'],
  ];

  it.each(failures)('fails the connection on %s', (_name, server, frames, code, text) => {
    const { dec, seen } = decoder(server);
    const err = feed(dec, ...frames);
    expect(err?.closeCode).toBe(code);
    expect(err?.error.code).toBe('EPROTO');
    expect(err?.error.message).toContain(text);
    expect(seen.messages).toEqual([]);
    expect(dec.halted).toBe(true);
  });
});

describe('decoder limits (recvMaxSize, as nanomsg: close 1009)', () => {
  it('refuses a frame by its announced length before any payload arrives', () => {
    const { dec, seen } = decoder(true, 1000);
    const header = frame({ op: OP_BINARY, payload: Buffer.alloc(1001), mask: KEY }).subarray(0, 8);
    const err = feed(dec, header);
    expect(err?.closeCode).toBe(1009);
    expect(err?.error.code).toBe('EMSGSIZE');
    expect(err?.error.message).toContain('recvMaxSize 1000');
    expect(seen.messages).toEqual([]);
  });

  it('takes a message of exactly the limit', () => {
    const { dec, seen } = decoder(false, 1000);
    expect(feed(dec, frame({ op: OP_BINARY, payload: Buffer.alloc(1000) }))).toBeUndefined();
    expect(seen.messages).toHaveLength(1);
  });

  it('counts the accumulated size of fragments', () => {
    const { dec } = decoder(false, 1000);
    expect(feed(dec, frame({ op: OP_BINARY, payload: Buffer.alloc(600), fin: false }))).toBeUndefined();
    const err = feed(dec, frame({ op: 0, payload: Buffer.alloc(401) }));
    expect(err?.closeCode).toBe(1009);
    expect(err?.error.message).toContain('at least 1001 bytes');
  });

  it('reads the limit live and treats -1 as unlimited', () => {
    const { dec, seen, limits } = decoder(false, 10);
    limits.recvMaxSize = -1;
    expect(feed(dec, frame({ op: OP_BINARY, payload: Buffer.alloc(100_000) }))).toBeUndefined();
    limits.recvMaxSize = 10;
    expect(feed(dec, frame({ op: OP_BINARY, payload: Buffer.alloc(11) }))?.closeCode).toBe(1009);
    expect(seen.messages).toHaveLength(1);
  });

  it('refuses a 64-bit length beyond what one Buffer can hold, even when unlimited', () => {
    const { dec } = decoder(false, -1);
    const header = Buffer.alloc(10);
    header[0] = 0x82;
    header[1] = 127;
    header.writeBigUInt64BE(BigInt(bufferConstants.MAX_LENGTH) + 1n, 2);
    const err = feed(dec, header);
    expect(err?.closeCode).toBe(1009);
    expect(err?.error.message).toContain('more than Node can hold');
  });
});

describe('decoder fed at every byte boundary', () => {
  const stream = () =>
    Buffer.concat([
      frame({ op: OP_BINARY, payload: 'alpha', mask: Buffer.from('a1b2c3d4', 'hex') }),
      frame({ op: OP_TEXT, payload: 'fragmented ', fin: false, mask: Buffer.from('01020304', 'hex') }),
      frame({ op: OP_PING, payload: 'ping!', mask: Buffer.from('ffeeddcc', 'hex') }),
      frame({ op: 0, payload: 'text', mask: Buffer.from('10203040', 'hex') }),
      frame({ op: OP_BINARY, payload: Buffer.alloc(300, 7), mask: Buffer.from('55aa55aa', 'hex') }),
      frame({ op: OP_BINARY, payload: '', mask: Buffer.from('00000000', 'hex') }),
      frame({ op: OP_BINARY, payload: 'omega', mask: Buffer.from('deadbeef', 'hex') }),
    ]);
  const expected = ['alpha', 'fragmented text', Buffer.alloc(300, 7).toString(), '', 'omega'];

  it('gives the same messages for every split into two chunks', () => {
    const whole = stream();
    for (let cut = 0; cut <= whole.length; cut++) {
      const { dec, seen } = decoder(true);
      expect(feed(dec, whole.subarray(0, cut), whole.subarray(cut))).toBeUndefined();
      expect(seen.messages.map((m) => String(m.payload))).toEqual(expected);
      expect(seen.pings.map(String)).toEqual(['ping!']);
      expect(dec.partial).toBe(false);
    }
  });

  it('gives the same messages fed one byte at a time', () => {
    const whole = stream();
    const { dec, seen } = decoder(true);
    for (let i = 0; i < whole.length; i++) expect(feed(dec, whole.subarray(i, i + 1))).toBeUndefined();
    expect(seen.messages.map((m) => String(m.payload))).toEqual(expected);
    expect(seen.messages.map((m) => m.text)).toEqual([false, true, false, false, false]);
  });
});

describe('masking', () => {
  it('matches a byte-by-byte XOR for every length, offset and phase', () => {
    const key = Buffer.from('9a3c7e11', 'hex');
    const backing = randomBytes(300);
    for (const offset of [0, 1, 2, 3, 5]) {
      for (const length of [0, 1, 3, 4, 63, 64, 65, 67, 200]) {
        for (let phase = 0; phase < 4; phase++) {
          const data = Buffer.from(backing.subarray(0, offset + length));
          const want = Buffer.from(data);
          for (let i = 0; i < length; i++) want[offset + i] = want[offset + i]! ^ key[(phase + i) % 4]!;
          maskInPlace(data, offset, offset + length, key, 0, phase);
          expect(data.equals(want), `offset ${offset} length ${length} phase ${phase}`).toBe(true);
        }
      }
    }
  });
});

describe('writer', () => {
  it('writes the spec example: a REP server replying "World" to request 0x80000001', () => {
    const writer = new WsFrameWriter(false);
    writer.append(OP_BINARY, Buffer.from('80000001', 'hex'), Buffer.from('World'));
    expect(Buffer.concat(writer.take()).toString('hex')).toBe('82098000000157' + Buffer.from('orld').toString('hex'));
  });

  it('masks a client frame with a fresh key per frame, leaving the caller buffers untouched', () => {
    const writer = new WsFrameWriter(true);
    const header = Buffer.from('80000001', 'hex');
    const body = Buffer.from('Hello');
    writer.append(OP_BINARY, header, body);
    writer.append(OP_BINARY, header, body);
    const bytes = Buffer.concat(writer.take());
    expect(header.toString('hex')).toBe('80000001');
    expect(String(body)).toBe('Hello');
    expect(bytes.subarray(0, 2).toString('hex')).toBe('8289');
    const keys = [bytes.subarray(2, 6), bytes.subarray(17, 21)];
    expect(keys[0]!.equals(keys[1]!)).toBe(false);
    const { dec, seen } = decoder(true);
    expect(feed(dec, bytes)).toBeUndefined();
    expect(seen.messages.map((m) => m.payload.toString('hex'))).toEqual(['80000001' + body.toString('hex'), '80000001' + body.toString('hex')]);
  });

  it('writes text frames and control frames', () => {
    const writer = new WsFrameWriter(false);
    writer.append(OP_TEXT, Buffer.alloc(0), Buffer.from('hi'));
    writer.append(OP_PONG, Buffer.from('p'), Buffer.alloc(0));
    writer.append(OP_CLOSE, closePayload(1000), Buffer.alloc(0));
    expect(Buffer.concat(writer.take()).toString('hex')).toBe('81026869' + '8a0170' + '880203e8');
  });

  it.each([0, 125, 126, 65535, 65536, 16 * 1024, 100_000])('round-trips a %i-byte body masked and unmasked, in batches', (size) => {
    for (const masked of [false, true]) {
      const writer = new WsFrameWriter(masked);
      const bodies = [randomBytes(size), Buffer.from('small'), randomBytes(size)];
      for (const body of bodies) writer.append(OP_BINARY, Buffer.from([1, 2]), body);
      const queued = writer.queued;
      const chunks = writer.take();
      expect(writer.queued).toBe(0);
      const bytes = Buffer.concat(chunks);
      expect(bytes.length).toBe(queued);
      const { dec, seen } = decoder(masked, -1);
      expect(feed(dec, bytes)).toBeUndefined();
      expectPayloads(seen, bodies.map((b) => Buffer.concat([Buffer.from([1, 2]), b])));
    }
  });

  it('keeps a large unmasked body by reference and copies small ones', () => {
    const writer = new WsFrameWriter(false);
    const big = randomBytes(64 * 1024);
    writer.append(OP_BINARY, Buffer.alloc(0), Buffer.from('a'));
    writer.append(OP_BINARY, Buffer.alloc(0), big);
    writer.append(OP_BINARY, Buffer.alloc(0), Buffer.from('b'));
    const chunks = writer.take();
    expect(chunks).toHaveLength(3);
    expect(chunks[1]).toBe(big);
  });
});

describe('decoder against random input', () => {
  it('never throws: every stream ends in messages, a failure, or a wait for more', () => {
    let seed = 12345;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    for (let run = 0; run < 3000; run++) {
      const server = rand() < 0.5;
      const { dec } = decoder(server, rand() < 0.5 ? 64 : -1);
      const bytes = Buffer.from(Array.from({ length: Math.floor(rand() * 64) }, () => Math.floor(rand() * 256)));
      // bias the first byte toward valid frame starts so deeper states are reached
      if (bytes.length > 1 && rand() < 0.7) {
        bytes[0] = (rand() < 0.8 ? 0x80 : 0) | [0, 1, 2, 8, 9, 10][Math.floor(rand() * 6)]!;
        bytes[1] = (server ? 0x80 : 0) | (bytes[1]! & 0x7f);
      }
      let off = 0;
      while (off < bytes.length) {
        const step = 1 + Math.floor(rand() * 8);
        const failed = feed(dec, bytes.subarray(off, off + step));
        off += step;
        if (failed) {
          expect([1002, 1007, 1009]).toContain(failed.closeCode);
          break;
        }
      }
    }
  });
});
