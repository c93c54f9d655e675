/**
 * A pipe over a WebSocket (spec/wire.md §1.5): the opening handshake, then one SP message per
 * WebSocket message. Client pipes send the upgrade request and check the 101; server pipes
 * are made by the shared listener once a request has been read and routed, and answer it
 * here, where the socket's protocol is known. Writes are batched as StreamPipe does: frames
 * queued in one tick leave in one gather write, or sooner once a batch is large.
 */
import type { Socket } from 'node:net';
import { spError, type SpError } from '../../../sp/errors.js';
import type { EndpointInfo } from '../../../sp/events.js';
import type { SocketOptions } from '../../../sp/options.js';
import type { NewPipe } from '../../../sp/transport/transport.js';
import type { SlabReader } from '../read-slab.js';
import { SocketPipe } from '../socket-pipe.js';
import type { WriteBatch } from '../write-batch.js';
import { CLOSE_NORMAL, closePayload, OP_BINARY, OP_CLOSE, OP_PONG, OP_TEXT } from './frames.js';
import { WsDecoder, type WsFailure, type WsReceiver } from './receiver.js';
import { WsFrameWriter } from './sender.js';
import {
  buildRefusal,
  buildRequest,
  buildSwitchingResponse,
  checkOfferedProtocol,
  checkResponse,
  handshakeLimits,
  HeadReader,
  newKey,
  wsProtocolName,
  type Refusal,
  type WsRequest,
} from './handshake.js';

/** After sending Close (or a refusal), how long the peer has to close its side. */
const CLOSE_WAIT_MS = 1000;

type Spec = Parameters<NewPipe['handshake']>[0];

/**
 * End a connection politely: send `data` (if any) and FIN, drop whatever the peer still sends,
 * and destroy the socket once the peer closes too or after CLOSE_WAIT_MS, whichever is first.
 */
export function endSoon(socket: Socket, data?: string): void {
  if (socket.destroyed) return;
  if (data !== undefined) socket.end(data);
  else socket.end();
  socket.resume();
  const timer = setTimeout(() => socket.destroy(), CLOSE_WAIT_MS);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
}

/** Answer a request with a refusal (400, 404) and close. */
export function refuse(socket: Socket, refusal: Pick<Refusal, 'status' | 'reason' | 'headers'>): void {
  endSoon(socket, buildRefusal(refusal));
}

interface ClientSide {
  readonly host: string;
  readonly resource: string;
}

export class WsPipe extends SocketPipe<WsFailure> implements NewPipe, WsReceiver {
  protected readonly decoder: WsDecoder;
  private readonly writer: WsFrameWriter;
  protected readonly batch: WriteBatch;
  /** Bytes read past the handshake, kept until `run()`. */
  private leftover: Buffer[] = [];
  private head: HeadReader | undefined;
  private key = '';
  private offered = '';
  /** Why the handshake failed, for a server pipe whose peer left before `handshake()`. */
  private failure: SpError | undefined;

  private constructor(
    socket: Socket,
    endpoint: EndpointInfo,
    remoteAddress: string,
    options: SocketOptions,
    private readonly isClient: boolean,
    private readonly client: ClientSide | undefined,
    private readonly request: WsRequest | undefined,
    /** A dialer's socket reads through `onread` into this reader's buffers; else 'data' events. */
    reader?: SlabReader,
  ) {
    super(socket, endpoint, remoteAddress, options);
    // a server expects masked frames and sends unmasked ones; a client the reverse
    this.decoder = new WsDecoder(!isClient, this, options);
    this.writer = new WsFrameWriter(isClient);
    this.batch = this.writer.batch;
    this.startReading(reader);
  }

  protected readonly handshakeName = 'WebSocket';
  protected readonly peerClosedText = 'the peer closed the connection without a WebSocket Close';


  /** The dialing side, on a connected socket (reading through `reader`): it will send the upgrade request. */
  static client(socket: Socket, endpoint: EndpointInfo, remoteAddress: string, options: SocketOptions, host: string, resource: string, reader: SlabReader): WsPipe {
    return new WsPipe(socket, endpoint, remoteAddress, options, true, { host, resource }, undefined, reader);
  }

  /**
   * The accepting side, for a request that passed the generic checks and was routed here;
   * `rest` is what followed the request head. The socket must be paused.
   */
  static server(socket: Socket, endpoint: EndpointInfo, remoteAddress: string, options: SocketOptions, request: WsRequest, rest: Buffer | undefined): WsPipe {
    const pipe = new WsPipe(socket, endpoint, remoteAddress, options, false, undefined, request);
    if (rest) pipe.leftover.push(rest);
    return pipe;
  }

  /**
   * Client: send the upgrade request naming the peer's protocol and check the answer.
   * Server: check the offered protocol against this socket's and answer 101, or 400 and close.
   * Resolves when the pipe may be attached; rejects (the connection closed) otherwise.
   */
  handshake(spec: Spec): Promise<void> {
    if (this.closed) return Promise.reject(this.failure ?? spError('EBADF', 'the pipe was closed before the WebSocket handshake'));
    if (!this.isClient) return this.serverHandshake(spec);
    // nanomsg's WebSocket handshake timer (5 s), not spec.timeoutMs, which is its SP header timer
    const done = this.awaitHandshake(handshakeLimits.timeoutMs, 'the WebSocket server did not answer the upgrade');
    this.head = new HeadReader(handshakeLimits.maxHeadBytes);
    this.key = newKey();
    // the client names the server's (its peer's) socket type (spec/wire.md §1.5)
    this.offered = wsProtocolName(spec.peerProtocol);
    const client = this.client as ClientSide;
    this.socket.write(buildRequest(client.resource, client.host, this.key, this.offered));
    return done;
  }

