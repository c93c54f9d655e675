/**
 * NNG-style contexts (nng_ctx, mangos OpenContext) on REQ, against fake pipes: opening them
 * (and ENOTSUP where a socket has none), one request per context with its own id, replies
 * routed by id, cancellation by a new send, recv timeouts abandoning the request, pipe loss
 * (resend at once, or ECONNRESET with resending off), per-context options and closing.
 * spec/nng.md §1 (req.c: req0_ctx_send, req0_ctx_recv, req0_pipe_close, req0_recv_cb).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Context, SpError, type SocketType } from '../../src/index.js';
import { attachFake, bytes, cleanup, openSocket, replyTo, thrownCode, words, type FakePipe } from '../helpers/fake-pipe.js';
import { settle, track } from '../helpers/track.js';

afterEach(cleanup);

/** The request id in the header of a sent request. */
function idOf(header: Uint8Array): number {
  return words(header)[0] as number;
}

/** The message on `pipe` whose body is `body` (a request the socket sent). */
function sentWith(pipe: FakePipe, body: string): { header: Buffer; body: Buffer } {
  const found = pipe.sent.find((m) => m.body.toString() === body);
  if (!found) throw new Error(`nothing with body ${JSON.stringify(body)} was sent on the pipe; sent: ${pipe.sent.map((m) => m.body.toString()).join(', ')}`);
  return found;
}

const EFSM_ERRNO = 156384766;

describe('socket.context()', () => {
  const WITH_CONTEXTS: SocketType[] = ['req', 'rep', 'surveyor', 'respondent', 'sub'];
  const WITHOUT: SocketType[] = ['pair', 'pub', 'push', 'pull', 'bus'];
  const ALL: SocketType[] = [...WITH_CONTEXTS, ...WITHOUT];

  it.each(WITH_CONTEXTS)('returns a Context at once (not a promise) on a cooked %s socket', (type) => {
    const sock = openSocket(type);
    const ctx = sock.context();
    expect(ctx).toBeInstanceOf(Context);
    expect(typeof (ctx as unknown as { then?: unknown }).then).toBe('undefined');
    expect(ctx.closed).toBe(false);
  });

  it.each(WITH_CONTEXTS)('gives distinct ids to the contexts of one %s socket', (type) => {
    const sock = openSocket(type);
    const ids = Array.from({ length: 5 }, () => sock.context().id);
    expect(new Set(ids).size).toBe(5);
  });

  it('does not reuse the id of a closed context while the socket lives', async () => {
    const sock = openSocket('req');
    const a = sock.context();
    await a.close();
    const b = sock.context();
    const c = sock.context();
    expect(new Set([a.id, b.id, c.id]).size).toBe(3);
  });

  it.each(WITHOUT)('throws ENOTSUP (errno 95) on a %s socket', (type) => {
    const sock = openSocket(type);
    let err: unknown;
    try {
      sock.context();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SpError);
    expect(err).toMatchObject({ code: 'ENOTSUP', errno: 95 });
  });

  it.each(ALL)('throws ENOTSUP (errno 95) on a raw %s socket', (type) => {
    const sock = openSocket(type, { raw: true });
    expect(() => sock.context()).toThrow(expect.objectContaining({ code: 'ENOTSUP', errno: 95 }));
  });

  it.each(WITH_CONTEXTS)('throws EBADF on a closed %s socket', async (type) => {
    const sock = openSocket(type);
    await sock.close();
    expect(() => sock.context()).toThrow(expect.objectContaining({ code: 'EBADF', errno: 9 }));
  });
});

