/**
 * End to end over WebSocket on loopback, from both ends. A raw client upgrades to a nanosp
 * socket (waiting for the 101, or sending its frames right behind the request), or a raw
 * server answers the nanosp socket's dial with a 101 and its frames behind it; then come
 * fast-check's frames (wire/ws-attack.ts) and a hang-up. Besides what the TCP attack checks,
 * nanosp must answer each ping with a pong and fail the connection with the right Close code.
 */
import { equal, ok } from 'node:assert/strict';
import fc from 'fast-check';
import { buildRequest } from '../../src/node/transport/ws/handshake.js';
import { PROTOCOL_IDS } from '../../src/sp/protocol/ids.js';
import { wsProtocolName } from '../../src/sp/transport/ws-names.js';
import { withFixture, type FuzzProperty } from './harness/property.js';
import { cut } from './harness/split.js';
import { Bench, sendAndEnd, type Side, type Station } from './wire/bench.js';
import { judge } from './wire/judge.js';
import { checkAnswers, wsAttackArb, wsAttackBytes, wsVerdict } from './wire/ws-attack.js';
import { acceptFor, field, headReceived, portOf, wsKeyArb } from './wire/ws-client.js';

/** The upgrade request for `station`, naming the server's own type as a client must. */
function request(station: Station, key: string): Buffer {
  return Buffer.from(buildRequest('/fuzz', `127.0.0.1:${portOf(station.url)}`, key, wsProtocolName(PROTOCOL_IDS[station.target.type])), 'latin1');
}

/** The raw server's 101 for nanosp's request `head`: the accept key, the protocol echoed. */
function switching(head: string): Buffer {
  const key = field(head, 'sec-websocket-key') ?? '';
  const offered = field(head, 'sec-websocket-protocol') ?? '';
  return Buffer.from(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptFor(key)}\r\nSec-WebSocket-Protocol: ${offered}\r\n\r\n`, 'latin1');
}

function framesProperty(side: Side): FuzzProperty {
  // the attacker masks its frames when it is the client, that is when nanosp accepts
  const masked = side === 'accept';
  return withFixture(
    `ws (${side}): a raw peer's frames, good and bad, cut anywhere, end in messages, counted drops, pongs, or the right Close and SpError; the socket serves on`,
    80,
    () => Bench.open('ws'),
    (bench) =>
      fc.asyncProperty(wsAttackArb(masked), fc.boolean(), wsKeyArb, async (attack, pipelined, key) => {
        const station = bench.station(attack.type);
        const verdict = wsVerdict(station.target, attack, masked);
        const seen = station.log.attached.length;
        const dropsBefore = station.socket.stats.droppedMessages;
        const { peer, leave } = await bench.join(station, side);
        try {
          const frames = wsAttackBytes(attack);
          if (side === 'dial') {
            const { head } = await headReceived(peer);
            equal(field(head, 'sec-websocket-protocol'), wsProtocolName(PROTOCOL_IDS[station.target.peerType]));
            sendAndEnd(peer, cut(Buffer.concat([switching(head), frames]), attack.cuts));
          } else if (pipelined) {
            sendAndEnd(peer, cut(Buffer.concat([request(station, key), frames]), attack.cuts));
          } else {
            peer.socket.write(request(station, key));
            ok((await headReceived(peer)).head.startsWith('HTTP/1.1 101 '));
            sendAndEnd(peer, cut(frames, attack.cuts));
          }
          const pipe = await station.log.nextPipe(seen);
          await judge(station, pipe, dropsBefore, verdict);
          await peer.closed;
          const { head, after } = await headReceived(peer);
          if (side === 'accept') ok(head.startsWith('HTTP/1.1 101 '), head);
          checkAnswers(after, verdict, !masked);
        } finally {
          await leave();
        }
      }),
  );
}

export const wireWsProperties: readonly FuzzProperty[] = [framesProperty('accept'), framesProperty('dial')];
