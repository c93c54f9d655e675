/**
 * A raw listener for nanosp to dial (tcp, ipc, or ws on plain TCP): hands the test each
 * connection in turn; closing it drops them all, taken or not (a dialer's retries).
 */
import { once } from 'node:events';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { RawPeer } from '../../helpers/raw-peer.js';
import { EVENT_WAIT_MS } from './socket-log.js';

export class RawListener {
  private readonly waiting: RawPeer[] = [];
  private readonly open = new Set<Socket>();
  private wake: (() => void) | undefined;

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {
    server.on('connection', (socket: Socket) => {
      this.open.add(socket);
      socket.once('close', () => this.open.delete(socket));
      socket.setNoDelay(true);
      this.waiting.push(new RawPeer(socket));
      this.wake?.();
    });
  }

  /** Listen on loopback port 0 (`tcp`, `ws`) or on `path` (`ipc`). */
  static async open(scheme: 'tcp' | 'ipc' | 'ws', path?: string): Promise<RawListener> {
    const server = createServer();
    server.listen(scheme === 'ipc' ? { path } : { host: '127.0.0.1', port: 0 });
    await once(server, 'listening');
    const port = scheme === 'ipc' ? 0 : (server.address() as AddressInfo).port;
    const url = scheme === 'ipc' ? `ipc://${path}` : scheme === 'ws' ? `ws://127.0.0.1:${port}/fuzz` : `tcp://127.0.0.1:${port}`;
    return new RawListener(server, url);
  }

  /** The next connection; fails after EVENT_WAIT_MS. */
  async next(): Promise<RawPeer> {
    const deadline = Date.now() + EVENT_WAIT_MS;
    for (;;) {
      const peer = this.waiting.shift();
      if (peer) return peer;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`nothing dialed ${this.url} within ${EVENT_WAIT_MS} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          this.wake = undefined;
          resolve();
        };
      });
    }
  }

  async close(): Promise<void> {
    this.waiting.length = 0;
    for (const socket of this.open) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
