/**
 * The SP socket: lifecycle, options, endpoints, and send/receive with timeouts and
 * AbortSignal. It joins a protocol (routing) to endpoints (transports) and keeps the waiters
 * for calls that cannot complete at once. Sends and receives that can complete now do so
 * without allocating anything but the returned promise.
 */
import { EventEmitter } from 'node:events';
import { splitAddress } from './address.js';
import { BoundEndpoint, ConnectEndpoint, type Endpoint, type EndpointHost, type EndpointOptions } from './endpoint.js';
import { spError, SpError } from './errors.js';
import { socketCloseChannel, socketCreateChannel, socketOpenChannel, type PipeCloseReason, type SocketEventMap } from './events.js';
import { EMPTY, Message, toBuffer, toOwnedBuffer, type MessageData } from './message.js';
import { checkOption, checkOptionName, defaultOptions, OPTION_SPECS, type OptionName, type SocketOptions, type SocketOptionsInit } from './options.js';
import type { Pipe } from './pipe.js';
import { protocolName } from './protocol/ids.js';
import { protocolFactory } from './protocol/index.js';
import type { Protocol, ProtocolHost, ProtocolInfo, SocketType } from './protocol/protocol.js';
import { SocketStats } from './stats.js';
import { SCHEMES, transportFor } from './transport/index.js';
import type { TransportContext } from './transport/transport.js';
import { waitOptions, WaiterList, type WaitOptions } from './waiters.js';

export interface SocketInit extends SocketOptionsInit {
  /** The raw (device) variant: no end-to-end behaviour, SP headers handed to the user. */
  raw?: boolean;
}

const RESOLVED: Promise<void> = Promise.resolve();

/** Socket numbers, lowest free first, as nanomsg hands out socket slots. */
const usedIndexes = new Set<number>();
function allocateIndex(): number {
  let index = 0;
  while (usedIndexes.has(index)) index++;
  usedIndexes.add(index);
  return index;
}

export class SpSocket extends EventEmitter<SocketEventMap> implements ProtocolHost, EndpointHost {
  readonly type: SocketType;
  readonly raw: boolean;
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
  private readonly sendWaiters = new WaiterList<void>('send');
  private readonly recvWaiters = new WaiterList<Buffer | Message>('receive');
  private closing: Promise<void> | undefined;
  private readonly watchers = new Set<() => void>();

