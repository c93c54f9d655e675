/**
 * A context: one send/receive state machine on a socket, with its own waiters, timeouts and
 * options (NNG's nng_ctx, mangos' Context). Every socket has a default context, which its own
 * send/recv use; `socket.context()` opens more on cooked REQ, REP, SURVEYOR, RESPONDENT and
 * SUB. Calls that can complete at once do so without allocating anything but the promise.
 */
import { EMPTY_BYTES, type Bytes } from './bytes.js';
import { quietError, spError, SpError } from './errors.js';
import { MessageIterator } from './message-iterator.js';
import { copyBodyOut, Message, releaseBody, toBytes, toOwnedBytes, type MessageData, type MessageInit } from './message.js';
import { checkOption, type OptionName } from './options.js';
import type { ContextHost, ContextOptions, ProtocolContext, SocketType } from './protocol/protocol.js';
import type { SocketStats } from './stats.js';
import { waitOptions, WaiterList, type WaitOptions } from './waiters.js';

/** The socket as its contexts see it. */
export interface ContextOwner {
  readonly type: SocketType;
  readonly raw: boolean;
  readonly stats: SocketStats;
  readonly canSend: boolean;
  readonly canRecv: boolean;
  /** The socket's name for messages: `the rep socket "3"`. */
  readonly label: string;
  /** The socket is closed or closing. */
  readonly closed: boolean;
  /** `context` has a receive waiting: put it in the line for shared messages. */
  waitingToReceive(context: Context): void;
  /** `context` has no receive waiting any more: out of the line, so it goes to the back next time. */
  stoppedWaiting(context: Context): void;
  /** A poll may see something new. */
  changed(): void;
  contextClosed(context: Context): void;
}

const RESOLVED: Promise<void> = Promise.resolve();

/**
 * recvInto's buffer must be bytes it can write: a Uint8Array (a Buffer is one) whose memory is
 * still there. It runs for every message of a recvInto loop: the messages are built out of line.
 */
function checkTarget(target: unknown): void {
  if (!(target instanceof Uint8Array) || isDetached(target)) refuseTarget(target);
}

function refuseTarget(target: unknown): never {
  if (target instanceof Uint8Array) throw spError('EINVAL', 'recvInto got a Uint8Array whose memory was transferred away (its ArrayBuffer is detached)');
  const got = target === null ? 'null' : typeof target === 'object' ? `a ${(target as object).constructor?.name ?? 'plain object'}` : typeof target;
  throw spError('EINVAL', `recvInto needs a Uint8Array to receive into, got ${got}`);
}

/** A view whose ArrayBuffer was transferred (postMessage, structuredClone): writing to it throws a TypeError. */
function isDetached(view: Uint8Array): boolean {
  // (only an empty view can be one; ArrayBuffer.prototype.detached is newer than Node 20)
  if (view.byteLength !== 0) return false;
  try {
    new Uint8Array(view.buffer, 0, 0);
    return false;
  } catch {
    return true;
  }
}

/** The options a context has, beyond the two every context has, by socket type. */
const EXTRA_OPTIONS: Partial<Record<SocketType, OptionName>> = { req: 'resendInterval', surveyor: 'surveyDeadline' };

export class Context implements ContextHost {
  /** @internal The protocol's state for this context. */
  state!: ProtocolContext;
  /** @internal */
  readonly sendWaiters = new WaiterList<void>('send');
  /** @internal */
  readonly recvWaiters: WaiterList<Bytes | Message>;
  /** @internal Listed in the socket's line of contexts waiting to receive. */
  inRecvLine = false;
  private shut: SpError | undefined;

  /** @internal Made by the socket (`socket.context()`). */
  constructor(
    private readonly owner: ContextOwner,
    /** Per socket, from 1; the socket's own context is 0. */
    readonly id: number,
    /** @internal */
    readonly options: ContextOptions,
    /** @internal */
    readonly isDefault: boolean,
  ) {
    this.recvWaiters = new WaiterList('receive', () => this.gaveUpReceiving());
  }

