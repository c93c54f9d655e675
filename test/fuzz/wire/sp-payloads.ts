/**
 * SP message payloads as a peer might send them, and what the protocols must make of them
 * (spec/wire.md §3): backtraces (hop words with the top bit clear, ended by an id with it
 * set) for REQ/REP and SURVEYOR/RESPONDENT, PAIR v1's 4-byte hop count, SUB's topics.
 * The rules are written here from the spec, to judge the protocols against.
 */
import fc from 'fast-check';
import { bytesArb } from '../harness/split.js';

const hopArb = fc.oneof(fc.integer({ min: 0, max: 0x7fff_ffff }), fc.constantFrom(0, 1, 0x2a));
const idArb = fc.oneof(fc.integer({ min: 0x8000_0000, max: 0xffff_ffff }), fc.constantFrom(0x8000_0000, 0xffff_ffff));

export function words(values: readonly number[]): Buffer {
  const b = Buffer.alloc(4 * values.length);
  values.forEach((v, i) => b.writeUInt32BE(v >>> 0, 4 * i));
  return b;
}

/** Backtraces of any depth, with or without their id, sometimes cut short; or any bytes. */
export const tracedArb: fc.Arbitrary<Buffer> = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(fc.array(hopArb, { maxLength: 10 }), fc.option(idArb, { nil: undefined }), bytesArb(12), fc.nat(5)).map(([hops, id, body, trim]) => {
    const whole = Buffer.concat([words(id === undefined ? hops : [...hops, id]), body]);
    return whole.subarray(0, Math.max(0, whole.length - (trim > 3 ? trim - 3 : 0)));
  }) },
  { weight: 1, arbitrary: bytesArb(24) },
);

/** The backtrace's length in bytes, or undefined when the message must be dropped (no id, or more than maxTtl words). */
export function traceLength(payload: Buffer, maxTtl: number): number | undefined {
  for (let word = 0; 4 * word + 4 <= payload.length; word++) {
    if (word + 1 > maxTtl) return undefined;
    if ((payload[4 * word] as number) >= 0x80) return 4 * word + 4;
  }
  return undefined;
}

/** PAIR v1 payloads: a hop count (small, around maxTtl, around 0xff, or any) then a body; or a runt. */
export const hoppedArb: fc.Arbitrary<Buffer> = fc.oneof(
  { weight: 5, arbitrary: fc.tuple(fc.oneof(fc.integer({ min: 0, max: 16 }), fc.constantFrom(0xfe, 0xff, 0x100, 0x1_0000, 0x8000_0001), fc.nat()), bytesArb(10)).map(([hops, body]) => Buffer.concat([words([hops]), body])) },
  { weight: 1, arbitrary: bytesArb(6) },
);

/** What PAIR v1 does with a payload: deliver it, drop it (keeping the pipe), or drop it and close the pipe. */
export function pair1Fate(payload: Buffer, maxTtl: number): 'deliver' | 'drop' | 'close' {
  if (payload.length < 4) return 'close';
  const hops = payload.readUInt32BE(0);
  if (hops > 0xff) return 'close';
  return hops > maxTtl ? 'drop' : 'deliver';
}

/** SUB: topics and messages from a small alphabet, so that prefixes meet often. */
export const topicArb = fc.uint8Array({ maxLength: 3 }).map((b) => Buffer.from(b.map((x) => x % 3)));
export const topicMessageArb = fc.uint8Array({ maxLength: 5 }).map((b) => Buffer.from(b.map((x) => x % 3)));

/** A SUB delivers a message when one of its topics is a prefix of it (the empty topic: all). */
export function subscribed(topics: readonly Buffer[], message: Buffer): boolean {
  return topics.some((topic) => message.subarray(0, topic.length).equals(topic));
}
