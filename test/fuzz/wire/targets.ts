/**
 * The nanosp sockets the end-to-end fuzzing attacks, each with what a peer may send it, what
 * it must make of each payload (spec/wire.md §3), and a round trip with a well-behaved nanosp
 * peer that must still work after every attack.
 */
import { equal } from 'node:assert/strict';
import fc from 'fast-check';
import type { Message, SocketInit, SocketType, SpSocket } from '../../../src/index.js';
import { PROTOCOL_IDS } from '../../../src/sp/protocol/ids.js';
import { bytesArb } from '../harness/split.js';
import { hoppedArb, pair1Fate, subscribed, traceLength, tracedArb } from './sp-payloads.js';

/** recvMaxSize on every attacked socket: small, so lengths around it are easy to reach. */
export const LIMIT = 4096;
/** maxTtl's default, which REP and PAIR v1 check hop counts against. */
const MAX_TTL = 8;
const TOPICS = [Buffer.from('t'), Buffer.from([1])];

export type PayloadFate = 'deliver' | 'drop' | 'filter' | 'close';

export interface Target {
  readonly type: SocketType;
  readonly init: SocketInit;
  /** The socket type of the well-behaved peer, whose protocol id the attacker claims. */
  readonly peerType: SocketType;
  readonly payloadArb: fc.Arbitrary<Buffer>;
  /** Deliver it, drop and count it, filter it out silently (SUB), or drop it and close the pipe. */
  fate(payload: Buffer): PayloadFate;
  /** How many of the payload's first bytes are the SP header a received message carries. */
  headerLength(payload: Buffer): number;
  /** Set up after both sockets exist (SUB's subscriptions). */
  prepare?(socket: SpSocket): void;
  /** One round trip with the well-behaved peer. */
  exchange(socket: SpSocket, good: SpSocket): Promise<void>;
}

const WAIT = { timeout: 3000 };

/** One message from `from` to `to`. */
async function oneWay(from: SpSocket, to: SpSocket, text: string): Promise<void> {
  await from.send(text);
  equal(String(await to.recv(WAIT)), text);
}

/** A question from `asker` and its answer from `answerer` (REQ/REP, SURVEYOR/RESPONDENT). */
async function roundTrip(asker: SpSocket, answerer: SpSocket): Promise<void> {
  await oneWay(asker, answerer, 'question');
  await oneWay(answerer, asker, 'answer');
}

/** REP and RESPONDENT: a backtrace within maxTtl is the header, the rest is dropped and counted. */
const backtraced = {
  init: {},
  payloadArb: tracedArb,
  fate: (p: Buffer): PayloadFate => (traceLength(p, MAX_TTL) === undefined ? 'drop' : 'deliver'),
  headerLength: (p: Buffer) => traceLength(p, MAX_TTL) ?? 0,
};

/** PULL and BUS: no header, every payload is a message. */
const headerless = { init: {}, payloadArb: bytesArb(64), fate: (): PayloadFate => 'deliver', headerLength: () => 0 };

export const TARGETS: readonly Target[] = [
  { type: 'pull', peerType: 'push', ...headerless, exchange: (pull, push) => oneWay(push, pull, 'still there?') },
  { type: 'bus', peerType: 'bus', ...headerless, exchange: (bus, good) => oneWay(good, bus, 'all aboard') },
  { type: 'rep', peerType: 'req', ...backtraced, exchange: (rep, req) => roundTrip(req, rep) },
  { type: 'respondent', peerType: 'surveyor', ...backtraced, exchange: (respondent, surveyor) => roundTrip(surveyor, respondent) },
  {
    // with no request outstanding, a reply whose first word is an id is stale: ignored
    // silently, as nanomsg does; one whose first word is no id is malformed: counted
    type: 'req',
    init: {},
    peerType: 'rep',
    payloadArb: tracedArb,
    fate: (p) => (p.length >= 4 && (p[0] as number) >= 0x80 ? 'filter' : 'drop'),
    headerLength: () => 4,
    exchange: (req, rep) => roundTrip(req, rep),
  },
  {
    type: 'sub',
    init: {},
    peerType: 'pub',
    payloadArb: fc.tuple(fc.constantFrom(...TOPICS, Buffer.from('x'), Buffer.alloc(0)), bytesArb(32)).map(([topic, rest]) => Buffer.concat([topic, rest])),
    fate: (p) => (subscribed(TOPICS, p) ? 'deliver' : 'filter'),
    headerLength: () => 0,
    prepare: (sub) => TOPICS.forEach((t) => sub.subscribe(t)),
    exchange: (sub, pub) => oneWay(pub, sub, 't: news'),
  },
  {
    type: 'pair1',
    init: { polyamorous: true },
    peerType: 'pair1',
    payloadArb: hoppedArb,
    fate: (p) => pair1Fate(p, MAX_TTL),
    headerLength: () => 4,
    async exchange(pair, good) {
      await good.send('ping');
      const m: Message = await pair.recvMessage(WAIT);
      equal(String(m.body), 'ping');
      await pair.sendMessage({ body: 'pong', pipe: m.pipe });
      equal(String(await good.recv(WAIT)), 'pong');
    },
  },
];

/** The protocol id an attacker on `target` puts in its SP header: the peer's. */
export function peerProtocol(target: Target): number {
  return PROTOCOL_IDS[target.peerType];
}

export interface Expected {
  /** The messages the socket must hand over, as [header, body]. */
  readonly messages: [Buffer, Buffer][];
  readonly drops: number;
  /** Whole messages the pipe reads before it stops. */
  readonly frames: number;
  /** A payload made the protocol close the pipe (PAIR v1). */
  readonly closed: boolean;
}

/** What `target` must make of `payloads`, in order, up to one that closes the pipe. */
export function expectFrom(target: Target, payloads: readonly Buffer[]): Expected {
  const messages: [Buffer, Buffer][] = [];
  let drops = 0;
  let frames = 0;
  for (const p of payloads) {
    frames++;
    const fate = target.fate(p);
    if (fate === 'deliver') {
      const n = target.headerLength(p);
      messages.push([p.subarray(0, n), p.subarray(n)]);
    } else if (fate !== 'filter') drops++;
    if (fate === 'close') return { messages, drops, frames, closed: true };
  }
  return { messages, drops, frames, closed: false };
}
