/**
 * The end-of-tick flush every socket pipe shares. A pipe that queued output asks once per
 * tick; one task flushes all of them, instead of one process.nextTick per pipe.
 *
 * A PUB with thousands of subscribers makes thousands of write system calls per message. Done
 * in one go that keeps the event loop from polling for as long as they take, so in a
 * connection storm new connections wait in the accept queue, and dialers give up on their SP
 * handshake, behind every fan-out. The flushes therefore run in slices of SLICE_MS, with a
 * setImmediate between slices (it runs after the poll phase): accepting and handshaking wait
 * one slice, not a whole fan-out. A pipe's messages are already in its batch, in order, when
 * it is queued here, so the slicing only moves when its bytes leave, never their order.
 */
import type { Server } from 'node:net';

export interface Flushable {
  /** Write what is queued (nothing when it was flushed meanwhile or has closed). */
  flush(): void;
  /** Set while the pipe waits in this queue, so that it is queued once. */
  flushScheduled: boolean;
}

/** How long one slice of flushes may run before the event loop gets to poll. */
const SLICE_MS = 4;
/**
 * The slice while a listener's connections are arriving. Node 20 (libuv 1.46) accepts one
 * connection per turn of the event loop, however many wait in the kernel's accept queue, so
 * the loop must turn often: with 4 ms slices a PUB fanning out to thousands of pipes accepted
 * about 150 connections a second, its queue (listenBacklog) sat full, and dialers gave up on
 * connections it had not yet accepted (`npm run bench:storm`; RELIABILITY.md has the figures
 * for 1, 0.5, 0.25 and 0.1 ms).
 */
const ACCEPTING_SLICE_MS = 0.1;
/**
 * How long after a listener's last accepted connection slices stay short. A listener that
 * accepts ten or more connections a second (short-lived clients) keeps every fan-out on short
 * slices: about one loop turn more per 0.1 ms of writes, a few percent of a fan-out's time.
 */
const ACCEPTING_WINDOW_MS = 100;
let lastAccept = -Infinity;

/** Keep flush slices short while `server` accepts connections (see ACCEPTING_SLICE_MS). */
export function turnOftenWhileAccepting(server: Server): void {
  server.on('connection', connectionAccepted);
}

function connectionAccepted(): void {
  lastAccept = performance.now();
}

/** @internal True while flush slices are short because a listener accepted lately (for tests). */
export function acceptingLately(): boolean {
  return performance.now() - lastAccept < ACCEPTING_WINDOW_MS;
}

/** Flushes between looks at the clock (a write is a few microseconds; see ACCEPTING_SLICE_MS). */
const CHECK_EVERY = 8;

const pending: Flushable[] = [];
let scheduled = false;

/** Flush `pipe` at the end of this tick (or in a later slice when many are waiting). */
export function scheduleFlush(pipe: Flushable): void {
  if (pipe.flushScheduled) return;
  pipe.flushScheduled = true;
  pending.push(pipe);
  if (!scheduled) {
    scheduled = true;
    process.nextTick(flushSlice);
  }
}

function flushSlice(): void {
  // (one look at the clock per slice: acceptingLately() inlined)
  const now = performance.now();
  const deadline = now + (now - lastAccept < ACCEPTING_WINDOW_MS ? ACCEPTING_SLICE_MS : SLICE_MS);
  let done = 0;
  try {
    while (done < pending.length) {
      const pipe = pending[done++] as Flushable;
      pipe.flushScheduled = false;
      pipe.flush();
      if (done % CHECK_EVERY === 0 && performance.now() > deadline) break;
    }
  } finally {
    // (even if a flush threw: one pipe's failure must not stop every other pipe's writes)
    pending.splice(0, done);
    if (pending.length > 0) setImmediate(flushSlice);
    else scheduled = false;
  }
}
