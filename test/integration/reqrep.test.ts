import { describe, expect, it } from 'vitest';
import { Message, type SpSocket } from '../../src/index.js';
import { linked, next, testSocket } from '../helpers/sockets.js';

const EFSM_ERRNO = 156384766;
const ID_FLAG = 0x8000_0000;

/** Resolves once `s` has at least `n` live pipes (state-based: safe to call at any time). */
function pipesUp(s: SpSocket, n: number): Promise<void> {
  if (s.pipes.length >= n) return Promise.resolve();
  return new Promise((resolve) => {
    const onPipe = (): void => {
      if (s.pipes.length < n) return;
      s.off('pipe', onPipe);
      resolve();
    };
    s.on('pipe', onPipe);
  });
}

/** Resolves once `cond` holds, checking after each turn of the event loop (no timers). */
async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((resolve) => setImmediate(resolve));
}

/** Bytes read from the peers of `s` and not yet received by the user. */
function queuedBytes(s: SpSocket): number {
  return s.pipes.reduce((sum, pipe) => sum + (pipe.sink?.queuedBytes ?? 0), 0);
}

/** Connect `req` to each REP in turn, waiting for each pipe, so round-robin order is known. */
async function connectInOrder(req: SpSocket, reps: SpSocket[]): Promise<void> {
  for (const [i, rep] of reps.entries()) {
    const ep = await rep.bind('tcp://127.0.0.1:0');
    const piped = Promise.all([pipesUp(req, i + 1), next(rep, 'pipe')]);
    req.connect(ep.url);
    await piped;
  }
}

