/**
 * The raw node:net baseline: SP's stream framing (an 8-byte big-endian length before each
 * message; on ipc:// also the 0x01 type byte before it) straight on a node:net socket, with
 * no SP header exchange, no protocol, no socket layer. It is what any Node implementation
 * must at least do, done as cheaply as Node allows, so it is the ceiling nanosp is measured
 * against:
 * - sending copies small messages into a slab and hands one tick's messages to the kernel in
 *   one write (a gather write when large bodies are kept by reference);
 * - receiving hands whole frames on as views into the chunk that carried them.
 */
import { connect, createServer, type Socket } from 'node:net';

/** A batch this large is written at once instead of at the end of the tick. */
const FLUSH_AT = 64 * 1024;
/** Bodies this large are written by reference instead of copied. */
const COPY_LIMIT = 16 * 1024;
/** Stop queueing (send() returns false) once this much waits for the kernel. */
const HIGH_WATER = 128 * 1024;
const SLAB = 64 * 1024;

export interface Address {
  readonly ipc: boolean;
  readonly path?: string;
  readonly host?: string;
  readonly port?: number;
}

/** `tcp://host:port` (`*` binds every interface) or `ipc://path`. */
export function parseAddress(url: string): Address {
  if (url.startsWith('ipc://')) return { ipc: true, path: url.slice(6) };
  const m = /^tcp:\/\/(\[[^\]]+\]|[^:]+):(\d+)$/.exec(url);
  if (!m) throw new Error(`${url} is not tcp://host:port or ipc://path`);
  const host = (m[1] as string).replace(/^\[|\]$/g, '');
  return { ipc: false, host: host === '*' ? '0.0.0.0' : host, port: Number(m[2]) };
}

/**
 * Listen, and resolve with the first connection that sends data, with that first chunk (the
 * tools serve exactly one peer, which always speaks first; a harness probing whether we
 * listen connects and closes without a byte, and is ignored).
 */
export function accept(address: Address, noDelay: boolean): Promise<{ socket: Socket; first: Buffer }> {
  return new Promise((resolve, reject) => {
    const server = createServer({ noDelay });
    server.once('error', reject);
    server.on('connection', (socket) => {
      socket.on('error', () => socket.destroy());
      socket.once('data', (first: Buffer) => {
        socket.pause();
        socket.removeAllListeners('error');
        server.close();
        resolve({ socket, first });
      });
    });
    if (address.ipc) server.listen(address.path);
    else server.listen(address.port, address.host);
  });
}

/** Connect, retrying every 100 ms while the peer is not listening yet (as SP dialers do). */
export function dial(address: Address, noDelay: boolean): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const attempt = (): void => {
      const socket = address.ipc ? connect({ path: address.path as string }) : connect({ host: address.host as string, port: address.port as number, noDelay });
      socket.once('connect', () => {
        socket.removeAllListeners('error');
        resolve(socket);
      });
      socket.once('error', (err: NodeJS.ErrnoException) => {
        socket.destroy();
        if (err.code === 'ECONNREFUSED' || err.code === 'ENOENT') setTimeout(attempt, 100);
        else reject(err);
      });
    };
    attempt();
  });
}

function flushTick(link: FrameLink): void {
  link.flushScheduled = false;
  link.flush();
}

export class FrameLink {
  private readonly prefix: number;
  // writing
  private slab = Buffer.allocUnsafe(SLAB);
  private slabStart = 0;
  private slabPos = 0;
  private chunks: Buffer[] = [];
  private queued = 0;
  flushScheduled = false;
  // reading
  private readonly head: Buffer;
  private headFill = 0;
  private missing = 0;
  private frameSize = 0;
  private parts: Buffer[] = [];

  constructor(
    readonly socket: Socket,
    ipc: boolean,
    private readonly onFrame: (payload: Buffer) => void,
  ) {
    this.prefix = ipc ? 9 : 8;
    this.head = Buffer.alloc(this.prefix);
  }

