/**
 * SP on a web server the application already has: `bind('ws://host:port/path', { httpServer })`
 * serves SP WebSocket connections at `path` through the server's 'upgrade' event, so one port
 * serves the application's pages and its SP sockets (what a page talking to its own origin
 * needs). Several endpoints share one server by path, as they share a nanosp-owned port
 * (server.ts). An upgrade for a path no endpoint serves is left to the server's other
 * 'upgrade' listeners, and refused with 404 only when there is none. Closing the last
 * endpoint removes the listener and leaves the server running.
 */
import { Server as HttpServer, type IncomingMessage } from 'node:http';
import { Server as HttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { SplitAddress } from '../../../sp/address.js';
import { spError } from '../../../sp/errors.js';
import type { Listener, ListenerEvents, TransportContext } from '../../../sp/transport/transport.js';
import { keepAlive, remoteOf } from '../tcp.js';
import { formatWsUrl, parseWsBind } from './address.js';
import { checkRequestHead, type HttpHead } from './handshake.js';
import { refuse, WsPipe } from './pipe.js';

interface Route {
  readonly events: ListenerEvents;
  readonly context: TransportContext;
}

type WebServer = HttpServer | HttpsServer;

function ignore(): void {}

/** The routes on one web server, and the one 'upgrade' listener that serves them. */
class Attachment {
  readonly routes = new Map<string, Route>();

  constructor(readonly server: WebServer) {
    this.onUpgrade = this.onUpgrade.bind(this);
    server.on('upgrade', this.onUpgrade);
  }

  private onUpgrade(req: IncomingMessage, duplex: Duplex, head: Buffer): void {
    const socket = duplex as Socket;
    const request = checkRequestHead(headOf(req));
    const route = 'status' in request ? undefined : this.routes.get(request.path);
    if (!route || 'status' in request) {
      // someone else's upgrade (another WebSocket library on the same server): not ours to answer
      if (this.server.listenerCount('upgrade') > 1) return;
      socket.on('error', ignore);
      return refuse(socket, 'status' in request ? request : { status: 404, reason: 'Not Found' });
    }
    socket.on('error', ignore);
    // node:http has finished with the socket: its timeouts no longer apply to a long-lived pipe
    socket.setTimeout(0);
    socket.pause();
    socket.setNoDelay(route.context.options.tcpNoDelay);
    keepAlive(socket);
    const { context } = route;
    route.events.accepted(WsPipe.server(socket, context.endpoint, remoteOf(socket), context.options, request, head.length > 0 ? head : undefined));
  }

  detach(path: string, route: Route): void {
    if (this.routes.get(path) === route) this.routes.delete(path);
    if (this.routes.size > 0) return;
    this.server.off('upgrade', this.onUpgrade);
    attachments.delete(this.server);
  }
}

const attachments = new WeakMap<WebServer, Attachment>();

/** node:http's parse of the request, in the form the WebSocket checks read (lower-case names, repeats joined). */
function headOf(req: IncomingMessage): HttpHead {
  const headers = new Map<string, string>();
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = (raw[i] as string).toLowerCase();
    const seen = headers.get(name);
    headers.set(name, seen === undefined ? (raw[i + 1] as string) : `${seen}, ${raw[i + 1]}`);
  }
  return { startLine: `${req.method} ${req.url} HTTP/${req.httpVersion}`, headers };
}

function listeningPort(server: WebServer): number | undefined {
  const address = server.address();
  return address !== null && typeof address === 'object' ? address.port : undefined;
}

/** Bind `ws://` / `wss://` on `context.httpServer`. */
export function attachWs(address: SplitAddress, context: TransportContext, events: ListenerEvents, secure: boolean): Listener {
  const url = address.url;
  const server = context.httpServer as unknown;
  const isHttps = server instanceof HttpsServer;
  if (!(server instanceof HttpServer) && !isHttps) {
    throw spError('EINVAL', `httpServer must be a node:http or node:https Server, got ${Object.prototype.toString.call(server)}`);
  }
  if (secure !== isHttps) {
    throw spError('EINVAL', secure ? `cannot bind ${url} on an http.Server: wss:// needs an https.Server` : `cannot bind ${url} on an https.Server: use wss://`);
  }
  const where = parseWsBind(url, address.rest, context.options.ipv4Only);
  const port = listeningPort(server);
  if (port !== undefined && where.port !== 0 && where.port !== port) {
    throw spError('EINVAL', `cannot bind ${url}: the httpServer listens on port ${port}; write that port (or 0)`);
  }
  const attachment = attachments.get(server) ?? new Attachment(server);
  attachments.set(server, attachment);
  if (attachment.routes.has(where.path)) {
    throw spError('EADDRINUSE', `cannot bind ${url}: the path ${JSON.stringify(where.path)} on this httpServer is already bound`);
  }
  const route: Route = { events, context };
  attachment.routes.set(where.path, route);
  return {
    url: formatWsUrl(address.scheme, where.iface, port ?? where.port, where.pathAsWritten),
    close: () => {
      attachment.detach(where.path, route);
      return Promise.resolve();
    },
  };
}
