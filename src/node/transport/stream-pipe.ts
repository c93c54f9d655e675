/**
 * A pipe over a byte stream (TCP, IPC, TLS): the SP header exchange, then framed messages.
 * Writes are batched: messages queued in one tick leave in one gather write, or sooner once a
 * batch is large; reading pauses while the protocol's inbox for this peer is full.
 */
import type { Socket } from 'node:net';
import type { SpError } from '../../sp/errors.js';
import type { EndpointInfo } from '../../sp/events.js';
import type { SocketOptions } from '../../sp/options.js';
import type { SlabReader } from './read-slab.js';
import { SocketPipe } from './socket-pipe.js';
import type { WriteBatch } from './write-batch.js';
import { checkSpHeader, FrameDecoder, FrameWriter, SP_HEADER_SIZE, spHeader, type FrameSink } from './stream-codec.js';

export interface StreamPipeOptions {
  /** IPC framing: a message-type byte before each length. */
  readonly ipc: boolean;
  /** The socket's live options: sendBuffer and recvMaxSize are read from here. */
  readonly options: SocketOptions;
  /** The socket reads through `onread` into this reader's buffers; without one, 'data' events. */
  readonly reader?: SlabReader | undefined;
}

export interface Handshake {
  readonly localProtocol: number;
  readonly peerProtocol: number;
  readonly timeoutMs: number;
  readonly protocolName: (id: number) => string;
}

export class StreamPipe extends SocketPipe implements FrameSink {
  protected readonly decoder: FrameDecoder;
  private readonly writer: FrameWriter;
  protected readonly batch: WriteBatch;
  private peerHeader = Buffer.alloc(SP_HEADER_SIZE);
  private peerHeaderFill = 0;
  private leftover: Buffer | undefined;
  private handshakeSpec: Handshake | undefined;

  constructor(socket: Socket, endpoint: EndpointInfo, remoteAddress: string, opts: StreamPipeOptions) {
    super(socket, endpoint, remoteAddress, opts.options);
    this.decoder = new FrameDecoder(opts.ipc, this, opts.options);
    this.writer = new FrameWriter(opts.ipc);
    this.batch = this.writer.batch;
    this.startReading(opts.reader);
    // a listener's sockets start paused (so that `onread` can be set up first)
    socket.resume();
  }

  protected readonly handshakeName = 'SP';
  protected readonly peerClosedText = 'the peer closed the connection';


  /**
   * Send our header at once, then wait for the peer's and check it. Resolves when the pipe
   * may be attached; rejects (and destroys the connection) on a bad or late header.
   */
  handshake(spec: Handshake): Promise<void> {
    this.handshakeSpec = spec;
    const done = this.awaitHandshake(spec.timeoutMs, 'the peer did not send its SP header');
    this.socket.write(spHeader(spec.localProtocol));
    return done;
  }

  protected readFailed(err: SpError): void {
    this.fail(err);
  }

  chunk(chunk: Buffer): void {
    if (this.state === 'running') {
      const err = this.decoder.push(chunk);
      if (err) this.fail(err);
      return;
    }
    if (this.state !== 'handshake') return;
    const take = Math.min(SP_HEADER_SIZE - this.peerHeaderFill, chunk.length);
    chunk.copy(this.peerHeader, this.peerHeaderFill, 0, take);
    this.peerHeaderFill += take;
    if (this.peerHeaderFill < SP_HEADER_SIZE) return;
    const spec = this.handshakeSpec as Handshake;
    const err = checkSpHeader(this.peerHeader, spec.peerProtocol, spec.protocolName);
    if (err) return this.failHandshake(err);
    if (take < chunk.length) this.leftover = chunk.subarray(take);
    // everything after the header waits until the protocol has attached the pipe
    this.handshakeDone();
  }

  run(): void {
    if (this.state !== 'ready') return;
    this.state = 'running';
    const leftover = this.leftover;
    this.leftover = undefined;
    if (leftover) {
      const err = this.decoder.push(leftover);
      if (err) return this.fail(err);
    }
    if (this.heldBytes < this.options.recvBuffer) this.socket.resume();
  }

  frame(payload: Buffer): void {
    this.stats.messagesReceived++;
    this.stats.bytesReceived += payload.length;
    this.sink?.pipeMessage(this, payload);
  }

  send(header: Buffer, body: Buffer): void {
    this.stats.messagesSent++;
    this.stats.bytesSent += header.length + body.length;
    this.writer.append(header, body);
    this.queued();
  }
}
