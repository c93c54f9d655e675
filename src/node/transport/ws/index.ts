/**
 * WebSocket transports (spec/wire.md §1.5): `ws://` over `node:net` and `wss://` over
 * `node:tls` (NNG and mangos speak wss; nanomsg has no TLS). Listeners share one server per
 * port and route by path (server.ts), or attach to the application's own web server when
 * bound with `{ httpServer }` (http-attach.ts); dialers connect, then the pipe sends the
 * upgrade request in its handshake, once it knows which protocol to ask for (pipe.ts).
 */
import { lookup } from 'node:dns/promises';
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { isErrnoName, spError, toSpError, type SpError } from '../../../sp/errors.js';
import { keepAlive, refuseSelfConnection, remoteOf } from '../tcp.js';
import { clientTlsOptions } from '../tls.js';
import type { Dialer, NewPipe, Transport, TransportContext } from '../../../sp/transport/transport.js';
import { parseWsConnect, type WsConnectAddress } from './address.js';
import { SlabReader } from '../read-slab.js';
import { WsPipe } from './pipe.js';
import { attachWs } from './http-attach.js';
import { listenWs } from './server.js';

export { handshakeLimits } from './handshake.js';

/** A failed connect or TLS handshake as an SpError: errno failures keep their code, TLS ones are EPROTO. */
function dialError(err: unknown, doing: string, secure: boolean): SpError {
  const code = (err as { code?: unknown } | null)?.code;
  if (secure && !(typeof code === 'string' && isErrnoName(code))) {
    const reason = err instanceof Error ? err.message : String(err);
    return spError('EPROTO', `${doing}: the TLS handshake failed: ${reason}${typeof code === 'string' ? ` (${code})` : ''}`, err);
  }
  return toSpError(err, doing, 'ECONNREFUSED');
}

/** Settle once the socket is connected (and, for TLS, the handshake passed), fails, or is aborted. */
function established(socket: Socket, signal: AbortSignal, doing: string, secure: boolean): Promise<void> {
  const event = secure ? 'secureConnect' : 'connect';
  return new Promise<void>((resolve, reject) => {
    const done = (err?: unknown) => {
      socket.off(event, onUp);
      socket.off('error', onError);
      signal.removeEventListener('abort', onAbort);
      if (err === undefined) return resolve();
      socket.destroy();
      reject(dialError(err, doing, secure));
    };
    const onUp = () => done();
    const onError = (err: Error) => done(err);
    const onAbort = () => done(spError('ECONNABORTED', `${doing}: the endpoint closed`));
    socket.once(event, onUp);
    socket.once('error', onError);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

async function dial(url: string, target: WsConnectAddress, context: TransportContext, secure: boolean, signal: AbortSignal): Promise<NewPipe> {
  const options = context.options;
  // nanomsg resolves at every attempt and uses the first address only
  const host = target.family ? target.host : (await lookup(target.host, { family: options.ipv4Only ? 4 : 0 })).address;
  signal.throwIfAborted();
  const doing = `cannot connect to ${url}`;
  // reads into our own buffers from the first byte (the upgrade response included), as tcp://
  const reader = new SlabReader();
  let socket: Socket;
  if (secure) {
    // verification on, SNI from the URL's host unless it is an IP literal (as tls+tcp://);
    // tls.connect hands host, port and localAddress on to its net connect
    const tlsOptions = { ...clientTlsOptions(context.tls, target.host), host, port: target.port, localAddress: target.local, onread: reader.onread } as ConnectionOptions;
    try {
      socket = tlsConnect(tlsOptions);
    } catch (err) {
      throw toSpError(err, `the tls options for ${url} are not usable`, 'EINVAL');
    }
    socket.setNoDelay(options.tcpNoDelay);
  } else {
    socket = netConnect({ host, port: target.port, localAddress: target.local, noDelay: options.tcpNoDelay, onread: reader.onread });
  }
  await established(socket, signal, doing, secure);
  refuseSelfConnection(socket, url);
  keepAlive(socket);
  return WsPipe.client(socket, context.endpoint, remoteOf(socket), options, target.hostHeader, target.resource, reader);
}

function wsTransport(scheme: 'ws' | 'wss'): Transport {
  const secure = scheme === 'wss';
  return {
    schemes: [scheme],
    listen: async (address, context, events) =>
      context.httpServer === undefined ? listenWs(address, context, events, secure) : attachWs(address, context, events, secure),
    dialer(address, context): Dialer {
      const target = parseWsConnect(address.url, address.rest, context.options.ipv4Only, secure ? 443 : 80);
      return { dial: (signal) => dial(address.url, target, context, secure, signal) };
    },
  };
}

/** `ws://host[:port][/path]`: SP over WebSocket (nanomsg, NNG, mangos). */
export const ws: Transport = wsTransport('ws');
/** `wss://host[:port][/path]`: the same over TLS 1.2+ (NNG, mangos). */
export const wss: Transport = wsTransport('wss');