  /** True once the context or its socket is closed. */
  get closed(): boolean {
    return this.shut !== undefined || this.owner.closed;
  }

  // ---- sending ---------------------------------------------------------------------------

  /**
   * Send one message. Resolves once the protocol has taken it, as nn_send returns; waits
   * while it cannot, up to `timeout` (default: the sendTimeout option). Once it resolves the
   * buffer is the caller's again: nothing keeps a reference to it.
   */
  send(data: MessageData, options?: WaitOptions): Promise<void> {
    try {
      const body = toOwnedBytes(data);
      if (this.trySendNow(body, EMPTY_BYTES)) return RESOLVED;
      return this.waitSend(body, EMPTY_BYTES, options);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Send without waiting: throws EAGAIN when the message cannot go now (NN_DONTWAIT). */
  trySend(data: MessageData): void {
    if (this.state.cannotSendNow?.() === true) {
      // the protocol knows it cannot send now: EAGAIN without copying a large body first (a
      // copy made and dropped cost a second 16 MiB memcpy per message at 16 MiB), after the
      // errors the send that is tried reports first: bad data, then a closed or send-less socket
      toBytes(data);
      this.checkSend();
      throw this.wouldBlock('send');
    }
    const body = toOwnedBytes(data);
    if (this.trySendNow(body, EMPTY_BYTES)) return;
    // nothing took it: its memory (when nanosp's own copy) serves the next send
    releaseBody(body);
    throw this.wouldBlock('send');
  }

  /** Send a message with its SP header (raw sockets: nn_sendmsg with SP_HDR). */
  sendMessage(message: MessageInit, options?: WaitOptions): Promise<void> {
    try {
      if (message === null || typeof message !== 'object') throw spError('EINVAL', `sendMessage takes a Message { body, header, pipe }, got ${String(message)}`);
      const body = toOwnedBytes(message.body, 'message body');
      const header = message.header === undefined ? EMPTY_BYTES : toBytes(message.header, 'message header');
      const pipe = message.pipe === undefined ? 0 : message.pipe;
      if (typeof pipe !== 'number' || !Number.isInteger(pipe) || pipe < 0 || pipe > 0x7fff_ffff) {
        throw spError('EINVAL', `a message's pipe is a pipe id (a 31-bit integer, 0 for any), got ${String(pipe)}`);
      }
      if (this.trySendNow(body, header, pipe)) return RESOLVED;
      return this.waitSend(body, header, options, pipe);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** EBADF once closed, ENOTSUP for a type that cannot send. */
  private checkSend(): void {
    if (this.closed) throw this.badf('send');
    if (!this.owner.canSend) throw spError('ENOTSUP', `${this.owner.type.toUpperCase()} sockets cannot send`);
  }

  private trySendNow(body: Uint8Array, header: Uint8Array, pipe = 0): boolean {
    this.checkSend();
    if (this.sendWaiters.length > 0 || !this.state.send(body, header, pipe)) return false;
    const stats = this.owner.stats;
    stats.messagesSent++;
    stats.bytesSent += body.length;
    return true;
  }

  private waitSend(body: Uint8Array, header: Uint8Array, options: WaitOptions | undefined, pipe = 0): Promise<void> {
    const { timeout, signal } = waitOptions(options, this.options.sendTimeout);
    if (timeout === 0) return Promise.reject(this.cannotWait('send', options));
    return this.sendWaiters.wait(timeout, signal, body, header, false, pipe);
  }

  /** @internal ContextHost: a send may succeed now; serve the blocked senders in order. */
  writable(): void {
    this.owner.changed();
    const waiters = this.sendWaiters;
    while (waiters.length > 0 && !this.closed) {
      const waiter = waiters.peek()!;
      let sent: boolean;
      try {
        sent = this.state.send(waiter.body as Uint8Array, waiter.header as Uint8Array, waiter.pipe);
      } catch (err) {
        waiters.shift()!.reject(err as SpError);
        continue;
      }
      if (!sent) return;
      waiters.shift();
      this.owner.stats.messagesSent++;
      this.owner.stats.bytesSent += (waiter.body as Uint8Array).length;
      waiter.resolve();
    }
  }

  // ---- receiving -------------------------------------------------------------------------

  /** Receive one message body; waits up to `timeout` (default: the recvTimeout option). */
  recv(options?: WaitOptions): Promise<Bytes> {
    return this.receive(options, false) as Promise<Bytes>;
  }

  /** Receive without waiting: throws EAGAIN when no message is ready (NN_DONTWAIT). */
  tryRecv(): Bytes {
    const body = this.bodyNow();
    if (body === undefined) throw this.wouldBlock('receive');
    return body;
  }

  /** Receive a message with its SP header and the id of the pipe it came in on. */
  recvMessage(options?: WaitOptions): Promise<Message> {
    return this.receive(options, true) as Promise<Message>;
  }

  /**
   * Receive one message body into `target`, as nn_recv does with a buffer: at most
   * `target.length` bytes are copied, and it resolves with the body's full length, which may
   * be larger (truncation is silent, as in nanomsg). A large body that is nanosp's own (copied
   * by send for this receiver alone over inproc, or read from the network into an allocation
   * of its own) is not kept: its memory serves the next send or read, so a stream of large
   * messages reuses memory instead of waiting for the garbage collector to free it (16 MiB
   * over tcp: no fresh pages to fault in, BENCHMARKS.md).
   */
  recvInto(target: Uint8Array, options?: WaitOptions): Promise<number> {
    try {
      this.checkReceive();
      checkTarget(target);
      const body = this.takeBodyNow();
      if (body !== undefined) return Promise.resolve(copyBodyOut(body, target));
      return (this.waitReceive(options, false) as Promise<Bytes>).then((body) => this.copyWaited(body, target));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** The message a waiting recvInto got, into its buffer (which the application may have transferred meanwhile). */
  private copyWaited(body: Bytes, target: Uint8Array): number {
    if (isDetached(target)) {
      this.owner.stats.droppedMessages++;
      throw spError('EINVAL', `the buffer given to recvInto was transferred away (detached) while it waited; the ${body.length}-byte message that came for it is dropped`);
    }
    return copyBodyOut(body, target);
  }

  /** recvInto without waiting: throws EAGAIN when no message is ready (NN_DONTWAIT). */
  tryRecvInto(target: Uint8Array): number {
    this.checkReceive();
    checkTarget(target);
    const body = this.takeBodyNow();
    if (body === undefined) throw this.wouldBlock('receive');
    return copyBodyOut(body, target);
  }

  private receive(options: WaitOptions | undefined, whole: boolean): Promise<Bytes | Message> {
    try {
      this.checkReceive();
      const ready = whole ? this.takeNow() : this.takeBodyNow();
      if (ready !== undefined) return Promise.resolve(ready);
      return this.waitReceive(options, whole);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Wait for the next message (nothing was ready); throws on bad options. */
  private waitReceive(options: WaitOptions | undefined, whole: boolean): Promise<Bytes | Message> {
    const { timeout, signal } = waitOptions(options, this.options.recvTimeout);
    if (timeout === 0) return Promise.reject(this.cannotWait('receive', options));
    const promise = this.recvWaiters.wait(timeout, signal, undefined, undefined, whole);
    if (this.state.sharedQueue && this.recvWaiters.length > 0) this.owner.waitingToReceive(this);
    return promise;
  }

  /** EBADF once closed, ENOTSUP for a type that cannot receive (checked before the arguments, as nanomsg does). */
  private checkReceive(): void {
    if (this.closed) throw this.badf('receive');
    if (!this.owner.canRecv) throw spError('ENOTSUP', `${this.owner.type.toUpperCase()} sockets cannot receive`);
  }

  /** The next message, after checkReceive; undefined when none is ready or others wait first. */
  private takeNow(): Message | undefined {
    return this.mayTakeNow() ? this.receivedMessage() : undefined;
  }

  /** takeNow's body alone. */
  private takeBodyNow(): Bytes | undefined {
    return this.mayTakeNow() ? this.receivedBody() : undefined;
  }

  /** Whether a receive may take a message now: false while others wait first. */
  private mayTakeNow(): boolean {
    if (this.recvWaiters.length === 0) return true;
    // NNG: one receive at a time on a context; the socket queues them, as nanomsg's threads do
    if (!this.isDefault) throw spError('EFSM', `context ${this.id} already has a receive waiting; a context takes one at a time`);
    return false;
  }

  /** The protocol's next message, counted; undefined when it has none. */
  private receivedMessage(): Message | undefined {
    const message = this.state.recv();
    if (message !== undefined) this.countReceived(message.body);
    return message;
  }

  /** receivedMessage's body, without making the Message where the protocol can say (recvBody). */
  private receivedBody(): Bytes | undefined {
    const state = this.state;
    const body = state.recvBody !== undefined ? state.recvBody() : state.recv()?.body;
    if (body !== undefined) this.countReceived(body);
    return body;
  }

  private countReceived(body: Bytes): void {
    const stats = this.owner.stats;
    stats.messagesReceived++;
    stats.bytesReceived += body.length;
  }

  /** @internal ContextHost: a message may be ready for this context. */
  readable(): void {
    this.owner.changed();
    this.serveReceives();
  }

  /** @internal Serve the blocked receivers in order, while the protocol has messages. */
  serveReceives(): void {
    const waiters = this.recvWaiters;
    while (waiters.length > 0 && !this.closed) {
      let ready: Message | Bytes | undefined;
      try {
        ready = waiters.peek()!.whole ? this.receivedMessage() : this.receivedBody();
      } catch (err) {
        waiters.shift()!.reject(err as SpError);
        continue;
      }
      if (ready === undefined) return;
      waiters.shift()!.resolve(ready);
    }
  }

  /** @internal ContextHost: a new request or survey replaced the one a receive waited for. */
  cancelRecv(error: SpError): void {
    this.recvWaiters.rejectAll(error);
    this.owner.stoppedWaiting(this);
  }

  /** A receive timed out or was aborted: it leaves the line, and NNG's REQ drops its request. */
  private gaveUpReceiving(): void {
    if (this.recvWaiters.length === 0) this.owner.stoppedWaiting(this);
    this.state.recvAbandoned?.();
  }

  /** `for await (const msg of context)`: every message until it or its socket closes. */
  [Symbol.asyncIterator](): AsyncGenerator<Bytes, void, undefined> {
    return new MessageIterator(this);
  }

  /** @internal MessageSource: a body that is ready now, or undefined; throws as tryRecv does. */
  bodyNow(): Bytes | undefined {
    this.checkReceive();
    return this.takeBodyNow();
  }

  /** @internal nn_poll: would a receive (1) or a send (2) complete without waiting now? */
  pollState(): number {
    if (this.closed) throw this.badf('poll');
    let state = 0;
    if (this.owner.canRecv && this.recvWaiters.length === 0 && this.state.pollIn()) state |= 1;
    if (this.owner.canSend && this.sendWaiters.length === 0 && this.state.pollOut()) state |= 2;
    return state;
  }

  // ---- options ---------------------------------------------------------------------------

  /** `sendTimeout`, `recvTimeout`, and `resendInterval` (REQ) or `surveyDeadline` (SURVEYOR). */
  setOption(name: keyof ContextOptions, value: number): void;
  setOption(name: string, value: unknown): void;
  setOption(name: string, value: unknown): void {
    if (this.closed) throw this.badf('set an option');
    const key = this.optionName(name);
    (this.options as unknown as Record<string, unknown>)[key] = checkOption(this.owner.type, this.owner.raw, key, value);
  }

  getOption(name: keyof ContextOptions): number;
  getOption(name: string): unknown;
  getOption(name: string): unknown {
    if (this.closed) throw this.badf('get an option');
    return this.options[this.optionName(name)];
  }

  private optionName(name: string): keyof ContextOptions {
    const extra = EXTRA_OPTIONS[this.owner.type];
    if (name === 'sendTimeout' || name === 'recvTimeout' || name === extra) return name as keyof ContextOptions;
    const known = ['sendTimeout', 'recvTimeout', ...(extra ? [extra] : [])].join(', ');
    throw spError('ENOPROTOOPT', `option ${JSON.stringify(name)} does not exist on a context of a ${this.owner.type} socket (it has ${known}; set the others on the socket)`);
  }

  /** SUB: receive messages whose body starts with `topic` ('' for all) on this context. */
  subscribe(topic: MessageData): void {
    this.protocolOption('subscribe', topic);
  }

  /** SUB: drop one subscription to `topic`; EINVAL if it was not subscribed. */
  unsubscribe(topic: MessageData): void {
    this.protocolOption('unsubscribe', topic);
  }

  private protocolOption(name: string, value: MessageData): void {
    if (this.closed) throw this.badf(name);
    if (!this.state.setProtocolOption) throw spError('ENOPROTOOPT', `${name} applies to SUB sockets only, not ${this.owner.type}`);
    this.state.setProtocolOption(name, toBytes(value, 'the topic'));
  }

  // ---- closing ---------------------------------------------------------------------------

  /** Close the context: its pending and later calls fail with EBADF. The socket stays open. */
  close(): Promise<void> {
    if (this.isDefault) return Promise.reject(spError('EINVAL', 'the socket\'s own context closes with the socket'));
    this.shutDown(spError('EBADF', `context ${this.id} of ${this.owner.label} is closed`));
    return RESOLVED;
  }

  /** @internal Fail the pending calls with `error` and drop the protocol's state. */
  shutDown(error: SpError): void {
    if (this.shut) return;
    this.shut = error;
    this.sendWaiters.rejectAll(error);
    this.recvWaiters.rejectAll(error);
    this.state.close();
    this.owner.contextClosed(this);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  // ---- errors ----------------------------------------------------------------------------

  private badf(doing: string): SpError {
    if (this.shut && !this.owner.closed) return spError('EBADF', `cannot ${doing}: context ${this.id} of ${this.owner.label} is closed`);
    return spError('EBADF', `cannot ${doing}: ${this.owner.label} is closed`);
  }

  /**
   * A call that may not wait: `{ timeout: 0 }` is nanomsg's NN_DONTWAIT (EAGAIN), while a
   * timeout option of 0 is a deadline that has already passed (ETIMEDOUT), as in nanomsg.
   */
  private cannotWait(what: 'send' | 'receive', options: WaitOptions | undefined): SpError {
    if (options?.timeout === 0) return this.wouldBlock(what);
    const where = this.isDefault ? 'socket' : 'context';
    return spError('ETIMEDOUT', `the ${what} could not complete at once and the ${where}'s ${what === 'send' ? 'sendTimeout' : 'recvTimeout'} is 0`);
  }

  /**
   * EAGAIN from trySend/tryRecv is flow control, thrown in loops many times a second, not a
   * fault to trace (a quarter of a 64 KiB inproc run went to building their stacks).
   */
  private wouldBlock(what: 'send' | 'receive'): SpError {
    return quietError('EAGAIN', what === 'send' ? 'the message cannot be sent now (no peer can take it)' : 'no message is ready to be received');
  }
}
