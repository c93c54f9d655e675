/**
 * What every pipe over a node:net (or node:tls) socket shares, whatever its framing: batched
 * writes flushed once per tick or at FLUSH_AT bytes, `writable` against the socket's
 * sendBuffer with a wake-up for the protocol once it drains, and reading paused while the
 * protocol's inbox for this peer is full.
 */
import type { Socket } from 'node:net';
import { quietError, spError, toSpError, type SpError } from '../../sp/errors.js';
import type { EndpointInfo } from '../../sp/events.js';
import type { SocketOptions } from '../../sp/options.js';
import { Pipe } from '../../sp/pipe.js';
import { scheduleFlush } from './flush-queue.js';
import type { ReadSink, SlabReader } from './read-slab.js';
import { FLUSH_AT, writeBatch, type WriteBatch } from './write-batch.js';

export type PipeState = 'handshake' | 'ready' | 'running' | 'closed';

/** What a pipe's decoder offers the pipe; F is the failure it reports (the framing's own). */
export interface PipeDecoder<F> {
  /** Set when the pipe ends, to stop at once. */
  halted: boolean;
  /** True while a message is arriving: an EOF now truncates it. */
  readonly partial: boolean;
  /** Where the next read should go (a large message's own allocation), or undefined for the slab. */
  readTarget(): Buffer | undefined;
  /** `n` bytes were read into readTarget()'s buffer. */
  filledInPlace(n: number): F | undefined;
}

export abstract class SocketPipe<F = SpError> extends Pipe implements ReadSink {
  protected state: PipeState = 'handshake';
  /** The subclass's framer appends here. */
  protected abstract readonly batch: WriteBatch;
  private blocked = false;
  /** Waiting in the shared flush queue (flush-queue.ts). */
  flushScheduled = false;

  /** The first error the socket reported; its 'close' follows. */
  protected socketError: Error | undefined;
  /** The handshake this pipe does, for messages ('SP', 'WebSocket'). */
  protected abstract readonly handshakeName: string;
  /** What to say when the peer closes an established connection cleanly. */
  protected abstract readonly peerClosedText: string;

  protected constructor(
    protected readonly socket: Socket,
    endpoint: EndpointInfo,
    remoteAddress: string,
    /** The socket's live options: sendBuffer is read from here. */
    protected readonly options: SocketOptions,
  ) {
    super(endpoint, remoteAddress);
    this.onWritten = this.onWritten.bind(this);
    socket.on('error', (err) => {
      this.socketError ??= err;
    });
    socket.on('end', () => this.onPeerGone());
    socket.on('close', () => this.onPeerGone());
  }

  protected abstract readonly decoder: PipeDecoder<F>;

  /** Bytes from the peer: a 'data' chunk, or a read into the reader's slab. */
  abstract chunk(chunk: Buffer): void;

  /** The decoder met input that ends the connection. */
  protected abstract readFailed(failure: F): void;

  /**
   * Take the socket's bytes from now on (the decoder must exist): through `reader` when the
   * socket reads into its buffers (`onread`), else as 'data' events.
   */
  protected startReading(reader: SlabReader | undefined): void {
    if (reader) {
      reader.attach(this);
    } else {
      this.chunk = this.chunk.bind(this);
      this.socket.on('data', this.chunk);
    }
  }

  readTarget(): Buffer | undefined {
    return this.state === 'running' ? this.decoder.readTarget() : undefined;
  }

  filledInPlace(n: number): void {
    if (this.state !== 'running') return;
    const failure = this.decoder.filledInPlace(n);
    if (failure) this.readFailed(failure);
  }
  private settleHandshake: ((err: SpError | undefined) => void) | undefined;
  private handshakeTimer: NodeJS.Timeout | undefined;
  private released: Promise<void> | undefined;

