/**
 * The RFC 6455 opening handshake as SP uses it (spec/wire.md §1.5): the HTTP/1.1 upgrade
 * request and response, built and checked here with no I/O. The SP protocol match travels in
 * `Sec-WebSocket-Protocol`: the client names the *server's* socket type
 * (`<type>.sp.nanomsg.org`) and the server echoes it.
 *
 * Limits: a head (request or response, up to and including the blank line) may be 8 KiB and
 * must arrive within 5000 ms. nanomsg allows 4096 bytes and 5 s (ws_handshake.c); nanosp takes
 * 8 KiB because NNG and browsers-turned-clients send longer headers. Both are in
 * `handshakeLimits`, which tests may lower.
 */
import { createHash, randomBytes } from 'node:crypto';
import { spError, type SpError } from '../../../sp/errors.js';
import { KNOWN_WS_NAMES, wsProtocolName } from '../../../sp/transport/ws-names.js';

export { wsProtocolName };

/** RFC 6455 §1.3: appended to the client's key before hashing. */
export const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** Bounds on the opening handshake; mutable so tests can shorten the wait. */
export const handshakeLimits = {
  /** Largest head in bytes, blank line included (nanomsg: 4096). */
  maxHeadBytes: 8 * 1024,
  /** ms to receive the whole head (nanomsg: 5000, ws_handshake.c NN_WS_HANDSHAKE_TIMEOUT). */
  timeoutMs: 5000,
};

/** `Sec-WebSocket-Accept` for a client's key: base64(SHA-1(key + GUID)). */
export function acceptKey(key: string): string {
  return createHash('sha1').update(key + WS_GUID).digest('base64');
}

/** A fresh `Sec-WebSocket-Key`: 16 random bytes in base64. */
export function newKey(): string {
  return randomBytes(16).toString('base64');
}

const PAIR_V0 = 0x10;

/**
 * Collects an HTTP head from a byte stream: stops at the first `\r\n\r\n` and hands back any
 * bytes after it untouched (the peer's first WebSocket frames). Holds at most `max` bytes.
 */
export class HeadReader {
  private readonly buf: Buffer;
  private fill = 0;

  constructor(private readonly max: number = handshakeLimits.maxHeadBytes) {
    this.buf = Buffer.allocUnsafe(max);
  }

  /**
   * Feed one chunk: `undefined` while the head is incomplete, `'too-large'` once it cannot fit
   * in `max` bytes, else the head (without the blank line) and what followed it in the chunk.
   */
  push(chunk: Buffer): { head: string; rest: Buffer | undefined } | 'too-large' | undefined {
    const before = this.fill;
    const take = Math.min(chunk.length, this.max - before);
    chunk.copy(this.buf, before, 0, take);
    this.fill += take;
    const at = this.buf.subarray(0, this.fill).indexOf('\r\n\r\n', Math.max(0, before - 3), 'latin1');
    if (at < 0) return this.fill >= this.max ? 'too-large' : undefined;
    const end = at + 4;
    const restStart = end - before;
    return {
      head: this.buf.toString('latin1', 0, at),
      rest: restStart < chunk.length ? chunk.subarray(restStart) : undefined,
    };
  }
}

export interface HttpHead {
  readonly startLine: string;
  /** Lower-cased names; repeated fields joined with ", " as HTTP allows. */
  readonly headers: ReadonlyMap<string, string>;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Split a head into its start line and fields; a string says what was malformed. */
export function parseHead(text: string): HttpHead | string {
  const lines = text.split('\r\n');
  const startLine = lines[0] ?? '';
  const headers = new Map<string, string>();
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line.startsWith(' ') || line.startsWith('\t')) return 'folded header lines are not allowed';
    const colon = line.indexOf(':');
    const name = colon > 0 ? line.slice(0, colon) : '';
    if (!TOKEN.test(name)) return `malformed header line ${JSON.stringify(line.slice(0, 60))}`;
    const key = name.toLowerCase();
    const value = line.slice(colon + 1).trim();
    const seen = headers.get(key);
    headers.set(key, seen === undefined ? value : `${seen}, ${value}`);
  }
  return { startLine, headers };
}

/** The comma-separated tokens of a field, trimmed. */
function tokens(value: string | undefined): string[] {
  return value === undefined ? [] : value.split(',').map((t) => t.trim()).filter((t) => t !== '');
}

function hasToken(value: string | undefined, token: string): boolean {
  return tokens(value).some((t) => t.toLowerCase() === token);
}

