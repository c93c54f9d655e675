/**
 * The SP stream mapping (spec/wire.md §1.1, §1.2, §1.3): the 8-byte connection header, the
 * 64-bit length framing, IPC's type byte, and the receive limit checked on the length.
 */
import { describe, it, expect } from 'vitest';
import { constants as bufferConstants } from 'node:buffer';
import {
  spHeader,
  checkSpHeader,
  FrameDecoder,
  FrameWriter,
  SP_HEADER_SIZE,
  IPC_MSG_TYPE,
} from '../../src/node/transport/stream-codec.js';
import { SpError } from '../../src/sp/errors.js';
import { PROTOCOL_IDS, protocolName } from '../../src/sp/protocol/ids.js';

const MiB = 1024 * 1024;

/** A decoder that records every payload it hands on (copied, so later reuse cannot hide bugs). */
function decoder(options: { ipc?: boolean; recvMaxSize?: number } = {}) {
  const frames: Buffer[] = [];
  const limits = { recvMaxSize: options.recvMaxSize ?? MiB };
  const dec = new FrameDecoder(options.ipc ?? false, { frame: (p) => frames.push(Buffer.from(p)) }, limits);
  return { dec, frames, limits };
}

/** One TCP frame: 8-byte big-endian length, then the payload. */
function tcpFrame(payload: Buffer | string): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const len = Buffer.alloc(8);
  len.writeBigUInt64BE(BigInt(body.length));
  return Buffer.concat([len, body]);
}

/** One IPC frame: type byte, 8-byte big-endian length, then the payload. */
function ipcFrame(payload: Buffer | string, type = 0x01): Buffer {
  return Buffer.concat([Buffer.from([type]), tcpFrame(payload)]);
}

/** Just a length prefix announcing `size` bytes. */
function lengthOnly(size: bigint | number): Buffer {
  const len = Buffer.alloc(8);
  len.writeBigUInt64BE(BigInt(size));
  return len;
}

function hex(s: string): Buffer {
  return Buffer.from(s.replace(/\s+/g, ''), 'hex');
}

describe('spHeader', () => {
  it('has the 8-byte layout 00 53 50 00 <id BE> 00 00', () => {
    expect(SP_HEADER_SIZE).toBe(8);
    expect(spHeader(0x30)).toEqual(hex('00 53 50 00 00 30 00 00'));
  });

  it.each([
    ['pair', '00 53 50 00 00 10 00 00'],
    ['pub', '00 53 50 00 00 20 00 00'],
    ['sub', '00 53 50 00 00 21 00 00'],
    ['req', '00 53 50 00 00 30 00 00'],
    ['rep', '00 53 50 00 00 31 00 00'],
    ['push', '00 53 50 00 00 50 00 00'],
    ['pull', '00 53 50 00 00 51 00 00'],
    ['surveyor', '00 53 50 00 00 62 00 00'],
    ['respondent', '00 53 50 00 00 63 00 00'],
    ['bus', '00 53 50 00 00 70 00 00'],
  ] as const)('%s sends %s', (type, bytes) => {
    expect(spHeader(PROTOCOL_IDS[type]).toString('hex')).toBe(bytes.replace(/ /g, ''));
  });

  it('writes the protocol id big-endian, both bytes', () => {
    expect(spHeader(0x0640)).toEqual(hex('00 53 50 00 06 40 00 00'));
  });

  it('returns a fresh buffer each time', () => {
    const a = spHeader(0x10);
    const b = spHeader(0x10);
    expect(a).not.toBe(b);
    a[4] = 0xff;
    expect(b[4]).toBe(0x00);
  });
});

