/**
 * The SP socket: lifecycle, options, endpoints, and send/receive with timeouts and
 * AbortSignal. It joins a protocol (routing) to endpoints (transports) and keeps the waiters
 * for calls that cannot complete at once. Sends and receives that can complete now do so
 * without allocating anything but the returned promise.
 */
import { splitAddress } from './address.js';
import { BoundEndpoint, ConnectEndpoint, type Endpoint, type EndpointHost, type EndpointOptions } from './endpoint.js';
import { spError, SpError } from './errors.js';
import { Emitter } from './emitter.js';
import { socketLifeWatchers, type PipeAddingEvent, type PipeCloseReason, type SocketEventMap } from './events.js';
import type { Bytes } from './bytes.js';
import { Context, type ContextOwner } from './context.js';
import { Message, type MessageData, type MessageInit } from './message.js';
import { checkOption, checkOptionName, defaultOptions, OPTION_SPECS, type OptionName, type SocketOptions, type SocketOptionsInit } from './options.js';
import type { Pipe } from './pipe.js';
import { protocolName } from './protocol/ids.js';
import { protocolFactory } from './protocol/index.js';
import type { Protocol, ProtocolHost, ProtocolInfo, SocketType } from './protocol/protocol.js';
import { SocketStats, type EndpointStats, type PipeStats } from './stats.js';
import { SCHEMES, transportFor } from './transport/index.js';
import type { TransportContext } from './transport/transport.js';
import { Queue } from './queue.js';
import type { WaitOptions } from './waiters.js';

/** What `describe()` returns: plain data, safe to JSON.stringify. */
export interface SocketDescription {
  /** nanomsg's socket number. */
  readonly id: number;
  /** The socketName option. */
  readonly name: string;
  readonly protocol: SocketType;
  readonly raw: boolean;
  readonly stats: SocketStats;
  readonly endpoints: readonly {
    readonly id: number;
    readonly url: string;
    readonly kind: 'dialer' | 'listener';
    readonly stats: EndpointStats;
    readonly pipes: readonly { readonly id: number; readonly remoteAddress: string; readonly stats: PipeStats }[];
  }[];
}

export interface SocketInit extends SocketOptionsInit {
  /** The raw (device) variant: no end-to-end behaviour, SP headers handed to the user. */
  raw?: boolean;
  /** PAIR v1 only: pair with many peers at once, a message per pipe (NNG's nng_pair1_open_poly). */
  polyamorous?: boolean;
}

/** Socket numbers, lowest free first, as nanomsg hands out socket slots. */
const usedIndexes = new Set<number>();
function allocateIndex(): number {
  let index = 0;
  while (usedIndexes.has(index)) index++;
  usedIndexes.add(index);
  return index;
}

export class SpSocket extends Emitter<SocketEventMap> implements ProtocolHost, EndpointHost, ContextOwner {
  readonly type: SocketType;
  readonly raw: boolean;
  /** PAIR v1 with many peers: messages name their pipe (`recvMessage().pipe`, `sendMessage({ pipe })`). */
  readonly polyamorous: boolean;
  /** nanomsg's socket number: the default socketName, reused after close like a descriptor. */
  readonly index: number;
  /** Live option values; change them with `setOption`, which validates. */
  readonly options: Readonly<SocketOptions>;
  /** nanomsg's 15 statistics for this socket. */
  readonly stats = new SocketStats();
  private readonly protocol: Protocol;
  private readonly info: ProtocolInfo;
  private readonly endpointMap = new Map<number, Endpoint>();
  private readonly pipeSet = new Set<Pipe>();
  private nextEndpointId = 1;
  /** The socket's own context, which its send and recv use. */
  private readonly own: Context;
  /** Contexts opened with `context()`. */
  private readonly contextSet = new Set<Context>();
  private nextContextId = 1;
  /** Contexts with a receive waiting, in the order they started waiting. */
  private readonly recvLine = new Queue<Context>();
  private closing: Promise<void> | undefined;
  private readonly watchers = new Set<() => void>();