describe('REQ contexts', () => {
  it('sends one request per context, each with its own id, several in flight on one pipe', async () => {
    const req = openSocket('req');
    const pipe = attachFake(req);
    const [a, b, c] = [req.context(), req.context(), req.context()];
    await a.send('qa');
    await b.send('qb');
    await c.send('qc');
    expect(pipe.sent.map((m) => m.body.toString())).toEqual(['qa', 'qb', 'qc']);
    const ids = pipe.sent.map((m) => idOf(m.header));
    for (const m of pipe.sent) expect(m.header.length).toBe(4);
    for (const id of ids) expect(id & 0x8000_0000).not.toBe(0);
    expect(new Set(ids).size).toBe(3);
  });

  it('routes each reply by id to its own context, in any order, never to another or to the socket', async () => {
    const req = openSocket('req');
    const pipe = attachFake(req);
    const [a, b, c] = [req.context(), req.context(), req.context()];
    await a.send('qa');
    await b.send('qb');
    await c.send('qc');
    await req.send('qs'); // the socket's own request, beside the contexts'
    const ra = track(a.recv());
    const rb = track(b.recv());
    const rs = track(req.recv());

    // answered out of order: c (nobody receiving yet), then b, then a
    pipe.deliver(replyTo(sentWith(pipe, 'qc').header, 'rc'));
    pipe.deliver(replyTo(sentWith(pipe, 'qb').header, 'rb'));
    await settle();
    expect(rb.done).toBe(true);
    expect(String(rb.value)).toBe('rb');
    expect(ra.done).toBe(false);
    expect(rs.done).toBe(false);

    pipe.deliver(replyTo(sentWith(pipe, 'qa').header, 'ra'));
    await settle();
    expect(String(ra.value)).toBe('ra');
    expect(rs.done).toBe(false);
    expect(String(c.tryRecv())).toBe('rc'); // c's reply waited for it
    expect(rs.done).toBe(false);

    pipe.deliver(replyTo(sentWith(pipe, 'qs').header, 'rs'));
    await settle();
    expect(String(rs.value)).toBe('rs');
  });

  it('a reply arriving before recv is kept for the context, and recv gets it at once', async () => {
    const req = openSocket('req');
    const pipe = attachFake(req);
    const a = req.context();
    await a.send('q');
    pipe.deliver(replyTo(pipe.sent[0]!.header, 'early'));
    expect(String(await a.recv())).toBe('early');
    // answered: nothing outstanding any more
    await expect(a.recv()).rejects.toMatchObject({ code: 'EFSM', errno: EFSM_ERRNO });
  });

  it('fails recv with EFSM on a context with no request, and tryRecv too', async () => {
    const req = openSocket('req');
    attachFake(req);
    const a = req.context();
    await expect(a.recv()).rejects.toMatchObject({ code: 'EFSM', errno: EFSM_ERRNO });
    expect(thrownCode(() => a.tryRecv())).toBe('EFSM');
    // another context's request does not give this one a state to receive in
    const b = req.context();
    await b.send('q');
    await expect(a.recv()).rejects.toMatchObject({ code: 'EFSM' });
  });

  it('a duplicate reply (as after a resend) is dropped: the first is received, then EFSM', async () => {
    const req = openSocket('req');
    const pipe = attachFake(req);
    const a = req.context();
    await a.send('q');
    pipe.deliver(replyTo(pipe.sent[0]!.header, 'first copy'));
    pipe.deliver(replyTo(pipe.sent[0]!.header, 'second copy'));
    expect(String(await a.recv())).toBe('first copy');
    expect(thrownCode(() => a.tryRecv())).toBe('EFSM');
  });

  it('a reply carrying the id of a request that has not gone out yet is dropped (NNG req0_recv_cb)', async () => {
    const req = openSocket('req');
    const pipe = attachFake(req);
    const [a, c, b] = [req.context(), req.context(), req.context()];
    await a.send('qa');
    const idA = idOf(pipe.sent[0]!.header);
    pipe.setWritable(false);
    await c.send('qc'); // the pipe takes this one and is then full
    await b.send('qb'); // waits for the pipe; ids are handed out in sequence, so b's is idA + 2
    expect(pipe.sent.map((m) => m.body.toString())).toEqual(['qa', 'qc']);
    const idB = ((idA + 2) | 0x8000_0000) >>> 0;
    pipe.deliver(replyTo(Buffer.from([idB >>> 24, (idB >>> 16) & 0xff, (idB >>> 8) & 0xff, idB & 0xff]), 'forged early reply'));
    // b must not take it: its request has not been sent, so this cannot be its reply
    expect(thrownCode(() => b.tryRecv())).toBe('EAGAIN');
    pipe.setWritable(true);
    expect(idOf(sentWith(pipe, 'qb').header)).toBe(idB); // the guess above was right, and b's request did go out
    pipe.deliver(replyTo(sentWith(pipe, 'qb').header, 'real reply'));
    expect(String(b.tryRecv())).toBe('real reply');
  });

  it('a second concurrent recv on one context fails with EFSM; the first still gets the reply', async () => {
    const req = openSocket('req');
    const pipe = attachFake(req);
    const a = req.context();
    await a.send('q');
    const first = track(a.recv());
    await expect(a.recv()).rejects.toMatchObject({ code: 'EFSM', errno: EFSM_ERRNO });
    await settle();
    expect(first.done).toBe(false);
    pipe.deliver(replyTo(pipe.sent[0]!.header, 'r'));
    await settle();
    expect(first.error).toBeUndefined();
    expect(String(first.value)).toBe('r');
  });

  it('sending again cancels the old request: its pending recv rejects ECANCELED and its late reply is dropped everywhere', async () => {
    const req = openSocket('req');
    const pipe = attachFake(req);
    const a = req.context();
    const b = req.context();
    await b.send('qb'); // another context in flight must not see the stray reply either
    await a.send('first');
    const firstHeader = sentWith(pipe, 'first').header;
    const pending = track(a.recv());
    await a.send('second');
    await settle();
    expect(pending.error).toBeInstanceOf(SpError);
    expect(pending.error).toMatchObject({ code: 'ECANCELED', errno: 125 });
    const secondHeader = sentWith(pipe, 'second').header;
    expect(idOf(secondHeader)).not.toBe(idOf(firstHeader));

    pipe.deliver(replyTo(firstHeader, 'late reply to first'));
    expect(thrownCode(() => a.tryRecv())).toBe('EAGAIN');
    expect(thrownCode(() => b.tryRecv())).toBe('EAGAIN');
    expect(thrownCode(() => req.tryRecv())).toBe('EFSM'); // the socket has no request of its own

    pipe.deliver(replyTo(secondHeader, 'reply to second'));
    expect(String(await a.recv())).toBe('reply to second');
    pipe.deliver(replyTo(sentWith(pipe, 'qb').header, 'rb'));
    expect(String(await b.recv())).toBe('rb');
  });

  it('a reply stashed for the old request is discarded when the context sends again', async () => {
    const req = openSocket('req');
    const pipe = attachFake(req);
    const a = req.context();
    await a.send('first');
    pipe.deliver(replyTo(pipe.sent[0]!.header, 'stale'));
    await a.send('second');
    expect(thrownCode(() => a.tryRecv())).toBe('EAGAIN');
    pipe.deliver(replyTo(pipe.sent[1]!.header, 'fresh'));
    expect(String(await a.recv())).toBe('fresh');
  });

  it('a recv that times out (context recvTimeout) abandons its request; another context still gets its reply', async () => {
    vi.useFakeTimers();
    const req = openSocket('req');
    const pipe = attachFake(req);
    const a = req.context();
    const b = req.context();
    a.setOption('recvTimeout', 100);
    await a.send('qa');
    await b.send('qb');
    const ra = a.recv();
    const rb = track(b.recv());
    const expectation = expect(ra).rejects.toMatchObject({ code: 'ETIMEDOUT' });
    await vi.advanceTimersByTimeAsync(100);
    await expectation;

    pipe.deliver(replyTo(sentWith(pipe, 'qa').header, 'late ra'));
    // dropped: the request is gone, so recv is out of state, and nothing reached b or the socket
    expect(thrownCode(() => a.tryRecv())).toBe('EFSM');
    await settle();
    expect(rb.done).toBe(false);
    expect(thrownCode(() => req.tryRecv())).toBe('EFSM');

    pipe.deliver(replyTo(sentWith(pipe, 'qb').header, 'rb'));
    await settle();
    expect(String(rb.value)).toBe('rb');

    // the abandoned request is not resent either
    const count = pipe.sent.length;
    await vi.advanceTimersByTimeAsync(120_000);
    expect(pipe.sent.filter((m) => m.body.toString() === 'qa')).toHaveLength(1);
    expect(pipe.sent.length).toBe(count);
  });

  it('a recv given up through its AbortSignal abandons the request too', async () => {
    const req = openSocket('req');
    const pipe = attachFake(req);
    const a = req.context();
    await a.send('q');
    const abort = new AbortController();
    const pending = a.recv({ signal: abort.signal });
    abort.abort();
    await expect(pending).rejects.toBeInstanceOf(SpError);
    pipe.deliver(replyTo(pipe.sent[0]!.header, 'late'));
    expect(thrownCode(() => a.tryRecv())).toBe('EFSM');
  });

  it('a context whose pipe dies resends at once on another pipe (resendInterval > 0)', async () => {
    vi.useFakeTimers(); // the 60 s resend timer must play no part
    const req = openSocket('req');
    const p1 = attachFake(req);
    const a = req.context();
    await a.send('survive');
    expect(p1.sent).toHaveLength(1);
    const p2 = attachFake(req);
    const pending = track(a.recv());
    p1.hangUp();
    expect(p2.sent).toHaveLength(1);
    expect(p2.sent[0]!.header).toEqual(p1.sent[0]!.header);
    expect(p2.sent[0]!.body).toEqual(bytes('survive'));
    await settle();
    expect(pending.done).toBe(false);
    p2.deliver(replyTo(p2.sent[0]!.header, 'ok'));
    await settle();
    expect(String(pending.value)).toBe('ok');
  });

  it('only the contexts whose request rode on the dead pipe are resent', async () => {
    vi.useFakeTimers();
    const req = openSocket('req');
    const p1 = attachFake(req);
    const p2 = attachFake(req);
    const ctxs = [req.context(), req.context(), req.context(), req.context()];
    for (const [i, ctx] of ctxs.entries()) await ctx.send(`q${i}`);
    expect(p1.sent.length + p2.sent.length).toBe(4);
    const onP1 = p1.sent.map((m) => m.body.toString());
    const p2Before = p2.sent.length;
    p1.hangUp();
    expect(p2.sent.slice(p2Before).map((m) => m.body.toString())).toEqual(onP1);
  });

  it('a context with resendInterval 0 fails its pending recv with ECONNRESET when its pipe dies', async () => {
    const req = openSocket('req'); // the socket resends (60 s); only the context turns it off
    const p1 = attachFake(req);
    const a = req.context();
    const b = req.context();
    a.setOption('resendInterval', 0);
    await a.send('qa');
    await b.send('qb');
    const p2 = attachFake(req);
    const ra = track(a.recv());
    const rb = track(b.recv());
    p1.hangUp();
    await settle();
    expect(ra.error).toMatchObject({ code: 'ECONNRESET', errno: 104 });
    expect(rb.done).toBe(false);
    // a was not resent; b (resending on) was, at once
    expect(p2.sent.map((m) => m.body.toString())).toEqual(['qb']);
    expect(thrownCode(() => a.tryRecv())).toBe('EFSM');
    p2.deliver(replyTo(p2.sent[0]!.header, 'rb'));
    await settle();
    expect(String(rb.value)).toBe('rb');
  });

  it('with resendInterval 0 and no recv pending, the next recv gets ECONNRESET, then EFSM', async () => {
    const req = openSocket('req');
    const p1 = attachFake(req);
    const a = req.context();
    a.setOption('resendInterval', 0);
    await a.send('qa');
    p1.hangUp();
    await expect(a.recv()).rejects.toMatchObject({ code: 'ECONNRESET', errno: 104 });
    await expect(a.recv()).rejects.toMatchObject({ code: 'EFSM' });
    // a new request works normally
    const p2 = attachFake(req);
    await a.send('again');
    p2.deliver(replyTo(p2.sent[0]!.header, 'ok'));
    expect(String(await a.recv())).toBe('ok');
  });

  it('a context with resendInterval > 0 is resent on pipe loss even when the socket resendInterval is 0', async () => {
    vi.useFakeTimers();
    const req = openSocket('req', { resendInterval: 0 });
    const p1 = attachFake(req);
    const a = req.context();
    expect(a.getOption('resendInterval')).toBe(0);
    a.setOption('resendInterval', 5000);
    await a.send('qa');
    const p2 = attachFake(req);
    p1.hangUp();
    expect(p2.sent.map((m) => m.body.toString())).toEqual(['qa']);
  });

  it("per-context resendInterval drives that context's resend timer, independently of the socket and of other contexts", async () => {
    vi.useFakeTimers();
    const req = openSocket('req', { resendInterval: 1000 });
    const pipe = attachFake(req);
    const fast = req.context();
    const slow = req.context();
    const off = req.context();
    fast.setOption('resendInterval', 100);
    slow.setOption('resendInterval', 5000);
    off.setOption('resendInterval', 0);
    await fast.send('fast');
    await slow.send('slow');
    await off.send('off');
    await req.send('sock');
    const count = (body: string): number => pipe.sent.filter((m) => m.body.toString() === body).length;

    await vi.advanceTimersByTimeAsync(100);
    expect([count('fast'), count('slow'), count('off'), count('sock')]).toEqual([2, 1, 1, 1]);
    await vi.advanceTimersByTimeAsync(900); // t = 1000
    expect([count('fast'), count('slow'), count('off'), count('sock')]).toEqual([11, 1, 1, 2]);
    await vi.advanceTimersByTimeAsync(4000); // t = 5000
    expect([count('fast'), count('slow'), count('off'), count('sock')]).toEqual([51, 2, 1, 6]);
    // every resend keeps its context's id
    for (const body of ['fast', 'slow', 'sock']) {
      const ids = new Set(pipe.sent.filter((m) => m.body.toString() === body).map((m) => idOf(m.header)));
      expect(ids.size).toBe(1);
    }
  });

  it('changing the socket resendInterval later does not change an open context', async () => {
    vi.useFakeTimers();
    const req = openSocket('req', { resendInterval: 200 });
    const pipe = attachFake(req);
    const a = req.context();
    req.setOption('resendInterval', 10_000);
    expect(a.getOption('resendInterval')).toBe(200);
    await a.send('qa');
    await vi.advanceTimersByTimeAsync(200);
    expect(pipe.sent).toHaveLength(2);
  });

  it('requests waiting for a writable pipe go out in the order they were made when it drains', async () => {
    const req = openSocket('req');
    const pipe = attachFake(req, { writable: false });
    const [a, b, c] = [req.context(), req.context(), req.context()];
    await b.send('1-b');
    await req.send('2-sock');
    await a.send('3-a');
    await c.send('4-c');
    expect(pipe.sent).toHaveLength(0);
    pipe.setWritable(true);
    expect(pipe.sent.map((m) => m.body.toString())).toEqual(['1-b', '2-sock', '3-a', '4-c']);
    // and each is answered on its own context
    pipe.deliver(replyTo(sentWith(pipe, '3-a').header, 'ra'));
    pipe.deliver(replyTo(sentWith(pipe, '1-b').header, 'rb'));
    expect(String(await a.recv())).toBe('ra');
    expect(String(await b.recv())).toBe('rb');
  });

  it('requests made before any pipe exists go out in order on the first pipe attached', async () => {
    const req = openSocket('req');
    const [a, b] = [req.context(), req.context()];
    await a.send('first');
    await b.send('second');
    const pipe = attachFake(req);
    expect(pipe.sent.map((m) => m.body.toString())).toEqual(['first', 'second']);
  });

  it('a replaced request still waiting for a pipe is not sent; only its replacement is', async () => {
    const req = openSocket('req');
    const pipe = attachFake(req, { writable: false });
    const a = req.context();
    await a.send('old');
    await a.send('new');
    pipe.setWritable(true);
    expect(pipe.sent.map((m) => m.body.toString())).toEqual(['new']);
  });
});