describe('checkSpHeader', () => {
  const REP = PROTOCOL_IDS.rep;
  const REQ = PROTOCOL_IDS.req;

  function check(bytes: Buffer, expected = REP): SpError | undefined {
    return checkSpHeader(bytes, expected, protocolName);
  }

  it('accepts exactly the expected peer', () => {
    expect(check(spHeader(REP), REP)).toBeUndefined();
    expect(check(hex('00 53 50 00 00 30 00 00'), REQ)).toBeUndefined();
  });

  it.each([
    ['first byte not 0', '01 53 50 00 00 31 00 00'],
    ['S missing', '00 54 50 00 00 31 00 00'],
    ['P missing', '00 53 51 00 00 31 00 00'],
    ['HTTP text', '47 45 54 20 2f 20 48 54'],
    ['all 0xff', 'ff ff ff ff ff ff ff ff'],
  ])('rejects bad magic (%s) with EPROTO', (_what, bytes) => {
    const err = check(hex(bytes));
    expect(err).toBeInstanceOf(SpError);
    expect(err?.code).toBe('EPROTO');
    expect(err?.errno).toBe(71);
    // the message shows what the peer sent
    expect(err?.message).toContain(hex(bytes).subarray(0, 4).toString('hex'));
  });

  it.each([1, 2, 0xff])('rejects version %i with EPROTO', (version) => {
    const h = spHeader(REP);
    h[3] = version;
    const err = check(h);
    expect(err?.code).toBe('EPROTO');
    expect(err?.message).toContain(`version ${version}`);
  });

  it.each([
    ['byte 6', 6],
    ['byte 7', 7],
  ])('rejects a non-zero reserved %s with EPROTO', (_what, index) => {
    const h = spHeader(REP);
    h[index] = 0x01;
    const err = check(h);
    expect(err?.code).toBe('EPROTO');
    expect(err?.message).toContain('reserved');
  });

  it('rejects a wrong peer id with EPROTO and names both sides', () => {
    const err = check(spHeader(PROTOCOL_IDS.pull), REP);
    expect(err).toBeInstanceOf(SpError);
    expect(err?.code).toBe('EPROTO');
    expect(err?.message).toContain('PULL');
    expect(err?.message).toContain('0x51');
    expect(err?.message).toContain('REP');
    expect(err?.message).toContain('0x31');
  });

  it('rejects a peer of the same family but the wrong role (REQ talking to REQ)', () => {
    // a REQ socket expects REP; another REQ has the right family but the wrong role
    expect(check(spHeader(REQ), REP)?.code).toBe('EPROTO');
  });

  it('rejects the old surveyor roles (0x60/0x61) when 0x62/0x63 is expected', () => {
    expect(check(spHeader(0x60), PROTOCOL_IDS.surveyor)?.code).toBe('EPROTO');
    expect(check(spHeader(0x61), PROTOCOL_IDS.respondent)?.code).toBe('EPROTO');
  });

  it('rejects PAIR v1 (0x11) when PAIR v0 is expected', () => {
    expect(check(spHeader(0x11), PROTOCOL_IDS.pair)?.code).toBe('EPROTO');
  });

  it('never throws, even on short input: it returns the error', () => {
    for (let n = 0; n < 8; n++) {
      const short = spHeader(REP).subarray(0, n);
      let result: SpError | undefined;
      expect(() => {
        result = check(short);
      }).not.toThrow();
      expect(result?.code).toBe('EPROTO');
    }
  });
});

