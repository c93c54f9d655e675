/**
 * The sender of the memory measurement, in a process of its own so that the memory it reports
 * is that of its sockets (not of a test runner, nor of a reader):
 *
 *   node --import tsx bench/memory/sender.ts
 *
 * Says `waiting`, then takes commands on stdin, one at a time:
 *
 * - `open <pub|push|pair> <url> [certFile keyFile]`: bind a socket of that type at <url> (a
 *   certificate and its key for tls+tcp:// and wss://); says `bound <url>`, then `pipes <n>`
 *   whenever its number of pipes changes;
 * - `flood <ms>`: says `flooding`, offers 1 KiB messages with trySend as fast as it may for that
 *   long (yielding with setImmediate every batch so its I/O runs) while it samples its memory,
 *   then tries one blocking send with a short timeout, and says `flooded <json>` (a FloodReport);
 * - `fill <ms>`: the same, but stops early once every pipe but the first has taken nothing for
 *   SETTLED_MS: the stalled subscribers' buffers are full;
 * - `close`: closes the socket and says `closed`; another may be opened.
 *
 * It exits when its stdin ends.
 */
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { socket, SpError, type SocketType, type SpSocket } from '../../src/index.js';
import { higher, memoryNow, type Memory } from './usage.js';

export interface FloodReport {
  /** How long the flood ran, ms. */
  ms: number;
  /** `fill`: whether the stalled pipes settled before the time was up. */
  settled: boolean;
  offered: number;
  /** trySend calls that took the message (PUB takes every one, dropping for full subscribers). */
  accepted: number;
  /** Accepted by the middle of the window (-1: it ended before): a blocked sender takes nothing after it. */
  acceptedAtHalf: number;
  /** When trySend first said EAGAIN (ms into the window), and how many it had taken by then. */
  firstBlock: { ms: number; accepted: number } | null;
  /** Pipes the sender had when the window ended. */
  pipes: number;
  /** After the window, `send` with a 250 ms timeout: 'sent', or the error code (ETIMEDOUT: it waited). */
  blockingSend: string;
  /** Sampled every 50 ms: before the first message, the highest of each figure, and after the window. */
  memory: { start: Memory; peak: Memory; end: Memory };
}

const MESSAGE = Buffer.alloc(1024, 7);
/**
 * Messages offered between two turns of the event loop. Small, because beside 50 stalled
 * subscribers each message visits 51 pipes, and a TLS pipe takes at most its sendBuffer a turn
 * (a TLS socket finishes its writes on the next turn): at 1000 a turn the loop itself capped
 * the live subscriber over TLS at ~1,300 turns × 128 KiB a second on a two-core machine.
 */
const BATCH = 100;
const SAMPLE_MS = 50;
const BLOCKING_SEND_TIMEOUT_MS = 250;
/** A fill is over once the stalled pipes have taken nothing for this long. */
const SETTLED_MS = 200;

/** Try to send one message; false when the socket cannot take it now. */
function offer(s: SpSocket): boolean {
  try {
    s.trySend(MESSAGE);
    return true;
  } catch (err) {
    if (err instanceof SpError && err.code === 'EAGAIN') return false;
    throw err;
  }
}

/**
 * For `fill`: true once the pipes but the first (the live subscriber's, which connected first)
 * have taken no message for SETTLED_MS.
 */
function stalledPipesSettled(s: SpSocket): () => boolean {
  let taken = -1;
  let since = 0;
  return () => {
    const now = performance.now();
    const total = s.pipes.slice(1).reduce((n, pipe) => n + pipe.stats.messagesSent, 0);
    if (total === taken) return now - since >= SETTLED_MS;
    taken = total;
    since = now;
    return false;
  };
}

async function flood(s: SpSocket, ms: number, done: () => boolean = () => false): Promise<FloodReport> {
  const start = memoryNow();
  let peak = start;
  let offered = 0;
  let accepted = 0;
  let acceptedAtHalf = -1;
  let settled = false;
  let firstBlock: FloodReport['firstBlock'] = null;
  const began = performance.now();
  const half = began + ms / 2;
  const end = began + ms;
  let nextSample = began + SAMPLE_MS;
  say('flooding');
  for (let now = began; now < end && !(settled = done()); now = performance.now()) {
    for (let i = 0; i < BATCH; i++) {
      offered++;
      if (offer(s)) accepted++;
      else firstBlock ??= { ms: Math.round(performance.now() - began), accepted };
    }
    if (now >= half && acceptedAtHalf < 0) acceptedAtHalf = accepted;
    if (now >= nextSample) {
      peak = higher(peak, memoryNow());
      nextSample += SAMPLE_MS;
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
  const elapsed = performance.now() - began;
  const endMemory = memoryNow();
  peak = higher(peak, endMemory);
  const blockingSend = await s.send(MESSAGE, { timeout: BLOCKING_SEND_TIMEOUT_MS }).then(
    () => 'sent',
    (err: unknown) => (err instanceof SpError ? err.code : String(err)),
  );
  if (blockingSend === 'sent') accepted++;
  const pipes = s.pipes.length;
  return { ms: Math.round(elapsed), settled, offered, accepted, acceptedAtHalf, firstBlock, pipes, blockingSend, memory: { start, peak, end: endMemory } };
}

/** Open a socket of `type` bound at `url`; say `pipes <n>` whenever its number of pipes changes. */
async function open(type: string, url: string, certFile?: string, keyFile?: string): Promise<SpSocket> {
  const tls = certFile && keyFile ? { tls: { cert: readFileSync(certFile), key: readFileSync(keyFile) } } : {};
  const s = socket(type as SocketType, { linger: 0, ...tls });
  const reportPipes = () => say(`pipes ${s.pipes.length}`);
  s.on('pipe', reportPipes);
  s.on('pipe-removed', reportPipes);
  const ep = await s.bind(url);
  say(`bound ${ep.url}`);
  return s;
}

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

let sender: SpSocket | undefined;
say('waiting');
for await (const command of createInterface({ input: process.stdin })) {
  const [verb, ...args] = command.split(' ');
  if (verb === 'open' && args.length >= 2 && !sender) {
    sender = await open(...(args as [string, string, string?, string?]));
  } else if ((verb === 'flood' || verb === 'fill') && sender) {
    const ms = Number(args[0]);
    const report = await flood(sender, ms, verb === 'fill' ? stalledPipesSettled(sender) : undefined);
    say(`flooded ${JSON.stringify(report)}`);
  } else if (verb === 'close' && sender) {
    await sender.close();
    sender = undefined;
    say('closed');
  } else {
    throw new Error(`unexpected command ${JSON.stringify(command)}${sender ? '' : ' (no socket is open)'}`);
  }
}
await sender?.close();
