/**
 * WebSocket frames as a fuzzing peer writes them, straight from RFC 6455 §5.2 rather than
 * with nanosp's sender, so a frame can break any rule: reserved bits, a missing or unwanted
 * mask, a length in a longer form than needed, a length that is not the payload's.
 */
import fc from 'fast-check';
import { bytesArb, cut } from '../harness/split.js';

export interface FrameSpec {
  readonly fin: boolean;
  /** The three reserved bits (0 when no extension was agreed). */
  readonly rsv: number;
  readonly op: number;
  readonly masked: boolean;
  readonly payload: Buffer;
  /** How the length is written: the shortest form, or 16 or 64 bits whatever it is. */
  readonly form: 'short' | '16' | '64';
  /** The mask key, when masked. */
  readonly key: Buffer;
}

export const OP = { continuation: 0, text: 1, binary: 2, close: 8, ping: 9, pong: 10 } as const;

/** The frame's bytes; `announce` replaces the length written (the payload is sent as it is). */
export function encodeFrame(spec: FrameSpec, announce: bigint = BigInt(spec.payload.length)): Buffer {
  const head: number[] = [(spec.fin ? 0x80 : 0) | ((spec.rsv & 7) << 4) | (spec.op & 0x0f)];
  const m = spec.masked ? 0x80 : 0;
  const form = spec.form === 'short' ? (announce < 126n ? '7' : announce < 0x10000n ? '16' : '64') : spec.form === '16' && announce > 0xffffn ? '64' : spec.form;
  if (form === '7') head.push(m | Number(announce));
  else if (form === '16') head.push(m | 126, Number(announce >> 8n) & 0xff, Number(announce) & 0xff);
  else {
    const b = Buffer.alloc(8);
    b.writeBigUInt64BE(announce);
    head.push(m | 127, ...b);
  }
  if (!spec.masked) return Buffer.concat([Buffer.from(head), spec.payload]);
  const masked = Buffer.from(spec.payload.map((byte, i) => byte ^ (spec.key[i % 4] as number)));
  return Buffer.concat([Buffer.from(head), spec.key, masked]);
}

const keyArb = fc.uint8Array({ minLength: 4, maxLength: 4 }).map((k) => Buffer.from(k));
const formArb = fc.constantFrom('short' as const, 'short' as const, '16' as const, '64' as const);

/** A frame that keeps the rules: FIN or not, masked as `masked` says, of opcode `op`. */
export function frameArb(op: number, masked: boolean, payload: fc.Arbitrary<Buffer>, fin: fc.Arbitrary<boolean> = fc.constant(true)): fc.Arbitrary<FrameSpec> {
  return fc.record({ fin, rsv: fc.constant(0), op: fc.constant(op), masked: fc.constant(masked), payload, form: formArb, key: keyArb });
}

/** Any frame at all, though most keep most rules, so that deeper states are reached. */
export function anyFrameArb(masked: boolean): fc.Arbitrary<FrameSpec> {
  return fc.record({
    fin: fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
    rsv: fc.oneof({ weight: 19, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 7 }) }),
    op: fc.oneof({ weight: 12, arbitrary: fc.constantFrom(0, 1, 2, 8, 9, 10) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 15 }) }),
    masked: fc.oneof({ weight: 19, arbitrary: fc.constant(masked) }, { weight: 1, arbitrary: fc.constant(!masked) }),
    payload: fc.oneof({ weight: 5, arbitrary: bytesArb(40) }, { weight: 1, arbitrary: fc.string({ maxLength: 20 }).map((s) => Buffer.from(s)) }, { weight: 1, arbitrary: bytesArb(300) }),
    form: formArb,
    key: keyArb,
  });
}

/** A data message that keeps the rules: binary bytes, or text that is UTF-8. */
export interface DataMessage {
  readonly text: boolean;
  readonly payload: Buffer;
}

/**
 * One message as the frames a peer may send it: cut into fragments, with pings and pongs
 * between them, each length in any form, masked with any key when `masked`.
 */
export function messageFramesArb(message: fc.Arbitrary<DataMessage>, masked: boolean): fc.Arbitrary<FrameSpec[]> {
  const control = fc.oneof(frameArb(OP.ping, masked, bytesArb(125)), frameArb(OP.pong, masked, bytesArb(125)));
  return fc.tuple(message, fc.array(fc.nat(), { maxLength: 4 }), fc.array(fc.option(control, { nil: undefined }), { maxLength: 5 })).chain(([m, cuts, between]) => {
    const pieces = cut(m.payload, cuts); // empty fragments too: they are legal
    const data = pieces.map((piece, i) => frameArb(i === 0 ? (m.text ? OP.text : OP.binary) : OP.continuation, masked, fc.constant(piece), fc.constant(i === pieces.length - 1)));
    return fc.tuple(...data).map((frames) => frames.flatMap((frame, i) => (i < frames.length - 1 && between[i] ? [frame, between[i] as FrameSpec] : [frame])));
  });
}