  /** A handshake has begun: settles at handshakeDone(), failHandshake(), close(), or after `timeoutMs`. */
  protected awaitHandshake(timeoutMs: number, late: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.settleHandshake = (err) => {
        this.settleHandshake = undefined;
        clearTimeout(this.handshakeTimer);
        if (err) reject(err);
        else resolve();
      };
      this.handshakeTimer = setTimeout(() => this.handshakeLate(timeoutMs, late), timeoutMs);
    });
  }

  /**
   * The timer fired, but Node runs expired timers before it reads the sockets: in a busy
   * process (a connection storm) the peer's answer may be waiting unread. Let one poll phase
   * read it (setImmediate runs after it) before giving up.
   */
  private handshakeLate(timeoutMs: number, late: string): void {
    this.handshakeTimer = undefined;
    // settled meanwhile (or closed): nothing to do, so the immediate needs no clearing
    setImmediate(() => {
      if (this.settleHandshake) this.failHandshake(quietError('ETIMEDOUT', `${late} within ${timeoutMs} ms`));
    });
  }

  /** The handshake passed: hold what follows until `run()`. */
  protected handshakeDone(): void {
    this.socket.pause();
    this.state = 'ready';
    this.settleHandshake?.(undefined);
  }

  /** Fail the handshake in progress and drop the connection. */
  protected failHandshake(err: SpError): void {
    this.state = 'closed';
    this.closed = true;
    this.socket.destroy();
    this.settleHandshake?.(err);
  }

  /** Close from this side: `lastFrames` may queue what goes out before the end. */
  close(lingerMs = 0): Promise<void> {
    if (this.released) return this.released;
    const wasOpen = this.state === 'ready' || this.state === 'running';
    this.closed = true;
    this.owner = undefined;
    this.sink = undefined;
    this.decoder.halted = true;
    this.state = 'closed';
    clearTimeout(this.handshakeTimer);
    this.settleHandshake?.(spError('EBADF', `the pipe was closed during the ${this.handshakeName} handshake`));
    if (wasOpen && !this.socket.destroyed && !this.socket.writableEnded) this.lastFrames();
    this.released = this.release(lingerMs);
    return this.released;
  }

  /** What a connection that was up sends before a local close (nothing, by default). */
  protected lastFrames(): void {}

  /** The connection broke: from the peer's side, or by a protocol error. */
  protected fail(err: SpError): void {
    if (this.closed) return;
    this.decoder.halted = true;
    this.state = 'closed';
    this.socket.destroy();
    this.ended('broken', err);
  }

  private onPeerGone(): void {
    if (this.state === 'handshake') {
      if (this.closed) return;
      const during = `during the ${this.handshakeName} handshake`;
      const why = this.socketError
        ? toSpError(this.socketError, `the connection failed ${during}`, 'ECONNRESET')
        : quietError('ECONNRESET', `the peer closed the connection ${during}`);
      return this.failHandshake(why);
    }
    if (this.closed) return;
    if (this.socketError) return this.fail(toSpError(this.socketError, 'the connection failed', 'ECONNRESET'));
    if (this.decoder.partial) return this.fail(spError('EPROTO', 'the peer closed the connection in the middle of a message; the partial message is dropped'));
    // connections ending is routine (and comes in bulk in a storm): no stack to capture
    this.fail(quietError('ECONNRESET', this.peerClosedText));
  }

  get writable(): boolean {
    if (this.batch.queued + this.socket.writableLength < this.options.sendBuffer && !this.closed) return true;
    this.blocked = true;
    return false;
  }

  /** After appending to the batch: write now if it is large, else at the end of the tick (flush-queue.ts). */
  protected queued(): void {
    if (this.batch.queued >= FLUSH_AT) this.flush();
    else scheduleFlush(this);
  }

  /** Hand everything queued to the socket as one gather write. */
  flush(): void {
    if (this.batch.queued === 0 || this.socket.destroyed || this.socket.writableEnded) return;
    writeBatch(this.socket, this.batch, this.onWritten);
  }

  private onWritten(err?: Error | null): void {
    if (err) return;
    this.batch.flushWritten();
    if (!this.blocked || this.closed) return;
    if (this.batch.queued + this.socket.writableLength < this.options.sendBuffer) {
      this.blocked = false;
      this.sink?.pipeWritable(this);
    }
  }

  /**
   * Let the socket go after a local close: flush what is queued, then destroy at once
   * (`lingerMs` 0) or end and wait until the kernel has every byte — after that the data is as
   * good as sent, the kernel keeps delivering it — for up to `lingerMs` (negative: no limit).
   * Reading on, and dropping what arrives, keeps unread input from turning the close into a
   * reset. Resolves once the socket is closed.
   */
  protected release(lingerMs: number): Promise<void> {
    const socket = this.socket;
    return new Promise<void>((resolve) => {
      if (socket.destroyed) return resolve();
      socket.once('close', () => resolve());
      this.flush();
      if (lingerMs === 0) {
        socket.destroy();
        return;
      }
      socket.end();
      socket.resume();
      socket.once('finish', () => socket.destroy());
      if (lingerMs > 0) {
        const timer = setTimeout(() => socket.destroy(), lingerMs);
        socket.once('close', () => clearTimeout(timer));
      }
    });
  }

  pauseReading(): void {
    if (this.state === 'running') this.socket.pause();
  }

  resumeReading(): void {
    if (this.state === 'running' && !this.closed) this.socket.resume();
  }
}
