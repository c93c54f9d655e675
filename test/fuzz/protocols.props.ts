/**
 * The SP headers the protocols read from each message (spec/wire.md §3), on a socket with a
 * fake pipe playing the peer (test/helpers/fake-pipe.ts): REP/RESPONDENT backtraces and maxTtl,
 * REQ/SURVEYOR ids, raw REQ/SURVEYOR, PAIR v1 hop counts, SUB topics and its trie. Every
 * payload is delivered, or dropped and counted in stats.droppedMessages, or (PAIR v1) closes
 * its pipe; a stale reply is the one thing dropped silently, as nanomsg does.
 */
import { deepStrictEqual, equal, ok } from 'node:assert/strict';
import fc from 'fast-check';
import { socket, SpError, type Message, type SocketInit, type SocketType, type SpSocket } from '../../src/index.js';
import { backtraceLength, leadingId } from '../../src/sp/protocol/backtrace.js';
import { SubscriptionTrie } from '../../src/sp/protocol/trie.js';
import { attachFake } from '../helpers/fake-pipe.js';
import { pure, type FuzzProperty } from './harness/property.js';
import { bytesArb } from './harness/split.js';
import { hoppedArb, pair1Fate, subscribed, topicArb, topicMessageArb, traceLength, tracedArb, words } from './wire/sp-payloads.js';

/** A socket for one run, closed after it whatever happens. */
async function onSocket<T>(type: SocketType, init: SocketInit, run: (s: SpSocket) => Promise<T>): Promise<T> {
  const s = socket(type, { linger: 0, ...init });
  try {
    return await run(s);
  } finally {
    await s.close();
  }
}

/** Receive without waiting until EAGAIN (or `stopAt`, such as REQ's EFSM once answered). */
async function drain(s: SpSocket, each?: (m: Message) => Promise<void>, stopAt: readonly string[] = ['EAGAIN']): Promise<Message[]> {
  const got: Message[] = [];
  for (;;) {
    let m: Message;
    try {
      m = await s.recvMessage({ timeout: 0 });
    } catch (err) {
      ok(err instanceof SpError && stopAt.includes(err.code), String(err));
      return got;
    }
    got.push(m);
    await each?.(m);
  }
}

const asBuffers = (m: Message): [Buffer, Buffer] => [Buffer.from(m.header), Buffer.from(m.body)];

/** A reply as REQ or SURVEYOR may get it, built around the id of the request it answers. */
const replyArb = fc.oneof(
  fc.tuple(fc.constantFrom('own', 'other', 'hop-first'), bytesArb(8)),
  tracedArb.map((bytes) => ['any', bytes] as const),
);
function reply([kind, bytes]: readonly [string, Buffer], id: number): Buffer {
  if (kind === 'own') return Buffer.concat([words([id]), bytes]);
  if (kind === 'other') return Buffer.concat([words([(id + 1 + (bytes[0] ?? 0)) | 0x8000_0000]), bytes]);
  if (kind === 'hop-first') return Buffer.concat([words([0x2a, id]), bytes]);
  return bytes;
}

