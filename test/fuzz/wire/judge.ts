/**
 * Judging an attack on a station: the pipe ended with the SpError expected, exactly the
 * messages expected came out and the drops were counted, and the well-behaved peer is still
 * served.
 */
import { deepStrictEqual, equal, ok } from 'node:assert/strict';
import { SpError, type ErrnoName, type SpSocket } from '../../../src/index.js';
import type { Pipe } from '../../../src/sp/pipe.js';
import type { Station } from './bench.js';
import { expectFrom, type Expected, type Target } from './targets.js';

/** Everything the socket can hand over now, each as [header, body], checked to come from `pipe`. */
async function drain(s: SpSocket, pipe: Pipe): Promise<[Buffer, Buffer][]> {
  const got: [Buffer, Buffer][] = [];
  for (;;) {
    try {
      const m = await s.recvMessage({ timeout: 0 });
      equal(m.pipe, pipe.id);
      got.push([Buffer.from(m.header), Buffer.from(m.body)]);
    } catch (err) {
      // EFSM: a REQ with no request outstanding has nothing to receive either
      ok(err instanceof SpError && (err.code === 'EAGAIN' || err.code === 'EFSM'), String(err));
      return got;
    }
  }
}

export interface Verdict {
  readonly expected: Expected;
  /** The error the pipe must end with; undefined when garbage followed and any of a few may. */
  readonly code: ErrnoName | undefined;
}

/** A peer that made a pipe and hung up without sending anything more. */
export function hungUp(target: Target): Verdict {
  return { expected: expectFrom(target, []), code: 'ECONNRESET' };
}

/**
 * After an attack on `station` through `pipe` (which counted `dropsBefore` drops on the socket
 * before it): the pipe ended with the SpError expected, handed over exactly the messages
 * expected (a prefix of them when garbage followed) and counted the drops, and the
 * well-behaved peer still gets its round trip.
 */
export async function judge(station: Station, pipe: Pipe, dropsBefore: number, verdict: Verdict): Promise<void> {
  const error = await station.log.endOf(pipe);
  ok(error instanceof SpError);
  const { expected, code } = verdict;
  if (code) equal(error.code, code, error.message);
  else ok(['EPROTO', 'EMSGSIZE', 'ECONNRESET'].includes(error.code), error.message);
  const got = await drain(station.socket, pipe);
  const drops = station.socket.stats.droppedMessages - dropsBefore;
  if (code) {
    deepStrictEqual(got, expected.messages);
    equal(drops, expected.drops);
    equal(pipe.stats.messagesReceived, expected.frames);
  } else {
    deepStrictEqual(got.slice(0, expected.messages.length), expected.messages);
    ok(drops >= expected.drops && pipe.stats.messagesReceived >= expected.frames);
  }
  await station.target.exchange(station.socket, station.good);
}
