/**
 * nanosp/browser in a real Chromium against the real peers over WebSocket: the page dials
 * (a page cannot listen), nanocat (libnanomsg 1.1.5), nngcat (NNG 1.5.2) or a libnanomsg C
 * program listens on a free port.
 *
 *  - REQ → `nngcat --rep0 --listen ws://…`: requests arrive as sent (nngcat prints them) and
 *    the answer from `--file` arrives byte for byte, all 256 byte values included.
 *  - SUB → a libnanomsg PUB that alternates "a:<n>" and "b:<n>" (test/interop/c/nn_pub_topics.c):
 *    a SUB on "" sees both topics interleaved, a SUB on "a:" gets every a: message in order and
 *    never a b: one; and against two `nanocat --pub --bind ws://…`, one per topic, the "a:"
 *    SUB attached to both gets only the a: publisher's messages.
 *  - SURVEYOR → `nngcat --respondent0 --listen ws://…`: the survey is printed and answered,
 *    and the survey ends at its deadline (ETIMEDOUT).
 *  - PAIR v1 ↔ `nngcat --pair1 --listen ws://…` (subprotocol pair1.sp.nanomsg.org): nngcat's
 *    message arrives with NNG's hop count 1 in the header, and nngcat prints what the page sends.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import { inPage, openSitePage } from '../helpers/browser-site.js';
import { describeChromium, useChromium } from '../helpers/chromium.js';
import { describeC, startC, type CProgram } from '../helpers/cprog.js';
import { quoted, whilePeerRuns } from '../helpers/interop.js';
import { describePeer, freePort, startPeer, type Peer } from '../helpers/peers.js';

const TIMEOUT = 20_000;

/** A PUB on libnanomsg publishing "a:<n>" and "b:<n>" alternately (see its header comment). */
const NN_PUB_TOPICS: CProgram = {
  name: 'nn_pub_topics',
  source: fileURLToPath(new URL('../interop/c/nn_pub_topics.c', import.meta.url)),
  header: '/usr/include/nanomsg/nn.h',
  libs: ['-lnanomsg'],
};

/** A ws:// URL on a free loopback port, for a peer that must listen. */
async function peerUrl(path = ''): Promise<string> {
  return `ws://127.0.0.1:${await freePort()}${path}`;
}

/** Runs page work, failing at once (with the peer's stderr) if any of `peers` exits meanwhile. */
function whileRunning<T>(peers: readonly Peer[], work: Promise<T>): Promise<T> {
  return peers.reduce((w, peer) => whilePeerRuns(peer, w), work);
}

