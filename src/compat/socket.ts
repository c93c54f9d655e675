/**
 * The npm `nanomsg` Socket: a `node:stream` Duplex in object mode over a nanosp SpSocket.
 * Readable side: every received message is one chunk ('data' events, `pipe()` out, a
 * string when `encoding` is set). Writable side: every chunk written is one message
 * (`source.pipe(socket)`). Endpoint ids go to `bound`/`connected` by address; failures are
 * 'error' events carrying nn_strerror's text, as the old package's `_protect` emitted them.
 */
import { Duplex } from 'node:stream';
import type { Endpoint } from '../sp/endpoint.js';
import { spError } from '../sp/errors.js';
import { PROTOCOL_IDS } from '../sp/protocol/ids.js';
import { SpSocket } from '../sp/socket.js';
import { checkBindAddress } from './address.js';
import { nnError } from './errors.js';
import { CONSTRUCTOR_OPTIONS, isSocketType, SOCKET_KINDS, type SocketOptions, type SocketType } from './options.js';
import { Receiver, type ReceiverHost } from './receiver.js';
import { installSockoptMethods, type SockoptMethods } from './sockopt.js';
import { isTerminated, track, type Terminable } from './term.js';

const AF_SP = 1;
const AF_SP_RAW = 2;

/** What an endpoint id stands for. */
interface EndpointRecord {
  /** Set once the bind finished (at once for connect). */
  endpoint: Endpoint | undefined;
  /** nn_shutdown was called while the bind was still under way. */
  shutdown: boolean;
}

/** Bytes of a message, as the native binding took them: a buffer view, else String(msg) as UTF-8. */
function toBody(msg: unknown): Buffer {
  if (Buffer.isBuffer(msg)) return msg;
  if (ArrayBuffer.isView(msg)) return Buffer.from(msg.buffer, msg.byteOffset, msg.byteLength);
  return Buffer.from(String(msg), 'utf8');
}

/** Closing is best effort: a failure to release something has no one to report to. */
function ignore(): void {}

/** Throw from outside any promise chain, so a missing 'error' listener is an uncaught exception. */
function later(fn: () => void): void {
  process.nextTick(fn);
}

export class Socket extends Duplex implements Terminable {
  /** The type name given to `socket()`. */
  readonly type: SocketType;
  /** AF_SP (1), or AF_SP_RAW (2) with `raw`. */
  readonly af_domain: number;
  /** The nanomsg protocol number (NN_PUB is 32, …). */
  readonly protocol: number;
  /** The old package's notion of whether the type sends and receives (SURVEYOR: not a receiver). */
  readonly sender: boolean;
  readonly receiver: boolean;
  /** The socket's number (nanomsg's descriptor); -1 for a socket made after `term()`. */
  readonly binding: number;
  /** Endpoint ids of `bind()` calls by address; null where the bind failed. */
  bound: Record<string, number | null> = {};
  /** Endpoint ids of `connect()` calls by address; null where the connect failed. */
  connected: Record<string, number | null> = {};
  /** SUB: the subscribed topics (`''` until another is added). */
  channels: Record<string, boolean> = {};
  /** NN_DONTWAIT (1) or 0, as `dontwait()` set it. */
  nndontwait = 1;
  /** What `close()` returned the first time (0, or -1 after `term()`); undefined while open. */
  declare closed_status: number | undefined;
  /** Set on the prototype or the instance to change every outbound message (old package hook). */
  declare transform?: (msg: any) => unknown;
  /** Set on the prototype or the instance to change every inbound message (old package hook). */
  declare restore?: (msg: Buffer) => unknown;
  /** The nanosp socket underneath, for code that moves on to nanosp's own API. */
  declare readonly sp: SpSocket;

  readonly #endpoints = new Map<number, EndpointRecord>();
  #nextEid = 1;
  readonly #pump: Receiver;
  /** Messages given to send() and not yet handed to the socket. */
  #queue: unknown[] = [];
  #flushing = false;
  /** Stop being closed by term(). */
  #untrack: () => void = () => undefined;
  /** The library was terminated under this socket (or before it was made). */
  #dead = false;
  /** SUB: the bytes of each message in the stream's buffer, in order, to filter them on rmchan. */
  #receivedRaw: Buffer[] = [];

