/**
 * How inproc delivers on Node: `process.nextTick`, which runs ahead of promise callbacks, as
 * inproc always has here — but never for ever. Two inproc sockets answering each other in a
 * loop (a SURVEYOR and its RESPONDENTs, a REQ and a REP) would otherwise run on nextTicks and
 * promise jobs alone and starve everything else in the process: timers (recvTimeout,
 * resends), every other socket's I/O. After BURST_LIMIT deliveries within one turn of the
 * event loop, the next goes through setImmediate, so I/O and timers get their turn.
 */
import { setDefer } from '../sp/defer.js';

/** Deliveries per event-loop turn before one waits for the next turn (~1 ms of inproc work). */
export const BURST_LIMIT = 2000;

let burst = 0;
let resetScheduled = false;

function resetBurst(): void {
  burst = 0;
  resetScheduled = false;
}

export function installDefer(): void {
  setDefer((fn, arg) => {
    if (!resetScheduled) {
      resetScheduled = true;
      setImmediate(resetBurst);
    }
    if (++burst <= BURST_LIMIT) process.nextTick(fn, arg);
    else setImmediate(fn, arg);
  });
}