describe('REQ/REP over TCP (nanomsg tests/reqrep.c)', () => {
  it('REP send before any request and REQ recv before any request fail with EFSM', async () => {
    const rep = testSocket('rep');
    const req = testSocket('req');
    await expect(rep.send('ABC')).rejects.toMatchObject({ code: 'EFSM', errno: EFSM_ERRNO });
    await expect(req.recv()).rejects.toMatchObject({ code: 'EFSM', errno: EFSM_ERRNO });
    expect(() => rep.trySend('ABC')).toThrow(expect.objectContaining({ code: 'EFSM', errno: EFSM_ERRNO }));
    expect(() => req.tryRecv()).toThrow(expect.objectContaining({ code: 'EFSM', errno: EFSM_ERRNO }));
    // also once linked, and again after a full exchange
    await linked(rep, req);
    await expect(rep.send('ABC')).rejects.toMatchObject({ code: 'EFSM' });
    await req.send('ping');
    expect(String(await rep.recv())).toBe('ping');
    await rep.send('pong');
    expect(String(await req.recv())).toBe('pong');
    await expect(rep.send('again')).rejects.toMatchObject({ code: 'EFSM', errno: EFSM_ERRNO });
    await expect(req.recv()).rejects.toMatchObject({ code: 'EFSM', errno: EFSM_ERRNO });
  });

  it('REP serves two REQs and routes each reply back to its requester', async () => {
    const rep = testSocket('rep');
    const ep = await rep.bind('tcp://127.0.0.1:0');
    const req1 = testSocket('req');
    const req2 = testSocket('req');
    const piped = Promise.all([pipesUp(rep, 2), next(req1, 'pipe'), next(req2, 'pipe')]);
    req1.connect(ep.url);
    req2.connect(ep.url);
    await piped;
    for (let round = 0; round < 3; round++) {
      await req1.send(`one${round}`);
      await req2.send(`two${round}`);
      const got: string[] = [];
      for (let i = 0; i < 2; i++) {
        const request = String(await rep.recv());
        got.push(request);
        await rep.send(`re:${request}`);
      }
      expect(got.sort()).toEqual([`one${round}`, `two${round}`]);
      expect(String(await req1.recv())).toBe(`re:one${round}`);
      expect(String(await req2.recv())).toBe(`re:two${round}`);
    }
  });

  it('REP fair-queues: with requests queued from two peers, it takes them in turn', async () => {
    // raw REQs may have many requests in flight, so both peers can have a backlog at once
    const rep = testSocket('rep');
    const ep = await rep.bind('tcp://127.0.0.1:0');
    const a = testSocket('req', { raw: true });
    const b = testSocket('req', { raw: true });
    const piped = Promise.all([pipesUp(rep, 2), next(a, 'pipe'), next(b, 'pipe')]);
    a.connect(ep.url);
    b.connect(ep.url);
    await piped;
    const header = (n: number): Buffer => Buffer.from([0x80, 0, 0, n]);
    for (let i = 0; i < 4; i++) {
      await a.sendMessage(new Message(Buffer.from(`a${i}`), header(i)));
      await b.sendMessage(new Message(Buffer.from(`b${i}`), header(0x10 + i)));
    }
    await until(() => queuedBytes(rep) === 8 * 6); // 8 requests: a 4-byte id and a 2-byte body each
    const got: string[] = [];
    for (let i = 0; i < 8; i++) {
      const request = String(await rep.recv());
      got.push(request);
      await rep.send(`re:${request}`);
    }
    for (let i = 1; i < 8; i++) expect(got[i]?.[0], `order ${got.join(',')}`).not.toBe(got[i - 1]?.[0]);
    expect(got.filter((m) => m.startsWith('a'))).toEqual(['a0', 'a1', 'a2', 'a3']);
    expect(got.filter((m) => m.startsWith('b'))).toEqual(['b0', 'b1', 'b2', 'b3']);
    for (let i = 0; i < 4; i++) {
      const ra = await a.recvMessage();
      expect([ra.header.toString('hex'), String(ra.body)]).toEqual([header(i).toString('hex'), `re:a${i}`]);
      const rb = await b.recvMessage();
      expect([rb.header.toString('hex'), String(rb.body)]).toEqual([header(0x10 + i).toString('hex'), `re:b${i}`]);
    }
  });

  it('REQ load-balances requests across two REPs, round robin', async () => {
    const req = testSocket('req');
    const rep1 = testSocket('rep');
    const rep2 = testSocket('rep');
    await connectInOrder(req, [rep1, rep2]);
    const expected: [string, SpSocket][] = [
      ['ABC', rep1],
      ['DEF', rep2],
      ['GHI', rep1],
      ['JKL', rep2],
    ];
    for (const [body, rep] of expected) {
      await req.send(body);
      expect(String(await rep.recv({ timeout: 2000 }))).toBe(body);
      await rep.send(`re:${body}`);
      expect(String(await req.recv())).toBe(`re:${body}`);
    }
    await expect(rep1.recv({ timeout: 30 })).rejects.toMatchObject({ code: 'ETIMEDOUT' });
    await expect(rep2.recv({ timeout: 30 })).rejects.toMatchObject({ code: 'ETIMEDOUT' });
  });

  it('resends an unanswered request after resendInterval (100 ms), with the same request id', async () => {
    const rep = testSocket('rep');
    const req = testSocket('req', { resendInterval: 100 });
    await linked(rep, req);
    const started = Date.now();
    await req.send('ABC');
    const first = await rep.recvMessage();
    expect(String(first.body)).toBe('ABC');
    // the REP does not answer: the same request comes again once the interval has passed
    const again = await rep.recvMessage({ timeout: 2000 });
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(90);
    expect(elapsed).toBeLessThan(1000);
    expect(String(again.body)).toBe('ABC');
    expect(again.header.length).toBe(4);
    expect(again.header.toString('hex')).toBe(first.header.toString('hex'));
    await rep.send('REPLY');
    expect(String(await req.recv())).toBe('REPLY');
    // answered: the resends stop
    await expect(rep.recv({ timeout: 250 })).rejects.toMatchObject({ code: 'ETIMEDOUT' });
  });

  it('a timed resend goes round robin, to the other REP', async () => {
    const req = testSocket('req', { resendInterval: 100 });
    const rep1 = testSocket('rep');
    const rep2 = testSocket('rep');
    await connectInOrder(req, [rep1, rep2]);
    await req.send('ABC');
    const first = await rep1.recvMessage({ timeout: 2000 });
    const again = await rep2.recvMessage({ timeout: 2000 });
    expect(String(again.body)).toBe('ABC');
    expect(again.header.toString('hex')).toBe(first.header.toString('hex'));
    await rep2.send('from rep2');
    expect(String(await req.recv())).toBe('from rep2');
  });

  it('after the only REP holding the request goes away, the request goes to the next REP that appears', async () => {
    const req = testSocket('req', { resendInterval: 60_000 });
    const ep = await req.bind('tcp://127.0.0.1:0');
    const rep1 = testSocket('rep');
    const piped = Promise.all([pipesUp(req, 1), next(rep1, 'pipe')]);
    rep1.connect(ep.url);
    await piped;
    await req.send('ABC');
    expect(String(await rep1.recv())).toBe('ABC');
    const removed = next(req, 'pipe-removed');
    await rep1.close();
    await removed;
    const rep2 = testSocket('rep');
    rep2.connect(ep.url);
    expect(String(await rep2.recv({ timeout: 2000 }))).toBe('ABC');
    await rep2.send('REPLY');
    expect(String(await req.recv())).toBe('REPLY');
  });

  it('a request sent before any peer exists is delivered once a REP appears', async () => {
    const req = testSocket('req');
    // REQ is always writable: the send resolves at once, with no endpoint at all
    expect(() => req.trySend('early')).not.toThrow();
    const rep = testSocket('rep');
    const ep = await rep.bind('tcp://127.0.0.1:0');
    req.connect(ep.url);
    expect(String(await rep.recv({ timeout: 2000 }))).toBe('early');
    await rep.send('late answer');
    expect(String(await req.recv())).toBe('late answer');
  });

  it('resends at once to the other REP when the REP holding the request closes', async () => {
    const req = testSocket('req', { resendInterval: 60_000 });
    const ep = await req.bind('tcp://127.0.0.1:0');
    const rep1 = testSocket('rep');
    const rep2 = testSocket('rep');
    let piped = Promise.all([pipesUp(req, 1), next(rep1, 'pipe')]);
    rep1.connect(ep.url);
    await piped;
    piped = Promise.all([pipesUp(req, 2), next(rep2, 'pipe')]);
    rep2.connect(ep.url);
    await piped;
    await req.send('ABC');
    expect(String(await rep1.recv({ timeout: 2000 }))).toBe('ABC');
    // rep1 "crashes" instead of answering
    const started = Date.now();
    await rep1.close();
    expect(String(await rep2.recv({ timeout: 2000 }))).toBe('ABC');
    expect(Date.now() - started).toBeLessThan(1000);
    await rep2.send('REPLY');
    expect(String(await req.recv())).toBe('REPLY');
  });

  it('a second request cancels the first: a late reply to the first is never received', async () => {
    const rep = testSocket('rep');
    const req = testSocket('req');
    await linked(rep, req);
    await req.send('first');
    expect(String(await rep.recv())).toBe('first');
    await req.send('second');
    // the REP answers the first request late; on the same connection that reply arrives
    // before the reply to the second, so receiving the second proves the first was dropped
    await rep.send('reply to first');
    expect(String(await rep.recv())).toBe('second');
    await rep.send('reply to second');
    expect(String(await req.recv())).toBe('reply to second');
    await expect(req.recv()).rejects.toMatchObject({ code: 'EFSM' });
  });

  it('a second request cancels the first across two REPs (nanomsg "cancelling delayed request")', async () => {
    const req = testSocket('req');
    const rep1 = testSocket('rep');
    const rep2 = testSocket('rep');
    await connectInOrder(req, [rep1, rep2]);
    await req.send('first request');
    expect(String(await rep1.recv())).toBe('first request');
    await req.send('second request');
    expect(String(await rep2.recv())).toBe('second request');
    await rep1.send('late reply to first');
    await rep2.send('reply to second');
    expect(String(await req.recv())).toBe('reply to second');
    // the next request goes to rep1 again; its reply follows the late one on that connection
    await req.send('third request');
    expect(String(await rep1.recv())).toBe('third request');
    await rep1.send('reply to third');
    expect(String(await req.recv())).toBe('reply to third');
  });

  it('request ids have the top bit set and go up by one per request', async () => {
    const rep = testSocket('rep');
    const req = testSocket('req');
    await linked(rep, req);
    const ids: number[] = [];
    for (let i = 0; i < 3; i++) {
      await req.send(`r${i}`);
      const m = await rep.recvMessage();
      expect(String(m.body)).toBe(`r${i}`);
      expect(m.header.length).toBe(4);
      ids.push(m.header.readUInt32BE(0));
      await rep.send('ok');
      expect(String(await req.recv())).toBe('ok');
    }
    for (const id of ids) expect(id >>> 31).toBe(1);
    expect(ids[1]).toBe((((ids[0] as number) + 1) & 0x7fff_ffff | ID_FLAG) >>> 0);
    expect(ids[2]).toBe((((ids[1] as number) + 1) & 0x7fff_ffff | ID_FLAG) >>> 0);
  });

  it('a reply to a requester whose pipe has gone is dropped silently: send still resolves', async () => {
    const rep = testSocket('rep');
    const req = testSocket('req');
    const url = await linked(rep, req);
    await req.send('Q');
    expect(String(await rep.recv())).toBe('Q');
    const removed = next(rep, 'pipe-removed');
    await req.close();
    await removed;
    expect(rep.pipes.length).toBe(0);
    await expect(rep.send('nobody hears this')).resolves.toBeUndefined();
    // the request was answered (into the void): a second send has nothing to answer
    await expect(rep.send('again')).rejects.toMatchObject({ code: 'EFSM' });
    // and the REP keeps serving new requesters
    const req2 = testSocket('req');
    req2.connect(url);
    await req2.send('Q2');
    expect(String(await rep.recv({ timeout: 2000 }))).toBe('Q2');
    await rep.send('A2');
    expect(String(await req2.recv())).toBe('A2');
  });

  it("a REP's new recv replaces an unanswered request: the reply goes to the newer requester only", async () => {
    const rep = testSocket('rep');
    const ep = await rep.bind('tcp://127.0.0.1:0');
    const req1 = testSocket('req');
    const req2 = testSocket('req');
    const piped = Promise.all([pipesUp(rep, 2), next(req1, 'pipe'), next(req2, 'pipe')]);
    req1.connect(ep.url);
    req2.connect(ep.url);
    await piped;
    const bySender = new Map<string, SpSocket>([
      ['from1', req1],
      ['from2', req2],
    ]);
    await req1.send('from1');
    await req2.send('from2');
    const older = String(await rep.recv());
    const newer = String(await rep.recv());
    expect([older, newer].sort()).toEqual(['from1', 'from2']);
    await rep.send('answer');
    await expect(rep.send('second answer')).rejects.toMatchObject({ code: 'EFSM' });
    expect(String(await bySender.get(newer)!.recv())).toBe('answer');
    await expect(bySender.get(older)!.recv({ timeout: 100 })).rejects.toMatchObject({ code: 'ETIMEDOUT' });
  });
});

