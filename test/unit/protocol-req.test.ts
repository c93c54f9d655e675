/**
 * REQ at the socket level, against fake pipes (spec/wire.md §3.2): one request at a time,
 * identified by a 4-byte id with the top bit set; only the reply carrying that id is
 * received; resends by timer and when the carrying pipe goes away.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Message } from '../../src/index.js';
import { attachFake, backtraced, bytes, cleanup, openSocket, replyTo, thrownCode, wordBytes, words } from '../helpers/fake-pipe.js';

afterEach(cleanup);

/** The request id in the header of a sent request. */
function idOf(header: Uint8Array): number {
  return words(header)[0] as number;
}

describe('REQ (cooked)', () => {
  it('sends a request to one writable pipe with a 4-byte id header, top bit set', async () => {
    const req = openSocket('req');
    const a = attachFake(req);
    const b = attachFake(req);
    await req.send('hello');
    expect(a.sent.length + b.sent.length).toBe(1);
    const [msg] = [...a.sent, ...b.sent];
    expect(msg!.header.length).toBe(4);
    expect(msg!.header[0]! & 0x80).toBe(0x80);
    expect(msg!.body).toEqual(bytes('hello'));
  });

  it('receives the reply that carries the request id, body only', async () => {
    const req = openSocket('req');
    const pipe = attachFake(req);
    await req.send('ping');
    // a receive waiting before the reply arrives is woken by it
    const reply = req.recv();
    pipe.deliver(replyTo(pipe.sent[0]!.header, 'pong'));
    expect(bytes(await reply)).toEqual(bytes('pong'));
  });

  it('drops replies with a wrong id silently, and short or id-less ones as malformed', async () => {
    const req = openSocket('req');
    const pipe = attachFake(req);
    await req.send('q');
    const id = idOf(pipe.sent[0]!.header);

    pipe.deliver(backtraced([], (id + 1) >>> 0, 'wrong id'));
    expect(req.stats.droppedMessages).toBe(0); // a late or foreign reply is not an error
    pipe.deliver(Buffer.from([0x80, 0, 0])); // shorter than one word
    expect(req.stats.droppedMessages).toBe(1);
    pipe.deliver(Buffer.concat([wordBytes(id & 0x7fff_ffff), bytes('no top bit')]));
    expect(req.stats.droppedMessages).toBe(2);
    expect(thrownCode(() => req.tryRecv())).toBe('EAGAIN');

    pipe.deliver(backtraced([], id, 'right'));
    expect(bytes(req.tryRecv())).toEqual(bytes('right'));
  });

  it('fails a receive with EFSM before any request, and after the reply was taken', async () => {
    const req = openSocket('req');
    const pipe = attachFake(req);
    expect(thrownCode(() => req.tryRecv())).toBe('EFSM');
    await expect(req.recv()).rejects.toMatchObject({ code: 'EFSM' });

    await req.send('q');
    pipe.deliver(replyTo(pipe.sent[0]!.header, 'r'));
    await req.recv();
    expect(thrownCode(() => req.tryRecv())).toBe('EFSM');
  });

  it('cancels the old request on a new send: late replies to it are never received', async () => {
    const req = openSocket('req');
    const pipe = attachFake(req);
    await req.send('first');
    const first = pipe.sent[0]!.header;
    // a reply to the first request already queued when the second is sent
    pipe.deliver(replyTo(first, 'early reply to first'));
    await req.send('second');
    const second = pipe.sent[1]!.header;
    expect(idOf(second)).not.toBe(idOf(first));
    expect(pipe.sent[1]!.body).toEqual(bytes('second'));

    expect(thrownCode(() => req.tryRecv())).toBe('EAGAIN');
    pipe.deliver(replyTo(first, 'late reply to first'));
    expect(thrownCode(() => req.tryRecv())).toBe('EAGAIN');
    pipe.deliver(replyTo(second, 'reply to second'));
    expect(bytes(req.tryRecv())).toEqual(bytes('reply to second'));
  });

  it('resends the same request every resendInterval until the reply comes', async () => {
    vi.useFakeTimers();
    const req = openSocket('req', { resendInterval: 1000 });
    const pipe = attachFake(req);
    await req.send('again');
    expect(pipe.sent).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(999);
    expect(pipe.sent).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(pipe.sent).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1000);
    expect(pipe.sent).toHaveLength(3);
    for (const msg of pipe.sent) {
      expect(msg.header).toEqual(pipe.sent[0]!.header);
      expect(msg.body).toEqual(bytes('again'));
    }

    pipe.deliver(replyTo(pipe.sent[0]!.header, 'done'));
    await req.recv();
    await vi.advanceTimersByTimeAsync(5000);
    expect(pipe.sent).toHaveLength(3); // answered: no more resends
  });

  it('resends at once on another pipe when the pipe that carried the request goes away', async () => {
    vi.useFakeTimers(); // the default 60 s resend timer must play no part
    const req = openSocket('req');
    const a = attachFake(req);
    const b = attachFake(req);
    await req.send('survive');
    const [carrier, other] = a.sent.length === 1 ? [a, b] : [b, a];
    expect(other.sent).toHaveLength(0);

    carrier.hangUp();
    expect(other.sent).toHaveLength(1);
    expect(other.sent[0]!.header).toEqual(carrier.sent[0]!.header);
    expect(other.sent[0]!.body).toEqual(bytes('survive'));

    other.deliver(replyTo(other.sent[0]!.header, 'ok'));
    expect(bytes(await req.recv())).toEqual(bytes('ok'));
  });

  it('accepts a request with no writable pipe and sends it once a pipe can take it', async () => {
    const req = openSocket('req');
    const full = attachFake(req, { writable: false });
    await req.send('delayed'); // REQ is always writable (nanomsg's DELAYED state)
    expect(full.sent).toHaveLength(0);
    full.setWritable(true);
    expect(full.sent).toHaveLength(1);
    expect(full.sent[0]!.body).toEqual(bytes('delayed'));
  });

  it('sends a request made with no pipe at all to the first pipe attached', async () => {
    const req = openSocket('req');
    await req.send('early');
    const pipe = attachFake(req);
    expect(pipe.sent).toHaveLength(1);
    expect(pipe.sent[0]!.body).toEqual(bytes('early'));
  });

  it('load-balances successive requests round robin across pipes', async () => {
    const req = openSocket('req');
    const a = attachFake(req);
    const b = attachFake(req);
    for (const body of ['1', '2', '3', '4']) await req.send(body);
    // each new request goes to the next pipe in turn: one pipe got 1 and 3, the other 2 and 4
    const got = [a, b].map((p) => p.sent.map((m) => m.body.toString()).join(','));
    expect(got.sort()).toEqual(['1,3', '2,4']);
  });
});