describe('FrameDecoder (TCP framing)', () => {
  it('decodes one frame', () => {
    const { dec, frames } = decoder();
    expect(dec.push(tcpFrame('hello'))).toBeUndefined();
    expect(frames.map(String)).toEqual(['hello']);
    expect(dec.partial).toBe(false);
  });

  it('decodes the REQ example of spec §1.2 into the whole payload (header + body)', () => {
    const { dec, frames } = decoder();
    expect(dec.push(hex('00 00 00 00 00 00 00 09 80 00 00 01 48 65 6C 6C 6F'))).toBeUndefined();
    expect(frames).toEqual([hex('80 00 00 01 48 65 6C 6C 6F')]);
  });

  it('decodes many frames in one chunk, in order', () => {
    const { dec, frames } = decoder();
    const payloads = ['a', '', 'bc', 'def', 'x'.repeat(300), '', 'last'];
    expect(dec.push(Buffer.concat(payloads.map((p) => tcpFrame(p))))).toBeUndefined();
    expect(frames.map(String)).toEqual(payloads);
    expect(dec.partial).toBe(false);
  });

  it('reassembles a frame whose 8-byte length is split at every byte boundary', () => {
    const whole = tcpFrame('payload');
    for (let cut = 1; cut < 8; cut++) {
      const { dec, frames } = decoder();
      expect(dec.push(whole.subarray(0, cut))).toBeUndefined();
      expect(frames).toHaveLength(0);
      expect(dec.partial).toBe(true);
      expect(dec.push(whole.subarray(cut))).toBeUndefined();
      expect(frames.map(String)).toEqual(['payload']);
      expect(dec.partial).toBe(false);
    }
  });

  it('reassembles a length split into three pieces inside one prefix, after a whole frame', () => {
    const stream = Buffer.concat([tcpFrame('first'), tcpFrame('second')]);
    const firstLen = 8 + 5;
    for (let a = firstLen + 1; a < firstLen + 8; a++) {
      for (let b = a + 1; b <= firstLen + 8; b++) {
        const { dec, frames } = decoder();
        dec.push(stream.subarray(0, a));
        dec.push(stream.subarray(a, b));
        dec.push(stream.subarray(b));
        expect(frames.map(String)).toEqual(['first', 'second']);
      }
    }
  });

  it('reassembles a body split across chunks', () => {
    const body = Buffer.from(Array.from({ length: 100 }, (_, i) => i));
    const whole = tcpFrame(body);
    for (let cut = 9; cut < whole.length; cut++) {
      const { dec, frames } = decoder();
      dec.push(whole.subarray(0, cut));
      expect(frames).toHaveLength(0);
      expect(dec.partial).toBe(true);
      dec.push(whole.subarray(cut));
      expect(frames).toEqual([body]);
    }
  });

  it('decodes a stream fed one byte at a time', () => {
    const payloads = ['one', '', 'three', 'z'.repeat(40)];
    const stream = Buffer.concat(payloads.map((p) => tcpFrame(p)));
    const { dec, frames } = decoder();
    for (let i = 0; i < stream.length; i++) expect(dec.push(stream.subarray(i, i + 1))).toBeUndefined();
    expect(frames.map(String)).toEqual(payloads);
    expect(dec.partial).toBe(false);
  });

  it('delivers a 0-byte message at once, without waiting for a body', () => {
    const { dec, frames } = decoder();
    dec.push(lengthOnly(0));
    expect(frames).toHaveLength(1);
    expect(frames[0]?.length).toBe(0);
    expect(dec.partial).toBe(false);
  });

  it('ignores an empty chunk', () => {
    const { dec, frames } = decoder();
    expect(dec.push(Buffer.alloc(0))).toBeUndefined();
    expect(frames).toHaveLength(0);
    expect(dec.partial).toBe(false);
  });

  it('accepts a frame of exactly recvMaxSize bytes', () => {
    const { dec, frames } = decoder({ recvMaxSize: 1000 });
    expect(dec.push(tcpFrame(Buffer.alloc(1000, 7)))).toBeUndefined();
    expect(frames).toHaveLength(1);
    expect(frames[0]?.length).toBe(1000);
  });

  it('refuses a frame one byte over recvMaxSize with EMSGSIZE, on the length alone', () => {
    const { dec, frames } = decoder({ recvMaxSize: 1000 });
    const err = dec.push(lengthOnly(1001));
    expect(err).toBeInstanceOf(SpError);
    expect(err?.code).toBe('EMSGSIZE');
    expect(err?.errno).toBe(90);
    expect(err?.message).toContain('1001');
    expect(err?.message).toContain('1000');
    expect(frames).toHaveLength(0);
  });

  it('refuses an oversized frame announced by a length split across chunks', () => {
    const { dec } = decoder({ recvMaxSize: 4 });
    const len = lengthOnly(40);
    expect(dec.push(len.subarray(0, 5))).toBeUndefined();
    expect(dec.push(len.subarray(5))?.code).toBe('EMSGSIZE');
  });

  it('delivers the frames before an oversized one, then reports it', () => {
    const { dec, frames } = decoder({ recvMaxSize: 4 });
    const err = dec.push(Buffer.concat([tcpFrame('abcd'), tcpFrame('abcde')]));
    expect(frames.map(String)).toEqual(['abcd']);
    expect(err?.code).toBe('EMSGSIZE');
  });

  it('with recvMaxSize -1 there is no limit', () => {
    const { dec, frames } = decoder({ recvMaxSize: -1 });
    expect(dec.push(tcpFrame(Buffer.alloc(2 * MiB, 1)))).toBeUndefined();
    expect(frames[0]?.length).toBe(2 * MiB);
  });

  it('with recvMaxSize 0 only empty messages pass, as nanomsg', () => {
    const { dec, frames } = decoder({ recvMaxSize: 0 });
    expect(dec.push(lengthOnly(0))).toBeUndefined();
    expect(frames).toHaveLength(1);
    expect(dec.push(lengthOnly(1))?.code).toBe('EMSGSIZE');
    expect(frames).toHaveLength(1);
  });

  it('reads the limit live from the limits object', () => {
    const { dec, frames, limits } = decoder({ recvMaxSize: 10 });
    expect(dec.push(tcpFrame('0123456789'))).toBeUndefined();
    limits.recvMaxSize = 5;
    expect(dec.push(lengthOnly(6))?.code).toBe('EMSGSIZE');
    expect(frames).toHaveLength(1);
  });

  it('refuses a 2^40-byte announcement with EMSGSIZE immediately', () => {
    const { dec } = decoder({ recvMaxSize: MiB });
    const err = dec.push(lengthOnly(2n ** 40n));
    expect(err?.code).toBe('EMSGSIZE');
    expect(err?.message).toContain(String(2 ** 40));
    expect(dec.partial).toBe(false);
  });

  it('even when unlimited, refuses a length larger than one Buffer can hold', () => {
    const { dec } = decoder({ recvMaxSize: -1 });
    const err = dec.push(lengthOnly(BigInt(bufferConstants.MAX_LENGTH) + 1n));
    expect(err?.code).toBe('EMSGSIZE');
    expect(dec.partial).toBe(false);
  });

  it('refuses a length with the top bit set (2^64 - 1) with EMSGSIZE', () => {
    const { dec } = decoder({ recvMaxSize: -1 });
    expect(dec.push(hex('ff ff ff ff ff ff ff ff'))?.code).toBe('EMSGSIZE');
  });

  it('reports partial while a frame is incomplete and not between frames', () => {
    const { dec } = decoder();
    expect(dec.partial).toBe(false);
    const whole = tcpFrame('abcdef');
    dec.push(whole.subarray(0, 3));
    expect(dec.partial).toBe(true); // inside the length
    dec.push(whole.subarray(3, 8));
    expect(dec.partial).toBe(true); // length read, body missing
    dec.push(whole.subarray(8, 10));
    expect(dec.partial).toBe(true); // part of the body
    dec.push(whole.subarray(10));
    expect(dec.partial).toBe(false);
  });

  it('stops at once when halted inside frame()', () => {
    const frames: string[] = [];
    const dec: FrameDecoder = new FrameDecoder(
      false,
      {
        frame(p) {
          frames.push(String(p));
          if (String(p) === 'stop') dec.halted = true;
        },
      },
      { recvMaxSize: MiB },
    );
    expect(dec.push(Buffer.concat([tcpFrame('a'), tcpFrame('stop'), tcpFrame('b'), tcpFrame('c')]))).toBeUndefined();
    expect(frames).toEqual(['a', 'stop']);
    // later chunks are ignored too
    expect(dec.push(tcpFrame('d'))).toBeUndefined();
    expect(frames).toEqual(['a', 'stop']);
  });

  it('a halted decoder does not even report errors for garbage', () => {
    const { dec, frames } = decoder({ recvMaxSize: 4 });
    dec.halted = true;
    expect(dec.push(lengthOnly(1000))).toBeUndefined();
    expect(dec.push(tcpFrame('x'))).toBeUndefined();
    expect(frames).toHaveLength(0);
  });

  it('holds no more than the bytes fed while a large announced body is incomplete', () => {
    // 256 MiB announced, 1 KiB fed: a decoder that allocated the announced size up front
    // would show it in arrayBuffers at once.
    const announced = 256 * MiB;
    const { dec, frames } = decoder({ recvMaxSize: -1 });
    const before = process.memoryUsage().arrayBuffers;
    expect(dec.push(Buffer.concat([lengthOnly(announced), Buffer.alloc(1024, 3)]))).toBeUndefined();
    const grown = process.memoryUsage().arrayBuffers - before;
    expect(grown).toBeLessThan(32 * MiB);
    expect(dec.partial).toBe(true);
    expect(frames).toHaveLength(0);
  });
});

