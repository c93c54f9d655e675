/**
 * nn_poll: wait until some of the given sockets can receive (POLLIN) or send (POLLOUT)
 * without blocking, by each protocol's rules (PAIR is writable only with a ready peer, REP
 * only after a receive, REQ/PUB/SURVEYOR/BUS always; a SURVEYOR without a running survey is
 * readable so that a poller wakes up to get ETIMEDOUT or EFSM).
 */
import { spError } from './errors.js';
import { SpSocket } from './socket.js';
import { waitOptions } from './waiters.js';

export const POLLIN = 1;
export const POLLOUT = 2;

export interface PollItem {
  readonly socket: SpSocket;
  /** POLLIN, POLLOUT or both. */
  readonly events: number;
  /** Set by poll: which of the events are ready. */
  revents?: number;
}

export interface PollOptions {
  /** ms to wait; 0 checks once; negative (the default) waits for ever. */
  timeout?: number;
  signal?: AbortSignal;
}

/** Fill in each item's revents; the number of items with any, or an error from a closed socket. */
function scan(items: readonly PollItem[]): number {
  let ready = 0;
  for (const item of items) {
    item.revents = item.socket.pollState() & item.events;
    if (item.revents !== 0) ready++;
  }
  return ready;
}

/** Resolves with the number of items that have events (0 on timeout); each item's revents says which. */
export function poll(items: readonly PollItem[], options: PollOptions | number = {}): Promise<number> {
  let ready: number;
  let timeout: number;
  let signal: AbortSignal | undefined;
  try {
    ({ timeout, signal } = waitOptions(typeof options === 'number' ? { timeout: options } : options, -1));
    if (!Array.isArray(items) || !items.every((item) => item !== null && typeof item === 'object' && item.socket instanceof SpSocket)) {
      throw spError('EINVAL', 'poll takes an array of { socket, events } with nanosp sockets');
    }
    ready = scan(items);
  } catch (err) {
    return Promise.reject(err);
  }
  if (ready > 0 || timeout === 0) return Promise.resolve(ready);
  if (signal?.aborted) return Promise.reject(spError('EINTR', 'poll was aborted by its AbortSignal', signal.reason));
  return new Promise<number>((resolve, reject) => {
    const unwatch = items.map((item) => item.socket.watch(check));
    const timer = timeout > 0 ? setTimeout(() => finish(() => resolve(0)), timeout) : undefined;
    const onAbort = () => finish(() => reject(spError('EINTR', 'poll was aborted by its AbortSignal', signal?.reason)));
    signal?.addEventListener('abort', onAbort, { once: true });
    let done = false;
    function finish(settle: () => void): void {
      if (done) return;
      done = true;
      for (const stop of unwatch) stop();
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      settle();
    }
    function check(): void {
      // watchers run inside the stack's own calls: look once the current one has finished
      queueMicrotask(() => {
        if (done) return;
        try {
          const now = scan(items);
          if (now > 0) finish(() => resolve(now));
        } catch (err) {
          finish(() => reject(err));
        }
      });
    }
  });
}
