/**
 * What `nanosp cat` does once its socket is up, as nanocat does it (tools/nanocat.c):
 *
 *   send      PUB, PUSH: send the data once (then wait DRAIN_MS), or every --interval
 *   receive   SUB, PULL; PAIR (v0 and v1), BUS, REP and RESPONDENT without data: print every
 *             message until a receive times out (--recv-timeout) or cannot happen any more (EFSM)
 *   ask       REQ, SURVEYOR; PAIR (v0 and v1) and BUS with data: send, then print what comes back; without
 *             --interval that is the receive loop, so a REQ ends after its reply and a
 *             SURVEYOR when its survey's deadline passes; with --interval send again on time,
 *             printing whatever arrives in between
 *   answer    REP, RESPONDENT with data: print each request and answer it with the data
 *
 * A send that would block without waiting (EAGAIN) is reported and skipped; any other failure
 * of a send or receive ends the program (a `CatFailure`, status 3).
 */
import { setImmediate as nextTurn, setTimeout as sleepFor } from 'node:timers/promises';
import { SpError, type SpSocket } from '../index.js';
import type { CatOptions } from './cat-options.js';

/** Where the loops print and warn, and the signal that stops them (standard output closed). */
export interface CatIo {
  print(body: Buffer): void;
  warn(text: string): void;
  readonly signal: AbortSignal;
}

/** A send or receive that failed for good: nanocat prints "Can't <what>: <strerror>" and exits 3. */
export class CatFailure extends Error {
  constructor(
    readonly what: string,
    readonly error: unknown,
  ) {
    super(`Can't ${what}`);
  }
}

/** A C `(int)` conversion as x86 does it: truncation, and INT_MIN for NaN or out of range. */
export function cInt(value: number): number {
  if (!Number.isFinite(value) || value >= 2 ** 31 || value <= -(2 ** 31) - 1) return -(2 ** 31);
  return Math.trunc(value);
}

/** Seconds (a C float) to whole milliseconds, as nanocat computes `(int)(sec * 1000)`. */
export function millis(seconds: number): number {
  return cInt(Math.fround(seconds * 1000));
}

function codeOf(err: unknown): string | undefined {
  return err instanceof SpError ? err.code : undefined;
}

/** nanocat's clock: whole milliseconds, monotonic. */
function clock(): number {
  return Math.floor(performance.now());
}

async function sendOnce(sock: SpSocket, data: Buffer, io: CatIo): Promise<void> {
  try {
    await sock.send(data, { signal: io.signal });
  } catch (err) {
    if (codeOf(err) !== 'EAGAIN') throw new CatFailure('send', err);
    io.warn('Message not sent (EAGAIN)\n');
  }
}

/** Wait `ms` if positive, else let I/O run before going on (a loop must never starve it). */
async function pause(ms: number, io: CatIo): Promise<void> {
  if (ms > 0) await sleepFor(ms, undefined, { signal: io.signal });
  else await nextTurn(undefined, { signal: io.signal });
}

/**
 * ms a one-shot PUB or PUSH keeps its connections after its send, before closing (nngcat
 * waits the same). The bytes are on their way when the send resolves and close flushes
 * them, but libnanomsg drops a message that it has read but not yet handed to its socket
 * when the connection closes right behind it (nanocat to nanocat over ipc:// loses it every
 * time); a moment's wait lets the peer take it first.
 */
export const DRAIN_MS = 200;

export async function sendLoop(sock: SpSocket, options: CatOptions, data: Buffer, io: CatIo): Promise<void> {
  const interval = millis(options.interval);
  for (;;) {
    const start = clock();
    await sendOnce(sock, data, io);
    if (interval < 0) {
      await pause(DRAIN_MS, io);
      return;
    }
    await pause(start + interval - clock(), io);
  }
}

export async function recvLoop(sock: SpSocket, io: CatIo): Promise<void> {
  for (;;) {
    let body: Buffer;
    try {
      body = await sock.recv({ signal: io.signal });
    } catch (err) {
      const code = codeOf(err);
      if (code === 'EAGAIN') {
        await pause(0, io);
        continue;
      }
      if (code === 'ETIMEDOUT' || code === 'EFSM') return; // no more messages can come
      throw new CatFailure('recv', err);
    }
    io.print(body);
  }
}

export async function askLoop(sock: SpSocket, options: CatOptions, data: Buffer, io: CatIo): Promise<void> {
  const interval = millis(options.interval);
  const recvTimeout = millis(options.recvTimeout);
  for (;;) {
    const start = clock();
    await sendOnce(sock, data, io);
    if (options.interval < 0) {
      // never send again: print the answers until none can come
      await recvLoop(sock, io);
      return;
    }
    let waited = false;
    for (;;) {
      let wait = start + interval - clock();
      if (wait <= 0) break;
      if (recvTimeout >= 0 && wait > recvTimeout) wait = recvTimeout;
      waited = true;
      let body: Buffer;
      try {
        body = await sock.recv({ timeout: wait, signal: io.signal });
      } catch (err) {
        const code = codeOf(err);
        if (code === 'EAGAIN') {
          await pause(0, io);
          continue;
        }
        if (code === 'ETIMEDOUT' || code === 'EFSM') {
          // nothing more to receive before the next send: sleep until it is due
          const rest = start + interval - clock();
          if (rest > 0) await pause(rest, io);
          continue;
        }
        throw new CatFailure('recv', err);
      }
      io.print(body);
    }
    if (!waited) await pause(0, io);
  }
}

export async function answerLoop(sock: SpSocket, data: Buffer, io: CatIo): Promise<void> {
  for (;;) {
    let body: Buffer;
    try {
      body = await sock.recv({ signal: io.signal });
    } catch (err) {
      if (codeOf(err) === 'EAGAIN') {
        await pause(0, io);
        continue;
      }
      // a timeout ends an answering loop as a failure, as in nanocat
      throw new CatFailure('recv', err);
    }
    io.print(body);
    await sendOnce(sock, data, io);
  }
}

/** nanocat's choice of loop for the socket type and whether there is data to send. */
export async function runLoop(sock: SpSocket, options: CatOptions, io: CatIo): Promise<void> {
  const data = options.data;
  switch (sock.type) {
    case 'pub':
    case 'push':
      return sendLoop(sock, options, data ?? Buffer.alloc(0), io);
    case 'sub':
    case 'pull':
      return recvLoop(sock, io);
    case 'bus':
    case 'pair':
    case 'pair1': // nngcat --pair1 loops as its --pair0 does
      return data ? askLoop(sock, options, data, io) : recvLoop(sock, io);
    case 'surveyor':
    case 'req':
      return askLoop(sock, options, data ?? Buffer.alloc(0), io);
    case 'rep':
    case 'respondent':
      return data ? answerLoop(sock, data, io) : recvLoop(sock, io);
    default: {
      // every socket type has its loop: a new one must be given one here
      const type: never = sock.type;
      throw new CatFailure('run', new Error(`no loop for ${String(type)} sockets`));
    }
  }
}