describe('FrameDecoder (IPC framing)', () => {
  it('decodes the IPC example of spec §1.3', () => {
    const { dec, frames } = decoder({ ipc: true });
    expect(dec.push(hex('01 00 00 00 00 00 00 00 09 80 00 00 01 48 65 6C 6C 6F'))).toBeUndefined();
    expect(frames).toEqual([hex('80 00 00 01 48 65 6C 6C 6F')]);
  });

  it('decodes several IPC frames in one chunk, including an empty one', () => {
    const { dec, frames } = decoder({ ipc: true });
    expect(dec.push(Buffer.concat([ipcFrame('a'), ipcFrame(''), ipcFrame('bcd')]))).toBeUndefined();
    expect(frames.map(String)).toEqual(['a', '', 'bcd']);
  });

  it('reassembles the 9-byte IPC prefix split at every boundary', () => {
    const whole = ipcFrame('ipc!');
    for (let cut = 1; cut < 9; cut++) {
      const { dec, frames } = decoder({ ipc: true });
      expect(dec.push(whole.subarray(0, cut))).toBeUndefined();
      expect(dec.partial).toBe(true);
      expect(dec.push(whole.subarray(cut))).toBeUndefined();
      expect(frames.map(String)).toEqual(['ipc!']);
    }
  });

  it.each([0x00, 0x02, 0x80, 0xff])('refuses message type 0x%s with EPROTO', (type) => {
    const { dec, frames } = decoder({ ipc: true });
    const err = dec.push(ipcFrame('x', type));
    expect(err).toBeInstanceOf(SpError);
    expect(err?.code).toBe('EPROTO');
    expect(err?.message).toContain(`0x${type.toString(16).padStart(2, '0')}`);
    expect(frames).toHaveLength(0);
  });

  it('refuses a bad type byte that arrives in a split prefix', () => {
    const { dec } = decoder({ ipc: true });
    const bad = ipcFrame('x', 0x02);
    expect(dec.push(bad.subarray(0, 3))).toBeUndefined();
    expect(dec.push(bad.subarray(3))?.code).toBe('EPROTO');
  });

  it('refuses a bad type byte on the second frame of a chunk after delivering the first', () => {
    const { dec, frames } = decoder({ ipc: true });
    const err = dec.push(Buffer.concat([ipcFrame('good'), ipcFrame('bad', 0x00)]));
    expect(frames.map(String)).toEqual(['good']);
    expect(err?.code).toBe('EPROTO');
  });

  it('applies recvMaxSize in IPC mode too', () => {
    const { dec } = decoder({ ipc: true, recvMaxSize: 3 });
    expect(dec.push(ipcFrame('abc'))).toBeUndefined();
    expect(dec.push(Buffer.concat([Buffer.from([IPC_MSG_TYPE]), lengthOnly(4)]))?.code).toBe('EMSGSIZE');
  });

  it('TCP mode reads a leading 0x01 as part of the length, not as a type', () => {
    // 01 00 00 00 00 00 00 00 is 2^56 bytes in TCP framing
    const { dec } = decoder({ ipc: false, recvMaxSize: -1 });
    expect(dec.push(ipcFrame('x'))?.code).toBe('EMSGSIZE');
  });
});

