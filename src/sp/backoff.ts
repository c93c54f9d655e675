/**
 * nanomsg's reconnect backoff (transports/utils/backoff.c): waits of 0, min, 3·min, 7·min, …
 * capped at max (max = min when reconnectIntervalMax is 0). No jitter, and never reset, so
 * after a long-lived connection drops the next wait is whatever the backoff had grown to.
 */
export class Backoff {
  private multiplier = 1;
  private readonly max: number;

  constructor(private readonly min: number, max: number) {
    this.max = max > 0 ? max : min;
  }

  /** The next wait in ms. */
  next(): number {
    const wait = (this.multiplier - 1) * this.min;
    if (wait > this.max) return this.max;
    this.multiplier *= 2;
    return wait;
  }
}