  constructor(type: SocketType, init: SocketInit = {}) {
    super();
    const factory = protocolFactory(type);
    for (const watcher of socketLifeWatchers) watcher.creating?.(String(type));
    this.type = factory.info.name;
    this.raw = init.raw === true;
    this.polyamorous = polyamorousMode(this.type, this.raw, init.polyamorous);
    this.index = allocateIndex();
    const options = defaultOptions(String(this.index));
    try {
      for (const [name, value] of Object.entries(init)) {
        if (name === 'raw' || name === 'polyamorous' || value === undefined) continue;
        (options as unknown as Record<string, unknown>)[name] = checkOption(this.type, this.raw, name, value);
      }
    } catch (err) {
      usedIndexes.delete(this.index);
      throw err;
    }
    this.options = options;
    this.info = factory.info;
    this.own = new Context(this, 0, options, true);
    this.protocol = factory.create(this, this.raw, this.own, { polyamorous: this.polyamorous });
    this.own.state = this.protocol.context;
    for (const watcher of socketLifeWatchers) watcher.opened?.(this);
  }

  /** True once `close()` was called. */
  get closed(): boolean {
    return this.closing !== undefined;
  }

  /** The SP protocol id this socket sends in its connection header. */
  get protocolId(): number {
    return this.info.id;
  }

  get peerProtocolId(): number {
    return this.info.peer;
  }

  /** The socket's endpoints, in the order they were made. */
  get endpoints(): Endpoint[] {
    return [...this.endpointMap.values()];
  }

  /** True when this type of socket can send at all (not SUB, PULL). */
  get canSend(): boolean {
    return this.info.canSend;
  }

  /** True when this type of socket can receive at all (not PUB, PUSH). */
  get canRecv(): boolean {
    return this.info.canRecv;
  }

  /** The live pipes (connections that passed the SP handshake). */
  get pipes(): Pipe[] {
    return [...this.pipeSet];
  }

  // ---- endpoints -------------------------------------------------------------------------

  /** Listen on `url`; resolves once bound, with the real port when port 0 was asked for. */
  async bind(url: string, options: EndpointOptions = {}): Promise<Endpoint> {
    this.assertOpen('bind');
    const address = splitAddress(url, SCHEMES);
    checkEndpointOptionsObject(options, 'bind', url);
    if (options.httpServer !== undefined) checkHttpServer(options.httpServer, address.scheme, url);
    // nanomsg numbers an endpoint only once it exists: a failed bind uses no id
    const endpoint = new BoundEndpoint(this, 0, url, this.endpointOptions(options));
    const transport = transportFor(address.scheme);
    try {
      await endpoint.open((events) => transport.listen(address, this.transportContext(endpoint, options), events));
    } catch (err) {
      // nanomsg 1.x returns bind errors and counts nothing (bind_errors stays 0)
      if (err instanceof SpError) this.emit('bind-failed', { endpoint, error: err });
      throw err;
    }
    if (this.closed) {
      await endpoint.shutdown(0);
      throw spError('EBADF', `the socket was closed while binding ${url}`);
    }
    endpoint.id = this.nextEndpointId++;
    this.endpointMap.set(endpoint.id, endpoint);
    return endpoint;
  }

  /** Dial `url` in the background, reconnecting whenever the connection fails. */
  connect(url: string, options: EndpointOptions = {}): Endpoint {
    this.assertOpen('connect');
    const address = splitAddress(url, SCHEMES);
    checkEndpointOptionsObject(options, 'connect', url);
    if (options.httpServer !== undefined) {
      throw spError('EINVAL', `httpServer is a bind option (a listener shares the web server); connect(${JSON.stringify(url)}) dials out`);
    }
    const endpoint = new ConnectEndpoint(this, 0, url, this.endpointOptions(options));
    const dialer = transportFor(address.scheme).dialer(address, this.transportContext(endpoint, options));
    endpoint.id = this.nextEndpointId++;
    this.endpointMap.set(endpoint.id, endpoint);
    endpoint.start(dialer);
    return endpoint;
  }

  private endpointOptions(options: EndpointOptions): EndpointOptions {
    const checked: EndpointOptions = {};
    if (options.sendPriority !== undefined) checked.sendPriority = OPTION_SPECS.sendPriority.check(options.sendPriority, 'sendPriority') as number;
    if (options.recvPriority !== undefined) checked.recvPriority = OPTION_SPECS.recvPriority.check(options.recvPriority, 'recvPriority') as number;
    if (options.tls !== undefined) checked.tls = OPTION_SPECS.tls.check(options.tls, 'tls') as EndpointOptions['tls'];
    return checked;
  }

  private transportContext(endpoint: Endpoint, options: EndpointOptions): TransportContext {
    return {
      options: this.options,
      endpoint,
      tls: options.tls ?? this.options.tls,
      httpServer: options.httpServer,
      protocol: { local: this.info.id, peer: this.info.peer },
    };
  }

