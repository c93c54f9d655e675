/**
 * Interop with the real peers over the other stream transports:
 * - IPC and WebSocket with nanocat (libnanomsg 1.1.5) and nngcat (NNG 1.5.2): PAIR both ways
 *   and PUSH/PULL both ways, nanosp binding and connecting (IPC on fresh paths under
 *   os.tmpdir(), WebSocket on the root path of a free port);
 * - tls+tcp and wss with nngcat only (nanomsg has no TLS): PUSH/PULL both ways and REQ/REP, nanosp
 *   listening with a certificate and key (nngcat dials with --cacert) and dialing with the CA
 *   (nngcat listens with --cert/--key).
 * NNG here verifies with mbedTLS 2.28, which matches the URL host against DNS names only, so
 * nngcat dials `tls+tcp4://localhost:PORT`; nanosp dials `localhost` too, for SNI.
 * Every wait is on an event, a received message or a line the peer prints.
 */
import { describe, expect, it, vi } from 'vitest';
import type { SocketType, SpSocket } from '../../src/index.js';
import { CATS, catArgs, IPC, joinCat, SIDES, WS, type Cat, type Side } from '../helpers/cat.js';
import { describeTls, useCerts } from '../helpers/certs.js';
import { quoted, recvText, whilePeerRuns } from '../helpers/interop.js';
import { describePeer, freePort, startPeer, type Peer } from '../helpers/peers.js';
import { next, testSocket } from '../helpers/sockets.js';

const TIMEOUT = 15_000;

for (const [cat, where] of CATS.flatMap((c) => [IPC, WS].map((w) => [c, w] as const))) {
  const from = `from ${cat.command}`;
  const scheme = where === IPC ? 'ipc' : 'ws';

  describePeer(cat.command, `interop: ${cat.command} (${cat.library}) over ${where.name}`, () => {
    for (const side of SIDES) {
      describe(`nanosp ${side}`, () => {
        it(
          `PAIR: receives ${cat.command}'s data and ${cat.command} prints what nanosp sends`,
          async () => {
            const pair = testSocket('pair');
            const onPipe = vi.fn();
            pair.on('pipe', onPipe);
            const peer = await joinCat(cat, pair, side, 'pair', ['-Q', '-D', from, '-i', cat.interval], where);
            expect(pair.pipes[0]!.endpoint.url.startsWith(`${scheme}://`)).toBe(true);
            expect(await recvText(pair, peer)).toBe(from);
            await pair.send('hello');
            await whilePeerRuns(peer, peer.line(quoted('hello')));
            expect(onPipe).toHaveBeenCalledTimes(1);
          },
          TIMEOUT,
        );

        it(
          `PULL receives from ${cat.command}'s PUSH`,
          async () => {
            const pull = testSocket('pull');
            const peer = await joinCat(cat, pull, side, 'push', ['-D', from, '-i', cat.interval], where);
            expect(await recvText(pull, peer)).toBe(from);
          },
          TIMEOUT,
        );

        it(
          `PUSH: ${cat.command}'s PULL prints what nanosp sends`,
          async () => {
            const push = testSocket('push', { sendTimeout: 5000 });
            const peer = await joinCat(cat, push, side, 'pull', ['-Q'], where);
            for (const body of ['one', 'two']) await push.send(body);
            await whilePeerRuns(peer, peer.line(quoted('two')));
            expect(peer.output).toEqual([quoted('one'), quoted('two')]);
          },
          TIMEOUT,
        );
      });
    }
  });
}

const nngcat = CATS.find((cat) => cat.command === 'nngcat') as Cat;