/** What the server answers instead of 101, and why (for the error the pipe reports). */
export interface Refusal {
  readonly status: 400 | 404;
  readonly reason: string;
  readonly detail: string;
  /** Extra header lines (`Name: value`). */
  readonly headers?: readonly string[];
}

/** An upgrade request that passed the generic checks (the protocol is checked per socket). */
export interface WsRequest {
  /** The request target as sent. */
  readonly uri: string;
  /** The path the request is routed by (target without query or fragment). */
  readonly path: string;
  readonly key: string;
  /** The offered `Sec-WebSocket-Protocol` names, or undefined when the field is absent. */
  readonly protocols: readonly string[] | undefined;
}

const KEY = /^[A-Za-z0-9+/]{22}==$/;

function badRequest(detail: string): Refusal {
  return { status: 400, reason: 'Bad Request', detail };
}

/**
 * nanomsg's server checks (ws_handshake.c): `GET <uri> HTTP/1.1`, Host, `Upgrade: websocket`,
 * a Connection field containing "upgrade", a key, and version 13. Field names and the Upgrade
 * and Connection values are compared case-insensitively.
 */
export function checkRequest(text: string): WsRequest | Refusal {
  const head = parseHead(text);
  return typeof head === 'string' ? badRequest(head) : checkRequestHead(head);
}