  constructor(type: SocketType, init: SocketInit = {}) {
    super();
    const factory = protocolFactory(type);
    if (socketCreateChannel.hasSubscribers) socketCreateChannel.publish(type);
    this.type = factory.info.name;
    this.raw = init.raw === true;
    this.index = allocateIndex();
    const options = defaultOptions(String(this.index));
    try {
      for (const [name, value] of Object.entries(init)) {
        if (name === 'raw' || value === undefined) continue;
        (options as unknown as Record<string, unknown>)[name] = checkOption(this.type, this.raw, name, value);
      }
    } catch (err) {
      usedIndexes.delete(this.index);
      throw err;
    }
    this.options = options;
    this.protocol = factory.create(this, this.raw);
    this.info = factory.info;
    if (socketOpenChannel.hasSubscribers) socketOpenChannel.publish(this);
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
    // nanomsg numbers an endpoint only once it exists: a failed bind uses no id
    const endpoint = new BoundEndpoint(this, 0, url, this.endpointOptions(options));
    const transport = transportFor(address.scheme);
    try {
      await endpoint.open((events) => transport.listen(address, this.context(endpoint, options), events));
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
    const endpoint = new ConnectEndpoint(this, 0, url, this.endpointOptions(options));
    const dialer = transportFor(address.scheme).dialer(address, this.context(endpoint, options));
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

  private context(endpoint: Endpoint, options: EndpointOptions): TransportContext {
    return { options: this.options, endpoint, tls: options.tls ?? this.options.tls, protocol: { local: this.info.id, peer: this.info.peer } };
  }

  // ---- sending ---------------------------------------------------------------------------

  /**
   * Send one message. Resolves once the protocol has taken it (queued toward a peer), as
   * nn_send returns; waits while it cannot (PUSH or PAIR with no ready peer) up to
   * `timeout` (default: the sendTimeout option). Once it resolves the buffer is the caller's
   * again: nothing keeps a reference to it.
   */
  send(data: MessageData, options?: WaitOptions): Promise<void> {
    try {
      const body = toOwnedBuffer(data);
      if (this.trySendNow(body, EMPTY)) return RESOLVED;
      return this.waitSend(body, EMPTY, options);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Send without waiting: throws EAGAIN when the message cannot go now (NN_DONTWAIT). */
  trySend(data: MessageData): void {
    if (!this.trySendNow(toOwnedBuffer(data), EMPTY)) throw this.wouldBlock('send');
  }

  /** Raw sockets: send a message with its SP header (nn_sendmsg with SP_HDR). */
  sendMessage(message: Message, options?: WaitOptions): Promise<void> {
    try {
      if (message === null || typeof message !== 'object') throw spError('EINVAL', `sendMessage takes a Message { body, header }, got ${String(message)}`);
      const body = toOwnedBuffer(message.body, 'message body');
      const header = toBuffer(message.header, 'message header');
      if (this.trySendNow(body, header)) return RESOLVED;
      return this.waitSend(body, header, options);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  private trySendNow(body: Buffer, header: Buffer): boolean {
    if (this.closing) throw this.badf('send');
    if (!this.info.canSend) throw spError('ENOTSUP', `${this.type.toUpperCase()} sockets cannot send`);
    if (this.sendWaiters.length > 0 || !this.protocol.send(body, header)) return false;
    this.stats.messagesSent++;
    this.stats.bytesSent += body.length;
    return true;
  }

  private waitSend(body: Buffer, header: Buffer, options: WaitOptions | undefined): Promise<void> {
    const { timeout, signal } = waitOptions(options, this.options.sendTimeout);
    if (timeout === 0) return Promise.reject(this.cannotWait('send', options));
    return this.sendWaiters.wait(timeout, signal, body, header);
  }

  /** ProtocolHost: a send may succeed now; serve the blocked senders in order. */
  writable(): void {
    if (this.watchers.size > 0) this.notifyWatchers();
    const waiters = this.sendWaiters;
    while (waiters.length > 0 && !this.closing) {
      const waiter = waiters.peek()!;
      let sent: boolean;
      try {
        sent = this.protocol.send(waiter.body as Buffer, waiter.header as Buffer);
      } catch (err) {
        waiters.shift()!.reject(err as SpError);
        continue;
      }
      if (!sent) return;
      waiters.shift();
      this.stats.messagesSent++;
      this.stats.bytesSent += (waiter.body as Buffer).length;
      waiter.resolve();
    }
  }

  // ---- receiving -------------------------------------------------------------------------

  /** Receive one message body; waits up to `timeout` (default: the recvTimeout option). */
  recv(options?: WaitOptions): Promise<Buffer> {
    return this.receive(options, false) as Promise<Buffer>;
  }

  /** Receive without waiting: throws EAGAIN when no message is ready (NN_DONTWAIT). */
  tryRecv(): Buffer {
    const body = this.tryRecvNow();
    if (body === undefined) throw this.wouldBlock('receive');
    return body;
  }

  /** Receive a message with its SP header (raw sockets; nn_recvmsg with SP_HDR). */
  recvMessage(options?: WaitOptions): Promise<Message> {
    return this.receive(options, true) as Promise<Message>;
  }

  /**
   * `whole`: the header too. It is taken with the body, at the moment the message leaves the
   * protocol, since the protocol's recvHeader belongs to whichever receive came last.
   */
  private receive(options: WaitOptions | undefined, whole: boolean): Promise<Buffer | Message> {
    try {
      const body = this.tryRecvNow();
      if (body !== undefined) return Promise.resolve(whole ? new Message(body, this.protocol.recvHeader) : body);
      const { timeout, signal } = waitOptions(options, this.options.recvTimeout);
      if (timeout === 0) return Promise.reject(this.cannotWait('receive', options));
      return this.recvWaiters.wait(timeout, signal, undefined, undefined, whole);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  private tryRecvNow(): Buffer | undefined {
    if (this.closing) throw this.badf('receive');
    if (!this.info.canRecv) throw spError('ENOTSUP', `${this.type.toUpperCase()} sockets cannot receive`);
    if (this.recvWaiters.length > 0) return undefined;
    const body = this.protocol.recv();
    if (body !== undefined) {
      this.stats.messagesReceived++;
      this.stats.bytesReceived += body.length;
    }
    return body;
  }

  /** ProtocolHost: a message may be ready; serve the blocked receivers in order. */
  readable(): void {
    if (this.watchers.size > 0) this.notifyWatchers();
    const waiters = this.recvWaiters;
    while (waiters.length > 0 && !this.closing) {
      let body: Buffer | undefined;
      try {
        body = this.protocol.recv();
      } catch (err) {
        waiters.shift()!.reject(err as SpError);
        continue;
      }
      if (body === undefined) return;
      this.stats.messagesReceived++;
      this.stats.bytesReceived += body.length;
      const waiter = waiters.shift()!;
      waiter.resolve(waiter.whole ? new Message(body, this.protocol.recvHeader) : body);
    }
  }

  /** `for await (const msg of socket)`: every message until the socket closes. */
  async *[Symbol.asyncIterator](): AsyncGenerator<Buffer, void, undefined> {
    for (;;) {
      let body: Buffer;
      try {
        body = await this.recv();
      } catch (err) {
        if (this.closing && err instanceof SpError && err.code === 'EBADF') return;
        throw err;
      }
      yield body;
    }
  }

  // ---- polling ---------------------------------------------------------------------------

  /** @internal nn_poll: would a receive (1) or a send (2) complete without waiting now? */
  pollState(): number {
    if (this.closing) throw this.badf('poll');
    let state = 0;
    if (this.info.canRecv && this.recvWaiters.length === 0 && this.protocol.pollIn()) state |= 1;
    if (this.info.canSend && this.sendWaiters.length === 0 && this.protocol.pollOut()) state |= 2;
    return state;
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
    this.protocolOption('subscribe', topic);
  }

  /** SUB: drop one subscription to `topic`; EINVAL if it was not subscribed. */
  unsubscribe(topic: MessageData): void {
    this.protocolOption('unsubscribe', topic);
  }

  private protocolOption(name: string, value: MessageData): void {
    if (this.closing) throw this.badf(name);
    if (!this.protocol.setProtocolOption) throw spError('ENOPROTOOPT', `${name} applies to SUB sockets only, not ${this.type}`);
    this.protocol.setProtocolOption(name, toBuffer(value, 'the topic'));
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
      this.sendWaiters.rejectAll(this.badf('send'));
      this.recvWaiters.rejectAll(this.badf('receive'));
      this.protocol.close();
      this.notifyWatchers();
      this.emit('close');
      await Promise.all([...this.endpointMap.values()].map((endpoint) => endpoint.shutdown(linger)));
      usedIndexes.delete(this.index);
      if (socketCloseChannel.hasSubscribers) socketCloseChannel.publish(this);
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
    const refused = this.protocol.attach(pipe);
    if (refused) return refused;
    this.pipeSet.add(pipe);
    this.stats.currentConnections++;
    this.emit('pipe', pipe);
    return undefined;
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

  /**
   * A call that may not wait: `{ timeout: 0 }` is nanomsg's NN_DONTWAIT (EAGAIN), while a
   * socket timeout option of 0 is a deadline that has already passed (ETIMEDOUT), as in nanomsg.
   */
  private cannotWait(what: 'send' | 'receive', options: WaitOptions | undefined): SpError {
    if (options?.timeout === 0) return this.wouldBlock(what);
    return spError('ETIMEDOUT', `the ${what} could not complete at once and the socket's ${what === 'send' ? 'sendTimeout' : 'recvTimeout'} is 0`);
  }

  private wouldBlock(what: 'send' | 'receive'): SpError {
    return spError('EAGAIN', what === 'send' ? 'the message cannot be sent now (no peer can take it)' : 'no message is ready to be received');
  }
}

/** Make a socket of `type` ('pair', 'pub', 'sub', 'push', 'pull', …). */
export function socket(type: SocketType, options?: SocketInit): SpSocket {
  return new SpSocket(type, options);
}
