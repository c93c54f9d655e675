/**
 * PAIR v1 (NNG's pair1, protocol 0x11, spec/nng.md §2) across implementations:
 *  - nngcat --pair1 (NNG 1.5.2) in both roles over TCP, IPC and WebSocket (subprotocol
 *    pair1.sp.nanomsg.org): nanosp receives nngcat's --data with the hop count 1 NNG put on the
 *    wire, and nngcat prints (-Q, or -A raw) what nanosp sends;
 *  - a hand-driven TCP peer speaking the SP header and framing byte by byte: a hop count above
 *    maxTtl is dropped and counted while the pipe stays; a payload shorter than the 4-byte hop
 *    count, or a count above 0xff, closes that pipe; a monogamous socket refuses a second peer;
 *  - NNG's polyamorous PAIR v1 (test/interop/c/nng_pair1_poly.c) echoing, each on its own pipe,
 *    three nanosp PAIR v1 dialers, a nanosp polyamorous socket dialing it three times, and a
 *    nanosp PAIR v1 listener it dials;
 *  - a nanosp polyamorous listener answering three nngcat --pair1 dialers, each on its own pipe,
 *    and dropping (counted) what is addressed to a pipe that is gone.
 * nanosp binds port 0; an NNG peer that must bind gets a free port (and the C one prints "ready").
 */
import { describe, expect, it } from 'vitest';
import { SpError, type SpSocket } from '../../src/index.js';
import type { PipeInfo } from '../../src/sp/events.js';
import { CATS, IPC, joinCat, SIDES, TCP, WS, type Cat } from '../helpers/cat.js';
import { describeC, NNG_PAIR1_POLY, startC } from '../helpers/cprog.js';
import { freeTcpUrl, quoted, whilePeerRuns } from '../helpers/interop.js';
import { describePeer, startPeer, type Peer } from '../helpers/peers.js';
import { frame, rawConnect, spHeaderBytes, type RawPeer } from '../helpers/raw-peer.js';
import { next, testSocket } from '../helpers/sockets.js';

const TIMEOUT = 20_000;
const ANY_PORT = 'tcp://127.0.0.1:0';
const PAIR1 = 0x11;

/** nngcat with its PAIR v1 flag (cat.ts maps nanosp's `pair` to --pair0). */
const nngcat: Cat = { ...(CATS.find((cat) => cat.command === 'nngcat') as Cat), type: { pair1: ['--pair1'] } };

const decoder = new TextDecoder();
function text(body: Uint8Array): string {
  return decoder.decode(body);
}

function codeOf(err: unknown): string | undefined {
  return err instanceof SpError ? err.code : undefined;
}

/** The 4-byte big-endian hop count header. */
function hops(count: number): Buffer {
  const header = Buffer.alloc(4);
  header.writeUInt32BE(count);
  return header;
}

/** A PAIR v1 TCP frame: 8-byte length, hop count, body. */
function pair1Frame(count: number, body: string): Buffer {
  return frame(Buffer.concat([hops(count), Buffer.from(body)]));
}

/** Waits on `work`, failing as soon as any of `peers` exits. */
function whileAllRun<T>(peers: readonly Peer[], work: Promise<T>): Promise<T> {
  return peers.reduce((w, peer) => whilePeerRuns(peer, w), work);
}

/** Resolves once `sock` has at least `count` pipes. */
async function pipes(sock: SpSocket, count: number, timeoutMs = 10_000): Promise<void> {
  while (sock.pipes.length < count) await next(sock, 'pipe', timeoutMs);
}

