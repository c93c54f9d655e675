/**
 * The shared WebSocket listeners: one `node:net` (or, for wss, `node:tls`) server per
 * interface and port, serving every nanosp endpoint bound there, each on its own URL path.
 * Routing by the exact path is NNG's behaviour (nanomsg serves SP at every path of a port it
 * binds alone); it lets several nanosp sockets share one port. A connection's request head is
 * read here, bounded in size and time, checked, and routed before any endpoint counts it;
 * the routed endpoint then gets a WsPipe whose `handshake()` checks the SP protocol and
 * answers 101 or 400. The server closes when the last endpoint on it does.
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type Server as TlsServer, type TLSSocket } from 'node:tls';
import type { SplitAddress } from '../../../sp/address.js';
import { spError, toSpError, type SpError } from '../../../sp/errors.js';
import { turnOftenWhileAccepting } from '../flush-queue.js';
import { closeServer, keepAlive, listening, remoteOf } from '../tcp.js';
import { requireServerCredentials, trackHandshakes } from '../tls.js';
import type { Listener, ListenerEvents, TransportContext } from '../../../sp/transport/transport.js';
import { formatWsUrl, parseWsBind } from './address.js';
import { checkRequest, handshakeLimits, HeadReader } from './handshake.js';
import { refuse, WsPipe } from './pipe.js';

/** TLS 1.2 or later, as NNG with mbedTLS requires. */
export const TLS_MIN_VERSION = 'TLSv1.2';

interface Route {
  readonly events: ListenerEvents;
  readonly context: TransportContext;
}

function ignore(): void {}

class SharedServer {
  readonly routes = new Map<string, Route>();
  /** Connections whose request has not been routed yet (or that are being refused). */
  private readonly unrouted = new Set<Socket>();
  private closing: Promise<void> | undefined;
  /** wss: drops the connections still in their TLS handshake. */
  private dropHandshakes: (() => void) | undefined;
  ready: Promise<void> = Promise.resolve();
  key: string | undefined;

  constructor(
    readonly server: Server,
    readonly secure: boolean,
  ) {
    turnOftenWhileAccepting(server);
    if (secure) {
      this.dropHandshakes = trackHandshakes(server as TlsServer);
      server.on('secureConnection', (socket: TLSSocket) => this.onConnection(socket));
      // a client that fails the TLS handshake is dropped; the server serves on
      server.on('tlsClientError', (_err: Error, socket: Socket) => socket.destroy());
    } else {
      server.on('connection', (socket: Socket) => this.onConnection(socket));
    }
  }

  /** Read the request head: at most maxHeadBytes, within timeoutMs, nothing past the blank line. */
  private onConnection(socket: Socket): void {
    // the pipe adds its own listener; this one keeps an early error from being unhandled
    socket.on('error', ignore);
    if (this.closing) return void socket.destroy();
    this.unrouted.add(socket);
    socket.once('close', () => this.unrouted.delete(socket));
    const reader = new HeadReader(handshakeLimits.maxHeadBytes);
    const done = () => {
      clearTimeout(timer);
      socket.off('data', onData);
    };
    const onData = (chunk: Buffer) => {
      const got = reader.push(chunk);
      if (got === undefined) return;
      done();
      if (got === 'too-large') return refuse(socket, { status: 400, reason: 'Bad Request' });
      socket.pause();
      this.route(socket, got.head, got.rest);
    };
    // a client that never finishes its request is dropped (nanomsg: after 5 s)
    const timer = setTimeout(() => {
      done();
      socket.destroy();
    }, handshakeLimits.timeoutMs);
    socket.once('close', done);
    socket.on('data', onData);
  }

  private route(socket: Socket, head: string, rest: Buffer | undefined): void {
    const request = checkRequest(head);
    if ('status' in request) return refuse(socket, request);
    const route = this.routes.get(request.path);
    // NNG: a path nobody listens on is refused (its dialer reports ECONNREFUSED)
    if (!route) return refuse(socket, { status: 404, reason: 'Not Found' });
    this.unrouted.delete(socket);
    socket.setNoDelay(route.context.options.tcpNoDelay);
    keepAlive(socket);
    const { context } = route;
    route.events.accepted(WsPipe.server(socket, context.endpoint, remoteOf(socket), context.options, request, rest));
  }

