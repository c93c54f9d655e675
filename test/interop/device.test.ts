/**
 * Devices across implementations, over TCP on 127.0.0.1, nanosp binding and connecting:
 *  - nanosp REQ → libnanomsg's nn_device (test/interop/c/nn_device.c) → nanosp REP, and the
 *    same for SURVEYOR → RESPONDENT: libnanomsg's raw sockets push a hop word onto nanosp's
 *    requests and route nanosp's replies back on it;
 *  - the cats' REQ and SURVEYOR → nanosp's device(raw REP, raw REQ) / device(raw RESPONDENT,
 *    raw SURVEYOR) → the same cat's REP and RESPONDENT: nanosp's raw sockets carry libnanomsg's
 *    and NNG's headers through unchanged;
 *  - both devices in one chain, where the REP sees two hop words.
 * The C device prints "ready" once its endpoints are set up; nanosp's 'pipe' events say when
 * its sockets are attached; the cats repeat (-i) and nanosp surveys again only when a
 * survey's deadline passed unanswered (a device's surveyor forwards to whoever is attached).
 */
import { describe, expect, it } from 'vitest';
import { device, type SpSocket } from '../../src/index.js';
import { answerUntil, CATS, catArgs, SIDES, surveyUntilAnswered, type Side } from '../helpers/cat.js';
import { describeC, NN_DEVICE, startC } from '../helpers/cprog.js';
import { freeTcpUrl, quoted, recvText, whilePeerRuns } from '../helpers/interop.js';
import { describePeer, startPeer, type Peer } from '../helpers/peers.js';
import { next, testSocket } from '../helpers/sockets.js';

const TIMEOUT = 15_000;
const ANY_PORT = 'tcp://127.0.0.1:0';

/** Resolves once each of `socks` has attached a pipe (subscribe before binding or connecting). */
function attached(...socks: SpSocket[]): Promise<unknown> {
  const piped = Promise.all(socks.map((s) => next(s, 'pipe', 10_000)));
  piped.catch(() => {});
  return piped;
}

/** Waits on `work`, failing as soon as any of `peers` exits. */
function whileAllRun<T>(peers: readonly Peer[], work: Promise<T>): Promise<T> {
  return peers.reduce((w, peer) => whilePeerRuns(peer, w), work);
}

/**
 * Start the C device of `protocol` between nanosp's `client` (facing its front) and `server`
 * (facing its back): nanosp binds and the device connects, or the device binds and nanosp
 * connects once it printed "ready". Resolves once both nanosp sockets have their pipe.
 */
async function cDeviceBetween(protocol: 'reqrep' | 'survey', side: Side, client: SpSocket, server: SpSocket): Promise<Peer> {
  const piped = attached(client, server);
  let dev: Peer;
  if (side === 'binds') {
    const front = await client.bind(ANY_PORT);
    const back = await server.bind(ANY_PORT);
    dev = await startC(NN_DEVICE, [protocol, 'connect', front.url, 'connect', back.url]);
    await whilePeerRuns(dev, dev.line('ready'));
  } else {
    const front = await freeTcpUrl();
    const back = await freeTcpUrl();
    dev = await startC(NN_DEVICE, [protocol, 'bind', front, 'bind', back]);
    await whilePeerRuns(dev, dev.line('ready'));
    client.connect(front);
    server.connect(back);
  }
  await whilePeerRuns(dev, piped);
  return dev;
}

/** The 32-bit words of an SP header. */
function words(header: Buffer): number[] {
  const out: number[] = [];
  for (let i = 0; i + 4 <= header.length; i += 4) out.push(header.readUInt32BE(i));
  return out;
}

/** A request or survey id has the top bit set; a hop word (a device's pipe key) does not. */
function isId(word: number): boolean {
  return word >>> 31 === 1;
}

describeC(NN_DEVICE, 'interop: a libnanomsg device (nn_device.c) between nanosp sockets over TCP', () => {
  for (const side of SIDES) {
    describe(`nanosp ${side}`, () => {
      it(
        'nanosp REQ → libnanomsg device → nanosp REP: each request arrives with one hop word and each reply comes back',
        async () => {
          const req = testSocket('req');
          const rep = testSocket('rep');
          const dev = await cDeviceBetween('reqrep', side, req, rep);
          const hops = new Set<number>();
          const ids = new Set<number>();
          for (const n of [1, 2, 3]) {
            await req.send(`ping ${n}`);
            const request = await whilePeerRuns(dev, rep.recvMessage({ timeout: 10_000 }));
            expect(request.body.toString()).toBe(`ping ${n}`);
            // [device's pipe key (top bit clear)] [nanosp's request id (top bit set)]
            const [hop, id] = words(request.header) as [number, number];
            expect(request.header).toHaveLength(8);
            expect(isId(hop)).toBe(false);
            expect(isId(id)).toBe(true);
            hops.add(hop);
            ids.add(id);
            await rep.send(`pong ${n}`);
            expect(await recvText(req, dev)).toBe(`pong ${n}`);
          }
          expect(hops.size).toBe(1); // one client pipe on the device's front
          expect(ids.size).toBe(3); // a new id per request
          expect(dev.running).toBe(true);
        },
        TIMEOUT,
      );

      it(
        'nanosp SURVEYOR → libnanomsg device → nanosp RESPONDENT: the survey goes through and the response comes back',
        async () => {
          const surveyor = testSocket('surveyor', { surveyDeadline: 300 });
          const respondent = testSocket('respondent');
          const dev = await cDeviceBetween('survey', side, surveyor, respondent);
          const answered = surveyUntilAnswered(surveyor, 'q', dev);
          const asked = await answerUntil(respondent, 'yes', answered);
          expect(await answered).toBe('yes');
          expect(asked.length).toBeGreaterThanOrEqual(1);
          expect(new Set(asked)).toEqual(new Set(['q']));
          expect(dev.running).toBe(true);
        },
        TIMEOUT,
      );
    });
  }
});