describe('raw REQ/REP headers', () => {
  it('raw REP: header is [pipe key, top bit clear][request id, top bit set]; sendMessage routes the reply back', async () => {
    const rep = testSocket('rep', { raw: true });
    const req = testSocket('req');
    await linked(rep, req);
    await req.send('hello');
    const m = await rep.recvMessage();
    expect(String(m.body)).toBe('hello');
    expect(m.header.length).toBe(8);
    const key = m.header.readUInt32BE(0);
    expect(key >>> 31).toBe(0);
    expect(key).toBe(rep.pipes[0]?.id);
    expect(m.header.readUInt32BE(4) >>> 31).toBe(1);
    await rep.sendMessage(new Message(Buffer.from('world'), m.header));
    expect(String(await req.recv())).toBe('world');
  });

  it('raw REP answers requests in any order, routing on the pipe key', async () => {
    const rep = testSocket('rep', { raw: true });
    const ep = await rep.bind('tcp://127.0.0.1:0');
    const req1 = testSocket('req');
    const req2 = testSocket('req');
    const piped = Promise.all([pipesUp(rep, 2), next(req1, 'pipe'), next(req2, 'pipe')]);
    req1.connect(ep.url);
    req2.connect(ep.url);
    await piped;
    await req1.send('q1');
    await req2.send('q2');
    const got = [await rep.recvMessage(), await rep.recvMessage()];
    expect(got.map((m) => String(m.body)).sort()).toEqual(['q1', 'q2']);
    expect(got[0]?.header.readUInt32BE(0)).not.toBe(got[1]?.header.readUInt32BE(0));
    // answer the later one first
    for (const m of [...got].reverse()) await rep.sendMessage(new Message(Buffer.from(`re:${m.body}`), m.header));
    expect(String(await req1.recv())).toBe('re:q1');
    expect(String(await req2.recv())).toBe('re:q2');
    // no pipe key, or an unknown one: dropped silently, and the send still resolves
    await expect(rep.sendMessage(new Message(Buffer.from('x'), Buffer.from([1, 2])))).resolves.toBeUndefined();
    await expect(rep.sendMessage(new Message(Buffer.from('x'), Buffer.from([0, 0, 0, 0, 0x80, 0, 0, 1])))).resolves.toBeUndefined();
  });

  it('raw REQ: the header is passed through as the request id, and the reply header is that 4-byte id', async () => {
    const rep = testSocket('rep');
    const req = testSocket('req', { raw: true });
    await linked(rep, req);
    // no request outstanding is not a state error for raw REQ
    await expect(req.recv({ timeout: 0 })).rejects.toMatchObject({ code: 'EAGAIN' });
    const id = Buffer.from([0x80, 0x00, 0x00, 0x07]);
    await req.sendMessage(new Message(Buffer.from('hello'), id));
    const request = await rep.recvMessage();
    expect(String(request.body)).toBe('hello');
    expect(request.header.toString('hex')).toBe('80000007');
    await rep.send('world');
    const reply = await req.recvMessage();
    expect(reply.header.toString('hex')).toBe('80000007');
    expect(String(reply.body)).toBe('world');
  });
});