  /** The port listened on (0 until listening). */
  get port(): number {
    return (this.server.address() as AddressInfo | null)?.port ?? 0;
  }

  acceptFailed(error: SpError): void {
    for (const route of this.routes.values()) route.events.acceptFailed(error);
  }

  /** An endpoint stops listening on `path`; the last one closes the server. */
  remove(path: string, route: Route): Promise<void> {
    if (this.routes.get(path) === route) this.routes.delete(path);
    if (this.routes.size > 0) return Promise.resolve();
    return this.shutdown();
  }

  shutdown(): Promise<void> {
    if (this.closing) return this.closing;
    if (this.key !== undefined && registry.get(this.key) === this) registry.delete(this.key);
    this.closing = closeServer(this.server);
    this.dropHandshakes?.();
    for (const socket of this.unrouted) socket.destroy();
    this.unrouted.clear();
    return this.closing;
  }
}

/** Live servers by `host|port` (the listen host, so `*` and 127.0.0.1 are different keys). */
const registry = new Map<string, SharedServer>();

function keyOf(host: string, port: number): string {
  return `${host}|${port}`;
}

/**
 * Bind `ws://` or `wss://`: join the server already on that interface and port, or start one.
 * A wss server keeps the TLS options of the endpoint that started it; later endpoints on the
 * same port must still give a certificate, but are served with the first one.
 */
export async function listenWs(address: SplitAddress, context: TransportContext, events: ListenerEvents, secure: boolean): Promise<Listener> {
  const url = address.url;
  const where = parseWsBind(url, address.rest, context.options.ipv4Only);
  const credentials = secure ? requireServerCredentials(context.tls, url) : undefined;
  const route: Route = { events, context };
  let shared = where.port === 0 ? undefined : registry.get(keyOf(where.host, where.port));

  if (shared) {
    if (shared.secure !== secure) {
      throw spError('EADDRINUSE', `cannot bind ${url}: port ${where.port} already serves ${shared.secure ? 'wss' : 'ws'} endpoints`);
    }
    if (shared.routes.has(where.path)) {
      throw spError('EADDRINUSE', `cannot bind ${url}: the path ${JSON.stringify(where.path)} on port ${where.port} is already bound`);
    }
    shared.routes.set(where.path, route);
    try {
      await shared.ready;
    } catch (err) {
      if (shared.routes.get(where.path) === route) shared.routes.delete(where.path);
      throw err;
    }
  } else {
    let server: Server;
    try {
      server = credentials ? createTlsServer({ minVersion: TLS_MIN_VERSION, handshakeTimeout: handshakeLimits.timeoutMs, ...credentials }) : createServer();
    } catch (err) {
      throw toSpError(err, `the tls options for ${url} are not usable`, 'EINVAL');
    }
    const fresh = new SharedServer(server, secure);
    shared = fresh;
    fresh.routes.set(where.path, route);
    if (where.port !== 0) {
      // binds of the same port while this one is under way join it
      fresh.key = keyOf(where.host, where.port);
      registry.set(fresh.key, fresh);
    }
    fresh.ready = listening(server, { host: where.host, port: where.port, backlog: context.options.listenBacklog, ipv6Only: false }, `cannot bind ${url}`);
    try {
      await fresh.ready;
    } catch (err) {
      if (fresh.key !== undefined && registry.get(fresh.key) === fresh) registry.delete(fresh.key);
      throw err;
    }
    if (where.port === 0) {
      fresh.key = keyOf(where.host, fresh.port);
      registry.set(fresh.key, fresh);
    }
    server.on('error', (err) => fresh.acceptFailed(toSpError(err, `accept on ${url} failed`)));
  }

  const joined = shared;
  return {
    url: formatWsUrl(address.scheme, where.iface, joined.port, where.pathAsWritten),
    close: () => joined.remove(where.path, route),
  };
}
