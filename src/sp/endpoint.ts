/**
 * Endpoints: what `bind` and `connect` make. A bound endpoint listens and turns each accepted
 * connection into a pipe; a connecting endpoint dials in the background and redials with
 * nanomsg's backoff whenever the attempt or the connection fails. Both keep nanomsg's
 * per-endpoint error state (ep.c set_error/clear_error) and count what nanomsg counts.
 */
import { Backoff } from './backoff.js';
import { isDnsError, spError, toSpError, type SpError } from './errors.js';
import type { EndpointInfo, PipeCloseReason, SocketEventMap } from './events.js';
import type { TlsOptions } from './options.js';
import type { HttpServerLike } from './bytes.js';
import type { Pipe, PipeOwner } from './pipe.js';
import { EndpointStats, type SocketStats } from './stats.js';
import type { Dialer, Listener, NewPipe } from './transport/transport.js';
import type { SocketOptions } from './options.js';

/** Settings one endpoint may override (nanomsg captures them when bind/connect is called). */
export interface EndpointOptions {
  /** 1 (highest) to 16; defaults to the socket's sendPriority. */
  sendPriority?: number;
  /** 1 (highest) to 16; defaults to the socket's recvPriority. */
  recvPriority?: number;
  /** TLS settings for `tls+tcp://` and `wss://`; defaults to the socket's `tls` option. */
  tls?: TlsOptions;
  /**
   * bind only, `ws://` and `wss://` only: serve SP on this existing web server (Node's
   * `http.Server`, or `https.Server` for wss) at the URL's path, beside the server's own
   * routes, instead of listening on a port of nanosp's own. Closing the endpoint detaches it
   * and leaves the server running.
   */
  httpServer?: HttpServerLike;
}

/** The socket core as an endpoint sees it. */
export interface EndpointHost {
  readonly options: SocketOptions;
  readonly stats: SocketStats;
  readonly protocolId: number;
  readonly peerProtocolId: number;
  protocolName(id: number): string;
  emit<K extends keyof SocketEventMap>(event: K, ...args: SocketEventMap[K]): boolean;
  /** Give a handshaken pipe to the protocol; an error means it was refused. */
  attachPipe(pipe: Pipe): SpError | undefined;
  detachPipe(pipe: Pipe, reason: PipeCloseReason): void;
  endpointClosed(endpoint: Endpoint): void;
}

/** nanomsg's SP header exchange timer (streamhdr.c). */
const HANDSHAKE_TIMEOUT_MS = 1000;
/**
 * A dialer whose handshake timed out waits twice as long the next time, up to this: in a
 * connection storm a connection can sit in the listener's accept queue for seconds before the
 * listener says anything, and a dialer that gives up after nanomsg's 1 s only redials into
 * the back of that queue (congestion collapse: 10,000 dialers never all connect).
 */
const DIALER_HANDSHAKE_TIMEOUT_MAX_MS = 32_000;

export abstract class Endpoint implements EndpointInfo, PipeOwner {
  abstract readonly kind: 'bind' | 'connect';
  /** Live pipes, attached to the protocol. */
  protected readonly pipes = new Set<Pipe>();
  /** Connections still in the SP handshake. */
  protected readonly starting = new Set<NewPipe>();
  protected closed = false;
  private closing: Promise<void> | undefined;
  private lastError: SpError | undefined;
  readonly sendPriority: number;
  readonly recvPriority: number;
  /** This endpoint's connection counters. */
  readonly stats = new EndpointStats();

  protected constructor(
    protected readonly host: EndpointHost,
    /** Per socket, from 1, never reused; given once the bind or connect has succeeded. */
    public id: number,
    /** The address; a bound endpoint reports the port it got. */
    public url: string,
    options: EndpointOptions,
  ) {
    this.sendPriority = options.sendPriority ?? host.options.sendPriority;
    this.recvPriority = options.recvPriority ?? host.options.recvPriority;
  }

  /** nanomsg's nn_shutdown: stop listening or dialing and drop this endpoint's connections. */
  close(): Promise<void> {
    return this.shutdown(0);
  }

  /** The live pipes this endpoint made. */
  get livePipes(): Pipe[] {
    return [...this.pipes];
  }

  /** The endpoint's current error (nanomsg's last_errno), if its last attempt failed. */
  get error(): SpError | undefined {
    return this.lastError;
  }