describeChromium('nanosp/browser against the real peers over WebSocket', () => {
  const chromium = useChromium();

  describePeer('nngcat', 'nngcat (NNG 1.5.2)', () => {
    let dir: string | undefined;
    afterEach(() => {
      if (dir) rmSync(dir, { recursive: true, force: true });
      dir = undefined;
    });

    it(
      'REQ → nngcat --rep0 --listen: nngcat prints each request, and its --file answer arrives byte for byte',
      async () => {
        dir = mkdtempSync(join(tmpdir(), 'nanosp-browser-'));
        const answer = Buffer.from([...Array(256).keys(), ...Buffer.from('end')]);
        const file = join(dir, 'answer.bin');
        writeFileSync(file, answer);
        const url = await peerUrl('/rep');
        const peer = startPeer('nngcat', ['--rep0', '--listen', url, '-Q', '--file', file]);
        const { watch } = await openSitePage(chromium.open);

        const replies = await whileRunning(
          [peer],
          inPage(
            watch.page,
            async (sp, target) => {
              const req = sp.socket('req', { recvTimeout: 10_000, sendTimeout: 10_000 });
              try {
                req.connect(target);
                const got: number[][] = [];
                for (const request of ['ping', 'ping again']) {
                  await req.send(request);
                  got.push([...(await req.recv())]);
                }
                return got;
              } finally {
                await req.close();
              }
            },
            url,
          ),
        );
        expect(replies).toEqual([[...answer], [...answer]]);
        await whilePeerRuns(peer, peer.line(quoted('ping again')));
        expect(peer.output).toEqual([quoted('ping'), quoted('ping again')]);
        expect(watch.errors).toEqual([]);
      },
      TIMEOUT,
    );

    it(
      'SURVEYOR → nngcat --respondent0 --listen: the survey is printed and answered, then ends at its deadline',
      async () => {
        const url = await peerUrl('/survey');
        const peer = startPeer('nngcat', ['--respondent0', '--listen', url, '-Q', '-D', 'yes']);
        const { watch } = await openSitePage(chromium.open);

        const outcome = await whileRunning(
          [peer],
          inPage(
            watch.page,
            async (sp, target, kit) => {
              const surveyor = sp.socket('surveyor', { surveyDeadline: 300 });
              try {
                surveyor.connect(target);
                // a survey reaches only the respondents attached when it is sent
                await kit.piped(surveyor);
                await surveyor.send('anyone there?');
                const answer = kit.text(await surveyor.recv({ timeout: 5000 }));
                let after: unknown = 'nothing';
                const waited = performance.now();
                try {
                  after = kit.text(await surveyor.recv({ timeout: 5000 }));
                } catch (err) {
                  after = kit.error(err).code;
                }
                return { answer, after, endedEarly: performance.now() - waited < 4000 };
              } finally {
                await surveyor.close();
              }
            },
            url,
          ),
        );
        // one respondent: its answer, then the deadline (300 ms, well before the 5 s wait)
        expect(outcome).toEqual({ answer: 'yes', after: 'ETIMEDOUT', endedEarly: true });
        expect(peer.output).toEqual([quoted('anyone there?')]);
        expect(watch.errors).toEqual([]);
      },
      TIMEOUT,
    );

    it(
      "PAIR v1 ↔ nngcat --pair1 --listen: nngcat's message arrives with hop count 1, and nngcat prints the page's",
      async () => {
        const url = await peerUrl('/pair1');
        const peer = startPeer('nngcat', ['--pair1', '--listen', url, '-Q', '-D', 'from nngcat', '-i', '1']);
        const { watch } = await openSitePage(chromium.open);

        const received = await whileRunning(
          [peer],
          inPage(
            watch.page,
            async (sp, target, kit) => {
              const pair = sp.socket('pair1', { recvTimeout: 10_000, sendTimeout: 10_000 });
              kit.state.pair = pair;
              pair.connect(target);
              const message = await pair.recvMessage();
              await pair.send('from the page');
              await pair.send('and again');
              return { body: kit.text(message.body), header: [...message.header] };
            },
            url,
          ),
        );
        expect(received).toEqual({ body: 'from nngcat', header: [0, 0, 0, 1] });
        await whilePeerRuns(peer, peer.line(quoted('and again')));
        expect(peer.output).toEqual([quoted('from the page'), quoted('and again')]);
        await inPage(watch.page, (_sp, _arg, kit) => kit.state.pair.close());
        expect(watch.errors).toEqual([]);
      },
      TIMEOUT,
    );
  });

  describeC(NN_PUB_TOPICS, 'a libnanomsg PUB alternating topics', () => {
    it(
      'SUB on "a:" gets every a: message in order and no b: one, while a SUB on "" sees both interleaved',
      async () => {
        const url = await peerUrl();
        const peer = await startC(NN_PUB_TOPICS, [url, '5']);
        await whilePeerRuns(peer, peer.line('ready'));
        const { watch } = await openSitePage(chromium.open);

        const got = await whileRunning(
          [peer],
          inPage(
            watch.page,
            async (sp, target, kit) => {
              const onlyA = sp.socket('sub', { recvTimeout: 5000 });
              const all = sp.socket('sub', { recvTimeout: 5000 });
              try {
                onlyA.subscribe('a:');
                all.subscribe('');
                onlyA.connect(target);
                all.connect(target);
                await Promise.all([kit.piped(onlyA), kit.piped(all)]);
                const take = async (sub: typeof all, count: number) => {
                  const bodies: string[] = [];
                  while (bodies.length < count) bodies.push(kit.text(await sub.recv()));
                  return bodies;
                };
                const [a, everything] = await Promise.all([take(onlyA, 8), take(all, 8)]);
                return { a, everything };
              } finally {
                await Promise.all([onlyA.close(), all.close()]);
              }
            },
            url,
          ),
        );
        const parse = (body: string) => {
          const match = /^([ab]):(\d+)$/.exec(body);
          expect(match, body).not.toBeNull();
          return { topic: match![1], n: Number(match![2]) };
        };
        // the publisher really alternates: consecutive messages change topic
        const everything = got.everything.map(parse);
        for (let i = 1; i < everything.length; i++) expect(everything[i]!.topic, got.everything.join(' ')).not.toBe(everything[i - 1]!.topic);
        // the filtered SUB: a: only, none missed
        const a = got.a.map(parse);
        expect(a.map((m) => m.topic)).toEqual(Array(8).fill('a'));
        for (let i = 1; i < a.length; i++) expect(a[i]!.n, got.a.join(' ')).toBe(a[i - 1]!.n + 1);
        expect(watch.errors).toEqual([]);
      },
      TIMEOUT,
    );
  });

  describePeer('nanocat', 'nanocat (libnanomsg 1.1.5)', () => {
    it(
      'SUB on "a:" attached to two nanocat --pub --bind ws:// (one per topic) gets only the a: messages',
      async () => {
        const [urlA, urlB] = [await peerUrl(), await peerUrl()];
        const pubA = startPeer('nanocat', ['--pub', '--bind', urlA, '-D', 'a:from nanocat', '-i', '0.02']);
        const pubB = startPeer('nanocat', ['--pub', '--bind', urlB, '-D', 'b:from nanocat', '-i', '0.02']);
        const { watch } = await openSitePage(chromium.open);

        const got = await whileRunning(
          [pubA, pubB],
          inPage(
            watch.page,
            async (sp, [a, b], kit) => {
              const onlyA = sp.socket('sub', { recvTimeout: 5000 });
              const onlyB = sp.socket('sub', { recvTimeout: 5000 });
              try {
                onlyA.subscribe('a:');
                onlyB.subscribe('b:');
                for (const sub of [onlyA, onlyB]) {
                  sub.connect(a);
                  sub.connect(b);
                }
                // both publishers attached to both SUBs before anything is counted
                await Promise.all([kit.piped(onlyA, 2), kit.piped(onlyB, 2)]);
                const take = async (sub: typeof onlyA) => {
                  const bodies: string[] = [];
                  while (bodies.length < 10) bodies.push(kit.text(await sub.recv()));
                  return bodies;
                };
                const [fromA, fromB] = await Promise.all([take(onlyA), take(onlyB)]);
                return { fromA, fromB };
              } finally {
                await Promise.all([onlyA.close(), onlyB.close()]);
              }
            },
            [urlA, urlB] as const,
          ),
        );
        expect(got.fromA).toEqual(Array(10).fill('a:from nanocat'));
        // the b: publisher was publishing all along: the other SUB got its messages
        expect(got.fromB).toEqual(Array(10).fill('b:from nanocat'));
        expect(watch.errors).toEqual([]);
      },
      TIMEOUT,
    );
  });
});