/** Everything a peer writes to stdout, newline or not (nngcat -A prints none). */
function rawStdout(peer: Peer): { readonly text: string; until(expected: string, timeoutMs?: number): Promise<void> } {
  let seen = '';
  const waiters: (() => void)[] = [];
  peer.child.stdout.on('data', (chunk: string) => {
    seen += chunk;
    waiters.splice(0).forEach((w) => w());
  });
  return {
    get text() {
      return seen;
    },
    async until(expected, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (seen !== expected) {
        if (!expected.startsWith(seen)) throw new Error(`${peer.commandLine} printed ${JSON.stringify(seen)}, expected ${JSON.stringify(expected)}`);
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`${peer.commandLine} printed ${JSON.stringify(seen)} within ${timeoutMs} ms, expected ${JSON.stringify(expected)}; stderr ${JSON.stringify(peer.stderr)}`);
        await whilePeerRuns(peer, new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        }));
      }
    },
  };
}

// ---- nngcat --pair1, both roles, three transports ----------------------------------------

describePeer('nngcat', 'interop PAIR v1: nngcat --pair1 (NNG 1.5.2)', () => {
  for (const where of [TCP, IPC, WS]) {
    const scheme = where === TCP ? 'tcp' : where === IPC ? 'ipc' : 'ws';
    for (const side of SIDES) {
      describe(`over ${where.name}, nanosp ${side}`, () => {
        it(
          "receives nngcat's data with hop count 1, and nngcat prints (-Q) what nanosp sends",
          async () => {
            const pair = testSocket('pair1');
            const attached: PipeInfo[] = [];
            pair.on('pipe', (pipe) => attached.push(pipe));
            const from = `from nngcat over ${scheme}`;
            const peer = await joinCat(nngcat, pair, side, 'pair1', ['-Q', '-D', from, '-i', nngcat.interval], where);
            expect(pair.pipes[0]!.endpoint.url.startsWith(`${scheme}://`)).toBe(true);

            const message = await whilePeerRuns(peer, pair.recvMessage({ timeout: 10_000 }));
            expect(text(message.body)).toBe(from);
            expect([...message.header]).toEqual([0, 0, 0, 1]); // NNG's cooked send: one hop
            expect(attached.map((p) => p.id)).toEqual([message.pipe]);

            for (const body of ['hello', 'second']) await pair.send(body, { timeout: 5000 });
            await whilePeerRuns(peer, peer.line(quoted('second')));
            // nngcat prints only what it receives: both, in order
            expect(peer.output).toEqual([quoted('hello'), quoted('second')]);
          },
          TIMEOUT,
        );
      });
    }
  }

  for (const side of SIDES) {
    it(
      `over TCP, nanosp ${side}: nngcat -A prints the raw bodies nanosp sends, without the hop count`,
      async () => {
        const pair = testSocket('pair1');
        const peer = await joinCat(nngcat, pair, side, 'pair1', ['-A'], TCP);
        const out = rawStdout(peer);
        for (const body of ['one', 'two', 'three']) await pair.send(body, { timeout: 5000 });
        await out.until('onetwothree'); // -A adds no newline (peers.md gotcha 4)
      },
      TIMEOUT,
    );
  }

  it(
    'a maxTtl of 1 still takes what nngcat sends (one hop), with --count: exactly that many arrive',
    async () => {
      const pair = testSocket('pair1');
      pair.setOption('maxTtl', 1);
      const peer = await joinCat(nngcat, pair, 'binds', 'pair1', ['-Q', '-D', 'counted', '-C', '2', '-i', '1'], TCP);
      const first = await whilePeerRuns(peer, pair.recvMessage({ timeout: 10_000 }));
      expect([text(first.body), [...first.header]]).toEqual(['counted', [0, 0, 0, 1]]);
      expect(await peer.exited).toEqual({ code: 0, signal: null });
      const second = await pair.recvMessage({ timeout: 2000 });
      expect(text(second.body)).toBe('counted');
      expect(codeOf(await pair.recv({ timeout: 200 }).catch((e: unknown) => e))).toBe('ETIMEDOUT');
      expect(pair.stats.droppedMessages).toBe(0);
    },
    TIMEOUT,
  );
});

// ---- a hand-driven TCP peer --------------------------------------------------------------