  private serverHandshake(spec: Spec): Promise<void> {
    const request = this.request as WsRequest;
    const checked = checkOfferedProtocol(request.protocols, spec.localProtocol, spec.peerProtocol);
    if ('status' in checked) {
      this.state = 'closed';
      this.closed = true;
      refuse(this.socket, checked);
      return Promise.reject(spError('EPROTO', `refused the WebSocket upgrade with ${checked.status} ${checked.reason}: ${checked.detail}`));
    }
    this.socket.write(buildSwitchingResponse(request.key, checked.echo));
    this.state = 'ready';
    return Promise.resolve();
  }

  protected override failHandshake(err: SpError): void {
    this.failure ??= err;
    this.head = undefined;
    super.failHandshake(err);
  }

  chunk(chunk: Buffer): void {
    if (this.state === 'running') {
      const err = this.decoder.push(chunk);
      if (err) this.readFailed(err);
      return;
    }
    if (this.state === 'ready' || (this.state === 'handshake' && !this.isClient)) {
      // paused, so this should not happen; keep it for run() all the same
      this.leftover.push(chunk);
      return;
    }
    if (this.state !== 'handshake' || !this.head) return;
    const got = this.head.push(chunk);
    if (got === undefined) return;
    if (got === 'too-large') {
      return this.failHandshake(spError('EPROTO', `the WebSocket server's response head is larger than ${handshakeLimits.maxHeadBytes} bytes`));
    }
    const err = checkResponse(got.head, this.key, this.offered);
    if (err) return this.failHandshake(err);
    if (got.rest) this.leftover.push(got.rest);
    this.head = undefined;
    // everything after the head waits until the protocol has attached the pipe
    this.handshakeDone();
  }

  run(): void {
    if (this.state !== 'ready') return;
    this.state = 'running';
    const leftover = this.leftover;
    this.leftover = [];
    for (const chunk of leftover) {
      const err = this.decoder.push(chunk);
      if (err) return this.readFailed(err);
      if (this.closed) return;
    }
    if (this.heldBytes < this.options.recvBuffer) this.socket.resume();
  }

  // ---- WsReceiver ------------------------------------------------------------------------

  wsMessage(payload: Buffer): void {
    this.stats.messagesReceived++;
    this.stats.bytesReceived += payload.length;
    this.sink?.pipeMessage(this, payload);
  }

  wsPing(payload: Buffer): void {
    // NNG pings; answer as RFC 6455 asks. nanomsg never pings (and nanosp never does).
    // A peer that pings without reading the answers gets none once the send buffer is full.
    if (this.writer.queued + this.socket.writableLength >= this.options.sendBuffer) return;
    this.writer.append(OP_PONG, payload, EMPTY_BODY);
    this.queued();
  }

  wsClose(code: number | undefined, reason: string): void {
    const said = code === undefined ? '' : ` with code ${code}${reason ? ` (${JSON.stringify(reason)})` : ''}`;
    // answer with the same code, then end (RFC 6455 §5.5.1)
    this.shutdown(code, spError('ECONNRESET', `the peer closed the WebSocket${said}`));
  }

  // ---- sending ---------------------------------------------------------------------------

  send(header: Buffer, body: Buffer): void {
    if (this.closed) return;
    this.stats.messagesSent++;
    this.stats.bytesSent += header.length + body.length;
    // read live: nanomsg's NN_WS_MSG_TYPE applies to every message sent after it is set
    this.writer.append(this.options.wsMessageType === 'text' ? OP_TEXT : OP_BINARY, header, body);
    this.queued();
  }

  // ---- ending ----------------------------------------------------------------------------

  /** A frame broke the protocol or a limit: send Close with its code and drop the connection. */
  protected readFailed(failure: WsFailure): void {
    this.shutdown(failure.closeCode, failure.error);
  }

  /**
   * Send Close with `code` after whatever is queued, end the connection and report the pipe
   * broken with `err`. The socket goes once the peer closes too, or after CLOSE_WAIT_MS.
   */
  private shutdown(code: number | undefined, err: SpError): void {
    if (this.closed) return;
    this.decoder.halted = true;
    this.state = 'closed';
    this.writer.append(OP_CLOSE, closePayload(code), EMPTY_BODY);
    this.flush();
    endSoon(this.socket);
    this.ended('broken', err);
  }

  /**
   * Before a local close, a client sends Close 1000; a server just ends the connection,
   * because a nanomsg client that receives Close stops reconnecting (spec/wire.md §1.5 Close).
   */
  protected override lastFrames(): void {
    if (this.isClient) this.writer.append(OP_CLOSE, closePayload(CLOSE_NORMAL), EMPTY_BODY);
  }
}

const EMPTY_BODY = Buffer.alloc(0);
