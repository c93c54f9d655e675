/**
 * SURVEYOR at the socket level, against fake pipes (spec/wire.md §3.5): a survey goes to
 * every writable pipe with a 4-byte id header; responses carrying that id are received until
 * surveyDeadline; then one receive fails with ETIMEDOUT and later ones with EFSM.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Message } from '../../src/index.js';
import { attachFake, backtraced, bytes, cleanup, openSocket, replyTo, thrownCode, wordBytes, words } from '../helpers/fake-pipe.js';

afterEach(cleanup);

describe('SURVEYOR (cooked)', () => {
  it('sends a survey to every writable pipe with the same id header, top bit set', async () => {
    const sock = openSocket('surveyor');
    const a = attachFake(sock);
    const b = attachFake(sock);
    const full = attachFake(sock, { writable: false });
    await sock.send('who is there?');
    expect(a.sent).toHaveLength(1);
    expect(b.sent).toHaveLength(1);
    expect(full.sent).toHaveLength(0); // a busy pipe misses the survey
    expect(a.sent[0]!.header.length).toBe(4);
    expect(a.sent[0]!.header[0]! & 0x80).toBe(0x80);
    expect(b.sent[0]!.header).toEqual(a.sent[0]!.header);
    expect(a.sent[0]!.body).toEqual(bytes('who is there?'));
  });

  it('receives every response carrying the survey id, body only', async () => {
    const sock = openSocket('surveyor');
    const a = attachFake(sock);
    const b = attachFake(sock);
    await sock.send('s');
    const pending = sock.recv(); // a receive waiting for the first response
    a.deliver(replyTo(a.sent[0]!.header, 'from a'));
    b.deliver(replyTo(b.sent[0]!.header, 'from b'));
    expect(bytes(await pending)).toEqual(bytes('from a'));
    expect(bytes(await sock.recv())).toEqual(bytes('from b'));
  });

  it('drops responses with another id silently, and short or id-less ones as malformed', async () => {
    const sock = openSocket('surveyor');
    const pipe = attachFake(sock);
    await sock.send('s');
    const id = words(pipe.sent[0]!.header)[0]!;

    pipe.deliver(backtraced([], (id + 1) >>> 0, 'other survey'));
    expect(sock.stats.droppedMessages).toBe(0);
    pipe.deliver(Buffer.from([0x80]));
    expect(sock.stats.droppedMessages).toBe(1);
    pipe.deliver(Buffer.concat([wordBytes(id & 0x7fff_ffff), bytes('no top bit')]));
    expect(sock.stats.droppedMessages).toBe(2);
    expect(thrownCode(() => sock.tryRecv())).toBe('EAGAIN');

    pipe.deliver(backtraced([], id, 'right'));
    expect(bytes(sock.tryRecv())).toEqual(bytes('right'));
  });

  it('fails a receive with EFSM before any survey', async () => {
    const sock = openSocket('surveyor');
    attachFake(sock);
    expect(thrownCode(() => sock.tryRecv())).toBe('EFSM');
    await expect(sock.recv()).rejects.toMatchObject({ code: 'EFSM' });
  });

  it('after surveyDeadline fails one receive with ETIMEDOUT, then EFSM until the next survey', async () => {
    vi.useFakeTimers();
    const sock = openSocket('surveyor', { surveyDeadline: 500 });
    const pipe = attachFake(sock);
    await sock.send('s');
    await vi.advanceTimersByTimeAsync(499);
    expect(thrownCode(() => sock.tryRecv())).toBe('EAGAIN');
    await vi.advanceTimersByTimeAsync(1);
    // a response arriving after the deadline is not delivered either
    pipe.deliver(replyTo(pipe.sent[0]!.header, 'too late'));
    await expect(sock.recv()).rejects.toMatchObject({ code: 'ETIMEDOUT' });
    await expect(sock.recv()).rejects.toMatchObject({ code: 'EFSM' });
    expect(thrownCode(() => sock.tryRecv())).toBe('EFSM');

    await sock.send('next');
    expect(thrownCode(() => sock.tryRecv())).toBe('EAGAIN');
  });

  it('wakes a receive waiting at the deadline with ETIMEDOUT', async () => {
    vi.useFakeTimers();
    const sock = openSocket('surveyor', { surveyDeadline: 500 });
    attachFake(sock);
    await sock.send('s');
    const waiting = expect(sock.recv()).rejects.toMatchObject({ code: 'ETIMEDOUT' });
    await vi.advanceTimersByTimeAsync(500);
    await waiting;
    expect(thrownCode(() => sock.tryRecv())).toBe('EFSM');
  });

  it('cancels the old survey on a new one: its responses are never received', async () => {
    vi.useFakeTimers();
    const sock = openSocket('surveyor', { surveyDeadline: 500 });
    const pipe = attachFake(sock);
    await sock.send('first');
    const first = pipe.sent[0]!.header;
    pipe.deliver(replyTo(first, 'early answer to first')); // queued before the new survey
    await vi.advanceTimersByTimeAsync(300);
    await sock.send('second');
    const second = pipe.sent[1]!.header;
    expect(bytes(second)).not.toEqual(bytes(first));

    pipe.deliver(replyTo(first, 'late answer to first'));
    expect(thrownCode(() => sock.tryRecv())).toBe('EAGAIN');
    // the first survey's deadline (t = 500) no longer applies; the second's is t = 800
    await vi.advanceTimersByTimeAsync(300);
    pipe.deliver(replyTo(second, 'answer to second'));
    expect(bytes(sock.tryRecv())).toEqual(bytes('answer to second'));
    await vi.advanceTimersByTimeAsync(200);
    expect(thrownCode(() => sock.tryRecv())).toBe('ETIMEDOUT');
  });
});

describe('SURVEYOR (raw)', () => {
  it('broadcasts with the header as given and hands up any response with its first word', async () => {
    const sock = openSocket('surveyor', { raw: true });
    const a = attachFake(sock);
    const b = attachFake(sock);
    await sock.sendMessage(new Message(Buffer.from('raw s'), wordBytes(0x8000_0042)));
    expect(a.sentHeaders).toEqual([[0x8000_0042]]);
    expect(b.sentHeaders).toEqual([[0x8000_0042]]);

    b.deliver(backtraced([], 0x8000_0077, 'raw r'));
    const msg = await sock.recvMessage();
    expect(words(msg.header)).toEqual([0x8000_0077]);
    expect(bytes(msg.body)).toEqual(bytes('raw r'));
  });
});