describe('REQ context options', () => {
  it('copies sendTimeout, recvTimeout and resendInterval from the socket when it opens', () => {
    const req = openSocket('req', { sendTimeout: 111, recvTimeout: 222, resendInterval: 333 });
    const a = req.context();
    expect(a.getOption('sendTimeout')).toBe(111);
    expect(a.getOption('recvTimeout')).toBe(222);
    expect(a.getOption('resendInterval')).toBe(333);
  });

  it('keeps its own values: socket changes do not reach an open context, and context changes do not reach the socket', () => {
    const req = openSocket('req');
    const a = req.context();
    req.setOption('recvTimeout', 500);
    req.setOption('sendTimeout', 600);
    expect(a.getOption('recvTimeout')).toBe(-1);
    expect(a.getOption('sendTimeout')).toBe(-1);
    a.setOption('recvTimeout', 50);
    a.setOption('sendTimeout', 60);
    a.setOption('resendInterval', 70);
    expect(req.getOption('recvTimeout')).toBe(500);
    expect(req.getOption('sendTimeout')).toBe(600);
    expect(req.getOption('resendInterval')).toBe(60_000);
    // a context opened now copies the socket's current values
    const b = req.context();
    expect(b.getOption('recvTimeout')).toBe(500);
    expect(b.getOption('sendTimeout')).toBe(600);
    // and the contexts are independent of each other
    expect(b.getOption('resendInterval')).toBe(60_000);
  });

  it('uses its recvTimeout for a recv without a timeout of its own', async () => {
    vi.useFakeTimers();
    const req = openSocket('req', { recvTimeout: 10_000 });
    attachFake(req);
    const a = req.context();
    a.setOption('recvTimeout', 30);
    await a.send('q');
    const pending = track(a.recv());
    await vi.advanceTimersByTimeAsync(29);
    expect(pending.done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(pending.error).toMatchObject({ code: 'ETIMEDOUT' });
  });

  it.each(['linger', 'maxTtl', 'surveyDeadline', 'sendBuffer', 'socketName', 'nonsense'])('ENOPROTOOPT for %s on a REQ context', (name) => {
    const a = openSocket('req').context();
    expect(thrownCode(() => a.getOption(name))).toBe('ENOPROTOOPT');
    expect(thrownCode(() => a.setOption(name, 1))).toBe('ENOPROTOOPT');
  });

  it.each([
    ['recvTimeout', 'soon'],
    ['recvTimeout', 1.5],
    ['sendTimeout', 2 ** 31],
    ['sendTimeout', Number.NaN],
    ['resendInterval', -1],
    ['resendInterval', 'x'],
  ])('EINVAL for %s = %s, and the old value stays', (name, value) => {
    const a = openSocket('req').context();
    const before = a.getOption(name);
    expect(thrownCode(() => a.setOption(name, value))).toBe('EINVAL');
    expect(a.getOption(name)).toBe(before);
  });

  it('EBADF for every option call on a closed context, even a bad name or value', async () => {
    const a = openSocket('req').context();
    await a.close();
    expect(thrownCode(() => a.getOption('recvTimeout'))).toBe('EBADF');
    expect(thrownCode(() => a.setOption('recvTimeout', 10))).toBe('EBADF');
    expect(thrownCode(() => a.getOption('resendInterval'))).toBe('EBADF');
    expect(thrownCode(() => a.setOption('nonsense', 10))).toBe('EBADF');
    expect(thrownCode(() => a.setOption('recvTimeout', 'bad'))).toBe('EBADF');
  });

  it('subscribe on a REQ context is ENOPROTOOPT', () => {
    const a = openSocket('req').context();
    expect(thrownCode(() => a.subscribe('x'))).toBe('ENOPROTOOPT');
  });
});

describe('closing REQ contexts', () => {
  it('ctx.close() rejects its pending recv with EBADF, later calls too, and leaves the socket and other contexts working', async () => {
    vi.useFakeTimers();
    const req = openSocket('req', { resendInterval: 1000 });
    const pipe = attachFake(req);
    const a = req.context();
    const b = req.context();
    await a.send('qa');
    await b.send('qb');
    const ra = a.recv();
    const rb = track(b.recv());
    await a.close();
    await expect(ra).rejects.toMatchObject({ code: 'EBADF', errno: 9 });
    expect(a.closed).toBe(true);
    await expect(a.send('x')).rejects.toMatchObject({ code: 'EBADF' });
    await expect(a.recv()).rejects.toMatchObject({ code: 'EBADF' });
    expect(thrownCode(() => a.trySend('x'))).toBe('EBADF');
    expect(thrownCode(() => a.tryRecv())).toBe('EBADF');
    await expect(a.close()).resolves.toBeUndefined(); // twice is fine

    // a's request is gone: no resend, its late reply is dropped
    pipe.deliver(replyTo(sentWith(pipe, 'qa').header, 'late'));
    await vi.advanceTimersByTimeAsync(1000);
    expect(pipe.sent.filter((m) => m.body.toString() === 'qa')).toHaveLength(1);
    expect(pipe.sent.filter((m) => m.body.toString() === 'qb')).toHaveLength(2); // b still resends

    pipe.deliver(replyTo(sentWith(pipe, 'qb').header, 'rb'));
    await settle();
    expect(String(rb.value)).toBe('rb');
    await req.send('qs');
    pipe.deliver(replyTo(sentWith(pipe, 'qs').header, 'rs'));
    expect(String(await req.recv())).toBe('rs');
    const c = req.context();
    await c.send('qc');
    pipe.deliver(replyTo(sentWith(pipe, 'qc').header, 'rc'));
    expect(String(await c.recv())).toBe('rc');
  });

  it('socket.close() closes every context: pending calls reject EBADF, later calls too', async () => {
    const req = openSocket('req');
    attachFake(req);
    const a = req.context();
    const b = req.context();
    await a.send('qa');
    await b.send('qb');
    const ra = a.recv();
    const rb = b.recv();
    await req.close();
    await expect(ra).rejects.toMatchObject({ code: 'EBADF' });
    await expect(rb).rejects.toMatchObject({ code: 'EBADF' });
    expect(a.closed).toBe(true);
    await expect(a.send('x')).rejects.toMatchObject({ code: 'EBADF' });
    expect(thrownCode(() => b.getOption('recvTimeout'))).toBe('EBADF');
  });

  it('await using closes the context at the end of the block', async () => {
    const req = openSocket('req');
    let seen: Context | undefined;
    let pending: Promise<unknown> | undefined;
    {
      await using ctx = req.context();
      seen = ctx;
      await ctx.send('q');
      pending = ctx.recv();
      pending.catch(() => {});
    }
    expect(seen.closed).toBe(true);
    await expect(pending).rejects.toMatchObject({ code: 'EBADF' });
    expect(req.closed).toBe(false);
  });

  it('for await over a context ends when the context closes', async () => {
    const req = openSocket('req');
    const pipe = attachFake(req);
    const ctx = req.context();
    const got: string[] = [];
    await ctx.send('q1');
    const loop = (async () => {
      for await (const m of ctx) {
        got.push(String(m));
        await ctx.send(`q${got.length + 1}`); // keep a request outstanding, so the loop waits
      }
      return 'ended';
    })();
    pipe.deliver(replyTo(sentWith(pipe, 'q1').header, 'r1'));
    await settle();
    pipe.deliver(replyTo(sentWith(pipe, 'q2').header, 'r2'));
    await settle();
    await ctx.close();
    await expect(loop).resolves.toBe('ended');
    expect(got).toEqual(['r1', 'r2']);
  });

  it('leaves no timer behind once contexts and the socket are closed', async () => {
    vi.useFakeTimers();
    const req = openSocket('req', { resendInterval: 1000 });
    const pipe = attachFake(req);
    const a = req.context();
    const b = req.context();
    const c = req.context();
    a.setOption('recvTimeout', 5000);
    await a.send('qa');
    await b.send('qb');
    await c.send('qc');
    a.recv().catch(() => {});
    b.recv({ timeout: 7000 }).catch(() => {});
    expect(vi.getTimerCount()).toBeGreaterThan(0);
    await a.close();
    await b.close();
    expect(pipe.sent).toHaveLength(3);
    c.recv({ timeout: 9000 }).catch(() => {});
    await req.close();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('closing a context leaves no timer of its own behind while the socket stays open', async () => {
    vi.useFakeTimers();
    const req = openSocket('req', { resendInterval: 1000 });
    attachFake(req);
    const a = req.context();
    await a.send('qa');
    a.recv({ timeout: 5000 }).catch(() => {});
    expect(vi.getTimerCount()).toBe(2); // the resend timer and the recv timeout
    await a.close();
    expect(vi.getTimerCount()).toBe(0);
  });
});
