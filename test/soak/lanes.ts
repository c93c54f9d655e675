/**
 * The soak's lanes: one traffic pattern each, over one transport, with the faults that
 * transport can take. A lane runs until stopped and counts what it did; `mustNotLose` lanes
 * are those where SP itself promises delivery (REQ retries until answered; a stream that is
 * only sliced, never cut, loses nothing), so any loss there fails the soak.
 */
import { connect } from 'node:net';
import { socket, type SpSocket, type Endpoint, type TlsOptions } from '../../src/index.js';
import { FaultProxy, type Fault } from '../helpers/fault-proxy.js';
import type { SeededRandom } from '../helpers/seeded-random.js';

export interface LaneCounts {
  ok: number;
  /** Never delivered (a numbered message skipped; a request that failed with anything but ETIMEDOUT). */
  lost: number;
  /** Requests not answered within the REQ's recvTimeout (30 s): slow, not lost; reported apart. */
  timedOut: number;
  wrong: number;
  faults: number;
}

export interface Lane {
  readonly name: string;
  readonly mustNotLose: boolean;
  readonly counts: LaneCounts;
  /** Start the traffic (returns at once). */
  start(): Promise<void>;
  /** Change the fault (a new phase): lanes behind a proxy redial through a new one. */
  phase(fault: Fault | undefined): Promise<void>;
  stop(): Promise<void>;
}

function newCounts(): LaneCounts {
  return { ok: 0, lost: 0, timedOut: 0, wrong: 0, faults: 0 };
}

/**
 * A dialer that reaches `target` through a fault proxy whose fault changes with each phase:
 * the old endpoint and proxy are closed, a new proxy is started and the socket connects to it.
 */
class ProxiedDialer {
  private proxy: FaultProxy | undefined;
  private endpoint: Endpoint | undefined;
  faultsInjected = 0;

  constructor(
    private readonly sock: SpSocket,
    private readonly target: string,
    private readonly random: SeededRandom,
  ) {}

  async use(fault: Fault | undefined): Promise<void> {
    const oldEndpoint = this.endpoint;
    const oldProxy = this.proxy;
    this.proxy = fault ? await FaultProxy.start(Number(/127\.0\.0\.1:(\d+)/.exec(this.target)?.[1]), fault, this.random) : undefined;
    // the same address with the proxy's port: the transport and path stay as they were
    const url = this.proxy ? this.target.replace(/127\.0\.0\.1:\d+/, `127.0.0.1:${/:(\d+)$/.exec(this.proxy.url)?.[1]}`) : this.target;
    this.endpoint = this.sock.connect(url);
    await this.retire(oldEndpoint, oldProxy);
  }

  get liveFaults(): number {
    return this.faultsInjected + faultsOf(this.proxy);
  }

  /** Stop dialling (no new connection first, as a phase change makes). */
  close(): Promise<void> {
    const done = this.retire(this.endpoint, this.proxy);
    this.endpoint = undefined;
    this.proxy = undefined;
    return done;
  }

  private async retire(endpoint: Endpoint | undefined, proxy: FaultProxy | undefined): Promise<void> {
    await endpoint?.close();
    this.faultsInjected += faultsOf(proxy);
    await proxy?.close();
  }
}

function faultsOf(proxy: FaultProxy | undefined): number {
  const c = proxy?.counts;
  return c ? c.resets + c.slices + c.stalls : 0;
}

/** REQ → REP over `url`: each request must come back as its own reply (REQ resends). */
export function reqRepLane(name: string, bindUrl: string, random: SeededRandom, tls?: TlsOptions): Lane {
  const counts = newCounts();
  const rep = socket('rep', { linger: 0, tls });
  const req = socket('req', { linger: 0, resendInterval: 250, recvTimeout: 30_000, reconnectInterval: 20, reconnectIntervalMax: 500, tls });
  let dialer: ProxiedDialer | undefined;
  let running = true;
  let loop: Promise<void> = Promise.resolve();
  return {
    name,
    mustNotLose: true,
    counts,
    async start() {
      const ep = await rep.bind(bindUrl);
      dialer = new ProxiedDialer(req, ep.url, random);
      void (async () => {
        for await (const msg of rep) await rep.send(Buffer.concat([Buffer.from('re:'), msg])).catch(() => {});
      })().catch(() => {});
      loop = (async () => {
        for (let i = 0; running; i++) {
          const body = `${name}#${i}#${'x'.repeat(random.int(0, 2000))}`;
          try {
            await req.send(body);
            const reply = String(await req.recv());
            if (reply === `re:${body}`) counts.ok++;
            else counts.wrong++;
          } catch (err) {
            if (!running) break;
            if ((err as { code?: string }).code === 'ETIMEDOUT') counts.timedOut++;
            else counts.lost++;
          }
        }
      })();
      await dialer.use(undefined);
    },
    async phase(fault) {
      await dialer?.use(fault);
      counts.faults = dialer?.liveFaults ?? 0;
    },
    async stop() {
      running = false;
      counts.faults = dialer?.liveFaults ?? 0;
      await req.close();
      await loop;
      await dialer?.close().catch(() => {});
      await rep.close();
    },
  };
}

/**
 * PUSH → PULL of numbered messages: every message that arrives must be the next one (no
 * reordering, no duplicates). Under slicing nothing may be lost; a phase that resets
 * connections may lose what was in flight, which is counted as lost but not fatal.
 */