  /** @internal Close with `lingerMs` for flushing (socket close uses the linger option). */
  shutdown(lingerMs: number): Promise<void> {
    if (this.closing) return this.closing;
    this.closed = true;
    const drops: Promise<void>[] = [this.stop()];
    for (const pipe of this.starting) drops.push(pipe.close(0));
    this.starting.clear();
    for (const pipe of this.pipes) {
      this.host.detachPipe(pipe, 'dropped');
      this.host.stats.droppedConnections++;
      this.stats.droppedConnections++;
      this.host.emit('pipe-dropped', { endpoint: this, pipe });
      drops.push(pipe.close(lingerMs));
    }
    this.pipes.clear();
    this.closing = Promise.all(drops).then(() => this.host.endpointClosed(this));
    return this.closing;
  }

  /** Stop the listener or the dialer. */
  protected abstract stop(): Promise<void>;
  /** A connection failed or ended; a dialer schedules its next attempt. */
  protected abstract connectionLost(): void;

  /** ep.c set_error: a new errno is recorded and reported once; a repeat is silent. */
  protected setError(error: SpError): void {
    if (this.lastError?.code === error.code) return;
    if (!this.lastError) this.host.stats.currentEpErrors++;
    this.lastError = error;
    this.host.emit('endpoint-error', { endpoint: this, error });
  }

  /** ep.c clear_error: the endpoint connected or accepted again. */
  protected clearError(): void {
    if (!this.lastError) return;
    this.host.stats.currentEpErrors--;
    this.lastError = undefined;
    this.host.emit('endpoint-error', { endpoint: this, error: undefined });
  }

  /** How long the SP handshake may take on this endpoint's next connection. */
  protected handshakeTimeoutMs(): number {
    return HANDSHAKE_TIMEOUT_MS;
  }

  /** A handshake ended: `timedOut` when the peer said nothing in time. */
  protected handshakeEnded(_timedOut: boolean): void {}

  /** Run the SP handshake on a fresh connection, then hand it to the protocol. */
  protected startPipe(pipe: NewPipe): void {
    pipe.sendPriority = this.sendPriority;
    pipe.recvPriority = this.recvPriority;
    this.starting.add(pipe);
    const host = this.host;
    pipe
      .handshake({
        localProtocol: host.protocolId,
        peerProtocol: host.peerProtocolId,
        timeoutMs: this.handshakeTimeoutMs(),
        protocolName: (id) => host.protocolName(id),
      })
      .then(
        () => {
          this.starting.delete(pipe);
          this.handshakeEnded(false);
          if (this.closed) return void pipe.close(0);
          if (pipe.isClosed) return this.broken(undefined, spError('ECONNRESET', 'the peer closed the connection right after the SP handshake'));
          // owned before the 'pipe' event, so that a listener closing us there also closes it
          pipe.owner = this;
          this.pipes.add(pipe);
          const refused = host.attachPipe(pipe);
          if (refused) {
            // a 'pipe-adding' listener closed this endpoint or the socket: its shutdown dropped
            // the pipe and counted it already
            if (!this.pipes.delete(pipe)) return;
            pipe.owner = undefined;
            void pipe.close(0);
            // the event names the pipe the application refused (its admission listener saw it)
            return this.broken(refused.code === 'EACCES' ? pipe : undefined, refused);
          }
          if (!this.closed && !pipe.isClosed) pipe.run();
        },
        (err: unknown) => {
          if (!this.starting.delete(pipe) || this.closed) return;
          const error = toSpError(err, 'the SP handshake failed', 'EPROTO');
          this.handshakeEnded(error.code === 'ETIMEDOUT');
          this.broken(undefined, error);
        },
      );
  }

  pipeClosed(pipe: Pipe, reason: PipeCloseReason, error: SpError | undefined): void {
    if (!this.pipes.delete(pipe)) return;
    this.host.detachPipe(pipe, reason);
    if (reason === 'broken') this.broken(pipe, error ?? spError('ECONNRESET', 'the connection broke'));
  }

  private broken(pipe: Pipe | undefined, error: SpError): void {
    this.host.stats.brokenConnections++;
    this.stats.brokenConnections++;
    this.host.emit('pipe-broken', { endpoint: this, pipe, error });
    if (!this.closed) this.connectionLost();
  }

