/**
 * Every received message names the pipe it came in on (NNG's nng_msg_get_pipe): on every
 * socket type that receives — pair, pair1 (monogamous and polyamorous), pull, sub, req, rep,
 * surveyor, respondent, bus — cooked and raw, from the socket and from its contexts,
 * recvMessage().pipe is the id of the 'pipe' event object for the peer that sent it, and that
 * object carries the peer's remoteAddress and its endpoint ({ id, url, kind }). Two peers
 * each: their messages carry their own pipe ids. Real TCP on loopback, both ways round (the
 * receiver binding and its peers dialing, and the receiver dialing its peers).
 */
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { Context, SpError, type Message, type PipeInfo, type SocketInit, type SocketType, type SpSocket } from '../../src/index.js';
import { next, testSocket } from '../helpers/sockets.js';

/** What receives: the socket itself or one of its contexts. */
type Receiver = SpSocket | Context;

interface Case {
  readonly type: SocketType;
  readonly init?: SocketInit;
  /** Receive through a context of the socket. */
  readonly ctx?: boolean;
  readonly peer: SocketType;
  /** One peer at a time (PAIR, PAIR v1 monogamous): the second comes once the first has gone. */
  readonly monogamous?: boolean;
  /**
   * Have peer `name` (or, for the requesting types, whichever peer answers) deliver messages
   * to `r` and return them; the body of each is its sender's name.
   */
  readonly how: 'peer-sends' | 'request' | 'survey';
}

const CASES: Record<string, Case> = {
  pair: { type: 'pair', peer: 'pair', monogamous: true, how: 'peer-sends' },
  'pair raw': { type: 'pair', init: { raw: true }, peer: 'pair', monogamous: true, how: 'peer-sends' },
  pair1: { type: 'pair1', peer: 'pair1', monogamous: true, how: 'peer-sends' },
  'pair1 raw': { type: 'pair1', init: { raw: true }, peer: 'pair1', monogamous: true, how: 'peer-sends' },
  'pair1 polyamorous': { type: 'pair1', init: { polyamorous: true }, peer: 'pair1', how: 'peer-sends' },
  pull: { type: 'pull', peer: 'push', how: 'peer-sends' },
  'pull raw': { type: 'pull', init: { raw: true }, peer: 'push', how: 'peer-sends' },
  sub: { type: 'sub', peer: 'pub', how: 'peer-sends' },
  'sub raw': { type: 'sub', init: { raw: true }, peer: 'pub', how: 'peer-sends' },
  'sub context': { type: 'sub', ctx: true, peer: 'pub', how: 'peer-sends' },
  rep: { type: 'rep', peer: 'req', how: 'peer-sends' },
  'rep raw': { type: 'rep', init: { raw: true }, peer: 'req', how: 'peer-sends' },
  'rep context': { type: 'rep', ctx: true, peer: 'req', how: 'peer-sends' },
  respondent: { type: 'respondent', peer: 'surveyor', how: 'peer-sends' },
  'respondent raw': { type: 'respondent', init: { raw: true }, peer: 'surveyor', how: 'peer-sends' },
  'respondent context': { type: 'respondent', ctx: true, peer: 'surveyor', how: 'peer-sends' },
  req: { type: 'req', peer: 'rep', how: 'request' },
  'req raw': { type: 'req', init: { raw: true }, peer: 'rep', how: 'request' },
  'req context': { type: 'req', ctx: true, peer: 'rep', how: 'request' },
  surveyor: { type: 'surveyor', peer: 'respondent', how: 'survey' },
  'surveyor raw': { type: 'surveyor', init: { raw: true }, peer: 'respondent', how: 'survey' },
  'surveyor context': { type: 'surveyor', ctx: true, peer: 'respondent', how: 'survey' },
  bus: { type: 'bus', peer: 'bus', how: 'peer-sends' },
  'bus raw': { type: 'bus', init: { raw: true }, peer: 'bus', how: 'peer-sends' },
};

/** Background answering loops of REP and RESPONDENT peers, ended when their sockets close. */
const loops: Promise<void>[] = [];
const answering: SpSocket[] = [];
afterEach(async () => {
  // this hook runs before the helpers' own (which close every test socket): close these here
  await Promise.all(answering.splice(0).map((s) => s.close()));
  await Promise.all(loops.splice(0));
});