  // ---- contexts ------------------------------------------------------------------------

  /**
   * Open a context: its own request/reply (or survey, or subscription) state, waiters,
   * timeouts and options on this socket, as NNG's nng_ctx_open. Cooked REQ, REP, SURVEYOR,
   * RESPONDENT and SUB only; ENOTSUP elsewhere.
   */
  context(): Context {
    this.assertOpen('open a context');
    if (!this.info.contexts || this.raw) {
      throw spError('ENOTSUP', `${this.raw ? 'raw ' : ''}${this.type} sockets have no contexts (cooked req, rep, surveyor, respondent and sub have)`);
    }
    const { sendTimeout, recvTimeout, resendInterval, surveyDeadline } = this.options;
    const ctx = new Context(this, this.nextContextId++, { sendTimeout, recvTimeout, resendInterval, surveyDeadline }, false);
    ctx.state = this.protocol.openContext(ctx);
    this.contextSet.add(ctx);
    return ctx;
  }

  /** @internal ContextOwner */
  get label(): string {
    return `the ${this.type} socket ${JSON.stringify(this.options.socketName)}`;
  }

  /** @internal ContextOwner */
  waitingToReceive(ctx: Context): void {
    if (ctx.inRecvLine) return;
    ctx.inRecvLine = true;
    this.recvLine.push(ctx);
  }

  /** @internal ContextOwner */
  stoppedWaiting(ctx: Context): void {
    if (!ctx.inRecvLine) return;
    ctx.inRecvLine = false;
    this.recvLine.remove(ctx);
  }

  /** @internal ContextOwner */
  contextClosed(ctx: Context): void {
    this.contextSet.delete(ctx);
    this.stoppedWaiting(ctx);
  }

  /** @internal ContextOwner: a poll may see something new. */
  changed(): void {
    if (this.watchers.size > 0) this.notifyWatchers();
  }

  // ---- sending ---------------------------------------------------------------------------

  /**
   * Send one message. Resolves once the protocol has taken it (queued toward a peer), as
   * nn_send returns; waits while it cannot (PUSH or PAIR with no ready peer) up to
   * `timeout` (default: the sendTimeout option). Once it resolves the buffer is the caller's
   * again: nothing keeps a reference to it.
   */
  send(data: MessageData, options?: WaitOptions): Promise<void> {
    return this.own.send(data, options);
  }

  /** Send without waiting: throws EAGAIN when the message cannot go now (NN_DONTWAIT). */
  trySend(data: MessageData): void {
    this.own.trySend(data);
  }

  /** Raw sockets: send a message with its SP header (nn_sendmsg with SP_HDR). */
  sendMessage(message: Message | MessageInit, options?: WaitOptions): Promise<void> {
    return this.own.sendMessage(message, options);
  }

  /**
   * ProtocolHost: a send may succeed now. Only the socket's own context can be blocked this
   * way: the protocols with contexts never block a send on a pipe (a context that could would
   * be woken through its own host).
   */
  writable(): void {
    this.own.writable();
  }

  // ---- receiving -------------------------------------------------------------------------

  /** Receive one message body; waits up to `timeout` (default: the recvTimeout option). */
  recv(options?: WaitOptions): Promise<Bytes> {
    return this.own.recv(options);
  }

  /** Receive without waiting: throws EAGAIN when no message is ready (NN_DONTWAIT). */
  tryRecv(): Bytes {
    return this.own.tryRecv();
  }

  /** Receive a message with its SP header (raw sockets: nn_recvmsg with SP_HDR) and its pipe id. */
  recvMessage(options?: WaitOptions): Promise<Message> {
    return this.own.recvMessage(options);
  }

  /**
   * Receive one message body into `target` (nn_recv with a buffer): copies at most
   * `target.length` bytes and resolves with the body's full length, which may be larger. A
   * large body that is nanosp's own (an inproc body copied for this receiver alone, or one read
   * from the network into an allocation of its own) goes back to its pool, for the next send
   * or the next such read: a stream of large messages then moves through the same warm memory.
   */
  recvInto(target: Uint8Array, options?: WaitOptions): Promise<number> {
    return this.own.recvInto(target, options);
  }

  /** recvInto without waiting: throws EAGAIN when no message is ready (NN_DONTWAIT). */
  tryRecvInto(target: Uint8Array): number {
    return this.own.tryRecvInto(target);
  }

