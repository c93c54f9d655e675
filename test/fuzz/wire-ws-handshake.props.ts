/**
 * The WebSocket opening handshake mangled, end to end on loopback: upgrade requests to a
 * nanosp listener get the status its checks call for (101, 400, 404), and 101 responses to a
 * nanosp dialer make a pipe only when its checks pass; whatever comes, the socket serves on.
 */
import { equal, ok } from 'node:assert/strict';
import fc from 'fast-check';
import { checkOfferedProtocol, checkRequest, checkResponse, handshakeLimits } from '../../src/node/transport/ws/handshake.js';
import { PROTOCOL_IDS } from '../../src/sp/protocol/ids.js';
import type { RawPeer } from '../helpers/raw-peer.js';
import { withFixture, type FuzzProperty } from './harness/property.js';
import { cut, cutsArb } from './harness/split.js';
import { Bench, sendAndEnd, type Station } from './wire/bench.js';
import { hungUp, judge } from './wire/judge.js';
import { TARGETS } from './wire/targets.js';
import { acceptFor, field, headReceived, portOf, wsKeyArb } from './wire/ws-client.js';

const FIELDS = ['Host', 'Upgrade', 'Connection', 'Sec-WebSocket-Key', 'Sec-WebSocket-Version', 'Sec-WebSocket-Protocol'] as const;

/** A rare field large enough to take a head over handshakeLimits.maxHeadBytes. */
const oversizeArb = fc.oneof({ weight: 9, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) });
const junkArb = fc.array(fc.string({ minLength: 1, maxLength: 20 }).filter((s) => !s.includes('\r\n')), { maxLength: 2 });

const requestArb = fc.record({
  type: fc.constantFrom(...TARGETS.map((t) => t.type)),
  key: fc.oneof({ weight: 4, arbitrary: wsKeyArb }, { weight: 1, arbitrary: fc.string({ maxLength: 26 }) }),
  target: fc.constantFrom('/fuzz', '/fuzz', '/fuzz?x=1', '/other', '/', '', 'fuzz', '/fuzz HTTP/1.0'),
  method: fc.constantFrom('GET', 'GET', 'GET', 'POST', 'get'),
  version: fc.constantFrom('HTTP/1.1', 'HTTP/1.1', 'HTTP/1.0'),
  protocol: fc.option(fc.oneof(fc.constantFrom(...Object.keys(PROTOCOL_IDS)).map((t) => `${t}.sp.nanomsg.org`), fc.string({ maxLength: 12 })), { nil: undefined }),
  wsVersion: fc.constantFrom('13', '13', '13', '8', ''),
  upgrade: fc.constantFrom('websocket', 'websocket', 'WebSocket', 'h2c', ''),
  connection: fc.constantFrom('Upgrade', 'Upgrade', 'keep-alive, upgrade', 'close'),
  omit: fc.subarray([...FIELDS], { maxLength: 2 }),
  junk: junkArb,
  oversize: oversizeArb,
});
type MangledRequest = typeof requestArb extends fc.Arbitrary<infer T> ? T : never;

function padding(oversize: boolean): string[] {
  return oversize ? [`X-Padding: ${'p'.repeat(handshakeLimits.maxHeadBytes)}`] : [];
}

function mangledRequest(r: MangledRequest, host: string): string {
  const values: Record<(typeof FIELDS)[number], string | undefined> = {
    Host: host,
    Upgrade: r.upgrade,
    Connection: r.connection,
    'Sec-WebSocket-Key': r.key,
    'Sec-WebSocket-Version': r.wsVersion,
    'Sec-WebSocket-Protocol': r.protocol,
  };
  const fields = FIELDS.filter((f) => !r.omit.includes(f) && values[f] !== undefined).map((f) => `${f}: ${values[f]}`);
  return [`${r.method} ${r.target} ${r.version}`, ...fields, ...r.junk, ...padding(r.oversize)].join('\r\n');
}

function tooLarge(head: string): boolean {
  return head.length + 4 > handshakeLimits.maxHeadBytes;
}

/** The status the server must answer with: its own checks, in its order (head size, request, path, protocol). */
function expectedStatus(head: string, station: Station): number {
  if (tooLarge(head)) return 400;
  const checked = checkRequest(head);
  if ('status' in checked) return checked.status;
  if (checked.path !== '/fuzz') return 404;
  const offered = checkOfferedProtocol(checked.protocols, PROTOCOL_IDS[station.target.type], PROTOCOL_IDS[station.target.peerType]);
  return 'status' in offered ? 400 : 101;
}

async function statusOf(peer: RawPeer): Promise<number> {
  const { head } = await headReceived(peer);
  return Number(/^HTTP\/1\.1 (\d{3}) /.exec(head)?.[1]);
}