export function pushPullLane(name: string, bindUrl: string, random: SeededRandom, withResets: boolean): Lane {
  const counts = newCounts();
  const pull = socket('pull', { linger: 0, recvMaxSize: -1 });
  const push = socket('push', { linger: 0, reconnectInterval: 20, reconnectIntervalMax: 500, sendBuffer: 64 * 1024 });
  let dialer: ProxiedDialer | undefined;
  let running = true;
  let sent = 0;
  let expected = 0;
  let loops: Promise<unknown> = Promise.resolve();
  return {
    name,
    mustNotLose: !withResets,
    counts,
    async start() {
      const ep = await pull.bind(bindUrl);
      dialer = new ProxiedDialer(push, ep.url, random);
      await dialer.use(withResets ? undefined : { kind: 'slice', pauseChance: 0.01, maxPauseMs: 20 });
      const receiving = (async () => {
        for await (const msg of pull) {
          const n = msg.readUInt32BE(0);
          if (n < expected) counts.wrong++;
          else {
            counts.lost += n - expected;
            counts.ok++;
            expected = n + 1;
          }
        }
      })().catch(() => {});
      const sending = (async () => {
        // small messages where the stream is sliced into 1-3 byte writes, else 0.5 KiB
        const body = Buffer.alloc(withResets ? 4 + 512 : 4 + 28);
        while (running) {
          body.writeUInt32BE(sent, 0);
          try {
            await push.send(body, { timeout: 1000 });
            sent++;
          } catch {
            // no peer for a second: try again
          }
          if (sent % 64 === 0) await new Promise((resolve) => setImmediate(resolve));
        }
      })();
      loops = Promise.all([receiving, sending]);
    },
    async phase(fault) {
      // a lane that must not lose keeps one sliced stream all along: changing the proxy would
      // close a connection with messages in flight, which no SP transport promises to keep
      if (!withResets) return void (counts.faults = dialer?.liveFaults ?? 0);
      await dialer?.use(fault);
      counts.faults = dialer?.liveFaults ?? 0;
    },
    async stop() {
      running = false;
      counts.faults = dialer?.liveFaults ?? 0;
      await push.close();
      await pull.close();
      await loops;
      await dialer?.close().catch(() => {});
    },
  };
}

/** SURVEYOR → RESPONDENTs over inproc: every survey answered by every respondent. */
export function surveyLane(name: string): Lane {
  const counts = newCounts();
  const surveyor = socket('surveyor', { linger: 0, surveyDeadline: 2000 });
  const respondents = [socket('respondent', { linger: 0 }), socket('respondent', { linger: 0 })];
  let running = true;
  let loop: Promise<void> = Promise.resolve();
  return {
    name,
    mustNotLose: true,
    counts,
    async start() {
      const url = `inproc://soak-${name}-${process.pid}`;
      await surveyor.bind(url);
      // a survey sent before both respondents are there would rightly time out
      const attached = new Promise<void>((resolve) => {
        let pipes = 0;
        const onPipe = () => {
          if (++pipes < respondents.length) return;
          surveyor.off('pipe', onPipe);
          resolve();
        };
        surveyor.on('pipe', onPipe);
      });
      for (const r of respondents) {
        r.connect(url);
        void (async () => {
          for await (const q of r) await r.send(Buffer.concat([q, Buffer.from('!')])).catch(() => {});
        })().catch(() => {});
      }
      await attached;
      loop = (async () => {
        for (let i = 0; running; i++) {
          try {
            await surveyor.send(`q${i}`);
            let answers = 0;
            while (answers < respondents.length) {
              if (String(await surveyor.recv()) === `q${i}!`) answers++;
              else counts.wrong++;
            }
            counts.ok++;
          } catch {
            if (running) counts.lost++;
          }
          // inproc never waits for I/O: give the other lanes their turn after each survey
          await new Promise((resolve) => setImmediate(resolve));
        }
      })();
    },
    async phase() {},
    async stop() {
      running = false;
      await surveyor.close();
      await loop;
      await Promise.all(respondents.map((r) => r.close()));
    },
  };
}

/** Garbage at a listener: a raw connection sends random bytes, then leaves. Counts attempts. */
export function garbageLane(name: string, bindUrl: string, random: SeededRandom): Lane {
  const counts = newCounts();
  const pull = socket('pull', { linger: 0 });
  let timer: NodeJS.Timeout | undefined;
  let port = 0;
  return {
    name,
    mustNotLose: false,
    counts,
    async start() {
      const ep = await pull.bind(bindUrl);
      port = Number(/:(\d+)$/.exec(ep.url)?.[1]);
      const attack = () => {
        const conn = connect(port, '127.0.0.1');
        conn.on('error', () => {});
        // read, so that the listener's close reaches us and the socket goes
        conn.resume();
        const bytes = Buffer.alloc(random.int(1, 4096));
        for (let i = 0; i < bytes.length; i++) bytes[i] = random.int(0, 255);
        // half the time a valid SP header first, so the garbage reaches the frame decoder
        if (random.chance(0.5)) conn.write(Buffer.from([0, 0x53, 0x50, 0, 0, 0x50, 0, 0]));
        conn.end(bytes);
        counts.ok++;
      };
      timer = setInterval(attack, 50);
    },
    async phase() {},
    async stop() {
      clearInterval(timer);
      counts.faults = pull.stats.brokenConnections;
      await pull.close();
    },
  };
}