/** Answer every request or survey on `s` with `name` until `s` closes. */
function answer(s: SpSocket, name: string): void {
  answering.push(s);
  loops.push(
    (async () => {
      for (;;) {
        try {
          await s.recv();
          await s.send(name);
        } catch (err) {
          if (err instanceof SpError && (err.code === 'EBADF' || err.code === 'EFSM')) {
            if (err.code === 'EBADF') return;
            continue;
          }
          throw err;
        }
      }
    })(),
  );
}

let requestId = 1;

/** One message from `peer` named `name` (or from whichever peer answers) received on `r`. */
async function deliver(c: Case, r: Receiver, peer: SpSocket, name: string): Promise<Message[]> {
  if (c.how === 'peer-sends') {
    await peer.send(name);
    return [await r.recvMessage({ timeout: 5000 })];
  }
  const raw = c.init?.raw === true;
  const header = Buffer.alloc(4);
  header.writeUInt32BE((0x8000_0000 | requestId++) >>> 0);
  if (raw) await r.sendMessage({ body: 'question', header });
  else await r.send('question');
  if (c.how === 'request') return [await r.recvMessage({ timeout: 5000 })];
  // a survey reaches every respondent: both answer
  return [await r.recvMessage({ timeout: 5000 }), await r.recvMessage({ timeout: 5000 })];
}

/** A peer for `c`, answering with `name` when it is the answering kind. */
function makePeer(c: Case, name: string): SpSocket {
  const peer = testSocket(c.peer);
  if (c.how !== 'peer-sends') answer(peer, name);
  return peer;
}

/** Check `pipe` as the 'pipe' event gave it. */
function expectPipeInfo(pipe: PipeInfo, endpoint: { id: number; url: string; kind: 'bind' | 'connect' }, remote?: string): void {
  expect(pipe.id).toBeGreaterThan(0);
  expect(pipe.id).toBeLessThanOrEqual(0x7fff_ffff);
  expect(pipe.remoteAddress).toMatch(/^127\.0\.0\.1:\d+$/);
  if (remote !== undefined) expect(pipe.remoteAddress).toBe(remote);
  expect({ id: pipe.endpoint.id, url: pipe.endpoint.url, kind: pipe.endpoint.kind }).toEqual(endpoint);
}

/** `host:port` of a tcp:// URL. */
function hostPort(url: string): string {
  return url.slice('tcp://'.length);
}

describe.each(Object.entries(CASES))('%s', (_name, c) => {
  it.each(['binds', 'dials'] as const)('recvMessage().pipe is the id of the sending peer\'s pipe (receiver %s)', async (direction) => {
    const s = testSocket(c.type, c.init);
    const r: Receiver = c.ctx ? s.context() : s;
    if (c.type === 'sub') r.subscribe('');
    const pipes: PipeInfo[] = [];
    s.on('pipe', (p) => pipes.push(p));
    const ep = direction === 'binds' ? await s.bind('tcp://127.0.0.1:0') : undefined;

    const got = new Map<string, { message: Message; pipe: PipeInfo }>();
    for (const name of ['one', 'two']) {
      const peer = makePeer(c, name);
      const piped = Promise.all([next(s, 'pipe'), next(peer, 'pipe')]);
      let endpoint: { id: number; url: string; kind: 'bind' | 'connect' };
      let remote: string | undefined;
      if (ep) {
        peer.connect(ep.url);
        endpoint = { id: ep.id, url: ep.url, kind: 'bind' };
      } else {
        const peerEp = await peer.bind('tcp://127.0.0.1:0');
        const mine = s.connect(peerEp.url);
        endpoint = { id: mine.id, url: peerEp.url, kind: 'connect' };
        remote = hostPort(peerEp.url);
      }
      const [[pipe]] = await piped;
      expect(pipes.at(-1)).toBe(pipe);
      expectPipeInfo(pipe, endpoint, remote);

      if (c.how === 'peer-sends') {
        const [m] = await deliver(c, r, peer, name);
        got.set(name, { message: m!, pipe });
      }
      if (c.monogamous) {
        // the next peer comes once this one has gone
        const removed = next(s, 'pipe-removed');
        await peer.close();
        const [gone] = await removed;
        expect(gone.id).toBe(pipe.id);
      }
    }

    if (c.how !== 'peer-sends') {
      // requests are spread over both peers, surveys reach both: ask until each has answered
      const byName = new Map(pipes.map((p, i) => [i === 0 ? 'one' : 'two', p]));
      for (let round = 0; round < 10 && got.size < 2; round++) {
        for (const m of await deliver(c, r, s, '')) {
          const name = String(m.body);
          got.set(name, { message: m, pipe: byName.get(name)! });
        }
      }
    }

    expect([...got.keys()].sort()).toEqual(['one', 'two']);
    const [one, two] = [got.get('one')!, got.get('two')!];
    expect(one.message.pipe).toBe(one.pipe.id);
    expect(two.message.pipe).toBe(two.pipe.id);
    expect(one.message.pipe).not.toBe(two.message.pipe);
    expect(new Set(pipes.map((p) => p.id))).toEqual(new Set([one.pipe.id, two.pipe.id]));
  });
});