describe('REQ (raw)', () => {
  it('passes the header through on send and splits the first word off on receive', async () => {
    const req = openSocket('req', { raw: true });
    const pipe = attachFake(req);
    const header = wordBytes(0x8000_0007);
    await req.sendMessage(new Message(Buffer.from('raw q'), header));
    expect(pipe.sent).toHaveLength(1);
    expect(pipe.sent[0]!.header).toEqual(header);
    expect(pipe.sent[0]!.body).toEqual(bytes('raw q'));

    // any id is handed up: matching replies to requests is the raw user's business
    pipe.deliver(backtraced([], 0x8000_0123, 'raw r'));
    const msg = await req.recvMessage();
    expect(words(msg.header)).toEqual([0x8000_0123]);
    expect(bytes(msg.body)).toEqual(bytes('raw r'));
  });

  it('drops replies shorter than one word as malformed', () => {
    const req = openSocket('req', { raw: true });
    const pipe = attachFake(req);
    pipe.deliver(Buffer.from([0x80, 0]));
    expect(req.stats.droppedMessages).toBe(1);
    expect(thrownCode(() => req.tryRecv())).toBe('EAGAIN');
  });

  it('cannot send with no writable pipe (raw REQ keeps no request)', () => {
    const req = openSocket('req', { raw: true });
    attachFake(req, { writable: false });
    expect(thrownCode(() => req.trySend('x'))).toBe('EAGAIN');
  });
});