  /**
   * ProtocolHost: a message any context may take arrived; the contexts waiting to receive
   * take their turns in the order they started waiting.
   */
  readable(): void {
    if (this.watchers.size > 0) this.notifyWatchers();
    const line = this.recvLine;
    for (let n = line.length; n > 0; n--) {
      const ctx = line.peek() as Context;
      ctx.serveReceives();
      if (ctx.recvWaiters.length > 0) return; // nothing left for it, so nothing for those behind
      line.shift();
      ctx.inRecvLine = false;
    }
  }

  /** `for await (const msg of socket)`: every message until the socket closes. */
  [Symbol.asyncIterator](): AsyncGenerator<Bytes, void, undefined> {
    return this.own[Symbol.asyncIterator]();
  }

  // ---- polling ---------------------------------------------------------------------------

  /** @internal nn_poll: would a receive (1) or a send (2) complete without waiting now? */
  pollState(): number {
    return this.own.pollState();
  }

  /** @internal Call `watcher` whenever the poll state may have changed (and on close). */
  watch(watcher: () => void): () => void {
    this.watchers.add(watcher);
    return () => this.watchers.delete(watcher);
  }

  private notifyWatchers(): void {
    for (const watcher of [...this.watchers]) watcher();
  }

  // ---- options ---------------------------------------------------------------------------

  setOption<K extends OptionName>(name: K, value: SocketOptions[K]): void;
  setOption(name: string, value: unknown): void;
  setOption(name: string, value: unknown): void {
    if (this.closing) throw this.badf('set an option');
    const checked = checkOption(this.type, this.raw, name, value);
    (this.options as unknown as Record<string, unknown>)[name] = checked;
  }

  getOption<K extends OptionName>(name: K): SocketOptions[K];
  getOption(name: string): unknown;
  getOption(name: string): unknown {
    if (this.closing) throw this.badf('get an option');
    const value: unknown = this.options[checkOptionName(this.type, this.raw, name)];
    return value !== null && typeof value === 'object' ? { ...value } : value;
  }

  /** SUB: receive messages whose body starts with `topic` ('' for all); counted, as nanomsg. */
  subscribe(topic: MessageData): void {
    this.own.subscribe(topic);
  }

  /** SUB: drop one subscription to `topic`; EINVAL if it was not subscribed. */
  unsubscribe(topic: MessageData): void {
    this.own.unsubscribe(topic);
  }

  // ---- describing ----------------------------------------------------------------------

  /**
   * A snapshot of this socket as plain data (JSON-serialisable): NNG's statistics tree in
   * nanosp's terms — the socket's counters, each endpoint's, and each live pipe's.
   */
  describe(): SocketDescription {
    return {
      id: this.index,
      name: this.options.socketName,
      protocol: this.type,
      raw: this.raw,
      stats: { ...this.stats },
      endpoints: [...this.endpointMap.values()].map((endpoint) => ({
        id: endpoint.id,
        url: endpoint.url,
        kind: endpoint.kind === 'bind' ? ('listener' as const) : ('dialer' as const),
        stats: { ...endpoint.stats },
        pipes: endpoint.livePipes.map((pipe) => ({ id: pipe.id, remoteAddress: pipe.remoteAddress, stats: { ...pipe.stats } })),
      })),
    };
  }

  // ---- closing ---------------------------------------------------------------------------

  /**
   * Close the socket: pending and later calls fail with EBADF, endpoints stop, and queued
   * outbound data is flushed for up to `linger` ms. Resolves once everything is released.
   */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    const linger = this.options.linger;
    this.closing = (async () => {
      for (const ctx of [...this.contextSet]) ctx.shutDown(this.badf('use a context'));
      this.own.sendWaiters.rejectAll(this.badf('send'));
      this.own.recvWaiters.rejectAll(this.badf('receive'));
      this.recvLine.clear();
      this.protocol.close();
      this.notifyWatchers();
      this.emit('close');
      await Promise.all([...this.endpointMap.values()].map((endpoint) => endpoint.shutdown(linger)));
      usedIndexes.delete(this.index);
      for (const watcher of socketLifeWatchers) watcher.closed?.(this);
    })();
    return this.closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  // ---- EndpointHost ----------------------------------------------------------------------

  /** @internal */
  protocolName(id: number): string {
    return protocolName(id);
  }

