/**
 * TCP (`tcp://`): nanomsg's address forms, a listener on `node:net`, a dialer that resolves
 * names itself (so a failed lookup can be told from a refused connection, as nanomsg does),
 * and the SP stream mapping on top.
 */
import { lookup } from 'node:dns/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { formatTcpUrl, parseTcpBind, parseTcpConnect, type TcpConnectAddress } from './tcp-address.js';
import { toSpError, type ErrnoName } from '../../sp/errors.js';
import { turnOftenWhileAccepting } from './flush-queue.js';
import { adoptReader, SlabReader } from './read-slab.js';
import { StreamPipe } from './stream-pipe.js';
import type { Dialer, Listener, Transport, TransportContext } from '../../sp/transport/transport.js';

export function remoteOf(socket: Socket): string {
  const host = socket.remoteAddress ?? '?';
  return `${host.includes(':') ? `[${host}]` : host}:${socket.remotePort ?? '?'}`;
}

/**
 * TCP keepalive on every connection, with the kernel's timing (net.ipv4.tcp_keepalive_time,
 * _intvl and _probes; Node's 0 delay leaves them as they are). A side that only receives —
 * SUB, PULL, a REP between requests — sends nothing, so without it a peer that vanished
 * behind a partition or a dead host leaves that side on a dead connection for ever, never
 * reconnecting. mangos turns it on too; probes are answered by the peer's kernel, so the wire
 * is the same for every peer.
 */
export function keepAlive(socket: Socket): void {
  socket.setKeepAlive(true, 0);
}

export function streamPipe(socket: Socket, context: TransportContext, remote: string, ipc: boolean, reader?: SlabReader): StreamPipe {
  return new StreamPipe(socket, context.endpoint, remote, { ipc, options: context.options, reader });
}

/**
 * A listener's server for tcp:// and ipc://: its connections start paused, so that they can be
 * switched to reading into our own buffers before they read anything.
 */
export function streamServer(onSocket: (socket: Socket, reader: SlabReader | undefined) => void): Server {
  const server = createServer({ pauseOnConnect: true });
  turnOftenWhileAccepting(server);
  server.on('connection', (socket) => {
    const reader = new SlabReader();
    onSocket(socket, adoptReader(socket, reader) ? reader : undefined);
  });
  return server;
}

/** Wait until a server listens, turning the failure into an SpError. */
export function listening(server: Server, options: Parameters<Server['listen']>[0], doing: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onError = (err: Error) => reject(toSpError(err, doing));
    server.once('error', onError);
    server.listen(options, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

export function closeServer(server: Server): Promise<void> {
  return new Promise<void>((resolve) => server.close(() => resolve()));
}

/** Settle once `socket` is connected (`event`: 'connect', or 'secureConnect' for TLS), fails or is aborted. */
export function connected(
  socket: Socket,
  signal: AbortSignal,
  doing: string,
  event: 'connect' | 'secureConnect' = 'connect',
  fallback: ErrnoName = 'ECONNREFUSED',
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const done = (err?: Error) => {
      socket.off(event, onConnect);
      socket.off('error', onError);
      signal.removeEventListener('abort', onAbort);
      if (err) {
        socket.destroy();
        reject(toSpError(err, doing, fallback));
      } else resolve();
    };
    const onConnect = () => done();
    const onError = (err: Error) => done(err);
    const onAbort = () => done(new Error('aborted'));
    socket.once(event, onConnect);
    socket.once('error', onError);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

export const tcp: Transport = {
  schemes: ['tcp'],

  async listen(address, context, events): Promise<Listener> {
    const where = parseTcpBind(address.url, address.rest, context.options.ipv4Only);
    const server = streamServer((socket, reader) => {
      socket.setNoDelay(context.options.tcpNoDelay);
      keepAlive(socket);
      events.accepted(streamPipe(socket, context, remoteOf(socket), false, reader));
    });
    await listening(server, { host: where.host, port: where.port, backlog: context.options.listenBacklog, ipv6Only: false }, `cannot bind ${address.url}`);
    server.on('error', (err) => events.acceptFailed(toSpError(err, `accept on ${address.url} failed`)));
    const port = (server.address() as { port: number }).port;
    return { url: formatTcpUrl(address.scheme, where.iface, port), close: () => closeServer(server) };
  },

  dialer(address, context): Dialer {
    const target = parseTcpConnect(address.url, address.rest, context.options.ipv4Only);
    return {
      async dial(signal) {
        const host = await resolveHost(target, context.options.ipv4Only, signal);
        const reader = new SlabReader();
        const socket = connect({ host, port: target.port, localAddress: target.local, noDelay: context.options.tcpNoDelay, onread: reader.onread });
        await connected(socket, signal, `cannot connect to ${address.url}`);
        refuseSelfConnection(socket, address.url);
        keepAlive(socket);
        return streamPipe(socket, context, remoteOf(socket), false, reader);
      },
    };
  },
};

/** The address to dial: the literal, or the first address DNS gives (nanomsg resolves at every attempt). */
export async function resolveHost(target: TcpConnectAddress, ipv4Only: boolean, signal: AbortSignal): Promise<string> {
  const host = target.family ? target.host : (await lookup(target.host, { family: ipv4Only ? 4 : 0 })).address;
  signal.throwIfAborted();
  return host;
}

/**
 * Dialing a free port in the ephemeral range can connect a socket to itself (TCP
 * simultaneous open); a PAIR would then happily talk to itself.
 */
export function refuseSelfConnection(socket: Socket, url: string): void {
  if (socket.localPort !== socket.remotePort || socket.localAddress !== socket.remoteAddress) return;
  socket.destroy();
  throw toSpError(Object.assign(new Error('the connection reached itself, nobody listens there'), { code: 'ECONNREFUSED' }), `cannot connect to ${url}`);
}
