/**
 * TLS (`tls+tcp://`, RFC sp-tls-mapping-01, as NNG and mangos speak it): a TCP connection,
 * a TLS handshake (1.2 or later, as NNG with mbedTLS requires), then exactly the TCP mapping
 * inside. Certificates and verification come from Node's own tls options: the socket's `tls`
 * option or the endpoint's. The dialer verifies the server by default and names the URL's
 * host for SNI and verification; the listener asks for no client certificate by default.
 */
import { isIP, type Socket } from 'node:net';
import { connect as tlsConnect, createServer as createTlsServer, type ConnectionOptions, type Server as TlsServer, type TLSSocket } from 'node:tls';
import { formatTcpUrl, parseTcpBind, parseTcpConnect } from './tcp-address.js';
import { spError, toSpError } from '../../sp/errors.js';
import type { TlsOptions } from '../../sp/options.js';
import { turnOftenWhileAccepting } from './flush-queue.js';
import { SlabReader } from './read-slab.js';
import { closeServer, connected, keepAlive, listening, refuseSelfConnection, remoteOf, resolveHost, streamPipe } from './tcp.js';
import type { Dialer, Listener, Transport } from '../../sp/transport/transport.js';

const MIN_VERSION = 'TLSv1.2';

/** How long a client may take over the TLS handshake before it is dropped. */
export const TLS_HANDSHAKE_TIMEOUT_MS = 5000;

/**
 * Keep track of the connections of `server` that are still in the TLS handshake (node:tls
 * shows a connection only once it is secure), and return what drops them: a listener that
 * closes must not wait for a client that never finishes its handshake.
 */
export function trackHandshakes(server: TlsServer): () => void {
  const pending = new Set<Socket>();
  server.on('connection', (raw: Socket) => {
    pending.add(raw);
    raw.once('close', () => pending.delete(raw));
  });
  server.on('secureConnection', (socket: TLSSocket) => {
    // node:tls keeps the accepted connection as the secure socket's _parent
    const raw = (socket as unknown as { _parent?: Socket })._parent;
    if (raw) pending.delete(raw);
  });
  return () => {
    for (const raw of pending) raw.destroy();
    pending.clear();
  };
}

/** A listener cannot run without a certificate and its key: say so before binding. */
export function requireServerCredentials(tls: TlsOptions | undefined, url: string): TlsOptions {
  if (!tls || (tls.pfx === undefined && (tls.cert === undefined || tls.key === undefined))) {
    const missing = !tls ? 'the tls option' : tls.cert === undefined ? 'tls.cert' : 'tls.key';
    throw spError('EINVAL', `binding ${url} needs a certificate and its key: ${missing} is missing (give { tls: { cert, key } } to the socket or to bind)`);
  }
  return tls;
}

/** Client options: verification on, SNI from the URL's host name (never for an IP literal). */
export function clientTlsOptions(tls: TlsOptions | undefined, host: string): ConnectionOptions {
  const options: ConnectionOptions = { minVersion: MIN_VERSION, rejectUnauthorized: true, ...tls };
  if (options.servername === undefined && isIP(host) === 0) options.servername = host;
  return options;
}

export const tls: Transport = {
  schemes: ['tls+tcp'],

  async listen(address, context, events): Promise<Listener> {
    const where = parseTcpBind(address.url, address.rest, context.options.ipv4Only);
    const credentials = requireServerCredentials(context.tls, address.url);
    let server: TlsServer;
    try {
      server = createTlsServer({ minVersion: MIN_VERSION, handshakeTimeout: TLS_HANDSHAKE_TIMEOUT_MS, ...credentials });
    } catch (err) {
      throw toSpError(err, `the tls options for ${address.url} are not usable`, 'EINVAL');
    }
    const dropHandshakes = trackHandshakes(server);
    turnOftenWhileAccepting(server);
    server.on('secureConnection', (socket: TLSSocket) => {
      socket.setNoDelay(context.options.tcpNoDelay);
      keepAlive(socket);
      events.accepted(streamPipe(socket, context, remoteOf(socket), false));
    });
    // a client that fails the TLS handshake is dropped; the listener serves on
    server.on('tlsClientError', (_err, socket) => socket.destroy());
    await listening(server, { host: where.host, port: where.port, backlog: context.options.listenBacklog, ipv6Only: false }, `cannot bind ${address.url}`);
    server.on('error', (err) => events.acceptFailed(toSpError(err, `accept on ${address.url} failed`)));
    const port = (server.address() as { port: number }).port;
    return {
      url: formatTcpUrl(address.scheme, where.iface, port),
      close: () => {
        const closed = closeServer(server);
        dropHandshakes();
        return closed;
      },
    };
  },

  dialer(address, context): Dialer {
    const target = parseTcpConnect(address.url, address.rest, context.options.ipv4Only);
    return {
      async dial(signal) {
        const host = await resolveHost(target, context.options.ipv4Only, signal);
        // reads of the decrypted stream into our own buffers, as over tcp (a TLS socket that
        // node:tls makes itself takes `onread`; a listener's accepted ones stay on 'data')
        const reader = new SlabReader();
        // tls.connect hands host, port and localAddress to the underlying net connect
        const socket = tlsConnect({
          ...clientTlsOptions(context.tls, target.host),
          host,
          port: target.port,
          localAddress: target.local,
          onread: reader.onread,
        } as ConnectionOptions);
        socket.setNoDelay(context.options.tcpNoDelay);
        // a certificate that fails verification has no errno: it is a protocol failure
        await connected(socket, signal, `cannot connect to ${address.url}`, 'secureConnect', 'EPROTO');
        refuseSelfConnection(socket, address.url);
        keepAlive(socket);
        return streamPipe(socket, context, remoteOf(socket), false, reader);
      },
    };
  },
};