  constructor(type: SocketType, opts: SocketOptions = {}) {
    if (!isSocketType(type)) throw new Error(`unrecognised socket type ${String(type)}`);
    const streamOptions: SocketOptions = { ...opts };
    if (!Object.hasOwn(opts, 'objectMode')) streamOptions.objectMode = true;
    super(streamOptions);
    const kind = SOCKET_KINDS[type];
    const raw = Boolean(opts.raw);
    this.type = type;
    this.af_domain = raw ? AF_SP_RAW : AF_SP;
    this.protocol = PROTOCOL_IDS[type];
    this.sender = kind.sender;
    this.receiver = kind.receiver;
    const sp = new SpSocket(type, { raw });
    // not enumerable: Object.keys(socket) lists what the old package's socket had
    Object.defineProperty(this, 'sp', { value: sp, enumerable: false });
    const host: ReceiverHost = {
      // REP answers one request at a time: the next is read once the reply went
      oneAtATime: type === 'rep',
      deliver: (body) => {
        if (type === 'sub') this.#receivedRaw.push(body);
        return this.push(typeof this.restore === 'function' ? this.restore(body) : body);
      },
    };
    this.#pump = new Receiver(sp, host);
    if (isTerminated()) {
      // nn_socket fails with ETERM; the old package carries on with descriptor -1
      this.#dead = true;
      this.binding = -1;
      this.sp.close().catch(ignore);
    } else {
      this.binding = this.sp.index;
      this.#untrack = track(this);
    }
    try {
      // PUSH defaults to blocking writes in the old package, every other type to NN_DONTWAIT
      this.dontwait(type === 'push' ? Boolean(opts.dontwait) : 'dontwait' in opts ? opts.dontwait : true);
      if (Object.hasOwn(opts, 'chan')) {
        if (!Array.isArray(opts.chan)) throw new TypeError('chan requires an Array');
        for (const topic of opts.chan) this.subscribeTopic(topic);
      } else if (type === 'sub') {
        this.subscribeTopic('');
      }
      for (const key of CONSTRUCTOR_OPTIONS) {
        if (Object.hasOwn(opts, key)) this.applyOption(key, opts[key]);
      }
    } catch (err) {
      this.release();
      throw err;
    }
    if (!raw && kind.receiver) this.#pump.start();
  }

  // ---- endpoints -------------------------------------------------------------------------

  /** Listen on `addr`; the endpoint id, or null (with an 'error' event) when it fails. */
  bind(addr: string): number | null {
    return (this.bound[addr] = this.addEndpoint(addr, true));
  }

  /** Dial `addr` (in the background, reconnecting); the endpoint id, or null with an 'error' event. */
  connect(addr: string): number | null {
    return (this.connected[addr] = this.addEndpoint(addr, false));
  }

  /**
   * Remove the endpoint made for `addr` (nn_shutdown): 0 when done, null with an 'error'
   * event when the id is no longer valid, undefined when no endpoint was made for `addr`.
   */
  shutdown(addr: string): number | null | undefined {
    for (const map of [this.bound, this.connected]) {
      if (Object.hasOwn(map, addr)) {
        const eid = map[addr];
        delete map[addr];
        return this.shutdownEndpoint(eid);
      }
    }
    return undefined;
  }

  private addEndpoint(addr: string, bind: boolean): number | null {
    let endpoint: Endpoint | undefined;
    try {
      this.assertOpen(bind ? 'bind' : 'connect');
      if (bind) checkBindAddress(addr, this.sp.options.ipv4Only);
      else endpoint = this.sp.connect(addr);
    } catch (err) {
      this.emit('error', nnError(err));
      return null;
    }
    const eid = this.#nextEid++;
    const record: EndpointRecord = { endpoint, shutdown: false };
    this.#endpoints.set(eid, record);
    if (bind) {
      this.sp.bind(addr).then(
        (ep) => {
          record.endpoint = ep;
          if (record.shutdown) ep.close().catch(ignore);
        },
        (err: unknown) => {
          // what libnanomsg reports at once (EADDRINUSE, EACCES) arrives here after a moment
          this.#endpoints.delete(eid);
          if (this.bound[addr] === eid) this.bound[addr] = null;
          if (!record.shutdown && !this.sp.closed) later(() => this.emit('error', nnError(err)));
        },
      );
    }
    return eid;
  }

  private shutdownEndpoint(eid: number | null | undefined): number | null {
    try {
      this.assertOpen('shut an endpoint down');
      const record = typeof eid === 'number' ? this.#endpoints.get(eid) : undefined;
      if (!record) throw spError('EINVAL', `there is no endpoint ${String(eid)} on this socket`);
      this.#endpoints.delete(eid as number);
      record.shutdown = true;
      if (record.endpoint) record.endpoint.close().catch(ignore);
      return 0;
    } catch (err) {
      this.emit('error', nnError(err));
      return null;
    }
  }

  // ---- sending ---------------------------------------------------------------------------

  /**
   * Queue one message (a Buffer or any ArrayBufferView as bytes, anything else as its UTF-8
   * string) and return `msg.length` (a string's length in characters, as the old package).
   * Queued messages go on the next turn of the event loop, in order, each as soon as the
   * socket can take it, never blocking the event loop; `flags` (NN_DONTWAIT) changes nothing,
   * since nothing blocks. Failures are 'error' events.
   */
  send(msg: string | NodeJS.TypedArray, flags?: number): number;
  send(msg: unknown, flags?: number): number | undefined;
  send(msg: unknown, _flags?: number): number | undefined {
    if (!this.sp.closed) {
      this.#queue.push(msg);
      // like the old poll on NN_SNDFD: the queue is flushed once the current code is done,
      // so that endpoints made just before (inproc connects) are up by then
      if (!this.#flushing) {
        this.#flushing = true;
        setImmediate(() => this.#flush());
      }
    }
    return (msg as { length?: number }).length;
  }

  /** Hand every queued message to the socket, which sends it as soon as a peer can take it. */
  #flush(): void {
    this.#flushing = false;
    const queue = this.#queue;
    this.#queue = [];
    if (this.sp.closed) return;
    for (const msg of queue) {
      const body = toBody(typeof this.transform === 'function' ? this.transform(msg) : msg);
      // wait as long as it takes (the old package waited for the socket to poll writable,
      // however long); a send that fails because the socket closed meanwhile is dropped
      this.sp.send(body, { timeout: -1 }).then(undefined, (err: unknown) => {
        if (!this.sp.closed) later(() => this.emit('error', nnError(err)));
      });
    }
    // REP reads its next request once the reply went; SURVEYOR reads responses after a survey
    if (this.af_domain === AF_SP && this.sp.canRecv) this.#pump.start();
  }

