/**
 * Defects an independent review found in the contexts rewrite, each pinned by the behaviour
 * that was wrong: the socket's own SURVEYOR dropping large or many responses, the socket's own
 * REQ failing instead of resending with resendInterval 0, closed REQ contexts kept in the send
 * line, a SUB context starved by the socket's own unread messages, and the emitter's once/on.
 */
import { describe, expect, it } from 'vitest';
import { poll, POLLIN, SpError, type PollItem } from '../../src/index.js';
import { linked, next, testSocket } from '../helpers/sockets.js';

let names = 0;
const inprocName = (): string => `inproc://regressions-contexts-${process.pid}-${++names}`;

describe("the socket's own SURVEYOR (per-pipe queues, as before contexts)", () => {
  it('receives a response larger than recvBuffer', async () => {
    const surveyor = testSocket('surveyor', { recvBuffer: 4096, recvMaxSize: -1 });
    const respondent = testSocket('respondent', { recvMaxSize: -1 });
    await linked(surveyor, respondent);
    await surveyor.send('how big?');
    await respondent.recv();
    await respondent.send(Buffer.alloc(20_000, 7));
    expect((await surveyor.recv({ timeout: 2000 })).length).toBe(20_000);
    expect(surveyor.stats.droppedMessages).toBe(0);
  });

  it('keeps every response when together they exceed recvBuffer: peers are slowed, not dropped', async () => {
    const surveyor = testSocket('surveyor', { recvBuffer: 8192 });
    const ep = await surveyor.bind(inprocName());
    const respondents = Array.from({ length: 6 }, () => testSocket('respondent'));
    for (const r of respondents) {
      const piped = next(surveyor, 'pipe');
      r.connect(ep.url);
      await piped;
    }
    await surveyor.send('all of you');
    for (const r of respondents) {
      await r.recv();
      await r.send(Buffer.alloc(4096, 1));
    }
    let got = 0;
    for (let i = 0; i < respondents.length; i++) got += (await surveyor.recv({ timeout: 2000 })).length > 0 ? 1 : 0;
    expect(got).toBe(6);
  });
});

describe("the socket's own REQ with resendInterval 0", () => {
  it('sends the request again on another pipe when its pipe goes away, as before (no ECONNRESET)', async () => {
    const req = testSocket('req', { resendInterval: 0 });
    const reps = [testSocket('rep'), testSocket('rep')];
    for (const rep of reps) {
      const ep = await rep.bind('tcp://127.0.0.1:0');
      const piped = next(req, 'pipe');
      req.connect(ep.url);
      await piped;
    }
    await req.send('who answers?');
    // whichever REP got it leaves without answering; the other must get the request again
    const items: PollItem[] = reps.map((rep) => ({ socket: rep, events: POLLIN }));
    expect(await poll(items, { timeout: 2000 })).toBe(1);
    const first = reps[items.findIndex((item) => item.revents === POLLIN)]!;
    const other = reps.find((rep) => rep !== first)!;
    await first.recv();
    await first.close();
    expect(String(await other.recv({ timeout: 2000 }))).toBe('who answers?');
    await other.send('the other one');
    expect(String(await req.recv({ timeout: 2000 }))).toBe('the other one');
  });

  it('a REQ context with resendInterval 0 fails its recv with ECONNRESET instead (NNG)', async () => {
    const req = testSocket('req');
    const rep = testSocket('rep');
    await linked(rep, req);
    const ctx = req.context();
    ctx.setOption('resendInterval', 0);
    await ctx.send('lost');
    await rep.recv();
    const pending = ctx.recv({ timeout: 2000 });
    await rep.close();
    await expect(pending).rejects.toMatchObject({ code: 'ECONNRESET' });
  });
});

describe('REQ contexts closed while no pipe can take their request', () => {
  it('leave nothing queued: the socket sends only live requests once a peer comes', async () => {
    const req = testSocket('req');
    for (let i = 0; i < 200; i++) {
      const ctx = req.context();
      await ctx.send(`abandoned ${i}`);
      await ctx.close();
    }
    const live = req.context();
    await live.send('live');
    const rep = testSocket('rep');
    await linked(rep, req);
    expect(String(await rep.recv({ timeout: 2000 }))).toBe('live');
    await expect(rep.recv({ timeout: 100 })).rejects.toMatchObject({ code: 'ETIMEDOUT' });
  });
});

describe('a SUB context beside a socket that does not read', () => {
  it('still receives its topic once the socket has recvBuffer bytes waiting from the same publisher', async () => {
    // over tcp the PUB queues what the SUB does not read yet: only the SUB side can hold it back
    const sub = testSocket('sub', { recvBuffer: 4096 });
    const pub = testSocket('pub');
    const ctx = sub.context();
    ctx.subscribe('b');
    sub.subscribe('a');
    await linked(pub, sub);
    for (let i = 0; i < 100; i++) await pub.send(Buffer.concat([Buffer.from('a'), Buffer.alloc(1023)]));
    await pub.send('b for the context');
    expect(String(await ctx.recv({ timeout: 2000 }))).toBe('b for the context');
    // the socket kept what fit and dropped the rest of its topic (no reader may stop the pipe)
    expect((await sub.recv({ timeout: 2000 }))[0]).toBe('a'.charCodeAt(0));
  });
});

describe('socket events', () => {
  it('once and on with the same listener: once fires once and on stays, as EventEmitter', () => {
    const s = testSocket('pair');
    let calls = 0;
    const listener = (): void => {
      calls++;
    };
    s.once('close', listener);
    s.on('close', listener);
    s.emit('close');
    s.emit('close');
    expect(calls).toBe(3);
    expect(s.listenerCount('close', listener)).toBe(1);
  });

  it('a listener that throws stops the emit and the error reaches the caller, as EventEmitter', () => {
    const s = testSocket('pair');
    s.on('close', () => {
      throw new SpError('EINVAL', 'from a listener');
    });
    expect(() => s.emit('close')).toThrow('from a listener');
    s.removeAllListeners('close');
  });
});
