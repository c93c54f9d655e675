/**
 * The end-to-end fuzzing bench: each target socket (a station) bound on one transport (tcp,
 * ipc or ws on loopback, port 0 or a fresh path), a well-behaved nanosp peer connected to it,
 * and a log of its pipes. An attack joins a raw peer to a station from either end — connecting
 * to it, or accepting its dial — and is then judged (judge.ts).
 */
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { socket, type SpSocket } from '../../../src/index.js';
import { RawPeer } from '../../helpers/raw-peer.js';
import { RawListener } from './raw-listener.js';
import { SocketLog } from './socket-log.js';
import { LIMIT, TARGETS, type Target } from './targets.js';

export type Scheme = 'tcp' | 'ipc' | 'ws';

/** Which end the raw peer is: it connects to the station's listener, or the station dials it. */
export type Side = 'accept' | 'dial';

/** A raw peer joined to a station, and how it leaves when the run is over. */
export interface Joined {
  readonly peer: RawPeer;
  leave(): Promise<void>;
}

export interface Station {
  readonly target: Target;
  readonly socket: SpSocket;
  readonly good: SpSocket;
  readonly log: SocketLog;
  readonly url: string;
}

export class Bench {
  private constructor(
    readonly scheme: Scheme,
    readonly stations: Station[],
    /** Every socket opened, closed with the bench even when opening failed halfway. */
    private readonly sockets: SpSocket[],
    private readonly dir: string | undefined,
  ) {}

  /** Listeners for the dial side: a fresh one per run, so that no run takes another's retries. */
  private listeners = 0;

  static async open(scheme: Scheme): Promise<Bench> {
    const dir = scheme === 'ipc' ? mkdtempSync(join(tmpdir(), 'nanosp-fuzz-')) : undefined;
    const bench = new Bench(scheme, [], [], dir);
    try {
      for (const target of TARGETS) {
        const s = socket(target.type, { linger: 0, recvMaxSize: LIMIT, ...target.init });
        const good = socket(target.peerType, { linger: 0 });
        bench.sockets.push(s, good);
        const log = new SocketLog(s);
        target.prepare?.(s);
        const where = scheme === 'ipc' ? `ipc://${dir}/${target.type}.ipc` : scheme === 'ws' ? 'ws://127.0.0.1:0/fuzz' : 'tcp://127.0.0.1:0';
        const { url } = await s.bind(where);
        good.connect(url);
        await log.nextPipe(0);
        bench.stations.push({ target, socket: s, good, log, url });
      }
      return bench;
    } catch (err) {
      await bench.close();
      throw err;
    }
  }

  station(type: string): Station {
    return this.stations.find((s) => s.target.type === type) as Station;
  }

  /** A raw client connected to the station's listener (TCP for tcp and ws, a UNIX socket for ipc). */
  private async rawConnect(station: Station): Promise<RawPeer> {
    const address = station.url.slice(station.url.indexOf('://') + 3);
    const port = Number(/:(\d+)/.exec(address)?.[1]);
    const peer = new RawPeer(this.scheme === 'ipc' ? connect({ path: address }) : connect({ host: '127.0.0.1', port }));
    await once(peer.socket, 'connect');
    peer.socket.setNoDelay(true);
    return peer;
  }

  /** A raw peer on `side` of `station`: connected to its listener, or accepting its dial (one endpoint per run). */
  async join(station: Station, side: Side): Promise<Joined> {
    if (side === 'accept') {
      const peer = await this.rawConnect(station);
      return { peer, leave: async () => peer.destroy() };
    }
    const listener = await RawListener.open(this.scheme, this.dir && join(this.dir, `raw-${++this.listeners}.ipc`));
    const endpoint = station.socket.connect(listener.url);
    const leave = async (): Promise<void> => {
      await endpoint.close();
      await listener.close();
    };
    try {
      return { peer: await listener.next(), leave };
    } catch (err) {
      await leave();
      throw err;
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.sockets.map((s) => s.close()));
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Send `pieces` one write each, then end: the peer sees every byte, then the end of the stream. */
export function sendAndEnd(peer: RawPeer, pieces: readonly Buffer[]): void {
  for (const piece of pieces) if (piece.length > 0) peer.socket.write(piece);
  peer.socket.end();
}
