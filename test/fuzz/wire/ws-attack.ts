/**
 * An attack on a socket over WebSocket, as fast-check draws it, from either end (`masked`: the
 * attacker is the client and masks its frames): SP payloads for the target's protocol as
 * messages cut into fragments with pings and pongs between, then how it ends — cleanly, with
 * any frames at all, a frame cut short, a frame announcing more than recvMaxSize, or noise.
 * The RFC model (ws-model.ts) and the target's protocol rules say what must happen, down to
 * the pongs and the Close frame nanosp sends back.
 */
import { deepStrictEqual, equal, ok } from 'node:assert/strict';
import fc from 'fast-check';
import { bytesArb, cutsArb, type Cuts } from '../harness/split.js';
import type { Verdict } from './judge.js';
import { expectFrom, LIMIT, TARGETS, type Target } from './targets.js';
import { sentFrames } from './ws-client.js';
import { anyFrameArb, encodeFrame, messageFramesArb, OP, type FrameSpec } from './ws-frame.js';
import { expectedOutcome, isUtf8 } from './ws-model.js';

type Ending =
  | { readonly kind: 'clean' }
  | { readonly kind: 'frames'; readonly frames: FrameSpec[] }
  | { readonly kind: 'cut-short'; readonly frame: FrameSpec; readonly keep: number }
  | { readonly kind: 'too-large'; readonly frame: FrameSpec; readonly announce: bigint }
  | { readonly kind: 'noise'; readonly bytes: Buffer };

export interface WsAttack {
  /** The target, by its socket type (so that a counterexample prints as a name). */
  readonly type: string;
  readonly messages: FrameSpec[][];
  readonly ending: Ending;
  readonly cuts: Cuts;
}

function endingArb(masked: boolean): fc.Arbitrary<Ending> {
  const empty = fc.record({ fin: fc.constant(true), rsv: fc.constant(0), op: fc.constant(OP.binary), masked: fc.constant(masked), payload: fc.constant(Buffer.alloc(0)), form: fc.constant('short' as const), key: fc.constant(Buffer.alloc(4, 7)) });
  return fc.oneof(
    fc.constant({ kind: 'clean' as const }),
    fc.array(anyFrameArb(masked), { minLength: 1, maxLength: 3 }).map((frames) => ({ kind: 'frames' as const, frames })),
    fc.tuple(anyFrameArb(masked), fc.nat()).map(([frame, keep]) => ({ kind: 'cut-short' as const, frame, keep })),
    fc.tuple(empty, fc.bigInt({ min: BigInt(LIMIT) + 1n, max: 2n ** 63n - 1n })).map(([frame, announce]) => ({ kind: 'too-large' as const, frame, announce })),
    bytesArb(40).map((bytes) => ({ kind: 'noise' as const, bytes })),
  );
}

/** A message for `target`: binary, or text when the payload happens to be UTF-8. */
function messageArb(target: Target) {
  return fc.tuple(target.payloadArb, fc.boolean()).map(([payload, text]) => ({ payload, text: text && isUtf8(payload) }));
}

export function wsAttackArb(masked: boolean): fc.Arbitrary<WsAttack> {
  return fc.constantFrom(...TARGETS).chain((target) =>
    fc.record({
      type: fc.constant(target.type),
      messages: fc.array(messageFramesArb(messageArb(target), masked), { maxLength: 5 }),
      ending: endingArb(masked),
      cuts: cutsArb,
    }),
  );
}

function endingBytes(ending: Ending): Buffer {
  switch (ending.kind) {
    case 'clean':
      return Buffer.alloc(0);
    case 'frames':
      return Buffer.concat(ending.frames.map((f) => encodeFrame(f)));
    case 'too-large':
      return encodeFrame(ending.frame, ending.announce);
    case 'noise':
      return ending.bytes;
    case 'cut-short': {
      const whole = encodeFrame(ending.frame);
      return whole.subarray(0, 1 + (ending.keep % (whole.length - 1)));
    }
  }
}

/** Every byte the attacker sends after the handshake. */
export function wsAttackBytes(attack: WsAttack): Buffer {
  return Buffer.concat([...attack.messages.flat().map((f) => encodeFrame(f)), endingBytes(attack.ending)]);
}

