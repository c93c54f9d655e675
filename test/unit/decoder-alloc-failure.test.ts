/**
 * When the memory for a message a peer announced cannot be had (a V8 or cgroup limit), the
 * decoders drop the connection with ENOMEM instead of letting an exception escape from a read
 * callback, which would end the process. The allocator is made to fail here (for large
 * allocations, so that send's pool, where the decoders look first, has none to give either).
 */
import { describe, expect, it, vi } from 'vitest';

vi.mock('../../src/node/malloc-thresholds.js', () => ({
  // the platform's allocator, which send's pool (where the decoders look first) also uses
  allocBody: (n: number) => {
    if (n >= 16 * 1024) throw new RangeError('Array buffer allocation failed');
    return Buffer.allocUnsafe(n);
  },
  tryAllocBody: () => undefined,
}));

const { FrameDecoder } = await import('../../src/node/transport/stream-codec.js');
const { WsDecoder } = await import('../../src/node/transport/ws/receiver.js');

const KiB = 1024;

function prefix(size: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(size));
  return b;
}

describe('decoders when a message cannot be allocated', () => {
  it('FrameDecoder: a frame spanning reads is refused with ENOMEM, nothing delivered, nothing thrown', () => {
    const frames: Buffer[] = [];
    const dec = new FrameDecoder(false, { frame: (p) => frames.push(p) }, { recvMaxSize: -1 });
    const err = dec.push(Buffer.concat([prefix(1024 * KiB), Buffer.alloc(10)]));
    expect(err?.code).toBe('ENOMEM');
    expect(err?.message).toContain('1048576-byte message');
    expect(frames).toHaveLength(0);
  });

  it('FrameDecoder: a read at a frame boundary goes to the slab when its buffer cannot be had', () => {
    const frames: Buffer[] = [];
    const dec = new FrameDecoder(false, { frame: (p) => frames.push(p) }, { recvMaxSize: -1 });
    const frame = Buffer.concat([prefix(64 * KiB), Buffer.alloc(64 * KiB, 1)]);
    expect(dec.push(Buffer.concat([frame, frame]))).toBeUndefined();
    expect(frames).toHaveLength(2);
    expect(dec.readTarget()).toBeUndefined();
  });

  it('WsDecoder: a large frame spanning reads fails the connection with close 1009 and ENOMEM', () => {
    const got: Buffer[] = [];
    const dec = new WsDecoder(false, { wsMessage: (p) => void got.push(p), wsPing: () => {}, wsClose: () => {} }, { recvMaxSize: -1 });
    // FIN + binary, 127: a 64-bit length of 64 KiB, unmasked (a server's frame to a client)
    const head = Buffer.alloc(10);
    head[0] = 0x82;
    head[1] = 127;
    head.writeUInt32BE(64 * KiB, 6);
    const failure = dec.push(Buffer.concat([head, Buffer.alloc(100)]));
    expect(failure?.closeCode).toBe(1009);
    expect(failure?.error.code).toBe('ENOMEM');
    expect(got).toHaveLength(0);
    expect(dec.halted).toBe(true);
  });
});
