import { describe, expect, it } from 'vitest';
import { poll, POLLIN, POLLOUT, type PollItem } from '../../src/index.js';
import { linked, testSocket } from '../helpers/sockets.js';

describe('poll() (nanomsg tests/poll.c)', () => {
  it('exports NN_POLLIN = 1 and NN_POLLOUT = 2', () => {
    expect(POLLIN).toBe(1);
    expect(POLLOUT).toBe(2);
  });

  it('PAIR with no peer is neither writable nor readable', async () => {
    const pair = testSocket('pair');
    const items: PollItem[] = [{ socket: pair, events: POLLIN | POLLOUT }];
    expect(await poll(items, 0)).toBe(0);
    expect(items[0]?.revents).toBe(0);
    expect(await poll(items, { timeout: 0 })).toBe(0);
  });

  it('PAIR once linked is writable; readable only after the peer sent', async () => {
    const a = testSocket('pair');
    const b = testSocket('pair');
    await linked(a, b);
    const items: PollItem[] = [{ socket: a, events: POLLIN | POLLOUT }];
    expect(await poll(items, 0)).toBe(1);
    expect(items[0]?.revents).toBe(POLLOUT);
    const inOnly: PollItem[] = [{ socket: a, events: POLLIN }];
    expect(await poll(inOnly, 0)).toBe(0);
    // a poll waiting for ever, started before the send, resolves once the message arrives
    const waiting = poll(inOnly, -1);
    await b.send('ABC');
    expect(await waiting).toBe(1);
    expect(inOnly[0]?.revents).toBe(POLLIN);
    expect(await poll(items, 0)).toBe(1);
    expect(items[0]?.revents).toBe(POLLIN | POLLOUT);
    expect(String(a.tryRecv())).toBe('ABC');
    expect(await poll(inOnly, 0)).toBe(0);
  });

  it('REP is writable only after a receive, and not after the reply', async () => {
    const rep = testSocket('rep');
    const req = testSocket('req');
    await linked(rep, req);
    const out: PollItem[] = [{ socket: rep, events: POLLOUT }];
    const inn: PollItem[] = [{ socket: rep, events: POLLIN }];
    expect(await poll(out, 0)).toBe(0);
    const readable = poll(inn, -1);
    await req.send('Q');
    expect(await readable).toBe(1);
    expect(await poll(out, 0)).toBe(0);
    expect(String(rep.tryRecv())).toBe('Q');
    expect(await poll(out, 0)).toBe(1);
    expect(out[0]?.revents).toBe(POLLOUT);
    rep.trySend('A');
    expect(await poll(out, 0)).toBe(0);
    expect(String(await req.recv())).toBe('A');
  });

  it('REQ, PUB, SURVEYOR and BUS are always writable, even with no peer', async () => {
    const items: PollItem[] = (['req', 'pub', 'surveyor', 'bus'] as const).map((type) => ({ socket: testSocket(type), events: POLLOUT }));
    expect(await poll(items, 0)).toBe(4);
    for (const item of items) expect(item.revents).toBe(POLLOUT);
  });

  it('a one-way socket never reports what it cannot do', async () => {
    const items: PollItem[] = [
      { socket: testSocket('pub'), events: POLLIN | POLLOUT },
      { socket: testSocket('sub'), events: POLLIN | POLLOUT },
    ];
    expect(await poll(items, 0)).toBe(1);
    expect(items[0]?.revents).toBe(POLLOUT);
    expect(items[1]?.revents).toBe(0);
  });

  it('a SURVEYOR with no survey is readable (a recv fails at once with EFSM); during a survey it is not', async () => {
    const surveyor = testSocket('surveyor', { surveyDeadline: 100 });
    const items: PollItem[] = [{ socket: surveyor, events: POLLIN }];
    expect(await poll(items, 0)).toBe(1);
    expect(items[0]?.revents).toBe(POLLIN);
    await expect(surveyor.recv()).rejects.toMatchObject({ code: 'EFSM' });
    const started = Date.now();
    await surveyor.send('anyone?');
    expect(await poll(items, 0)).toBe(0);
    // the deadline makes it readable again, waking a waiting poll
    expect(await poll(items, -1)).toBe(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
    await expect(surveyor.recv()).rejects.toMatchObject({ code: 'ETIMEDOUT' });
  });

  it('returns 0 after the timeout when nothing happens', async () => {
    const pair = testSocket('pair');
    const items: PollItem[] = [{ socket: pair, events: POLLIN | POLLOUT }];
    const started = Date.now();
    expect(await poll(items, 50)).toBe(0);
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(45);
    expect(elapsed).toBeLessThan(1000);
    expect(items[0]?.revents).toBe(0);
  });

  it('counts every item with events', async () => {
    const a = testSocket('pair');
    const b = testSocket('pair');
    await linked(a, b);
    await b.send('x');
    const lonely = testSocket('pair');
    const items: PollItem[] = [
      { socket: a, events: POLLIN },
      { socket: b, events: POLLOUT },
      { socket: lonely, events: POLLIN | POLLOUT },
    ];
    // wait for the message to be in, then a and b have events and lonely has none
    expect(await poll([{ socket: a, events: POLLIN }], -1)).toBe(1);
    expect(await poll(items, 0)).toBe(2);
    expect(items.map((i) => i.revents)).toEqual([POLLIN, POLLOUT, 0]);
  });

  it('an AbortSignal aborts a waiting poll with EINTR', async () => {
    const pair = testSocket('pair');
    const controller = new AbortController();
    const waiting = poll([{ socket: pair, events: POLLIN }], { timeout: -1, signal: controller.signal });
    controller.abort();
    await expect(waiting).rejects.toMatchObject({ code: 'EINTR', errno: 4 });
    // an already aborted signal fails at once when nothing is ready
    await expect(poll([{ socket: pair, events: POLLIN }], { signal: controller.signal })).rejects.toMatchObject({ code: 'EINTR' });
  });

  it('closing a polled socket makes a waiting poll reject with EBADF', async () => {
    const pair = testSocket('pair');
    const waiting = poll([{ socket: pair, events: POLLIN }], -1);
    await pair.close();
    await expect(waiting).rejects.toMatchObject({ code: 'EBADF', errno: 9 });
    await expect(poll([{ socket: pair, events: POLLIN }], 0)).rejects.toMatchObject({ code: 'EBADF' });
  });
});