for (const cat of CATS) {
  const start = (type: 'req' | 'rep' | 'surveyor' | 'respondent', args: string[], how: string, url: string) =>
    startPeer(cat.command, [...catArgs(cat, type, args), how, url]);

  /**
   * A client cat facing nanosp's raw `front` and a server cat facing its raw `back`, nanosp
   * binding or connecting; resolves with both peers once both raw sockets have their pipe.
   */
  async function catsAround(side: Side, front: SpSocket, back: SpSocket, client: (how: string, url: string) => Peer, server: (how: string, url: string) => Peer) {
    const piped = attached(front, back);
    let peers: [Peer, Peer];
    if (side === 'binds') {
      const frontEp = await front.bind(ANY_PORT);
      const backEp = await back.bind(ANY_PORT);
      peers = [client(cat.connect, frontEp.url), server(cat.connect, backEp.url)];
    } else {
      const frontUrl = await freeTcpUrl();
      const backUrl = await freeTcpUrl();
      peers = [client(cat.bind, frontUrl), server(cat.bind, backUrl)];
      front.connect(frontUrl);
      back.connect(backUrl);
    }
    await whileAllRun(peers, piped);
    return peers;
  }

  describePeer(cat.command, `interop: a nanosp device between ${cat.command} (${cat.library}) peers over TCP`, () => {
    for (const side of SIDES) {
      describe(`nanosp ${side}`, () => {
        it(
          `${cat.command} --req → nanosp device(raw REP, raw REQ) → ${cat.command} --rep, and the reply comes back`,
          async () => {
            const front = testSocket('rep', { raw: true });
            const back = testSocket('req', { raw: true });
            const forwarding = device(front, back);
            forwarding.catch(() => {});
            const [client, server] = await catsAround(
              side,
              front,
              back,
              (how, url) => start('req', ['-Q', '-D', 'ping', '-i', cat.interval], how, url),
              (how, url) => start('rep', ['-Q', '-D', 'pong'], how, url),
            );
            await whileAllRun([client, server], Promise.all([client.line(quoted('pong')), server.line(quoted('ping'))]));
            await front.close();
            await expect(forwarding).rejects.toMatchObject({ code: 'EBADF' });
          },
          TIMEOUT,
        );

        it(
          `${cat.command} --surveyor → nanosp device(raw RESPONDENT, raw SURVEYOR) → ${cat.command} --respondent, and the response comes back`,
          async () => {
            const front = testSocket('respondent', { raw: true });
            const back = testSocket('surveyor', { raw: true });
            const forwarding = device(front, back);
            forwarding.catch(() => {});
            const [client, server] = await catsAround(
              side,
              front,
              back,
              (how, url) => start('surveyor', ['-Q', '-D', 'q', '-i', cat.interval], how, url),
              (how, url) => start('respondent', ['-Q', '-D', 'yes'], how, url),
            );
            await whileAllRun([client, server], Promise.all([client.line(quoted('yes')), server.line(quoted('q'))]));
            await back.close();
            await expect(forwarding).rejects.toMatchObject({ code: 'EBADF' });
          },
          TIMEOUT,
        );
      });
    }
  });
}

describeC(NN_DEVICE, 'interop: libnanomsg and nanosp devices in one chain', () => {
  it(
    'nanosp REQ → libnanomsg device → nanosp device → nanosp REP: two hop words on the way in, both popped on the way back',
    async () => {
      const req = testSocket('req');
      const rep = testSocket('rep');
      const front = testSocket('rep', { raw: true });
      const back = testSocket('req', { raw: true });
      const forwarding = device(front, back);
      forwarding.catch(() => {});
      // REQ → [C device binds both] → raw REP … raw REQ [binds] → REP
      const piped = attached(req, rep, front, back);
      const cFront = await freeTcpUrl();
      const cBack = await freeTcpUrl();
      const dev = await startC(NN_DEVICE, ['reqrep', 'bind', cFront, 'bind', cBack]);
      await whilePeerRuns(dev, dev.line('ready'));
      const backEp = await back.bind(ANY_PORT);
      req.connect(cFront);
      front.connect(cBack);
      rep.connect(backEp.url);
      await whilePeerRuns(dev, piped);

      await req.send('ping');
      const request = await whilePeerRuns(dev, rep.recvMessage({ timeout: 10_000 }));
      expect(request.body.toString()).toBe('ping');
      const trace = words(request.header);
      expect(trace).toHaveLength(3);
      expect(trace.map(isId)).toEqual([false, false, true]);
      await rep.send('pong');
      expect(await recvText(req, dev)).toBe('pong');
    },
    TIMEOUT,
  );
});
