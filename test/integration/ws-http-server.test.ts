/**
 * `bind('ws://…/path', { httpServer })`: SP on a web server the application already has. One
 * port serves the server's own routes and nanosp sockets by path; another WebSocket handler
 * on the same server keeps its upgrades; closing a socket detaches it and leaves the server
 * running; wss:// on an https.Server; nngcat dials in; every misuse is a clear EINVAL or
 * EADDRINUSE.
 */
import { once } from 'node:events';
import { createServer, get, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { SpError } from '../../src/index.js';
import { useCerts } from '../helpers/certs.js';
import { whilePeerRuns } from '../helpers/interop.js';
import { describePeer, startPeer } from '../helpers/peers.js';
import { next, testSocket } from '../helpers/sockets.js';

const servers = new Set<Server>();
/** Every connection the servers took, upgraded ones too (node:http stops tracking those). */
const connections = new Set<Socket>();

afterEach(async () => {
  for (const socket of connections) socket.destroy();
  connections.clear();
  await Promise.all([...servers].map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  servers.clear();
});

function tracked(server: Server): Server {
  servers.add(server);
  server.on('connection', (socket: Socket) => connections.add(socket));
  server.on('secureConnection', (socket: Socket) => connections.add(socket));
  return server;
}

/** An application's web server on a free port, answering GET /hello itself. */
async function appServer(make: () => Server = () => createServer()): Promise<{ server: Server; port: number }> {
  const server = tracked(make());
  server.on('request', (req, res) => {
    if (req.url === '/hello') res.end('hello from the app');
    else res.writeHead(404).end();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as { port: number }).port };
}

function httpGet(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

/** The status line a raw WebSocket upgrade to `path` gets (asking for a REP server). */
async function upgradeStatus(port: number, path: string): Promise<string> {
  const socket = connect(port, '127.0.0.1');
  socket.write(
    `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: rep.sp.nanomsg.org\r\n\r\n',
  );
  const [chunk] = (await once(socket, 'data')) as [Buffer];
  socket.destroy();
  return chunk.toString('latin1').split('\r\n')[0]!;
}

describe('bind ws:// on an existing http.Server', () => {
  it('serves REQ/REP and PAIR at their paths beside the server’s own routes, on one port', async () => {
    const { server, port } = await appServer();
    const rep = testSocket('rep');
    const pair = testSocket('pair');
    const repEp = await rep.bind(`ws://127.0.0.1:${port}/rpc`, { httpServer: server });
    const pairEp = await pair.bind(`ws://127.0.0.1:0/pair`, { httpServer: server });
    // the endpoint reports the server's port, also when 0 was written
    expect(repEp.url).toBe(`ws://127.0.0.1:${port}/rpc`);
    expect(pairEp.url).toBe(`ws://127.0.0.1:${port}/pair`);

    const req = testSocket('req', { recvTimeout: 5000 });
    req.connect(repEp.url);
    await req.send('ping');
    expect(String(await rep.recv())).toBe('ping');
    await rep.send('pong');
    expect(String(await req.recv())).toBe('pong');

    const peer = testSocket('pair', { recvTimeout: 5000 });
    const piped = next(pair, 'pipe');
    peer.connect(pairEp.url);
    await piped;
    await pair.send('to the client');
    expect(String(await peer.recv())).toBe('to the client');
    await peer.send('to the server');
    expect(String(await pair.recv())).toBe('to the server');

    expect(await httpGet(port, '/hello')).toEqual({ status: 200, body: 'hello from the app' });
    expect(await upgradeStatus(port, '/nobody')).toBe('HTTP/1.1 404 Not Found');
  });

  it('closing the socket detaches it: the server keeps serving its routes and other paths, and takes the path again', async () => {
    const { server, port } = await appServer();
    const rep = testSocket('rep');
    const other = testSocket('rep');
    await rep.bind(`ws://127.0.0.1:${port}/a`, { httpServer: server });
    await other.bind(`ws://127.0.0.1:${port}/b`, { httpServer: server });
    expect(server.listenerCount('upgrade')).toBe(1);

    await rep.close();
    expect(server.listening).toBe(true);
    expect(await upgradeStatus(port, '/a')).toBe('HTTP/1.1 404 Not Found');
    expect(await upgradeStatus(port, '/b')).toBe('HTTP/1.1 101 Switching Protocols');
    expect(await httpGet(port, '/hello')).toEqual({ status: 200, body: 'hello from the app' });

    await other.close();
    expect(server.listenerCount('upgrade')).toBe(0);
    expect(server.listening).toBe(true);
    const again = testSocket('rep');
    await again.bind(`ws://127.0.0.1:${port}/a`, { httpServer: server });
    expect(await upgradeStatus(port, '/a')).toBe('HTTP/1.1 101 Switching Protocols');
  });

  it('leaves upgrades for other paths to the application’s own WebSocket handler', async () => {
    const { server, port } = await appServer();
    const seen: string[] = [];
    server.on('upgrade', (req, socket) => {
      if (req.url !== '/app-ws') return;
      seen.push(req.url);
      socket.end('HTTP/1.1 418 I am the app\r\nConnection: close\r\n\r\n');
    });
    const rep = testSocket('rep');
    await rep.bind(`ws://127.0.0.1:${port}/sp`, { httpServer: server });
    expect(await upgradeStatus(port, '/app-ws')).toBe('HTTP/1.1 418 I am the app');
    expect(seen).toEqual(['/app-ws']);
    expect(await upgradeStatus(port, '/sp')).toBe('HTTP/1.1 101 Switching Protocols');
  });

  it('says what is wrong: a bound path, a port other than the server’s, a non-server, connect, another scheme', async () => {
    const { server, port } = await appServer();
    const a = testSocket('rep');
    const b = testSocket('rep');
    await a.bind(`ws://127.0.0.1:${port}/x`, { httpServer: server });
    const fails = async (work: () => unknown, code: string, text: RegExp) => {
      let error: unknown;
      try {
        await work();
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(SpError);
      expect((error as SpError).code).toBe(code);
      expect((error as SpError).message).toMatch(text);
    };
    await fails(() => b.bind(`ws://127.0.0.1:${port}/x`, { httpServer: server }), 'EADDRINUSE', /the path "\/x" on this httpServer is already bound/);
    await fails(() => b.bind(`ws://127.0.0.1:${port === 1 ? 2 : 1}/y`, { httpServer: server }), 'EINVAL', new RegExp(`listens on port ${port}`));
    await fails(() => b.bind('ws://127.0.0.1:0/y', { httpServer: {} as Server }), 'EINVAL', /must be a node:http or node:https Server, got \[object Object\]/);
    await fails(() => b.bind('ws://127.0.0.1:0/y', { httpServer: null as unknown as Server }), 'EINVAL', /got null/);
    await fails(() => b.bind('wss://127.0.0.1:0/y', { httpServer: server }), 'EINVAL', /wss:\/\/ needs an https\.Server/);
    await fails(() => b.bind('tcp://127.0.0.1:0', { httpServer: server }), 'EINVAL', /serves ws:\/\/ and wss:\/\/ addresses only/);
    await fails(() => b.connect(`ws://127.0.0.1:${port}/x`, { httpServer: server }), 'EINVAL', /httpServer is a bind option/);
    // nothing of the failed binds stayed behind
    expect(b.endpoints).toEqual([]);
    expect(server.listenerCount('upgrade')).toBe(1);
  });

  it('binds before the server listens, with the port written in the URL', async () => {
    const server = tracked(createServer((_req, res) => res.end('ok')));
    const rep = testSocket('rep');
    const ep = await rep.bind('ws://127.0.0.1:0/late', { httpServer: server });
    expect(ep.url).toBe('ws://127.0.0.1:0/late');
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as { port: number }).port;
    const req = testSocket('req', { recvTimeout: 5000 });
    req.connect(`ws://127.0.0.1:${port}/late`);
    await req.send('late');
    expect(String(await rep.recv())).toBe('late');
  });
});

describe('bind wss:// on an existing https.Server', () => {
  const certs = useCerts();

  it('serves SP over TLS beside the https routes', async () => {
    const { server, port } = await appServer(() => createHttpsServer({ cert: certs.server.cert, key: certs.server.key }));
    const rep = testSocket('rep');
    await expect(rep.bind(`ws://127.0.0.1:${port}/x`, { httpServer: server })).rejects.toMatchObject({ code: 'EINVAL', message: /use wss:\/\// });
    const ep = await rep.bind(`wss://127.0.0.1:${port}/secure`, { httpServer: server });
    const req = testSocket('req', { recvTimeout: 5000, tls: certs.dialer() });
    req.connect(ep.url);
    await req.send('over tls');
    expect(String(await rep.recv())).toBe('over tls');
    await rep.send('and back');
    expect(String(await req.recv())).toBe('and back');
  });
});

describePeer('nngcat', 'nngcat dials a nanosp socket on an http.Server', () => {
  it('nngcat --req0 gets its answer from a nanosp REP sharing the application’s port', async () => {
    const { server, port } = await appServer();
    const rep = testSocket('rep', { recvTimeout: 10_000 });
    await rep.bind(`ws://127.0.0.1:${port}/nng`, { httpServer: server });
    const peer = startPeer('nngcat', ['--req0', '--dial', `ws://127.0.0.1:${port}/nng`, '-Q', '-D', 'from nngcat']);
    expect(String(await whilePeerRuns(peer, rep.recv()))).toBe('from nngcat');
    await rep.send('from nanosp');
    expect(await peer.line((l) => l.includes('from nanosp'))).toBe('"from nanosp"');
  });
});

describePeer('nanocat', 'nanocat (libnanomsg) dials a nanosp socket on an http.Server', () => {
  it('nanocat --req gets its answer from a nanosp REP sharing the application’s port, and the app still answers', async () => {
    const { server, port } = await appServer();
    const rep = testSocket('rep', { recvTimeout: 10_000 });
    await rep.bind(`ws://127.0.0.1:${port}/nano`, { httpServer: server });
    const peer = startPeer('nanocat', ['--req', '--connect', `ws://127.0.0.1:${port}/nano`, '-Q', '-D', 'from nanocat']);
    expect(String(await whilePeerRuns(peer, rep.recv()))).toBe('from nanocat');
    await rep.send('from nanosp');
    expect(await peer.line((l) => l.includes('from nanosp'))).toBe('"from nanosp"');
    expect(await httpGet(port, '/hello')).toEqual({ status: 200, body: 'hello from the app' });
  });
});