describe('interop PAIR v1: the wire, against a hand-driven TCP peer', () => {
  /** Bind `pair` on port 0, connect a raw peer, exchange SP headers, and wait for the pipe. */
  async function rawPair(pair: SpSocket): Promise<{ raw: RawPeer; pipe: PipeInfo }> {
    const ep = await pair.bind(ANY_PORT);
    const piped = next(pair, 'pipe');
    const raw = await rawConnect(ep.url);
    await raw.writeSegments([spHeaderBytes(PAIR1)]);
    const [pipe] = await piped;
    expect([...(await raw.receivedAtLeast(8)).subarray(0, 8)]).toEqual([0x00, 0x53, 0x50, 0x00, 0x00, 0x11, 0x00, 0x00]);
    return { raw, pipe };
  }

  it('nanosp sends its SP header 00 53 50 00 00 11 00 00, then length, hop count 1, body', async () => {
    const pair = testSocket('pair1');
    const { raw } = await rawPair(pair);
    await pair.send('out', { timeout: 2000 });
    const got = await raw.receivedAtLeast(8 + 8 + 4 + 3);
    expect(got.subarray(8).toString('hex')).toBe('0000000000000007' + '00000001' + Buffer.from('out').toString('hex'));
  });

  it('a hop count above maxTtl is dropped and counted, the pipe stays, and the good ones after it arrive with their counts', async () => {
    const pair = testSocket('pair1');
    pair.setOption('maxTtl', 3);
    const removed: unknown[] = [];
    pair.on('pipe-removed', (...args) => removed.push(args));
    const { raw, pipe } = await rawPair(pair);

    await raw.writeSegments([pair1Frame(4, 'too far'), pair1Frame(3, 'at max'), pair1Frame(0, 'no hops')]);
    const first = await pair.recvMessage({ timeout: 5000 });
    expect({ body: text(first.body), header: [...first.header], pipe: first.pipe }).toEqual({ body: 'at max', header: [0, 0, 0, 3], pipe: pipe.id });
    const second = await pair.recvMessage({ timeout: 5000 });
    expect({ body: text(second.body), header: [...second.header] }).toEqual({ body: 'no hops', header: [0, 0, 0, 0] });
    expect(pair.stats.droppedMessages).toBe(1);

    // 0xff is the most a header may carry: above maxTtl 15 it is dropped too, not a broken pipe
    pair.setOption('maxTtl', 15);
    await raw.writeSegments([pair1Frame(0xff, 'far too far'), pair1Frame(15, 'fifteen')]);
    expect(text(await pair.recv({ timeout: 5000 }))).toBe('fifteen');
    expect(pair.stats.droppedMessages).toBe(2);
    expect(removed).toEqual([]);
    expect(pair.pipes.map((p) => p.id)).toEqual([pipe.id]);

    // and the pipe still carries nanosp's messages back
    await pair.send('still paired', { timeout: 2000 });
    const back = await raw.receivedAtLeast(8 + 8 + 4 + 12);
    expect(back.subarray(8 + 8, 8 + 8 + 4 + 12).toString('latin1')).toBe('\0\0\0\x01still paired');
  });

  for (const [name, payload] of [
    ['a 2-byte payload (shorter than the hop count)', Buffer.from([0, 1])],
    ['an empty payload', Buffer.alloc(0)],
    ['hop count 0x100', Buffer.concat([hops(0x100), Buffer.from('x')])],
    ['hop count 0xffffffff', Buffer.concat([hops(0xffffffff), Buffer.from('x')])],
  ] as const) {
    it(`${name} closes that pipe: 'pipe-broken', counted, and the peer's connection ends`, async () => {
      const pair = testSocket('pair1');
      const { raw, pipe } = await rawPair(pair);
      const broken = next(pair, 'pipe-broken');
      const gone = next(pair, 'pipe-removed');
      await raw.writeSegments([frame(payload)]);
      const [event] = await broken;
      expect(event.pipe?.id).toBe(pipe.id);
      expect(event.error).toBeInstanceOf(SpError);
      const [removedPipe, reason] = await gone;
      expect([removedPipe.id, reason]).toEqual([pipe.id, 'broken']);
      await raw.closed;
      expect(pair.stats.droppedMessages).toBe(1);
      expect(pair.pipes).toEqual([]);
      await expect(pair.recv({ timeout: 100 })).rejects.toMatchObject({ code: 'ETIMEDOUT' });
    });
  }

  it('a monogamous PAIR v1 refuses a second peer and keeps the first', async () => {
    const pair = testSocket('pair1');
    const { raw: first, pipe } = await rawPair(pair);
    const refused = next(pair, 'pipe-broken');
    const second = await rawConnect(pair.endpoints[0]!.url);
    await second.writeSegments([spHeaderBytes(PAIR1)]);
    const [event] = await refused;
    expect(event.pipe?.id).not.toBe(pipe.id);
    await second.closed;
    expect(pair.pipes.map((p) => p.id)).toEqual([pipe.id]);
    await first.writeSegments([pair1Frame(1, 'first')]);
    expect(text(await pair.recv({ timeout: 5000 }))).toBe('first');
  });

  it('maxTtl on pair1 takes 1..15 (NNG clamps to 15) and defaults to 8', () => {
    const pair = testSocket('pair1');
    expect(pair.getOption('maxTtl')).toBe(8);
    pair.setOption('maxTtl', 15);
    expect(pair.getOption('maxTtl')).toBe(15);
    pair.setOption('maxTtl', 1);
    expect(pair.getOption('maxTtl')).toBe(1);
    for (const bad of [0, 16, 255]) {
      let err: unknown;
      try {
        pair.setOption('maxTtl', bad);
      } catch (e) {
        err = e;
      }
      expect(codeOf(err), `maxTtl ${bad}`).toBe('EINVAL');
    }
    expect(pair.getOption('maxTtl')).toBe(1);
  });
});

