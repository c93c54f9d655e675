/**
 * TLS specifics (`tls+tcp://`, spec/wire.md §1.6): certificates on the listener, a CA on the
 * dialer, which verifies the server by default and names the URL's host for SNI and for
 * verification; TLS options per socket and per endpoint (the endpoint's win); a bind without a
 * certificate and key is EINVAL naming what is missing; a dialer that cannot verify the server
 * never attaches and keeps retrying while the listener serves good clients; a client that does
 * not speak TLS is dropped.
 */
import { once } from 'node:events';
import { connect as netConnect, type Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { describe, expect, it, vi } from 'vitest';
import type { SpSocket } from '../../src/index.js';
import { describeTls, useCerts } from '../helpers/certs.js';
import { spHeaderBytes } from '../helpers/raw-peer.js';
import { next, testSocket } from '../helpers/sockets.js';

const PAIR = 0x10;

const portOf = (url: string): number => Number(url.slice(url.lastIndexOf(':') + 1));

/**
 * Resolves after the `n`th `connect-failed` on `s`, with every failure so far; rejects at
 * once if `s` gets a pipe instead.
 */
function failures(s: SpSocket, n: number): Promise<{ code: string; message: string }[]> {
  const seen: { code: string; message: string }[] = [];
  return new Promise((resolve, reject) => {
    s.on('connect-failed', ({ error }) => {
      seen.push({ code: error.code, message: error.message });
      if (seen.length === n) resolve(seen);
    });
    s.on('pipe', (pipe) => reject(new Error(`expected the connection to fail, but a pipe to ${pipe.remoteAddress} was attached`)));
  });
}

/** Connect `client` to `url` and wait until both sides have the pipe; check a message each way. */
async function attaches(server: SpSocket, client: SpSocket, url: string, options?: Parameters<SpSocket['connect']>[1]): Promise<void> {
  const piped = Promise.all([next(server, 'pipe'), next(client, 'pipe')]);
  client.connect(url, options);
  await piped;
  await client.send('hello over tls');
  expect(String(await server.recv())).toBe('hello over tls');
  await server.send('and back');
  expect(String(await client.recv())).toBe('and back');
}

describeTls('tls+tcp transport', () => {
  const certs = useCerts();

  describe('nanosp to nanosp', () => {
    it('listener with cert and key, dialer with the CA, host "localhost" in the URL (options per socket)', async () => {
      const server = testSocket('pair', { tls: certs.listener() });
      const ep = await server.bind('tls+tcp://127.0.0.1:0');
      expect(ep.url).toMatch(/^tls\+tcp:\/\/127\.0\.0\.1:[1-9][0-9]*$/);
      const client = testSocket('pair', { tls: certs.dialer() });
      await attaches(server, client, `tls+tcp://localhost:${portOf(ep.url)}`);
    });

    it('large messages both ways, byte for byte: the dialer reads the decrypted stream into its own buffers', async () => {
      const server = testSocket('pair', { tls: certs.listener(), recvMaxSize: -1 });
      const ep = await server.bind('tls+tcp://127.0.0.1:0');
      const client = testSocket('pair', { tls: certs.dialer(), recvMaxSize: -1 });
      await attaches(server, client, ep.url);
      const body = (size: number, seed: number) => {
        const b = Buffer.allocUnsafe(size);
        for (let i = 0; i < size; i++) b[i] = (i * 7 + seed) & 0xff;
        return b;
      };
      // around a read's edge, the by-reference threshold, and a run of equal frames (read at frame boundaries)
      const sizes = [1, 16 * 1024 - 1, 16 * 1024, 64 * 1024 + 9, 64 * 1024, 64 * 1024, 64 * 1024, 64 * 1024, 100, 1024 * 1024 + 3];
      for (const [i, size] of sizes.entries()) await server.send(body(size, i));
      for (const [i, size] of sizes.entries()) expect(Buffer.from(await client.recv()).equals(body(size, i)), `to the dialer: ${size}`).toBe(true);
      for (const [i, size] of sizes.entries()) await client.send(body(size, i + 50));
      for (const [i, size] of sizes.entries()) expect(Buffer.from(await server.recv()).equals(body(size, i + 50)), `to the listener: ${size}`).toBe(true);
    });

    it('127.0.0.1 in the URL verifies against the IP address in the certificate', async () => {
      const server = testSocket('pair', { tls: certs.listener() });
      const ep = await server.bind('tls+tcp://127.0.0.1:0');
      await attaches(server, testSocket('pair', { tls: certs.dialer() }), ep.url);
    });

    it('options per endpoint: bind(url, { tls }) and connect(url, { tls }) on sockets without tls', async () => {
      const server = testSocket('pair');
      const ep = await server.bind('tls+tcp://127.0.0.1:0', { tls: certs.listener() });
      await attaches(server, testSocket('pair'), `tls+tcp://localhost:${portOf(ep.url)}`, { tls: certs.dialer() });
    });

    it("an endpoint's tls replaces the socket's", async () => {
      // the socket trusts the wrong CA; the endpoint's option is the one used
      const server = testSocket('pair', { tls: { cert: certs.other.cert } }); // no key: unusable as it stands
      const ep = await server.bind('tls+tcp://127.0.0.1:0', { tls: certs.listener() });
      await attaches(server, testSocket('pair', { tls: certs.dialer(true) }), ep.url, { tls: certs.dialer() });

      // and the other way: a good socket option, a wrong endpoint option
      const server2 = testSocket('pair', { tls: certs.listener() });
      const ep2 = await server2.bind('tls+tcp://127.0.0.1:0');
      const wrong = testSocket('pair', { tls: certs.dialer(), reconnectInterval: 10 });
      const failed = failures(wrong, 1);
      wrong.connect(ep2.url, { tls: certs.dialer(true) });
      expect((await failed)[0]!.message).toMatch(/certificate/i);
      expect(wrong.pipes).toHaveLength(0);
    });

    it('the dialer sends the URL host name as SNI, and none for an IP address', async () => {
      const names: (string | false | null)[] = [];
      const sni = createTlsServer(certs.listener());
      await new Promise<void>((resolve) => sni.listen(0, '127.0.0.1', resolve));
      const { port } = sni.address() as { port: number };
      try {
        for (const host of ['localhost', '127.0.0.1']) {
          const client = testSocket('pair', { tls: certs.dialer() });
          const accepted = once(sni, 'secureConnection');
          client.connect(`tls+tcp://${host}:${port}`);
          const [socket] = (await accepted) as [TLSSocket];
          names.push(socket.servername);
          socket.on('error', () => {});
          socket.destroy();
          await client.close();
        }
        expect(names).toEqual(['localhost', false]);
      } finally {
        await new Promise<void>((resolve) => sni.close(() => resolve()));
      }
    });
  });

  describe('refusals', () => {
    it('a bind without a certificate and its key is EINVAL, naming what is missing', async () => {
      const cases: [options: object | undefined, missing: RegExp][] = [
        [undefined, /the tls option/],
        [{ cert: certs.server.cert }, /tls\.key/],
        [{ key: certs.server.key }, /tls\.cert/],
        [{ ca: certs.server.cert }, /tls\.cert/],
      ];
      for (const [tls, missing] of cases) {
        const s = testSocket('pair', tls ? { tls } : {});
        const bindFailed = vi.fn();
        s.on('bind-failed', bindFailed);
        const err = await s.bind('tls+tcp://127.0.0.1:0').catch((e: unknown) => e);
        expect(err, JSON.stringify(tls && Object.keys(tls))).toMatchObject({ name: 'SpError', code: 'EINVAL', errno: 22 });
        expect((err as Error).message).toMatch(missing);
        expect(bindFailed).toHaveBeenCalledOnce();
        expect(s.endpoints).toEqual([]);
      }
      // a certificate that is not one is refused the same way
      await expect(testSocket('pair').bind('tls+tcp://127.0.0.1:0', { tls: { cert: 'not a certificate', key: 'nor a key' } })).rejects.toMatchObject({ code: 'EINVAL' });
      // a key that does not belong to the certificate too
      await expect(testSocket('pair').bind('tls+tcp://127.0.0.1:0', { tls: { cert: certs.server.cert, key: certs.other.key } })).rejects.toMatchObject({ code: 'EINVAL' });
    });

    it('a dialer with the wrong CA never attaches and keeps retrying; the listener keeps serving a good client', async () => {
      const server = testSocket('pair', { tls: certs.listener() });
      const ep = await server.bind('tls+tcp://127.0.0.1:0');
      const serverPipes = vi.fn();
      server.on('pipe', serverPipes);

      const bad = testSocket('pair', { tls: certs.dialer(true), reconnectInterval: 10 });
      const badPipes = vi.fn();
      bad.on('pipe', badPipes);
      const twoFailures = failures(bad, 2);
      const badEp = bad.connect(`tls+tcp://localhost:${portOf(ep.url)}`);
      const seen = await twoFailures;
      for (const failure of seen) expect(failure.message).toMatch(/certificate/i);
      expect(badEp.error).toBeDefined();
      expect(badPipes).not.toHaveBeenCalled();
      expect(serverPipes).not.toHaveBeenCalled();

      await attaches(server, testSocket('pair', { tls: certs.dialer() }), ep.url);
      expect(serverPipes).toHaveBeenCalledOnce();
      expect(badPipes).not.toHaveBeenCalled();
    });

    it('a dialer verifies the server by default: no CA given, a self-signed server is refused', async () => {
      const server = testSocket('pair', { tls: certs.listener() });
      const ep = await server.bind('tls+tcp://127.0.0.1:0');
      const client = testSocket('pair', { reconnectInterval: 10 });
      const failed = failures(client, 1);
      client.connect(ep.url);
      expect((await failed)[0]!.message).toMatch(/certificate/i);
      expect(client.pipes).toHaveLength(0);
    });

    it('a dialer checks the name: a servername the certificate does not name is refused', async () => {
      const server = testSocket('pair', { tls: certs.listener() });
      const ep = await server.bind('tls+tcp://127.0.0.1:0');
      const client = testSocket('pair', { reconnectInterval: 10 });
      const failed = failures(client, 1);
      client.connect(ep.url, { tls: { ...certs.dialer(), servername: 'example.com' } });
      expect((await failed)[0]!.message).toMatch(/example\.com|altname|host/i);
      expect(client.pipes).toHaveLength(0);
    });

    it('a plain TCP client (no TLS) is dropped and the listener keeps serving', async () => {
      const server = testSocket('pair', { tls: certs.listener() });
      const ep = await server.bind('tls+tcp://127.0.0.1:0');
      const serverEvents = vi.fn();
      server.on('pipe', serverEvents);
      server.on('pipe-broken', serverEvents);

      const raw: Socket = netConnect({ host: '127.0.0.1', port: portOf(ep.url) });
      raw.on('error', () => {});
      const closed = once(raw, 'close');
      await once(raw, 'connect');
      raw.resume();
      raw.write(Buffer.concat([spHeaderBytes(PAIR), Buffer.alloc(64, 0x41)]));
      await closed;
      expect(serverEvents).not.toHaveBeenCalled();

      await attaches(server, testSocket('pair', { tls: certs.dialer() }), ep.url);
    });

    it('a TLS dialer to a plain tcp:// listener never attaches: the listener sees no SP header (EPROTO)', async () => {
      const server = testSocket('pair');
      const ep = await server.bind('tcp://127.0.0.1:0');
      const broken = next(server, 'pipe-broken');
      const client = testSocket('pair', { tls: certs.dialer(), reconnectInterval: 10 });
      const failed = failures(client, 1);
      const pipe = vi.fn();
      client.on('pipe', pipe);
      client.connect(ep.url.replace('tcp://', 'tls+tcp://'));
      expect((await broken)[0].error.code).toBe('EPROTO');
      await failed;
      expect(pipe).not.toHaveBeenCalled();
      expect(server.pipes).toHaveLength(0);
    });
  });
});