  /** @internal */
  attachPipe(pipe: Pipe): SpError | undefined {
    if (this.closing) return this.badf('attach a pipe');
    if (this.listenerCount('pipe-adding') > 0) {
      const refusal = this.admit(pipe);
      if (refusal) return refusal;
    }
    const refused = this.protocol.attach(pipe);
    if (refused) return refused;
    this.pipeSet.add(pipe);
    this.stats.currentConnections++;
    this.emit('pipe', pipe);
    return undefined;
  }

  /**
   * Ask the 'pipe-adding' listeners: an EACCES error when one refused the pipe (or threw), or
   * EBADF when one closed the socket — which is safe here, unlike in NNG's pre-add callback.
   */
  private admit(pipe: Pipe): SpError | undefined {
    let reason: string | undefined;
    const event: PipeAddingEvent = {
      pipe,
      reject(why?: string) {
        reason = typeof why === 'string' && why !== '' ? why : 'the application refused the connection';
      },
    };
    try {
      this.emit('pipe-adding', event);
    } catch (err) {
      reason = `the 'pipe-adding' listener failed: ${err instanceof Error ? err.message : String(err)}`;
    }
    if (this.closing) return this.badf('attach a pipe');
    if (pipe.isClosed) return spError('ECONNABORTED', `pipe ${pipe.id} was closed by a 'pipe-adding' listener (its endpoint closed)`);
    if (reason === undefined) return undefined;
    this.stats.rejectedConnections++;
    return spError('EACCES', `pipe ${pipe.id} from ${pipe.remoteAddress} was refused: ${reason}`);
  }

  /** @internal */
  detachPipe(pipe: Pipe, reason: PipeCloseReason): void {
    if (!this.pipeSet.delete(pipe)) return;
    this.protocol.detach(pipe);
    this.stats.currentConnections--;
    this.emit('pipe-removed', pipe, reason);
  }

  /** @internal */
  endpointClosed(endpoint: Endpoint): void {
    this.endpointMap.delete(endpoint.id);
  }

  /** An endpoint by id (nanomsg's eid), for `shutdown`-style callers. */
  endpoint(id: number): Endpoint | undefined {
    return this.endpointMap.get(id);
  }

  // ---- errors ----------------------------------------------------------------------------

  private assertOpen(doing: string): void {
    if (this.closing) throw this.badf(doing);
  }

  private badf(doing: string): SpError {
    return spError('EBADF', `cannot ${doing}: the ${this.type} socket ${JSON.stringify(this.options.socketName)} is closed`);
  }
}

/** The `polyamorous` option checked: PAIR v1 only, cooked only (NNG has no raw poly socket). */
function polyamorousMode(type: SocketType, raw: boolean, value: unknown): boolean {
  if (value === undefined || value === false) return false;
  let why: string | undefined;
  if (value !== true) why = `polyamorous must be true or false, got ${typeof value === 'string' ? JSON.stringify(value) : String(value)}`;
  else if (type !== 'pair1') why = `polyamorous applies to pair1 sockets only, not ${type}`;
  else if (raw) why = 'a raw pair1 socket cannot be polyamorous (NNG has no such socket)';
  if (!why) return true;
  throw spError('EINVAL', why);
}

/** Make a socket of `type` ('pair', 'pub', 'sub', 'push', 'pull', …). */
export function socket(type: SocketType, options?: SocketInit): SpSocket {
  return new SpSocket(type, options);
}

/** `httpServer` is for WebSocket listeners only; the transport checks what kind of server it is. */
function checkHttpServer(server: unknown, scheme: string, url: string): void {
  if (scheme !== 'ws' && scheme !== 'wss') {
    throw spError('EINVAL', `httpServer serves ws:// and wss:// addresses only, not ${JSON.stringify(url)}`);
  }
  if (typeof server !== 'object' || server === null) {
    throw spError('EINVAL', `httpServer must be a web server (node:http or node:https), got ${server === null ? 'null' : typeof server}`);
  }
}

/** bind/connect options are an object (`{ sendPriority, tls, httpServer … }`), else EINVAL rather than a TypeError. */
function checkEndpointOptionsObject(options: unknown, call: 'bind' | 'connect', url: string): void {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    const got = options === null ? 'null' : Array.isArray(options) ? 'an array' : typeof options;
    throw spError('EINVAL', `${call}(${JSON.stringify(url)}, options): options must be an object such as { sendPriority: 1 }, got ${got}`);
  }
}