// ---- NNG's polyamorous PAIR v1 (nng_pair1_poly.c) ----------------------------------------

/** Start nng_pair1_poly listening on a free port, waiting for "ready" (another port if taken). */
async function polyListener(count: number): Promise<{ peer: Peer; url: string }> {
  for (let attempt = 1; ; attempt++) {
    const url = await freeTcpUrl();
    const peer = await startC(NNG_PAIR1_POLY, ['listen', url, String(count)]);
    try {
      await whilePeerRuns(peer, peer.line('ready'));
      return { peer, url };
    } catch (err) {
      if (attempt >= 3 || !/address in use/i.test(peer.stderr)) throw err;
    }
  }
}

/** nng_pair1_poly's "served <pipe-id> <body>" lines, as [pipe-id, body]. */
function servedLines(peer: Peer): [number, string][] {
  return peer.output.flatMap((line): [number, string][] => {
    const m = /^served (\d+) (.*)$/.exec(line);
    return m ? [[Number(m[1]), m[2]!]] : [];
  });
}

describeC(NNG_PAIR1_POLY, 'interop PAIR v1: NNG polyamorous PAIR v1 (nng_pair1_poly.c)', () => {
  it(
    'three nanosp PAIR v1 dialers are each answered on their own pipe: each gets exactly its own echo',
    async () => {
      const { peer: server, url } = await polyListener(3);
      const dialers = [0, 1, 2].map(() => testSocket('pair1'));
      const piped = Promise.all(dialers.map((d) => next(d, 'pipe', 10_000)));
      for (const d of dialers) d.connect(url);
      await whilePeerRuns(server, piped);

      await Promise.all(dialers.map((d, k) => d.send(`hello from ${k}`, { timeout: 5000 })));
      const echoes = await whilePeerRuns(server, Promise.all(dialers.map((d) => d.recvMessage({ timeout: 10_000 }))));
      expect(echoes.map((m) => text(m.body))).toEqual(['echo:hello from 0', 'echo:hello from 1', 'echo:hello from 2']);
      expect(echoes.map((m) => [...m.header])).toEqual(Array(3).fill([0, 0, 0, 1]));
      // nothing else came to anyone
      for (const d of dialers) expect(codeOf(await d.recv({ timeout: 300 }).catch((e: unknown) => e))).toBe('ETIMEDOUT');

      expect(await server.exited).toEqual({ code: 0, signal: null });
      const served = servedLines(server);
      expect(served.map(([, body]) => body).sort()).toEqual(['hello from 0', 'hello from 1', 'hello from 2']);
      expect(new Set(served.map(([id]) => id)).size).toBe(3);
    },
    TIMEOUT,
  );

  it(
    'dialing a nanosp PAIR v1 listener (NNG dials, in the background): echoes what nanosp sends',
    async () => {
      const pair = testSocket('pair1');
      const ep = await pair.bind(ANY_PORT);
      const piped = next(pair, 'pipe', 10_000);
      const client = await startC(NNG_PAIR1_POLY, ['dial', ep.url, '1']);
      await whilePeerRuns(client, piped);
      await pair.send('ping', { timeout: 5000 });
      const echo = await whilePeerRuns(client, pair.recvMessage({ timeout: 10_000 }));
      expect({ body: text(echo.body), header: [...echo.header] }).toEqual({ body: 'echo:ping', header: [0, 0, 0, 1] });
      expect(await client.exited).toEqual({ code: 0, signal: null });
      expect(servedLines(client).map(([, body]) => body)).toEqual(['ping']);
    },
    TIMEOUT,
  );

  it(
    'a nanosp polyamorous socket dialing it three times: each send to a named pipe is echoed on that pipe',
    async () => {
      const { peer: server, url } = await polyListener(6);
      const poly = testSocket('pair1', { polyamorous: true });
      const attached: PipeInfo[] = [];
      poly.on('pipe', (pipe) => attached.push(pipe));
      for (let i = 0; i < 3; i++) poly.connect(url);
      await whilePeerRuns(server, pipes(poly, 3));
      const ids = attached.map((p) => p.id);
      expect(new Set(ids).size).toBe(3);

      // two rounds, each pipe named in turn
      for (const round of [0, 1]) {
        for (const id of ids) await poly.sendMessage({ body: `round ${round} to ${id}`, pipe: id }, { timeout: 2000 });
        const got = await whilePeerRuns(server, Promise.all(ids.map(() => poly.recvMessage({ timeout: 10_000 }))));
        const byPipe = new Map(got.map((m) => [m.pipe, text(m.body)]));
        expect(Object.fromEntries(byPipe)).toEqual(Object.fromEntries(ids.map((id) => [id, `echo:round ${round} to ${id}`])));
      }
      // NNG saw three pipes, each carrying only what nanosp named for it
      expect(await server.exited).toEqual({ code: 0, signal: null });
      const served = servedLines(server);
      const nngPipeOf = new Map<number, number>(); // nanosp pipe id -> NNG pipe id
      for (const [nngPipe, body] of served) {
        const id = Number(/to (\d+)$/.exec(body)![1]);
        if (!nngPipeOf.has(id)) nngPipeOf.set(id, nngPipe);
        expect(nngPipeOf.get(id), body).toBe(nngPipe);
      }
      expect(new Set(nngPipeOf.values()).size).toBe(3);
      expect(poly.stats.droppedSends).toBe(0);
    },
    TIMEOUT,
  );
});