describePeer('nngcat', `interop: nngcat (${nngcat.library}) over tls+tcp and wss`, () => {
  describeTls('with throwaway certificates', () => {
    const certs = useCerts();

    /**
     * Join `sock` and an nngcat `type` socket over TLS: nanosp listens with the certificate
     * and nngcat dials trusting it, or nngcat listens with it and nanosp dials trusting it.
     * Resolves once nanosp attached the pipe.
     */
    type Secure = 'tls+tcp' | 'wss';
    /** nngcat (mbedTLS) verifies host names only, so it dials `localhost` (tls+tcp4 for TLS). */
    const dialUrl = (scheme: Secure, port: string | number) => (scheme === 'wss' ? `wss://localhost:${port}/` : `tls+tcp4://localhost:${port}`);
    const portOf = (url: string) => (/:([0-9]+)(?:\/|$)/.exec(url) as RegExpExecArray)[1] as string;

    /**
     * Join `sock` and an nngcat `type` socket over TLS or WSS: nanosp listens with the
     * certificate and nngcat dials trusting it, or nngcat listens with it and nanosp dials
     * trusting it. Resolves once nanosp attached the pipe.
     */
    async function joinTls(sock: SpSocket, side: Side, type: SocketType, args: readonly string[], scheme: Secure = 'tls+tcp'): Promise<Peer> {
      const piped = next(sock, 'pipe', 10_000);
      piped.catch(() => {});
      let peer: Peer;
      if (side === 'binds') {
        const ep = await sock.bind(`${scheme}://127.0.0.1:0`, { tls: certs.listener() });
        peer = startPeer('nngcat', [...catArgs(nngcat, type, args), '--cacert', certs.server.certFile, nngcat.connect, dialUrl(scheme, portOf(ep.url))]);
      } else {
        const port = await freePort();
        const args2 = ['--cert', certs.server.certFile, '--key', certs.server.keyFile, nngcat.bind, `${scheme}://127.0.0.1:${port}${scheme === 'wss' ? '/' : ''}`];
        peer = startPeer('nngcat', [...catArgs(nngcat, type, args), ...args2]);
        // NNG's WebSocket listener matches the Host field against its own URL host, so a
        // wss dialer names 127.0.0.1 as nngcat does (the certificate has that IP too)
        const url = scheme === 'wss' ? `wss://127.0.0.1:${port}/` : `tls+tcp://localhost:${port}`;
        sock.connect(url, { tls: certs.dialer() });
      }
      await whilePeerRuns(peer, piped);
      return peer;
    }

    for (const scheme of ['tls+tcp', 'wss'] as const) {
      for (const side of SIDES) {
        describe(`${scheme}, nanosp ${side}`, () => {
          it(
            "PULL receives from nngcat's PUSH",
            async () => {
              const pull = testSocket('pull');
              const peer = await joinTls(pull, side, 'push', ['-D', `from nngcat over ${scheme}`, '-i', nngcat.interval], scheme);
              expect(await recvText(pull, peer)).toBe(`from nngcat over ${scheme}`);
            },
            TIMEOUT,
          );

          it(
            "PUSH: nngcat's PULL prints what nanosp sends",
            async () => {
              const push = testSocket('push', { sendTimeout: 5000 });
              const peer = await joinTls(push, side, 'pull', ['-Q'], scheme);
              for (const body of ['one', 'two']) await push.send(body);
              await whilePeerRuns(peer, peer.line(quoted('two')));
              expect(peer.output).toEqual([quoted('one'), quoted('two')]);
            },
            TIMEOUT,
          );
        });
      }
    }

    it(
      "REQ: nngcat's REP (listening) answers nanosp's request (dialing)",
      async () => {
        const req = testSocket('req');
        const peer = await joinTls(req, 'connects', 'rep', ['-Q', '-D', 'pong']);
        await req.send('ping');
        expect(await recvText(req, peer)).toBe('pong');
        await whilePeerRuns(peer, peer.line(quoted('ping')));
      },
      TIMEOUT,
    );

    it(
      'an nngcat dialer with the wrong CA never attaches to the nanosp listener',
      async () => {
        const pull = testSocket('pull');
        const ep = await pull.bind('tls+tcp://127.0.0.1:0', { tls: certs.listener() });
        const pipes = vi.fn();
        pull.on('pipe', pipes);
        const port = portOf(ep.url);
        // a synchronous dial: nngcat reports the failure and exits
        const peer = startPeer('nngcat', ['--push0', '--cacert', certs.other.certFile, '--dial', `tls+tcp4://localhost:${port}`, '-D', 'x']);
        const { code } = await peer.exited;
        expect(code).not.toBe(0);
        expect(peer.stderr).toMatch(/dial/i);
        expect(pipes).not.toHaveBeenCalled();
      },
      TIMEOUT,
    );
  });
});