describe('FrameWriter', () => {
  const EMPTY = Buffer.alloc(0);

  it('frames a TCP message as an 8-byte big-endian length and the payload', () => {
    const w = new FrameWriter(false);
    w.append(EMPTY, Buffer.from('Hello'));
    expect(Buffer.concat(w.take())).toEqual(hex('00 00 00 00 00 00 00 05 48 65 6C 6C 6F'));
  });

  it('concatenates the protocol header and the body (the REQ example of §1.2)', () => {
    const w = new FrameWriter(false);
    w.append(hex('80 00 00 01'), Buffer.from('Hello'));
    expect(Buffer.concat(w.take())).toEqual(hex('00 00 00 00 00 00 00 09 80 00 00 01 48 65 6C 6C 6F'));
  });

  it('frames an IPC message with the type byte 0x01 first (the example of §1.3)', () => {
    const w = new FrameWriter(true);
    w.append(hex('80 00 00 01'), Buffer.from('Hello'));
    expect(Buffer.concat(w.take())).toEqual(hex('01 00 00 00 00 00 00 00 09 80 00 00 01 48 65 6C 6C 6F'));
  });

  it('frames an empty message as a bare zero length', () => {
    const tcp = new FrameWriter(false);
    tcp.append(EMPTY, EMPTY);
    expect(Buffer.concat(tcp.take())).toEqual(hex('00 00 00 00 00 00 00 00'));
    const ipc = new FrameWriter(true);
    ipc.append(EMPTY, EMPTY);
    expect(Buffer.concat(ipc.take())).toEqual(hex('01 00 00 00 00 00 00 00 00'));
  });

  it('frames a header-only message', () => {
    const w = new FrameWriter(false);
    w.append(hex('00 00 00 07'), EMPTY);
    expect(Buffer.concat(w.take())).toEqual(hex('00 00 00 00 00 00 00 04 00 00 00 07'));
  });

  it('writes the full 64-bit length, not a truncated 16-bit one', () => {
    const w = new FrameWriter(false);
    const body = Buffer.alloc(70_000, 0x61);
    w.append(EMPTY, body);
    const out = Buffer.concat(w.take());
    expect(out.readBigUInt64BE(0)).toBe(70_000n);
    expect(out.length).toBe(8 + 70_000);
  });

  it('coalesces many small messages into a few chunks', () => {
    const w = new FrameWriter(false);
    const n = 1000;
    for (let i = 0; i < n; i++) w.append(EMPTY, Buffer.from(`m${i}`));
    const chunks = w.take();
    expect(chunks.length).toBeLessThanOrEqual(2);
    const { dec, frames } = decoder();
    for (const c of chunks) expect(dec.push(c)).toBeUndefined();
    expect(frames.map(String)).toEqual(Array.from({ length: n }, (_, i) => `m${i}`));
  });

  it('keeps the chunk count proportional to the bytes, not the messages', () => {
    const w = new FrameWriter(false);
    // 20 000 messages of 2 + 8 bytes = 200 000 bytes
    for (let i = 0; i < 20_000; i++) w.append(EMPTY, Buffer.from('ab'));
    const chunks = w.take();
    expect(chunks.length).toBeLessThanOrEqual(5);
    expect(chunks.reduce((n, c) => n + c.length, 0)).toBe(200_000);
  });

  it('passes a body of 16 KiB or more by reference', () => {
    const w = new FrameWriter(false);
    const big = Buffer.alloc(16 * 1024, 0x42);
    const bigger = Buffer.alloc(100_000, 0x43);
    w.append(hex('00 00 00 01'), big);
    w.append(EMPTY, Buffer.from('small'));
    w.append(EMPTY, bigger);
    const chunks = w.take();
    expect(chunks.some((c) => c === big)).toBe(true);
    expect(chunks.some((c) => c === bigger)).toBe(true);
    const out = Buffer.concat(chunks);
    const expected = Buffer.concat([tcpFrame(Buffer.concat([hex('00 00 00 01'), big])), tcpFrame('small'), tcpFrame(bigger)]);
    expect(out.equals(expected)).toBe(true);
  });

  it('copies a body just under 16 KiB', () => {
    const w = new FrameWriter(false);
    const body = Buffer.alloc(16 * 1024 - 1, 0x44);
    w.append(EMPTY, body);
    const chunks = w.take();
    expect(chunks.some((c) => c === body)).toBe(false);
    expect(Buffer.concat(chunks).equals(tcpFrame(body))).toBe(true);
  });

  it('counts queued bytes (prefix + header + body) until take()', () => {
    const tcp = new FrameWriter(false);
    expect(tcp.queued).toBe(0);
    tcp.append(hex('80 00 00 01'), Buffer.from('Hello'));
    expect(tcp.queued).toBe(8 + 4 + 5);
    tcp.append(EMPTY, EMPTY);
    expect(tcp.queued).toBe(17 + 8);
    tcp.append(EMPTY, Buffer.alloc(20_000));
    expect(tcp.queued).toBe(25 + 8 + 20_000);
    const chunks = tcp.take();
    expect(chunks.reduce((n, c) => n + c.length, 0)).toBe(25 + 8 + 20_000);
    expect(tcp.queued).toBe(0);

    const ipc = new FrameWriter(true);
    ipc.append(EMPTY, Buffer.from('abc'));
    expect(ipc.queued).toBe(9 + 3);
  });

  it('take() on an empty writer returns no chunks', () => {
    const w = new FrameWriter(false);
    expect(w.take()).toEqual([]);
    w.append(EMPTY, Buffer.from('x'));
    w.take();
    expect(w.take()).toEqual([]);
  });

  it('never overwrites chunks handed out by an earlier take()', () => {
    const w = new FrameWriter(false);
    w.append(EMPTY, Buffer.from('first message'));
    w.append(hex('01 02 03 04'), Buffer.from('second'));
    const taken = w.take();
    const snapshot = taken.map((c) => Buffer.from(c));
    // enough later traffic to fill the rest of the slab and several new ones
    for (let i = 0; i < 5000; i++) w.append(hex('ff ff ff ff'), Buffer.alloc(50, i & 0xff));
    w.append(EMPTY, Buffer.alloc(20_000, 0xee));
    const later = w.take();
    expect(taken).toEqual(snapshot);
    expect(Buffer.concat(taken)).toEqual(Buffer.concat([tcpFrame('first message'), tcpFrame(Buffer.concat([hex('01 02 03 04'), Buffer.from('second')]))]));
    expect(later.reduce((n, c) => n + c.length, 0)).toBe(5000 * (8 + 54) + 8 + 20_000);
  });

  it('copies small bodies, so the caller may reuse its buffer after append()', () => {
    const w = new FrameWriter(false);
    const body = Buffer.from('reuse me');
    w.append(EMPTY, body);
    body.fill(0x7a);
    expect(Buffer.concat(w.take())).toEqual(tcpFrame('reuse me'));
  });

  it('round-trips through the decoder in both framings', () => {
    for (const ipc of [false, true]) {
      const w = new FrameWriter(ipc);
      const msgs: [Buffer, Buffer][] = [
        [EMPTY, EMPTY],
        [hex('80 00 00 01'), Buffer.from('req')],
        [EMPTY, Buffer.alloc(70_000, 9)],
        [hex('00 00 00 02 80 00 00 03'), Buffer.alloc(17_000, 8)],
        [EMPTY, Buffer.from('end')],
      ];
      for (const [h, b] of msgs) w.append(h, b);
      const { dec, frames } = decoder({ ipc, recvMaxSize: -1 });
      for (const c of w.take()) expect(dec.push(c)).toBeUndefined();
      const expected = msgs.map(([h, b]) => Buffer.concat([h, b]));
      expect(frames).toHaveLength(expected.length);
      // Buffer.equals: a deep toEqual on 70 KB buffers is needlessly slow
      frames.forEach((f, i) => expect(f.equals(expected[i] as Buffer)).toBe(true));
    }
  });
});