// ---- a nanosp polyamorous listener and nngcat dialers -------------------------------------

describePeer('nngcat', 'interop PAIR v1: a nanosp polyamorous listener and nngcat --pair1 dialers', () => {
  it(
    'answers three nngcat dialers on their own pipes: each gets only its own reply, and a reply to a gone pipe is dropped',
    async () => {
      const poly = testSocket('pair1', { polyamorous: true });
      const ep = await poly.bind(ANY_PORT);
      const attached = new Map<number, PipeInfo>();
      poly.on('pipe', (pipe) => attached.set(pipe.id, pipe));
      const removed: number[] = [];
      poly.on('pipe-removed', (pipe) => removed.push(pipe.id));

      // each sends once (-C 1) and prints what it receives for a second (-i 1), then exits
      const cats = [0, 1, 2].map((k) => startPeer('nngcat', ['--pair1', '--dial', ep.url, '-Q', '--data', `from cat ${k}`, '--count', '1', '--interval', '1']));
      const askedOn = new Map<string, number>();
      for (let i = 0; i < 3; i++) {
        const { body, header, pipe } = await whileAllRun(cats, poly.recvMessage({ timeout: 10_000 }));
        expect([...header]).toEqual([0, 0, 0, 1]);
        expect(attached.get(pipe)?.endpoint.url, `pipe ${pipe} was announced`).toBe(ep.url);
        askedOn.set(text(body), pipe);
        await poly.sendMessage({ body: `reply to ${text(body)}`, pipe });
      }
      expect(new Set(askedOn.values()).size).toBe(3);
      expect(new Set([...attached.values()].map((p) => p.remoteAddress)).size).toBe(3);

      const exits = await Promise.all(cats.map((cat) => cat.exited));
      cats.forEach((cat, k) => {
        expect(exits[k], cat.stderr).toEqual({ code: 0, signal: null });
        expect(cat.output).toEqual([quoted(`reply to from cat ${k}`)]);
      });
      expect(poly.stats.droppedSends).toBe(0);

      // the cats are gone: a reply to one of their pipes, or to "the first pipe", is dropped and counted
      while (removed.length < 3) await next(poly, 'pipe-removed', 5000);
      await poly.sendMessage({ body: 'too late', pipe: askedOn.get('from cat 0')! }, { timeout: 1000 });
      expect(poly.stats.droppedSends).toBe(1);
      await poly.sendMessage({ body: 'nobody' }, { timeout: 1000 });
      expect(poly.stats.droppedSends).toBe(2);
    },
    TIMEOUT,
  );

  it(
    'with three nngcat dialers sending every second, unaddressed sends go to the first pipe only',
    async () => {
      const poly = testSocket('pair1', { polyamorous: true });
      const ep = await poly.bind(ANY_PORT);
      const order: number[] = [];
      poly.on('pipe', (pipe) => order.push(pipe.id));
      const cats: Peer[] = [];
      for (let k = 0; k < 3; k++) {
        cats.push(startPeer('nngcat', ['--pair1', '--dial', ep.url, '-Q', '--data', `cat ${k}`, '--interval', '1']));
        await whileAllRun(cats, pipes(poly, k + 1)); // one at a time, so the first pipe is cat 0's
      }
      // learn which pipe is whose from what they send
      const whose = new Map<number, string>();
      while (whose.size < 3) {
        const m = await whileAllRun(cats, poly.recvMessage({ timeout: 10_000 }));
        whose.set(m.pipe, text(m.body));
      }
      expect(whose.get(order[0]!)).toBe('cat 0');

      await poly.send('to whoever is first');
      await poly.sendMessage({ body: 'to pipe zero', pipe: 0 });
      await whilePeerRuns(cats[0]!, cats[0]!.line(quoted('to pipe zero')));
      expect(cats[0]!.output).toEqual([quoted('to whoever is first'), quoted('to pipe zero')]);
      // give a stray message time to show up at the others
      await poly.sendMessage({ body: 'to cat 2', pipe: order[2]! });
      await whilePeerRuns(cats[2]!, cats[2]!.line(quoted('to cat 2')));
      expect(cats[1]!.output).toEqual([]);
      expect(cats[2]!.output).toEqual([quoted('to cat 2')]);
    },
    TIMEOUT,
  );
});