/** The same checks on a head parsed elsewhere (node:http's, for a listener on an app's server). */
export function checkRequestHead(head: HttpHead): WsRequest | Refusal {
  const parts = head.startLine.split(' ');
  // NNG 1.5.2 dialing a URL without a path sends an empty target ("GET  HTTP/1.1"): that is "/"
  const target = parts[1] as string;
  if (parts.length !== 3 || parts[0] !== 'GET' || parts[2] !== 'HTTP/1.1' || !(target === '' || target.startsWith('/'))) {
    return badRequest(`the request line must be "GET /path HTTP/1.1", got ${JSON.stringify(head.startLine.slice(0, 80))}`);
  }
  const uri = target === '' ? '/' : target;
  const h = head.headers;
  if (!h.get('host')) return badRequest('the request has no Host field');
  if (!hasToken(h.get('upgrade'), 'websocket')) return badRequest(`the request is not a WebSocket upgrade (Upgrade: ${JSON.stringify(h.get('upgrade') ?? '')})`);
  if (!hasToken(h.get('connection'), 'upgrade')) return badRequest(`the Connection field does not contain "upgrade" (got ${JSON.stringify(h.get('connection') ?? '')})`);
  const key = h.get('sec-websocket-key');
  if (key === undefined || !KEY.test(key)) return badRequest(`Sec-WebSocket-Key must be 16 bytes in base64, got ${JSON.stringify(key ?? '')}`);
  const version = h.get('sec-websocket-version');
  if (version === undefined) return badRequest('the request has no Sec-WebSocket-Version field');
  if (version !== '13') {
    return {
      status: 400,
      reason: 'Unsupported WebSocket Version',
      detail: `the client speaks WebSocket version ${JSON.stringify(version)}; only 13 exists`,
      headers: ['Sec-WebSocket-Version: 13'],
    };
  }
  const protocol = h.get('sec-websocket-protocol');
  const cut = uri.search(/[?#]/);
  return { uri, path: cut < 0 ? uri : uri.slice(0, cut), key, protocols: protocol === undefined ? undefined : tokens(protocol) };
}

/**
 * The server's protocol check (nanomsg ws_handshake.c): the client must name this socket's
 * own type. No name at all is taken as PAIR (nanomsg), so only a PAIR server accepts it.
 * Returns the name to echo (undefined: echo none), or the refusal.
 */
export function checkOfferedProtocol(
  offered: readonly string[] | undefined,
  localProtocol: number,
  peerProtocol: number,
): { echo: string | undefined } | Refusal {
  const own = wsProtocolName(localProtocol);
  if (offered === undefined || offered.length === 0) {
    if (peerProtocol === PAIR_V0) return { echo: undefined };
    return {
      status: 400,
      reason: 'Incompatible Socket Type',
      detail: `the client named no Sec-WebSocket-Protocol, which means PAIR; this socket needs "${own}"`,
    };
  }
  const match = offered.find((name) => name.toLowerCase() === own);
  // echo the client's own spelling: NNG compares the echo with what it sent
  if (match !== undefined) return { echo: match };
  if (offered.some((name) => KNOWN_WS_NAMES.has(name.toLowerCase()))) {
    return {
      status: 400,
      reason: 'Incompatible Socket Type',
      detail: `the client asked for ${offered.map((n) => JSON.stringify(n)).join(', ')}, which this socket cannot serve; it needs "${own}"`,
    };
  }
  return {
    status: 400,
    reason: 'Unrecognized Socket Type',
    detail: `the client asked for ${offered.map((n) => JSON.stringify(n)).join(', ')}, which is not an SP protocol; this socket needs "${own}"`,
  };
}

/** The client's upgrade request, in nanomsg's layout (spec/wire.md §1.5). */
export function buildRequest(resource: string, host: string, key: string, protocol: string): string {
  return (
    `GET ${resource} HTTP/1.1\r\n` +
    `Host: ${host}\r\n` +
    'Upgrade: websocket\r\n' +
    'Connection: Upgrade\r\n' +
    `Sec-WebSocket-Key: ${key}\r\n` +
    'Sec-WebSocket-Version: 13\r\n' +
    `Sec-WebSocket-Protocol: ${protocol}\r\n` +
    '\r\n'
  );
}

/** The server's 101, with `Upgrade: websocket` in lower case (NNG compares it case-sensitively). */
export function buildSwitchingResponse(key: string, echo: string | undefined): string {
  return (
    'HTTP/1.1 101 Switching Protocols\r\n' +
    'Upgrade: websocket\r\n' +
    'Connection: Upgrade\r\n' +
    `Sec-WebSocket-Accept: ${acceptKey(key)}\r\n` +
    (echo === undefined ? '' : `Sec-WebSocket-Protocol: ${echo}\r\n`) +
    '\r\n'
  );
}

/** A refusal: status line, any extra fields, no body, then the server closes. */
export function buildRefusal(refusal: Pick<Refusal, 'status' | 'reason' | 'headers'>): string {
  const extra = (refusal.headers ?? []).map((line) => `${line}\r\n`).join('');
  return `HTTP/1.1 ${refusal.status} ${refusal.reason}\r\n${extra}Content-Length: 0\r\nConnection: close\r\n\r\n`;
}

/**
 * The client's checks on the server's answer: status 101, `Upgrade: websocket`, a Connection
 * field containing "upgrade", the right accept key (nanomsg and NNG), and, when the server
 * names a protocol, the one we asked for (NNG; nanomsg does not look). A 4xx or 5xx status is
 * a refusal (ECONNREFUSED, with the server's reason); anything else wrong is EPROTO.
 */
export function checkResponse(text: string, key: string, protocol: string): SpError | undefined {
  const head = parseHead(text);
  if (typeof head === 'string') return spError('EPROTO', `the WebSocket server's response is malformed: ${head}`);
  const status = /^HTTP\/1\.[01] ([0-9]{3})(?: (.*))?$/.exec(head.startLine);
  if (!status) return spError('EPROTO', `the server did not answer with HTTP/1.1 (status line ${JSON.stringify(head.startLine.slice(0, 80))})`);
  const code = Number(status[1]);
  if (code !== 101) {
    const line = head.startLine.slice(9, 89);
    if (code >= 400 && code <= 599) return spError('ECONNREFUSED', `the WebSocket server refused the upgrade: ${line}`);
    return spError('EPROTO', `the server answered ${line} instead of 101 Switching Protocols`);
  }
  const h = head.headers;
  if (!hasToken(h.get('upgrade'), 'websocket')) return spError('EPROTO', `the server's 101 has Upgrade ${JSON.stringify(h.get('upgrade') ?? '')}, not "websocket"`);
  if (!hasToken(h.get('connection'), 'upgrade')) return spError('EPROTO', `the server's 101 has Connection ${JSON.stringify(h.get('connection') ?? '')}, not "Upgrade"`);
  const accept = h.get('sec-websocket-accept');
  if (accept !== acceptKey(key)) return spError('EPROTO', `the server's Sec-WebSocket-Accept ${JSON.stringify(accept ?? '')} does not match the key sent`);
  const echoed = h.get('sec-websocket-protocol');
  if (echoed !== undefined && echoed.toLowerCase() !== protocol.toLowerCase()) {
    return spError('EPROTO', `the server chose Sec-WebSocket-Protocol ${JSON.stringify(echoed)}, but nanosp asked for "${protocol}"`);
  }
  return undefined;
}