export const protocolProperties: readonly FuzzProperty[] = [
  pure('backtraceLength and leadingId follow the spec: words until the top bit, within maxTtl', 1000, () =>
    fc.property(tracedArb, fc.integer({ min: 1, max: 255 }), (payload, maxTtl) => {
      const length = backtraceLength(payload, maxTtl);
      equal(length < 0 ? undefined : length, traceLength(payload, maxTtl));
      equal(leadingId(payload), payload.length >= 4 && (payload[0] as number) >= 0x80 ? payload.readUInt32BE(0) : -1);
    }),
  ),

  pure('REP and RESPONDENT (cooked and raw) take requests with a whole backtrace within maxTtl, drop and count the rest, and answer down the pipe', 300, () =>
    fc.asyncProperty(fc.constantFrom('rep' as const, 'respondent' as const), fc.boolean(), fc.integer({ min: 1, max: 12 }), fc.array(tracedArb, { maxLength: 8 }), (type, raw, maxTtl, payloads) =>
      onSocket(type, { raw, maxTtl }, async (s) => {
        const pipe = attachFake(s);
        for (const p of payloads) pipe.deliver(p);
        const wanted = payloads.flatMap((p) => {
          const length = traceLength(p, maxTtl);
          return length === undefined ? [] : [[p.subarray(0, length), p.subarray(length)] as const];
        });
        const got = await drain(s, async (m) => {
          if (raw) await s.sendMessage({ body: 'answer', header: m.header });
          else await s.send('answer');
        });
        deepStrictEqual(got.map(asBuffers), wanted.map(([trace, body]) => [raw ? Buffer.concat([words([pipe.id]), trace]) : Buffer.from(trace), Buffer.from(body)]));
        deepStrictEqual(pipe.sent.map((m) => [m.header, m.body.toString()]), wanted.map(([trace]) => [Buffer.from(trace), 'answer']));
        equal(s.stats.droppedMessages, payloads.length - wanted.length);
      }),
    ),
  ),

  pure("REQ takes the first reply carrying its request's id, SURVEYOR every response carrying its survey's; a first word without the top bit is dropped and counted", 300, () =>
    fc.asyncProperty(fc.constantFrom('req' as const, 'surveyor' as const), fc.array(replyArb, { maxLength: 8 }), (type, replies) =>
      onSocket(type, type === 'req' ? { resendInterval: 60_000 } : { surveyDeadline: 60_000 }, async (s) => {
        const pipe = attachFake(s);
        await s.send('ask');
        const id = (pipe.sent[0]?.header as Buffer).readUInt32BE(0);
        const payloads = replies.map((r) => reply(r, id));
        for (const p of payloads) pipe.deliver(p);
        const answers = payloads.filter((p) => p.length >= 4 && p.readUInt32BE(0) === id);
        const got = await drain(s, undefined, ['EAGAIN', 'EFSM']);
        deepStrictEqual(got.map(asBuffers), (type === 'req' ? answers.slice(0, 1) : answers).map((p) => [p.subarray(0, 4), p.subarray(4)]));
        equal(s.stats.droppedMessages, payloads.filter((p) => p.length < 4 || (p[0] as number) < 0x80).length);
      }),
    ),
  ),

  pure('raw REQ and raw SURVEYOR keep the first word of each reply as its header and drop and count one shorter than that', 300, () =>
    fc.asyncProperty(fc.constantFrom('req' as const, 'surveyor' as const), fc.array(tracedArb, { maxLength: 8 }), (type, payloads) =>
      onSocket(type, { raw: true }, async (s) => {
        const pipe = attachFake(s);
        for (const p of payloads) pipe.deliver(p);
        const whole = payloads.filter((p) => p.length >= 4);
        deepStrictEqual((await drain(s)).map(asBuffers), whole.map((p) => [p.subarray(0, 4), p.subarray(4)]));
        equal(s.stats.droppedMessages, payloads.length - whole.length);
      }),
    ),
  ),

  pure('PAIR v1 (mono, poly, raw) takes hop counts up to maxTtl, drops and counts those above, and closes the pipe on a runt or a count above 0xff', 300, () =>
    fc.asyncProperty(fc.constantFrom('mono', 'poly', 'raw'), fc.integer({ min: 1, max: 15 }), fc.array(hoppedArb, { maxLength: 8 }), (mode, maxTtl, payloads) =>
      onSocket('pair1', { raw: mode === 'raw', polyamorous: mode === 'poly', maxTtl }, async (s) => {
        const pipe = attachFake(s);
        const delivered: Buffer[] = [];
        let drops = 0;
        for (const p of payloads) {
          const fate = pair1Fate(p, maxTtl);
          pipe.deliver(p);
          if (fate === 'deliver') delivered.push(p);
          else drops++;
          if (fate === 'close') break;
        }
        // the first payload that breaks the rules closes the pipe; nothing after it arrives
        const closed = payloads.some((p) => pair1Fate(p, maxTtl) === 'close');
        deepStrictEqual([pipe.isClosed, s.pipes.length], [closed, closed ? 0 : 1]);
        deepStrictEqual((await drain(s)).map(asBuffers), delivered.map((p) => [p.subarray(0, 4), p.subarray(4)]));
        equal(s.stats.droppedMessages, drops);
      }),
    ),
  ),

  pure('the subscription trie counts references as nanomsg does and matches any subscribed prefix', 1000, () =>
    fc.property(fc.array(fc.tuple(fc.constantFrom('subscribe', 'unsubscribe', 'match'), topicArb), { maxLength: 30 }), (ops) => {
      const trie = new SubscriptionTrie();
      const counts = new Map<string, number>();
      for (const [op, bytes] of ops) {
        const key = bytes.toString('hex');
        if (op === 'subscribe') {
          trie.subscribe(bytes);
          counts.set(key, (counts.get(key) ?? 0) + 1);
        } else if (op === 'unsubscribe') {
          const had = counts.get(key) ?? 0;
          equal(trie.unsubscribe(bytes), had > 0);
          if (had > 1) counts.set(key, had - 1);
          else counts.delete(key);
        }
        equal(trie.matches(bytes), subscribed([...counts.keys()].map((k) => Buffer.from(k, 'hex')), bytes));
        equal(trie.size, counts.size);
      }
    }),
  ),

  pure('SUB delivers what a topic matches, and an unsubscribe takes back what it no longer wants', 300, () =>
    fc.asyncProperty(fc.array(topicArb, { maxLength: 4 }), fc.array(topicMessageArb, { maxLength: 8 }), fc.array(fc.nat(), { maxLength: 3 }), fc.array(topicMessageArb, { maxLength: 8 }), (topics, before, drop, after) =>
      onSocket('sub', {}, async (s) => {
        for (const t of topics) s.subscribe(t);
        const pipe = attachFake(s);
        for (const m of before) pipe.deliver(m);
        const left = [...topics];
        for (const d of drop) {
          if (left.length === 0) break;
          s.unsubscribe(left.splice(d % left.length, 1)[0] as Buffer);
        }
        for (const m of after) pipe.deliver(m);
        const wanted = [...before, ...after].filter((m) => subscribed(left, m));
        deepStrictEqual((await drain(s)).map((m) => Buffer.from(m.body)), wanted);
      }),
    ),
  ),
];
