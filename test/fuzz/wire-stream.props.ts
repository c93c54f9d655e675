/**
 * End to end over real loopback sockets, TCP and IPC, from both ends: a raw peer connects to a
 * nanosp PULL, REP, SUB or PAIR v1 (or the nanosp socket dials the raw peer), does the SP
 * header exchange, then sends fast-check's frames — well formed, malformed for the protocol,
 * or the stream itself broken (cut short, a length above recvMaxSize, a wrong IPC type byte,
 * noise) — cut into arbitrary writes, and hangs up. The socket must hand over exactly what the
 * protocol takes, count what it drops, end that pipe with the right SpError, and go on
 * serving a well-behaved peer. A second kind of attack breaks the SP header itself.
 */
import { equal } from 'node:assert/strict';
import fc from 'fast-check';
import { spHeaderBytes } from '../helpers/raw-peer.js';
import { withFixture, type FuzzProperty } from './harness/property.js';
import { bytesArb, cut, cutsArb } from './harness/split.js';
import { Bench, sendAndEnd, type Side } from './wire/bench.js';
import { hungUp, judge } from './wire/judge.js';
import { attackBytes, streamAttackArb, streamVerdict } from './wire/stream-attack.js';
import { peerProtocol, TARGETS } from './wire/targets.js';

type Scheme = 'tcp' | 'ipc';

function framesProperty(scheme: Scheme, side: Side): FuzzProperty {
  const ipc = scheme === 'ipc';
  return withFixture(
    `${scheme} (${side}): a raw peer's frames, good and bad, cut anywhere, end in messages, counted drops or the pipe closed with an SpError; the socket serves on`,
    ipc ? 50 : 80,
    () => Bench.open(scheme),
    (bench) =>
      fc.asyncProperty(streamAttackArb(ipc), async (attack) => {
        const station = bench.station(attack.type);
        const seen = station.log.attached.length;
        const dropsBefore = station.socket.stats.droppedMessages;
        const { peer, leave } = await bench.join(station, side);
        try {
          sendAndEnd(peer, cut(attackBytes(station.target, attack, ipc), attack.cuts));
          const pipe = await station.log.nextPipe(seen);
          await judge(station, pipe, dropsBefore, streamVerdict(station.target, attack));
          await peer.closed;
        } finally {
          await leave();
        }
      }),
  );
}

/** The SP header a peer sends: the right one, one with a byte changed, one cut short, or noise. */
const headerArb = fc.constantFrom(...TARGETS).chain((target) =>
  fc.record({
    type: fc.constant(target.type),
    header: fc.oneof(
      fc.constant(spHeaderBytes(peerProtocol(target))),
      fc.tuple(fc.nat(7), fc.integer({ min: 1, max: 255 })).map(([at, flip]) => {
        const header = spHeaderBytes(peerProtocol(target));
        header[at] = (header[at] as number) ^ flip;
        return header;
      }),
      fc.nat(7).map((n) => spHeaderBytes(peerProtocol(target)).subarray(0, n)),
      bytesArb(8),
    ),
    cuts: cutsArb,
  }),
);

function headerProperty(scheme: Scheme, side: Side): FuzzProperty {
  return withFixture(
    `${scheme} (${side}): a peer that sends a wrong or short SP header and hangs up is refused with EPROTO or ECONNRESET before it is a pipe; the right one makes a pipe`,
    scheme === 'ipc' ? 30 : 50,
    () => Bench.open(scheme),
    (bench) =>
      fc.asyncProperty(headerArb, async ({ type, header, cuts }) => {
        const station = bench.station(type);
        const seen = station.log.attached.length;
        const early = station.log.brokenEarly.length;
        const dropsBefore = station.socket.stats.droppedMessages;
        const { peer, leave } = await bench.join(station, side);
        try {
          sendAndEnd(peer, cut(header, cuts));
          if (header.equals(spHeaderBytes(peerProtocol(station.target)))) {
            const pipe = await station.log.nextPipe(seen);
            await judge(station, pipe, dropsBefore, hungUp(station.target));
          } else {
            const error = await station.log.until(() => station.log.brokenEarly[early], 'refused handshake');
            equal(error.code, header.length < 8 ? 'ECONNRESET' : 'EPROTO', error.message);
            equal(station.log.attached.length, seen);
            await station.target.exchange(station.socket, station.good);
          }
          await peer.closed;
        } finally {
          await leave();
        }
      }),
  );
}

export const wireStreamProperties: readonly FuzzProperty[] = (['tcp', 'ipc'] as const).flatMap((scheme) =>
  (['accept', 'dial'] as const).flatMap((side) => [framesProperty(scheme, side), headerProperty(scheme, side)]),
);