/** Bytes in the header of an encoded frame (its second byte says how long the length is, and whether a key follows). */
function headerLength(encoded: Buffer): number {
  const b1 = encoded[1] as number;
  return 2 + ((b1 & 0x7f) === 126 ? 2 : (b1 & 0x7f) === 127 ? 8 : 0) + (b1 & 0x80 ? 4 : 0);
}

/** What must happen: the pipe's end and messages, the pongs, and the Close nanosp sends. */
export interface WsVerdict extends Verdict {
  readonly pongs: Buffer[];
  /**
   * The Close frame's payload when nanosp fails the connection or answers the peer's Close
   * (then every pong comes first); `dropped` when it just drops the connection (some pongs may
   * be lost, and a client closing its side may get its Close 1000 out first); 'any' after noise.
   */
  readonly close: Buffer | 'dropped' | 'any';
}

function closePayload(code: number | undefined): Buffer {
  if (code === undefined) return Buffer.alloc(0);
  const b = Buffer.alloc(2);
  b.writeUInt16BE(code);
  return b;
}

/** The RFC model gives the WebSocket events; the target's protocol rules judge each message. */
export function wsVerdict(target: Target, attack: WsAttack, masked: boolean): WsVerdict {
  const { ending } = attack;
  const frames = [...attack.messages.flat(), ...(ending.kind === 'frames' ? ending.frames : [])];
  const cutFrame = ending.kind === 'cut-short' ? { frame: ending.frame, headerWhole: endingBytes(ending).length >= headerLength(encodeFrame(ending.frame)) } : undefined;
  const { events, open } = expectedOutcome(frames, masked, LIMIT, cutFrame);
  const payloads: Buffer[] = [];
  const pongs: Buffer[] = [];
  for (const event of events) {
    if (event.kind === 'message') {
      payloads.push(event.payload);
      // PAIR v1 closes the pipe from this side
      if (target.fate(event.payload) === 'close') return { expected: expectFrom(target, payloads), code: 'EPROTO', pongs, close: 'dropped' };
    } else if (event.kind === 'ping') pongs.push(event.payload);
    else if (event.kind === 'close') return { expected: expectFrom(target, payloads), code: 'ECONNRESET', pongs, close: closePayload(event.code) };
    else return { expected: expectFrom(target, payloads), code: event.closeCode === 1009 ? 'EMSGSIZE' : 'EPROTO', pongs, close: closePayload(event.closeCode) };
  }
  const expected = expectFrom(target, payloads);
  if (ending.kind === 'noise') return { expected, code: undefined, pongs, close: 'any' };
  if (ending.kind === 'too-large') return { expected, code: 'EMSGSIZE', pongs, close: closePayload(1009) };
  return { expected, code: open ? 'EPROTO' : 'ECONNRESET', pongs, close: 'dropped' };
}

/**
 * What nanosp sent after the handshake (`masked` when it is the client): pongs answering the
 * pings in order, then the Close expected; or, where it drops the connection, some of the
 * pongs and no Close — but for the Close 1000 a client sends when it closes a pipe itself.
 */
export function checkAnswers(after: Buffer, verdict: WsVerdict, masked: boolean): void {
  const frames = sentFrames(after, masked);
  ok(frames.every((f) => f.op === OP.pong || f.op === OP.close), `unexpected opcodes ${frames.map((f) => f.op)}`);
  const pongs = frames.filter((f) => f.op === OP.pong).map((f) => f.payload);
  const close = frames.find((f) => f.op === OP.close);
  if (close) equal(frames.at(-1), close);
  if (verdict.close === 'any' || verdict.close === 'dropped') {
    deepStrictEqual(pongs, verdict.pongs.slice(0, pongs.length));
    if (verdict.close === 'dropped' && close) ok(masked && close.payload.equals(closePayload(1000)), `a Close ${close.payload.toString('hex')} where the connection was dropped`);
  } else {
    deepStrictEqual(pongs, verdict.pongs);
    deepStrictEqual(close?.payload, verdict.close);
  }
}