describe('messages from two live peers interleaved', () => {
  it.each([
    ['pull', 'push'],
    ['bus', 'bus'],
    ['sub', 'pub'],
  ] as const)('%s: each message carries its own peer\'s pipe id', async (type, peerType) => {
    const s = testSocket(type);
    if (type === 'sub') s.subscribe('');
    const ep = await s.bind('tcp://127.0.0.1:0');
    const peers = [testSocket(peerType), testSocket(peerType)];
    const ids: number[] = [];
    for (const peer of peers) {
      const piped = Promise.all([next(s, 'pipe'), next(peer, 'pipe')]);
      peer.connect(ep.url);
      ids.push((await piped)[0][0].id);
    }
    for (let i = 0; i < 10; i++) for (const [n, peer] of peers.entries()) await peer.send(`${n}:${i}`);
    const seen = new Map<number, number>();
    for (let i = 0; i < 20; i++) {
      const m = await s.recvMessage({ timeout: 5000 });
      const n = Number(String(m.body).split(':')[0]);
      expect(m.pipe, String(m.body)).toBe(ids[n]);
      seen.set(n, (seen.get(n) ?? 0) + 1);
    }
    expect(seen).toEqual(new Map([[0, 10], [1, 10]]));
  });

  it('a message received and then kept names its pipe after the pipe is gone', async () => {
    const pull = testSocket('pull');
    const ep = await pull.bind('tcp://127.0.0.1:0');
    const push = testSocket('push');
    const piped = next(pull, 'pipe');
    push.connect(ep.url);
    const [pipe] = await piped;
    await push.send('last words');
    // wait until it is here, then let the peer go
    const items = [{ socket: pull, events: 1 }];
    const { poll } = await import('../../src/index.js');
    expect(await poll(items, { timeout: 5000 })).toBe(1);
    const removed = next(pull, 'pipe-removed');
    await push.close();
    await removed;
    const m = await pull.recvMessage({ timeout: 0 });
    expect(String(m.body)).toBe('last words');
    expect(m.pipe).toBe(pipe.id);
  });

  it("the 'pipe' event object is the same one later events name", async () => {
    const pull = testSocket('pull');
    const ep = await pull.bind('tcp://127.0.0.1:0');
    const push = testSocket('push');
    const piped = next(pull, 'pipe');
    push.connect(ep.url);
    const [pipe] = await piped;
    expect(pull.pipes.map((p) => p.id)).toEqual([pipe.id]);
    const removed = once(pull, 'pipe-removed');
    await push.close();
    const [gone] = (await removed) as [PipeInfo];
    expect(gone.id).toBe(pipe.id);
    expect(gone.remoteAddress).toBe(pipe.remoteAddress);
  });
});

describe('sendMessage({ pipe }) with a value that is not a pipe id', () => {
  it('is EINVAL, naming the value: null, a negative number, a fraction, a string', async () => {
    const poly = testSocket('pair1', { polyamorous: true });
    for (const pipe of [null, -1, 1.5, '7']) {
      await expect(poly.sendMessage({ body: 'x', pipe } as unknown as { body: string; pipe: number })).rejects.toMatchObject({
        code: 'EINVAL',
        message: expect.stringContaining(String(pipe)),
      });
    }
  });
});