  // ---- stream plumbing -------------------------------------------------------------------

  override _write(chunk: unknown, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.send(chunk, this.nndontwait);
    callback();
  }

  override _read(): void {
    this.#pump.resume();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (this.closed_status === undefined) {
      this.closed_status = this.#dead ? -1 : 0;
      this.release();
    }
    callback(error);
  }

  // ---- closing ---------------------------------------------------------------------------

  /**
   * Close the socket and emit 'close'. Returns 0 (or -1 for a socket that `term()` closed);
   * later calls return the same and emit nothing.
   */
  close(): number {
    if (this.closed_status !== undefined) return this.closed_status;
    this.closed_status = this.#dead ? -1 : 0;
    this.release();
    this.emit('close');
    return this.closed_status;
  }

  /** @internal term(): the library closed this socket underneath. */
  terminate(): void {
    this.#dead = true;
    this.#pump.stop();
    this.sp.close().catch(ignore);
  }

  private release(): void {
    // the README's promise: close tries to deliver outstanding messages (for `linger` ms)
    if (this.#queue.length > 0 && !this.sp.closed) this.#flush();
    this.#untrack();
    this.#pump.stop();
    this.sp.close().catch(ignore);
  }

  private assertOpen(doing: string): void {
    if (this.sp.closed) throw spError('EBADF', `cannot ${doing}: the socket is closed`);
  }

  // ---- subscriptions ---------------------------------------------------------------------

  /** SUB: subscribe to each topic; the first one replaces the default `''` subscription. */
  chan(list: (string | number)[]): void {
    if (!Array.isArray(list)) throw new TypeError('chan requires an Array');
    for (const topic of list) this.subscribeTopic(topic);
  }

  /** SUB: drop subscriptions made through `chan` (others are ignored). */
  rmchan(...topics: (string | number)[]): void {
    for (let i = topics.length - 1; i >= 0; i--) {
      const topic = String(topics[i]);
      if (!this.channels[topic]) continue;
      try {
        this.sp.unsubscribe(topic);
        delete this.channels[topic];
      } catch (err) {
        this.emit('error', nnError(err, ` : ${topic}`));
      }
    }
  }

  /**
   * SUB: a message read into the stream before `rmchan` dropped its topic is not delivered
   * (nanomsg filters when the application receives, NNG prunes its queue; the old package
   * delivered it). Each 'data' is checked against the channels held when it is emitted.
   */
  override emit(event: string | symbol, ...args: unknown[]): boolean {
    if (event === 'data' && this.type === 'sub') {
      const raw = this.#receivedRaw.shift();
      if (raw !== undefined && !this.#wanted(raw)) return false;
    }
    return super.emit(event, ...args);
  }

  #wanted(raw: Buffer): boolean {
    for (const topic of Object.keys(this.channels)) {
      const bytes = Buffer.from(topic);
      if (raw.length >= bytes.length && raw.subarray(0, bytes.length).equals(bytes)) return true;
    }
    return false;
  }

  private subscribeTopic(topic: unknown): void {
    const name = String(topic);
    if (Object.hasOwn(this.channels, '')) {
      this.rmchan('');
      this.subscribeTopic(name);
      return;
    }
    try {
      this.sp.subscribe(name);
      this.channels[name] = true;
    } catch (err) {
      this.emit('error', nnError(err, ` : ${name}`));
    }
  }

  // ---- options ---------------------------------------------------------------------------

  private applyOption(key: (typeof CONSTRUCTOR_OPTIONS)[number], value: unknown): void {
    switch (key) {
      case 'ipv6':
        this.ipv6(value);
        break;
      case 'tcpnodelay':
        this.tcpnodelay(value);
        break;
      case 'wsopt':
        this.wsopt(value as 'text' | 'binary');
        break;
      default:
        (this[key] as (this: Socket, value: unknown) => unknown).call(this, value);
    }
  }
}

// the option methods (`sock.sndbuf()`, `sock.sndbuf(4096)`, …) live in sockopt.ts
export interface Socket extends SockoptMethods {}
installSockoptMethods(Socket.prototype);

// node:stream's Duplex has a `closed` getter that never turns true here (the stream is not
// destroyed by close()); the old package meant `closed` to say that close() was called.
Object.defineProperty(Socket.prototype, 'closed', {
  configurable: true,
  enumerable: false,
  get(this: Socket): boolean {
    return this.closed_status !== undefined || this.destroyed;
  },
});
