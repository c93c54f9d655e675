/**
 * The compat socket's receive loop: what the old package's libuv poll on NN_RCVFD did, done
 * with nanosp's `poll()`. It waits until the socket is readable, takes every message that is
 * ready (the old loop took one per poll wake-up), and hands each to `deliver`, which says
 * whether the stream wants more now (Readable backpressure). It runs while it is wanted:
 * REP asks for one request at a time, SURVEYOR runs from a survey until the survey is over.
 */
import { poll, POLLIN } from '../sp/poll.js';
import { SpError } from '../sp/errors.js';
import type { SpSocket } from '../sp/socket.js';

export interface ReceiverHost {
  /** Take one message; false pauses the loop until `resume()`. */
  deliver(body: Buffer): boolean;
  /** Receive only one message per `start()` (REP: one request, then wait for the reply). */
  readonly oneAtATime: boolean;
}

export class Receiver {
  /** Someone wants messages (started and not stopped, or not yet satisfied). */
  private wanted = false;
  /** The stream's buffer is full; `resume()` continues. */
  private paused = false;
  private running = false;
  private abort: AbortController | undefined;

  constructor(
    private readonly socket: SpSocket,
    private readonly host: ReceiverHost,
  ) {}

  /** Begin (or keep) receiving. */
  start(): void {
    this.wanted = true;
    this.kick();
  }

  /** The stream can take more. */
  resume(): void {
    this.paused = false;
    this.kick();
  }

  /** Stop receiving until the next `start()`. */
  stop(): void {
    this.wanted = false;
    this.abort?.abort();
  }

  private kick(): void {
    if (this.running || !this.wanted || this.paused || this.socket.closed) return;
    this.running = true;
    void this.loop().finally(() => {
      this.running = false;
      this.kick(); // something changed while the loop was winding down
    });
  }

  private async loop(): Promise<void> {
    const abort = new AbortController();
    this.abort = abort;
    const items = [{ socket: this.socket, events: POLLIN }];
    try {
      while (this.wanted && !this.paused && !abort.signal.aborted) {
        await poll(items, { signal: abort.signal });
        if (!this.wanted || abort.signal.aborted) return;
        let body: Buffer;
        try {
          body = this.socket.tryRecv();
        } catch (err) {
          if (!(err instanceof SpError)) throw err;
          // the old loop ignored a failed receive, and a SURVEYOR whose survey is over (EFSM,
          // after one ETIMEDOUT) stopped reading until the next survey. Anything but "not
          // now" stops this loop until the next start(), so that it can never spin.
          if (err.code === 'EBADF') return;
          if (err.code !== 'EAGAIN' && err.code !== 'ETIMEDOUT') this.wanted = false;
          continue;
        }
        if (this.host.oneAtATime) this.wanted = false;
        let more = true;
        try {
          more = this.host.deliver(body);
        } catch (err) {
          // a 'data' listener threw: report it as the old poll callback did, and read on
          rethrow(err);
        }
        if (!more) this.paused = true;
      }
    } catch (err) {
      // poll rejects with EINTR when stopped and EBADF when the socket closes
      if (!(err instanceof SpError)) rethrow(err);
    } finally {
      if (this.abort === abort) this.abort = undefined;
    }
  }
}

/** Throw `err` outside any promise, as an uncaught exception (as a throwing callback would). */
function rethrow(err: unknown): void {
  process.nextTick(() => {
    throw err;
  });
}