  /** Start reading: `first` is what accept() already took off the socket. */
  start(first?: Buffer): this {
    if (first) this.push(first);
    this.socket.on('data', (chunk: Buffer) => this.push(chunk));
    this.socket.resume();
    return this;
  }

  /** Queue one framed message; false means "wait for drain() before sending more". */
  send(body: Buffer): boolean {
    const p = this.prefix;
    const byRef = body.length >= COPY_LIMIT;
    const need = p + (byRef ? 0 : body.length);
    if (this.slab.length - this.slabPos < need) {
      this.seal();
      this.slab = Buffer.allocUnsafe(Math.max(SLAB, need));
      this.slabStart = this.slabPos = 0;
    }
    const slab = this.slab;
    let pos = this.slabPos;
    if (p === 9) slab[pos++] = 1;
    slab.writeUInt32BE(0, pos);
    slab.writeUInt32BE(body.length, pos + 4);
    pos += 8;
    if (byRef) {
      this.slabPos = pos;
      this.seal();
      this.chunks.push(body);
    } else {
      slab.set(body, pos);
      pos += body.length;
      this.slabPos = pos;
    }
    this.queued += p + body.length;
    if (this.queued >= FLUSH_AT) this.flush();
    else if (!this.flushScheduled) {
      this.flushScheduled = true;
      process.nextTick(flushTick, this);
    }
    return this.queued + this.socket.writableLength < HIGH_WATER;
  }

  /** Resolves once the socket's buffer has drained. */
  drain(): Promise<void> {
    this.flush();
    if (this.socket.writableLength === 0) return Promise.resolve();
    return new Promise((resolve) => this.socket.once('drain', resolve));
  }

  /** Hand everything queued to the kernel: one write, or one gather write. */
  flush(): void {
    if (this.queued === 0) return;
    this.seal();
    const chunks = this.chunks;
    this.chunks = [];
    this.queued = 0;
    if (chunks.length === 1) {
      this.socket.write(chunks[0] as Buffer);
      return;
    }
    this.socket.cork();
    for (const chunk of chunks) this.socket.write(chunk);
    this.socket.uncork();
  }

  private seal(): void {
    if (this.slabPos > this.slabStart) this.chunks.push(this.slab.subarray(this.slabStart, this.slabPos));
    this.slabStart = this.slabPos;
  }

  private push(chunk: Buffer): void {
    const end = chunk.length;
    const p = this.prefix;
    let off = 0;
    while (off < end) {
      if (this.missing > 0) {
        const take = Math.min(this.missing, end - off);
        this.parts.push(chunk.subarray(off, off + take));
        off += take;
        this.missing -= take;
        if (this.missing === 0) {
          const parts = this.parts;
          this.parts = [];
          this.onFrame(parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, this.frameSize));
        }
        continue;
      }
      let size: number;
      if (this.headFill === 0 && end - off >= p) {
        size = chunk.readUInt32BE(off + p - 8) * 0x1_0000_0000 + chunk.readUInt32BE(off + p - 4);
        off += p;
      } else {
        const take = Math.min(p - this.headFill, end - off);
        chunk.copy(this.head, this.headFill, off, off + take);
        this.headFill += take;
        off += take;
        if (this.headFill < p) return;
        this.headFill = 0;
        size = this.head.readUInt32BE(p - 8) * 0x1_0000_0000 + this.head.readUInt32BE(p - 4);
      }
      if (end - off >= size) {
        this.onFrame(chunk.subarray(off, off + size));
        off += size;
      } else {
        this.frameSize = size;
        this.missing = size;
      }
    }
  }

  /** Flush, half-close, and resolve once the connection is closed. */
  end(): Promise<void> {
    this.flush();
    return new Promise((resolve) => {
      if (this.socket.destroyed) return resolve();
      this.socket.once('close', () => resolve());
      this.socket.end();
      this.socket.resume();
    });
  }
}
