/**
 * A TCP proxy that injects faults, for the chaos tests. It listens on 127.0.0.1, opens a
 * connection to the target for each connection it accepts, and forwards the bytes both
 * ways, but:
 *  - `reset-within`: resets each connection (RST, both sides) at a random moment within
 *    `maxMs` of accepting it;
 *  - `slice`: forwards every byte in writes of 1–3 bytes, each in its own turn of the event
 *    loop (so the receiver reads them apart), with a random pause now and then;
 *  - `stall-mid-frame`: follows the SP stream from the client (frame-watcher.ts) and stops
 *    halfway into frame number `frame`; after `stallMs` it ends the target's side (FIN: the
 *    target holds half a message) and resets the client's. Then it drains what the target
 *    still sends until the target closes.
 * It counts what it did, and says when the last connection it carried is gone.
 */
import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { FrameWatcher } from './frame-watcher.js';
import type { SeededRandom } from './seeded-random.js';

export type Fault =
  | { readonly kind: 'reset-within'; readonly maxMs: number }
  | { readonly kind: 'slice'; readonly pauseChance: number; readonly maxPauseMs: number }
  | { readonly kind: 'stall-mid-frame'; readonly frame: number; readonly stallMs: number };

export interface FaultCounts {
  connections: number;
  resets: number;
  /** Writes of 1–3 bytes. */
  slices: number;
  pauses: number;
  stalls: number;
}

/** Pause reading from a source while this much waits to be sliced. */
const SLICE_BACKLOG = 64 * 1024;

/** Reset a socket (RST), or destroy it if it cannot be reset any more. */
function reset(socket: Socket): void {
  if (socket.destroyed) return;
  try {
    socket.resetAndDestroy();
  } catch {
    socket.destroy();
  }
}

export class FaultProxy {
  readonly counts: FaultCounts = { connections: 0, resets: 0, slices: 0, pauses: 0, stalls: 0 };
  private readonly live = new Set<Socket>();
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly server: Server,
    private readonly targetPort: number,
    readonly fault: Fault,
    private readonly random: SeededRandom,
  ) {
    server.on('connection', (client) => this.carry(client));
  }

  /** A proxy to 127.0.0.1:`targetPort`; `url` is where to connect instead. */
  static async start(targetPort: number, fault: Fault, random: SeededRandom): Promise<FaultProxy> {
    const server = createServer({ allowHalfOpen: true });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return new FaultProxy(server, targetPort, fault, random);
  }

  get url(): string {
    return `tcp://127.0.0.1:${(this.server.address() as { port: number }).port}`;
  }

  /** Resolves once no connection through the proxy is open. */
  async idle(): Promise<void> {
    await Promise.all([...this.live].map((s) => (s.closed ? undefined : once(s, 'close'))));
  }

  /** Stop accepting and drop every connection; resolves once all are closed. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      const stopped = new Promise((resolve) => this.server.close(resolve));
      for (const socket of this.live) socket.destroy();
      await Promise.all([stopped, this.idle()]);
    })();
    return this.closing;
  }

  private carry(client: Socket): void {
    this.counts.connections++;
    const target = connect({ host: '127.0.0.1', port: this.targetPort, allowHalfOpen: true });
    for (const socket of [client, target]) {
      this.live.add(socket);
      socket.once('close', () => this.live.delete(socket));
      // a fault on one side ends the other: nothing is left half open by accident
      socket.on('error', () => {
        client.destroy();
        target.destroy();
      });
    }
    client.setNoDelay(true);
    target.setNoDelay(true);
    const fault = this.fault;
    if (fault.kind === 'reset-within') this.resetWithin(client, target, fault.maxMs);
    else if (fault.kind === 'slice') {
      this.slice(client, target, fault);
      this.slice(target, client, fault);
    } else this.stallMidFrame(client, target, fault);
  }

  private resetWithin(client: Socket, target: Socket, maxMs: number): void {
    client.pipe(target);
    target.pipe(client);
    const timer = setTimeout(() => {
      // a client that has closed its side already is leaving: that is no fault of ours to count
      if (client.destroyed || client.readableEnded) return;
      this.counts.resets++;
      reset(client);
      reset(target);
    }, this.random.int(0, maxMs));
    client.once('close', () => clearTimeout(timer));
  }

  private slice(from: Socket, to: Socket, fault: Extract<Fault, { kind: 'slice' }>): void {
    const waiting: Buffer[] = [];
    let backlog = 0;
    let ended = false;
    let running = false;
    const step = (): void => {
      if (to.destroyed) return;
      const head = waiting[0];
      if (!head) {
        running = false;
        if (ended) to.end();
        return;
      }
      const n = Math.min(this.random.int(1, 3), head.length);
      const flowing = to.write(head.subarray(0, n));
      this.counts.slices++;
      if (n === head.length) waiting.shift();
      else waiting[0] = head.subarray(n);
      backlog -= n;
      if (backlog < SLICE_BACKLOG / 2) from.resume();
      if (!flowing) to.once('drain', step);
      else if (this.random.chance(fault.pauseChance)) {
        this.counts.pauses++;
        setTimeout(step, this.random.int(1, fault.maxPauseMs));
      } else setImmediate(step);
    };
    const run = (): void => {
      if (running) return;
      running = true;
      setImmediate(step);
    };
    from.on('data', (chunk: Buffer) => {
      waiting.push(chunk);
      backlog += chunk.length;
      if (backlog >= SLICE_BACKLOG) from.pause();
      run();
    });
    from.on('end', () => {
      ended = true;
      run();
    });
  }

  private stallMidFrame(client: Socket, target: Socket, fault: Extract<Fault, { kind: 'stall-mid-frame' }>): void {
    target.pipe(client);
    const watcher = new FrameWatcher(fault.frame);
    let stalled = false;
    client.on('data', (chunk: Buffer) => {
      if (stalled) return;
      const through = watcher.feed(chunk);
      if (through > 0 && !target.write(chunk.subarray(0, through))) {
        client.pause();
        target.once('drain', () => client.resume());
      }
      if (through === chunk.length) return;
      stalled = true;
      this.counts.stalls++;
      const timer = setTimeout(() => {
        target.unpipe(client);
        target.on('data', () => {});
        target.end();
        reset(client);
      }, fault.stallMs);
      for (const socket of [client, target]) socket.once('close', () => clearTimeout(timer));
    });
    client.on('end', () => target.end());
  }
}
