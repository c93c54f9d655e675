/**
 * The WebSocket opening handshake (handshake.ts): HeadReader, which collects a head from a
 * byte stream; parseHead; the server's checkRequest and checkOfferedProtocol; the client's
 * checkResponse. Built heads come back as built, in any case and order of fields; anything
 * else is a refusal or an SpError, never a throw.
 */
import { deepStrictEqual, equal, ok } from 'node:assert/strict';
import fc from 'fast-check';
import {
  buildRefusal,
  buildRequest,
  buildSwitchingResponse,
  checkOfferedProtocol,
  checkRequest,
  checkResponse,
  HeadReader,
  parseHead,
} from '../../src/node/transport/ws/handshake.js';
import { PROTOCOL_IDS } from '../../src/sp/protocol/ids.js';
import { SpError } from '../../src/sp/errors.js';
import { pure, type FuzzProperty } from './harness/property.js';
import { cut, cutsArb } from './harness/split.js';
import { acceptFor, wsKeyArb } from './wire/ws-client.js';

const TYPES = Object.keys(PROTOCOL_IDS) as (keyof typeof PROTOCOL_IDS)[];
const PEERS: Record<string, string> = { pair: 'pair', pair1: 'pair1', pub: 'sub', sub: 'pub', req: 'rep', rep: 'req', push: 'pull', pull: 'push', surveyor: 'respondent', respondent: 'surveyor', bus: 'bus' };

/** Each letter in upper or lower case, as `flips` says. */
function recase(text: string, flips: readonly boolean[]): string {
  return [...text].map((c, i) => (flips[i % Math.max(1, flips.length)] ? c.toUpperCase() : c.toLowerCase())).join('');
}

