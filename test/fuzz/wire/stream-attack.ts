/**
 * An attack on a socket over a byte stream (TCP, IPC), as fast-check draws it: SP payloads for
 * the target's protocol, then how the stream ends — cleanly, inside a message, with a length
 * above recvMaxSize, with a wrong IPC type byte, or in noise — and what the socket must do.
 */
import fc from 'fast-check';
import { frame, spHeaderBytes } from '../../helpers/raw-peer.js';
import { bytesArb, cutsArb, type Cuts } from '../harness/split.js';
import type { Verdict } from './judge.js';
import { expectFrom, LIMIT, peerProtocol, TARGETS, type Target } from './targets.js';

/** How the stream ends after the frames. */
export type Ending =
  | { readonly kind: 'clean' }
  | { readonly kind: 'cut-short'; readonly payload: Buffer; readonly keep: number }
  | { readonly kind: 'too-large'; readonly length: bigint }
  | { readonly kind: 'bad-type'; readonly type: number }
  | { readonly kind: 'noise'; readonly bytes: Buffer };

export interface StreamAttack {
  /** The target, by its socket type (so that a counterexample prints as a name). */
  readonly type: string;
  readonly payloads: Buffer[];
  readonly ending: Ending;
  readonly cuts: Cuts;
}

function endingArb(ipc: boolean): fc.Arbitrary<Ending> {
  return fc.oneof(
    fc.constant({ kind: 'clean' as const }),
    fc.tuple(bytesArb(20), fc.nat()).map(([payload, keep]) => ({ kind: 'cut-short' as const, payload, keep })),
    fc.bigInt({ min: BigInt(LIMIT) + 1n, max: 2n ** 64n - 1n }).map((length) => ({ kind: 'too-large' as const, length })),
    ...(ipc ? [fc.integer({ min: 0, max: 255 }).filter((t) => t !== 1).map((type) => ({ kind: 'bad-type' as const, type }))] : []),
    bytesArb(40).map((bytes) => ({ kind: 'noise' as const, bytes })),
  );
}

export function streamAttackArb(ipc: boolean): fc.Arbitrary<StreamAttack> {
  return fc.constantFrom(...TARGETS).chain((target) =>
    fc.record({ type: fc.constant(target.type), payloads: fc.array(target.payloadArb, { maxLength: 8 }), ending: endingArb(ipc), cuts: cutsArb }),
  );
}

/** One message on the wire: IPC's type byte, the 64-bit length, the payload. */
function wire(payload: Buffer, ipc: boolean, type = 1): Buffer {
  return ipc ? Buffer.concat([Buffer.from([type]), frame(payload)]) : frame(payload);
}

function endingBytes(ending: Ending, ipc: boolean): Buffer {
  switch (ending.kind) {
    case 'clean':
      return Buffer.alloc(0);
    case 'cut-short': {
      const whole = wire(ending.payload, ipc);
      return whole.subarray(0, 1 + (ending.keep % (whole.length - 1)));
    }
    case 'too-large': {
      const length = Buffer.alloc(8);
      length.writeBigUInt64BE(ending.length);
      return Buffer.concat([ipc ? Buffer.from([1]) : Buffer.alloc(0), length]);
    }
    case 'bad-type':
      return wire(Buffer.from('x'), true, ending.type);
    case 'noise':
      return ending.bytes;
  }
}

/** Everything the attacker sends: its SP header, the messages, the ending. */
export function attackBytes(target: Target, attack: StreamAttack, ipc: boolean): Buffer {
  return Buffer.concat([spHeaderBytes(peerProtocol(target)), ...attack.payloads.map((p) => wire(p, ipc)), endingBytes(attack.ending, ipc)]);
}

/** What the pipe ends with: a payload the protocol closes it for comes first, then the ending. */
export function streamVerdict(target: Target, attack: StreamAttack): Verdict {
  const expected = expectFrom(target, attack.payloads);
  if (expected.closed) return { expected, code: 'EPROTO' };
  const code = { clean: 'ECONNRESET', 'cut-short': 'EPROTO', 'too-large': 'EMSGSIZE', 'bad-type': 'EPROTO', noise: undefined } as const;
  return { expected, code: code[attack.ending.kind] };
}