  toJSON(): EndpointInfo {
    return { id: this.id, url: this.url, kind: this.kind };
  }
}

/** A listening endpoint. */
export class BoundEndpoint extends Endpoint {
  readonly kind = 'bind' as const;
  private listener: Listener | undefined;

  constructor(host: EndpointHost, id: number, url: string, options: EndpointOptions) {
    super(host, id, url, options);
  }

  /** Start listening; `listen` is the transport's, bound to this endpoint's context. */
  async open(listen: (events: { accepted(pipe: NewPipe): void; acceptFailed(error: SpError): void }) => Promise<Listener>): Promise<void> {
    this.listener = await listen({
      accepted: (pipe) => {
        if (this.closed) return void pipe.close(0);
        this.host.stats.acceptedConnections++;
        this.stats.acceptedConnections++;
        this.clearError();
        this.host.emit('accepted', { endpoint: this });
        this.startPipe(pipe);
      },
      acceptFailed: (error) => {
        if (this.closed) return;
        this.host.stats.acceptErrors++;
        this.stats.acceptErrors++;
        this.setError(error);
        this.host.emit('accept-failed', { endpoint: this, error });
      },
    });
    this.url = this.listener.url;
  }

  protected stop(): Promise<void> {
    return this.listener?.close() ?? Promise.resolve();
  }

  protected connectionLost(): void {
    // a listener simply keeps accepting
  }
}

/** A dialing endpoint: connects in the background and reconnects for as long as it lives. */
export class ConnectEndpoint extends Endpoint {
  readonly kind = 'connect' as const;
  private readonly backoff: Backoff;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private attempt: AbortController | undefined;
  /** The attempt under way, settled (never rejects): close waits for it. */
  private inflight: Promise<void> | undefined;
  private dialer: Dialer | undefined;
  /** The SP handshake timer for the next connection: nanomsg's 1 s, doubled after each timeout. */
  private handshakeMs = HANDSHAKE_TIMEOUT_MS;

  constructor(host: EndpointHost, id: number, url: string, options: EndpointOptions) {
    super(host, id, url, options);
    // nanomsg reads both intervals once, when nn_connect is called
    this.backoff = new Backoff(host.options.reconnectInterval, host.options.reconnectIntervalMax, host.options.reconnectJitter);
  }

  protected override handshakeTimeoutMs(): number {
    return this.handshakeMs;
  }

  protected override handshakeEnded(timedOut: boolean): void {
    this.handshakeMs = timedOut ? Math.min(this.handshakeMs * 2, DIALER_HANDSHAKE_TIMEOUT_MAX_MS) : HANDSHAKE_TIMEOUT_MS;
  }

  start(dialer: Dialer): void {
    this.dialer = dialer;
    this.dial();
  }

  private dial(): void {
    this.timer = undefined;
    if (this.closed || !this.dialer) return;
    const stats = this.host.stats;
    const attempt = new AbortController();
    this.attempt = attempt;
    stats.inprogressConnections++;
    this.inflight = this.dialer.dial(attempt.signal).then(
      (pipe) => {
        stats.inprogressConnections--;
        this.attempt = undefined;
        if (this.closed) return void pipe.close(0);
        stats.establishedConnections++;
        this.stats.establishedConnections++;
        this.clearError();
        this.host.emit('connected', { endpoint: this });
        this.startPipe(pipe);
      },
      (err: unknown) => {
        stats.inprogressConnections--;
        this.attempt = undefined;
        if (this.closed) return;
        if (isDnsError(err)) {
          // nanomsg retries a failed lookup silently: no counter, no error state
          this.host.emit('resolve-failed', { endpoint: this, error: toSpError(err, `cannot resolve the host in ${this.url}`, 'EHOSTUNREACH') });
        } else {
          const error = toSpError(err, `cannot connect to ${this.url}`, 'ECONNREFUSED');
          stats.connectErrors++;
          this.stats.connectErrors++;
          this.setError(error);
          this.host.emit('connect-failed', { endpoint: this, error });
        }
        this.connectionLost();
      },
    );
  }

  protected connectionLost(): void {
    if (this.closed || this.timer) return;
    this.timer = setTimeout(() => this.dial(), this.backoff.next());
  }

  protected stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.attempt?.abort();
    // resolve once a cancelled attempt has let go of its connection and its counters
    return this.inflight ?? Promise.resolve();
  }
}
