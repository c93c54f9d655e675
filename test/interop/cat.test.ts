/**
 * Interop with the real peers — nanocat (libnanomsg 1.1.5) and nngcat (NNG 1.5.2) — over TCP
 * on 127.0.0.1: PAIR v0, PUSH/PULL and PUB/SUB, nanosp binding and connecting, messages both
 * ways where the pattern allows, and a peer of the wrong protocol that is never paired.
 * Every wait is on an event, a received message or a line the peer prints.
 */
import { describe, expect, it, vi } from 'vitest';
import { CATS, catArgs, joinCat, SIDES, TCP } from '../helpers/cat.js';
import { freeTcpUrl, quoted, recvText, sendUntilLine, whilePeerRuns } from '../helpers/interop.js';
import { describePeer, startPeer } from '../helpers/peers.js';
import { testSocket } from '../helpers/sockets.js';

const TIMEOUT = 15_000;

for (const cat of CATS) {
  const from = `from ${cat.command}`;

  describePeer(cat.command, `interop: ${cat.command} (${cat.library}) over TCP`, () => {
    for (const side of SIDES) {
      describe(`nanosp ${side}`, () => {
        it(
          `PAIR: receives ${cat.command}'s data and ${cat.command} prints what nanosp sends, on one connection`,
          async () => {
            const pair = testSocket('pair');
            const onPipe = vi.fn();
            pair.on('pipe', onPipe);
            const peer = await joinCat(cat, pair, side, 'pair', ['-Q', '-D', from, '-i', cat.interval], TCP);
            expect(await recvText(pair, peer)).toBe(from);
            await pair.send('hello');
            await whilePeerRuns(peer, peer.line(quoted('hello')));
            expect(onPipe).toHaveBeenCalledTimes(1);
            expect(pair.pipes).toHaveLength(1);
          },
          TIMEOUT,
        );

        it(
          `PULL receives from ${cat.command}'s PUSH`,
          async () => {
            const pull = testSocket('pull');
            const peer = await joinCat(cat, pull, side, 'push', ['-D', from, '-i', cat.interval], TCP);
            expect(await recvText(pull, peer)).toBe(from);
          },
          TIMEOUT,
        );

        it(
          `PULL takes ${cat.command}'s messages with for await: break leaves the socket open, a close ends the loop`,
          async () => {
            const pull = testSocket('pull');
            const peer = await joinCat(cat, pull, side, 'push', ['-D', from, '-i', cat.interval], TCP);
            const got: string[] = [];
            const firstLoop = async (): Promise<void> => {
              for await (const m of pull) {
                got.push(String(m));
                if (got.length === 2) break;
              }
            };
            await whilePeerRuns(peer, firstLoop());
            expect(pull.closed).toBe(false);
            const secondLoop = async (): Promise<string> => {
              for await (const m of pull) {
                got.push(String(m));
                void pull.close();
              }
              return 'ended';
            };
            expect(await whilePeerRuns(peer, secondLoop())).toBe('ended');
            expect(got).toEqual([from, from, from]);
          },
          TIMEOUT,
        );

        it(
          `PUSH: ${cat.command}'s PULL prints what nanosp sends`,
          async () => {
            const push = testSocket('push', { sendTimeout: 5000 });
            const peer = await joinCat(cat, push, side, 'pull', ['-Q'], TCP);
            await push.send('hello');
            await whilePeerRuns(peer, peer.line(quoted('hello')));
          },
          TIMEOUT,
        );

        it(
          `SUB receives from ${cat.command}'s PUB, which keeps its connection and keeps running`,
          async () => {
            const sub = testSocket('sub');
            sub.subscribe('');
            const peer = await joinCat(cat, sub, side, 'pub', ['-D', from, '-i', cat.interval], TCP);
            expect(await recvText(sub, peer)).toBe(from);
            // nanomsg's PUB aborts, and NNG's closes the pipe, if a subscriber sends anything
            expect(peer.running).toBe(true);
            expect(sub.pipes).toHaveLength(1);
            expect(sub.stats.brokenConnections).toBe(0);
          },
          TIMEOUT,
        );

        it(
          `PUB: ${cat.command}'s SUB prints what nanosp publishes`,
          async () => {
            const pub = testSocket('pub');
            const peer = await joinCat(cat, pub, side, 'sub', ['-Q'], TCP);
            await sendUntilLine(pub, 'hello', peer, quoted('hello'));
          },
          TIMEOUT,
        );
      });
    }

    it(
      `a PAIR connecting to ${cat.command}'s PULL is never paired: sends time out and nanosp redials`,
      async () => {
        const url = await freeTcpUrl();
        const peer = startPeer(cat.command, [...catArgs(cat, 'pull', ['-Q']), cat.bind, url]);
        const pair = testSocket('pair', { sendTimeout: 100 });
        const onPipe = vi.fn();
        pair.on('pipe', onPipe);
        const broken: { code: string; pipe: unknown }[] = [];
        // two broken connections: the header exchange failed, and so did the redial
        const twice = new Promise<void>((resolve) => {
          pair.on('pipe-broken', ({ error, pipe }) => {
            broken.push({ code: error.code, pipe });
            if (broken.length >= 2) resolve();
          });
        });
        pair.connect(url);
        await whilePeerRuns(peer, twice);
        await expect(pair.send('x')).rejects.toMatchObject({ code: 'ETIMEDOUT' });
        expect(onPipe).not.toHaveBeenCalled();
        expect(pair.stats.brokenConnections).toBeGreaterThanOrEqual(2);
        expect(pair.stats.establishedConnections).toBeGreaterThanOrEqual(2);
        expect(broken[0]).toEqual({ code: 'EPROTO', pipe: undefined });
        expect(peer.running).toBe(true);
      },
      TIMEOUT,
    );
  });
}

describePeer('nanocat', 'interop: a nanosp SUB and libnanomsg PUB', () => {
  it(
    "never writes to libnanomsg's PUB, which would abort if a subscriber sent anything",
    async () => {
      const url = await freeTcpUrl();
      const peer = startPeer('nanocat', ['--pub', '--bind', url, '-D', 'x', '-i', '0.05']);
      const sub = testSocket('sub');
      sub.subscribe('');
      sub.connect(url);
      // each message was published after the previous one arrived, so nanocat's PUB has read
      // (or would have read) anything nanosp wrote well before the last one
      for (let i = 0; i < 5; i++) expect(await recvText(sub, peer)).toBe('x');
      expect(peer.running).toBe(true);
      expect(peer.stderr).toBe('');
      expect(sub.stats.brokenConnections).toBe(0);
    },
    TIMEOUT,
  );
});
