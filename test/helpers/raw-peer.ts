/**
 * A hand-driven TCP peer for framing tests: it speaks (or breaks) the SP stream mapping byte
 * by byte, so tests can send exactly the segments, headers and lengths they need.
 */
import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';

export function spHeaderBytes(protocol: number, reserved = 0): Buffer {
  return Buffer.from([0x00, 0x53, 0x50, 0x00, protocol >> 8, protocol & 0xff, reserved >> 8, reserved & 0xff]);
}

export function frame(body: Buffer | string): Buffer {
  const payload = typeof body === 'string' ? Buffer.from(body) : body;
  const length = Buffer.alloc(8);
  length.writeBigUInt64BE(BigInt(payload.length));
  return Buffer.concat([length, payload]);
}

export class RawPeer {
  received = Buffer.alloc(0);
  readonly closed: Promise<void>;

  constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.received = Buffer.concat([this.received, chunk]);
    });
    socket.on('error', () => {});
    // not events.once: it rejects on 'error' (a reset peer), and nobody may be waiting
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
  }

  /** Write each piece as its own segment (TCP_NODELAY, waiting for each write to leave). */
  async writeSegments(pieces: Buffer[]): Promise<void> {
    this.socket.setNoDelay(true);
    for (const piece of pieces) {
      await new Promise<void>((resolve, reject) => this.socket.write(piece, (err) => (err ? reject(err) : resolve())));
    }
  }

  /** Resolves once at least `n` bytes have arrived. */
  async receivedAtLeast(n: number): Promise<Buffer> {
    while (this.received.length < n) await once(this.socket, 'data');
    return this.received;
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** Connect a raw peer to a nanosp listener at `url` (tcp://host:port). */
export async function rawConnect(url: string): Promise<RawPeer> {
  const { hostname, port } = new URL(url.replace(/^tcp:/, 'http:'));
  const socket = connect({ host: hostname, port: Number(port) });
  const peer = new RawPeer(socket);
  await once(socket, 'connect');
  return peer;
}

/** A raw listener nanosp can dial; resolves each accepted connection in turn. */
export async function rawListen(): Promise<{ url: string; server: Server; accepted: () => Promise<RawPeer>; close: () => Promise<void> }> {
  const server = createServer();
  const queue: RawPeer[] = [];
  const waiting: ((peer: RawPeer) => void)[] = [];
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    const peer = new RawPeer(socket);
    const waiter = waiting.shift();
    if (waiter) waiter(peer);
    else queue.push(peer);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `tcp://127.0.0.1:${port}`,
    server,
    accepted: () => {
      const ready = queue.shift();
      return ready ? Promise.resolve(ready) : new Promise((resolve) => waiting.push(resolve));
    },
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