const FIELD_NAMES = ['Host', 'Upgrade', 'Connection', 'Sec-WebSocket-Key', 'Sec-WebSocket-Version', 'Sec-WebSocket-Protocol', 'Sec-WebSocket-Accept'];
const FIELD_VALUES = ['websocket', 'Upgrade', 'keep-alive, Upgrade', '13', '8', 'dGhlIHNhbXBsZSBub25jZQ==', 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=', 'rep.sp.nanomsg.org', 'req.sp.nanomsg.org, pair.sp.nanomsg.org', '', '127.0.0.1:80'];

/** Heads that look like HTTP often enough to reach the deeper checks, and sometimes do not. */
const headArb: fc.Arbitrary<string> = fc
  .tuple(
    fc.oneof(fc.constantFrom('GET / HTTP/1.1', 'GET /sp?x=1 HTTP/1.1', 'GET  HTTP/1.1', 'HTTP/1.1 101 Switching Protocols', 'HTTP/1.0 400 Bad Request', 'HTTP/1.1 404', 'POST / HTTP/1.1'), fc.string({ maxLength: 30 })),
    fc.array(
      fc.oneof(
        fc.tuple(fc.constantFrom(...FIELD_NAMES), fc.array(fc.boolean(), { maxLength: 8 }), fc.oneof(fc.constantFrom(...FIELD_VALUES), fc.string({ maxLength: 20 }))).map(([name, flips, value]) => `${recase(name, flips)}: ${value}`),
        fc.string({ maxLength: 30 }),
      ),
      { maxLength: 9 },
    ),
  )
  .map(([start, fields]) => [start, ...fields].join('\r\n'));

const resourceArb = fc.tuple(fc.stringMatching(/^\/[A-Za-z0-9._~/%-]{0,20}$/), fc.option(fc.stringMatching(/^[?#][A-Za-z0-9=&.]{0,10}$/), { nil: undefined })).map(([path, query]) => path + (query ?? ''));
const hostArb = fc.oneof(fc.domain(), fc.ipV4()).chain((host) => fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }).map((port) => (port === undefined ? host : `${host}:${port}`)));
const protocolArb = fc.oneof(fc.constantFrom(...TYPES).map((t) => `${t}.sp.nanomsg.org`), fc.stringMatching(/^[A-Za-z0-9.-]{1,20}$/));

/** Where the first blank line ends in `stream`, or -1. */
function headEnd(stream: Buffer): number {
  const at = stream.indexOf('\r\n\r\n', 0, 'latin1');
  return at < 0 ? -1 : at + 4;
}

export const wsHandshakeProperties: readonly FuzzProperty[] = [
  pure('HeadReader finds the first blank line however the bytes are cut, hands back what follows untouched, and refuses a head over its limit', 1000, () =>
    fc.property(
      fc.array(fc.oneof(fc.constantFrom('\r\n', '\r\n\r\n', '\r', '\n', 'Host: x', 'GET / HTTP/1.1'), fc.string({ maxLength: 12 })), { maxLength: 12 }).map((parts) => Buffer.from(parts.join(''), 'latin1')),
      fc.integer({ min: 4, max: 80 }),
      cutsArb,
      (stream, max, cuts) => {
        const reader = new HeadReader(max);
        const pieces = cut(stream, cuts);
        const end = headEnd(stream);
        let fed = 0;
        for (let i = 0; i < pieces.length; i++) {
          const piece = pieces[i] as Buffer;
          const got = reader.push(piece);
          fed += piece.length;
          if (got === undefined) {
            ok(fed < max && (end < 0 || end > fed), `no result after ${fed} bytes`);
            continue;
          }
          if (got === 'too-large') {
            ok(fed >= max && (end < 0 || end > max), `too-large after ${fed} bytes, the head ends at ${end}`);
            return;
          }
          ok(end >= 0 && end <= max && end <= fed);
          equal(got.head, stream.toString('latin1', 0, end - 4));
          const after = Buffer.concat([got.rest ?? Buffer.alloc(0), ...pieces.slice(i + 1)]);
          deepStrictEqual(after, stream.subarray(end));
          return;
        }
        ok(end < 0 || end > fed);
      },
    ),
  ),

  pure('parseHead reads built heads back, names lower-cased and repeats joined, and never throws on anything else', 1000, () =>
    fc.property(
      fc.array(fc.tuple(fc.stringMatching(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,12}$/), fc.stringMatching(/^[!-~]([ -~]{0,10}[!-~])?$/)), { maxLength: 8 }),
      headArb,
      (fields, noise) => {
        const head = parseHead(['GET / HTTP/1.1', ...fields.map(([n, v]) => `${n}:  ${v} `)].join('\r\n'));
        ok(typeof head !== 'string', String(head));
        const expected = new Map<string, string>();
        for (const [name, value] of fields) {
          const seen = expected.get(name.toLowerCase());
          expected.set(name.toLowerCase(), seen === undefined ? value : `${seen}, ${value}`);
        }
        deepStrictEqual(head.headers, expected);
        const other = parseHead(noise);
        ok(typeof other === 'string' || [...other.headers.keys()].every((k) => k === k.toLowerCase()));
      },
    ),
  ),

  pure("checkRequest takes nanomsg's request back in any case and field order, and answers anything else with a refusal", 1000, () =>
    fc.property(resourceArb, hostArb, wsKeyArb, protocolArb, fc.array(fc.boolean(), { maxLength: 6 }), fc.integer({ min: 0, max: 1000 }), headArb, (resource, host, key, protocol, flips, order, noise) => {
      const [start, ...fields] = buildRequest(resource, host, key, protocol).split('\r\n').filter((l) => l !== '');
      // field names in any case, the fields in any order, one more field the server ignores
      const shuffled = [...fields.map((f) => recase(f.slice(0, f.indexOf(':')), flips) + f.slice(f.indexOf(':'))), 'User-Agent: fuzz'];
      for (let i = shuffled.length - 1; i > 0; i--) {
        const j = (order * (i + 7)) % (i + 1);
        [shuffled[i], shuffled[j]] = [shuffled[j] as string, shuffled[i] as string];
      }
      const cutAt = resource.search(/[?#]/);
      deepStrictEqual(checkRequest([start, ...shuffled].join('\r\n')), { uri: resource, path: cutAt < 0 ? resource : resource.slice(0, cutAt), key, protocols: [protocol] });
      const other = checkRequest(noise);
      ok('status' in other ? (other.status === 400 || other.status === 404) && other.reason.length > 0 : other.uri.startsWith('/'));
    }),
  ),

  pure('checkResponse accepts our 101 (any echo case, or none), refuses 4xx/5xx as ECONNREFUSED, and lets nothing else through without the right accept key', 1000, () =>
    fc.property(wsKeyArb, protocolArb, fc.option(fc.array(fc.boolean(), { minLength: 1, maxLength: 6 }), { nil: undefined }), fc.integer({ min: 400, max: 599 }), headArb, (key, protocol, echoCase, status, noise) => {
      const echo = echoCase === undefined ? undefined : recase(protocol, echoCase);
      equal(checkResponse(buildSwitchingResponse(key, echo).trimEnd(), key, protocol), undefined);
      equal(checkResponse(buildRefusal({ status: status as 400, reason: 'No' }).trimEnd(), key, protocol)?.code, 'ECONNREFUSED');
      const other = checkResponse(noise, key, protocol);
      if (other) ok(other instanceof SpError && (other.code === 'EPROTO' || other.code === 'ECONNREFUSED'));
      else {
        ok(/^HTTP\/1\.[01] 101( |$)/.test(noise));
        ok(noise.split('\r\n').some((line) => /^sec-websocket-accept:/i.test(line) && line.slice(line.indexOf(':') + 1).trim() === acceptFor(key)));
      }
    }),
  ),

  pure("checkOfferedProtocol echoes the offered name that is this socket's own, takes no name only on PAIR, and refuses the rest", 1000, () =>
    fc.property(fc.constantFrom(...TYPES), fc.option(fc.array(fc.oneof(protocolArb, fc.string({ maxLength: 8 })), { maxLength: 4 }), { nil: undefined }), fc.array(fc.boolean(), { maxLength: 6 }), (type, offered, flips) => {
      const own = `${type}.sp.nanomsg.org`;
      const names = offered?.map((name) => recase(name, flips));
      const got = checkOfferedProtocol(names, PROTOCOL_IDS[type], PROTOCOL_IDS[PEERS[type] as keyof typeof PROTOCOL_IDS]);
      const match = names?.find((name) => name.toLowerCase() === own);
      if (match !== undefined) deepStrictEqual(got, { echo: match });
      else if (names === undefined || names.length === 0) {
        if (type === 'pair') deepStrictEqual(got, { echo: undefined });
        else ok('status' in got && got.status === 400);
      } else ok('status' in got && got.status === 400);
    }),
  ),
];
