/**
 * nanomsg's reconnect backoff (transports/utils/backoff.c): waits of 0, min, 3·min, 7·min, …
 * capped at max (max = min when reconnectIntervalMax is 0), and never reset, so after a
 * long-lived connection drops the next wait is whatever the backoff had grown to. nanomsg has
 * no jitter; with `jitter` j > 0 (nanosp's reconnectJitter) each wait w becomes a random
 * w × (1 ± j), so that clients restarted together spread out instead of redialling in step.
 */
export class Backoff {
  private multiplier = 1;
  private readonly max: number;

  constructor(
    private readonly min: number,
    max: number,
    private readonly jitter = 0,
  ) {
    this.max = max > 0 ? max : min;
  }

  /** The next wait in ms. */
  next(): number {
    let wait = (this.multiplier - 1) * this.min;
    if (wait > this.max) wait = this.max;
    else this.multiplier *= 2;
    return this.jitter > 0 ? Math.round(wait * (1 + this.jitter * (2 * Math.random() - 1))) : wait;
  }
}