const requestProperty = withFixture(
  'ws (accept): mangled upgrade requests get 101, 400 or 404 as the checks say, a refused one breaks no pipe, and the socket serves on',
  80,
  () => Bench.open('ws'),
  (bench) =>
    fc.asyncProperty(requestArb, fc.boolean(), cutsArb, async (r, hangUpAtOnce, cuts) => {
      const station = bench.station(r.type);
      const head = mangledRequest(r, `127.0.0.1:${portOf(station.url)}`);
      const status = expectedStatus(head, station);
      const seen = station.log.attached.length;
      const early = station.log.brokenEarly.length;
      const dropsBefore = station.socket.stats.droppedMessages;
      const { peer, leave } = await bench.join(station, 'accept');
      try {
        const bytes = Buffer.from(`${head}\r\n\r\n`, 'latin1');
        // a client may hang up right behind its request; then the answer may not reach it
        if (hangUpAtOnce) sendAndEnd(peer, cut(bytes, cuts));
        else for (const piece of cut(bytes, cuts)) peer.socket.write(piece);
        if (!hangUpAtOnce) equal(await statusOf(peer), status, head);
        if (status === 101) {
          const pipe = await station.log.nextPipe(seen);
          peer.socket.end();
          await judge(station, pipe, dropsBefore, hungUp(station.target));
        } else {
          await peer.closed;
          equal(station.log.attached.length, seen);
          // a protocol the socket does not speak is refused after routing: its endpoint reports it
          const refusedLate = status === 400 && !tooLarge(head) && !('status' in checkRequest(head));
          equal(station.log.brokenEarly.length, early + (refusedLate ? 1 : 0));
          if (refusedLate) equal(station.log.brokenEarly.at(-1)?.code, 'EPROTO');
          await station.target.exchange(station.socket, station.good);
        }
        await peer.closed;
      } finally {
        await leave();
      }
    }),
);

// ---- mangled 101 responses, to a nanosp dialer ---------------------------------------------

const responseArb = fc.record({
  type: fc.constantFrom(...TARGETS.map((t) => t.type)),
  status: fc.constantFrom('HTTP/1.1 101 Switching Protocols', 'HTTP/1.1 101 Switching Protocols', 'HTTP/1.1 101', 'HTTP/1.0 101 OK', 'HTTP/1.1 200 OK', 'HTTP/1.1 400 Bad Request', 'HTTP/1.1 503 Busy', 'HTTP/1.1 302 Found', 'ICY 200 OK'),
  accept: fc.constantFrom('right', 'right', 'right', 'wrong', 'missing'),
  upgrade: fc.constantFrom('websocket', 'websocket', 'WebSocket', 'h2c', undefined),
  connection: fc.constantFrom('Upgrade', 'Upgrade', 'keep-alive, Upgrade', 'close', undefined),
  protocol: fc.constantFrom('echo', 'echo', 'upper', 'other', 'none'),
  junk: junkArb,
  oversize: oversizeArb,
  cuts: cutsArb,
});
type MangledResponse = typeof responseArb extends fc.Arbitrary<infer T> ? T : never;

function mangledResponse(r: MangledResponse, request: string): string {
  const key = field(request, 'sec-websocket-key') ?? '';
  const offered = field(request, 'sec-websocket-protocol') ?? '';
  const protocol = { echo: offered, upper: offered.toUpperCase(), other: 'bus.sp.nanomsg.org', none: undefined }[r.protocol];
  const accept = { right: acceptFor(key), wrong: acceptFor(`${key}x`), missing: undefined }[r.accept];
  const fields = [
    r.upgrade === undefined ? undefined : `Upgrade: ${r.upgrade}`,
    r.connection === undefined ? undefined : `Connection: ${r.connection}`,
    accept === undefined ? undefined : `Sec-WebSocket-Accept: ${accept}`,
    protocol === undefined ? undefined : `Sec-WebSocket-Protocol: ${protocol}`,
  ].filter((f) => f !== undefined);
  return [r.status, ...fields, ...r.junk, ...padding(r.oversize)].join('\r\n');
}

const responseProperty = withFixture(
  'ws (dial): mangled 101 responses make a pipe only when the checks pass (never with a wrong accept key), else end in ECONNREFUSED or EPROTO; the socket serves on',
  80,
  () => Bench.open('ws'),
  (bench) =>
    fc.asyncProperty(responseArb, async (r) => {
      const station = bench.station(r.type);
      const seen = station.log.attached.length;
      const early = station.log.brokenEarly.length;
      const dropsBefore = station.socket.stats.droppedMessages;
      const { peer, leave } = await bench.join(station, 'dial');
      try {
        const { head: sent } = await headReceived(peer);
        const response = mangledResponse(r, sent);
        const refusal = tooLarge(response) ? 'EPROTO' : checkResponse(response, field(sent, 'sec-websocket-key') ?? '', field(sent, 'sec-websocket-protocol') ?? '')?.code;
        if (r.accept !== 'right') ok(refusal !== undefined, 'a wrong accept key passed');
        sendAndEnd(peer, cut(Buffer.from(`${response}\r\n\r\n`, 'latin1'), r.cuts));
        if (refusal === undefined) {
          const pipe = await station.log.nextPipe(seen);
          await judge(station, pipe, dropsBefore, hungUp(station.target));
        } else {
          const error = await station.log.until(() => station.log.brokenEarly[early], 'refused upgrade');
          equal(error.code, refusal, error.message);
          equal(station.log.attached.length, seen);
          await station.target.exchange(station.socket, station.good);
        }
      } finally {
        await leave();
      }
    }),
);

export const wireWsHandshakeProperties: readonly FuzzProperty[] = [requestProperty, responseProperty];
