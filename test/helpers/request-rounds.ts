/**
 * REQ/REP rounds whose every reply can be checked as the request's own, for the chaos tests
 * (in a fixture process and in the test process alike). A request names its context, its
 * number, its size and a nonce, then carries filler bytes that follow from those; the server
 * answers `reply:` and the request. So a reply that belongs to another request, and a request
 * that arrived cut short or damaged, are both seen at once.
 */
import { randomBytes } from 'node:crypto';
import { SpError, type SpSocket } from '../../src/index.js';

const REPLY_PREFIX = Buffer.from('reply:');
const HEAD = /^r(\d+)\.(\d+)\.(\d+)\.[0-9a-f]{8}\|/;

function filler(seq: number, i: number): number {
  return (seq * 7 + i) % 251;
}

/** The smallest request: its head always fits. */
export const MIN_REQUEST_SIZE = 48;

/** A request of `size` bytes (at least MIN_REQUEST_SIZE) from `context`, number `seq`. */
export function requestBody(context: number, seq: number, size: number): Buffer {
  const body = Buffer.alloc(Math.max(size, MIN_REQUEST_SIZE));
  const head = body.write(`r${context}.${seq}.${body.length}.${randomBytes(4).toString('hex')}|`, 'latin1');
  for (let i = head; i < body.length; i++) body[i] = filler(seq, i);
  return body;
}

/** The request is whole: its head parses, its length is the one it names, every filler byte is right. */
export function intactRequest(body: Uint8Array): boolean {
  const buf = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const head = HEAD.exec(buf.subarray(0, 64).toString('latin1'));
  if (!head) return false;
  const seq = Number(head[2]);
  if (Number(head[3]) !== buf.length) return false;
  for (let i = head[0].length; i < buf.length; i++) if (buf[i] !== filler(seq, i)) return false;
  return true;
}

/**
 * Answer every request on `rep` with `reply:` and the request, until the socket closes.
 * `onRequest` hears of each request, whole or not (a server never answers a damaged one).
 */
export async function serveReplies(rep: SpSocket, onRequest?: (intact: boolean) => void): Promise<void> {
  for await (const request of rep) {
    const intact = intactRequest(request);
    onRequest?.(intact);
    if (!intact) continue;
    try {
      await rep.send(Buffer.concat([REPLY_PREFIX, request]));
    } catch (err) {
      // closing between a request and its reply is the only way this send can fail
      if (!(err instanceof SpError && err.code === 'EBADF')) throw err;
    }
  }
}

export interface RoundsOptions {
  readonly requests: number;
  /** How many contexts ask at once, each one request at a time. */
  readonly contexts: number;
  /** The pause of each context between a reply and its next request. */
  readonly paceMs: number;
  /** Each request's size in bytes (MIN_REQUEST_SIZE at least). */
  readonly size: (seq: number) => number;
  /** A receive that waits longer fails the round (ETIMEDOUT), and the rounds go on. */
  readonly timeoutMs: number;
  /** After each right reply, with the number answered so far. */
  readonly onAnswered?: (answered: number) => void;
}

export interface RoundsResult {
  answered: number;
  /** Replies that were not the request's own: what was expected and what came. */
  readonly wrong: string[];
  /** Requests whose receive failed, with the SpError's code. */
  readonly failed: string[];
  /** The longest wait for a reply. */
  maxWaitMs: number;
}

/** Send `requests` requests through `contexts` contexts of `req`, checking each reply. */
export async function runRounds(req: SpSocket, options: RoundsOptions): Promise<RoundsResult> {
  const result: RoundsResult = { answered: 0, wrong: [], failed: [], maxWaitMs: 0 };
  let nextSeq = 0;
  const worker = async (id: number): Promise<void> => {
    const ctx = req.context();
    try {
      for (let seq = nextSeq++; seq < options.requests; seq = nextSeq++) {
        const request = requestBody(id, seq, options.size(seq));
        const started = Date.now();
        await ctx.send(request);
        try {
          const reply = await ctx.recv({ timeout: options.timeoutMs });
          result.maxWaitMs = Math.max(result.maxWaitMs, Date.now() - started);
          if (reply.equals(Buffer.concat([REPLY_PREFIX, request]))) {
            result.answered++;
            options.onAnswered?.(result.answered);
          } else result.wrong.push(`${request.subarray(0, 40).toString('latin1')} got ${reply.subarray(0, 46).toString('latin1')}`);
        } catch (err) {
          if (!(err instanceof SpError)) throw err;
          result.failed.push(`${seq} ${err.code}`);
        }
        await new Promise((resolve) => setTimeout(resolve, options.paceMs));
      }
    } finally {
      await ctx.close();
    }
  };
  await Promise.all(Array.from({ length: options.contexts }, (_, i) => worker(i)));
  return result;
}
