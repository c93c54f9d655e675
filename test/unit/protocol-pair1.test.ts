/**
 * PAIR v1 (NNG's pair1, 0x11) at the socket level, against fake pipes (spec/nng.md §2): the
 * 4-byte big-endian hop count before every body (a cooked send puts 1 on the wire; a receive
 * takes 0..maxTtl, drops above it and keeps the pipe, and closes the pipe for a runt or a
 * count above 0xff), monogamous refusal of a second peer, raw mode forwarding the count plus
 * one, polyamorous mode routing each send to the pipe it names without ever blocking, and the
 * option checks (polyamorous on pair1 cooked only, maxTtl 1..15 on pair1).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { socket, type SpSocket } from '../../src/index.js';
import type { SpError } from '../../src/sp/errors.js';
import type { PipeCloseReason } from '../../src/sp/events.js';
import { attachFake, bytes, cleanup, FakePipe, openSocket, thrownCode, wordBytes, words } from '../helpers/fake-pipe.js';

afterEach(cleanup);

/** A wire payload: the 4-byte hop count `hops`, then `body`. */
function hopped(hops: number, body: string | Uint8Array): Buffer {
  return Buffer.concat([wordBytes(hops), bytes(body)]);
}

/** Every message receivable now, as { body, header words, pipe }. */
async function drain(sock: SpSocket): Promise<{ body: string; hops: number[]; pipe: number }[]> {
  const got: { body: string; hops: number[]; pipe: number }[] = [];
  for (;;) {
    let m;
    try {
      m = await sock.recvMessage({ timeout: 0 });
    } catch (err) {
      expect((err as SpError).code).toBe('EAGAIN');
      return got;
    }
    got.push({ body: bytes(m.body).toString(), hops: words(m.header), pipe: m.pipe });
  }
}

interface Ending {
  reason: PipeCloseReason;
  error: SpError | undefined;
}

/**
 * Attach a FakePipe as attachFake does, but with an owner that records how the pipe ended
 * (the endpoint's view: 'broken' with the protocol's error) before detaching it.
 */
function attachWatched(sock: SpSocket): { pipe: FakePipe; endings: Ending[] } {
  const pipe = new FakePipe();
  const endings: Ending[] = [];
  pipe.owner = {
    pipeClosed: (p, reason, error) => {
      endings.push({ reason, error });
      sock.detachPipe(p, reason);
    },
  };
  const refused = sock.attachPipe(pipe);
  if (refused) throw refused;
  pipe.run();
  return { pipe, endings };
}

describe('PAIR v1 cooked (monogamous)', () => {
  it('is protocol 0x11 talking to 0x11', () => {
    const s = openSocket('pair1');
    expect(s.protocolId).toBe(0x11);
    expect(s.peerProtocolId).toBe(0x11);
    expect(s.type).toBe('pair1');
    expect(s.polyamorous).toBe(false);
  });

  it('puts a 4-byte big-endian hop count of 1 before the body', async () => {
    const s = openSocket('pair1');
    const pipe = attachFake(s);
    await s.send('hello');
    s.trySend(Buffer.from([1, 2, 3]));
    // a header given to a cooked send is not used: the count is always 1
    await s.sendMessage({ body: 'x', header: wordBytes(7) });
    expect(pipe.sent.map((m) => [m.header.toString('hex'), m.body.toString('hex')])).toEqual([
      ['00000001', Buffer.from('hello').toString('hex')],
      ['00000001', '010203'],
      ['00000001', Buffer.from('x').toString('hex')],
    ]);
  });

  it('receives hop counts 0..maxTtl: the count is the header, the body follows, the pipe is named', async () => {
    const s = openSocket('pair1');
    expect(s.getOption('maxTtl')).toBe(8);
    const { pipe, endings } = attachWatched(s);
    for (let hops = 0; hops <= 8; hops++) pipe.deliver(hopped(hops, `m${hops}`));
    const got = await drain(s);
    expect(got).toEqual(Array.from({ length: 9 }, (_, hops) => ({ body: `m${hops}`, hops: [hops], pipe: pipe.id })));
    expect(s.stats.droppedMessages).toBe(0);
    expect(endings).toEqual([]);
    // recv() gives the body alone; an empty body is fine
    pipe.deliver(hopped(1, ''));
    pipe.deliver(hopped(1, 'body'));
    expect(bytes(s.tryRecv())).toEqual(Buffer.alloc(0));
    expect(bytes(await s.recv())).toEqual(bytes('body'));
  });

  it('counts a body-only receive by its body, without the hop count, on every path', async () => {
    const s = openSocket('pair1');
    const pipe = attachFake(s);
    pipe.deliver(hopped(1, 'abc'));
    pipe.deliver(hopped(2, 'defgh'));
    expect(bytes(s.tryRecv())).toEqual(bytes('abc'));
    const into = Buffer.alloc(16);
    expect(s.tryRecvInto(into)).toBe(5);
    expect(into.subarray(0, 5)).toEqual(bytes('defgh'));
    // a receive that waits, served when the message comes
    const waiting = s.recv();
    pipe.deliver(hopped(1, 'ijklmnop'));
    expect(bytes(await waiting)).toEqual(bytes('ijklmnop'));
    expect(s.stats.messagesReceived).toBe(3);
    expect(s.stats.bytesReceived).toBe(3 + 5 + 8);
  });

  it('serves waiting recv and recvMessage calls in order, each with what it asked for', async () => {
    const s = openSocket('pair1');
    const pipe = attachFake(s);
    const first = s.recv();
    const second = s.recvMessage();
    const third = s.recv();
    pipe.deliver(hopped(1, 'one'));
    pipe.deliver(hopped(2, 'two'));
    pipe.deliver(hopped(3, 'three'));
    const [a, b, c] = await Promise.all([first, second, third]);
    expect(a).toBeInstanceOf(Uint8Array);
    expect(bytes(a)).toEqual(bytes('one'));
    expect(bytes(b.body)).toEqual(bytes('two'));
    expect(words(b.header)).toEqual([2]);
    expect(b.pipe).toBe(pipe.id);
    expect(c).toBeInstanceOf(Uint8Array);
    expect(bytes(c)).toEqual(bytes('three'));
    expect(s.stats.bytesReceived).toBe(3 + 3 + 5);
  });

  it('drops a message above maxTtl, counts it, and keeps the pipe', async () => {
    const s = openSocket('pair1', { maxTtl: 3 });
    const { pipe, endings } = attachWatched(s);
    pipe.deliver(hopped(3, 'at the limit'));
    pipe.deliver(hopped(4, 'one too many'));
    pipe.deliver(hopped(0xff, 'far too many'));
    pipe.deliver(hopped(1, 'after'));
    expect((await drain(s)).map((m) => m.body)).toEqual(['at the limit', 'after']);
    expect(s.stats.droppedMessages).toBe(2);
    expect(endings).toEqual([]);
    expect(pipe.isClosed).toBe(false);
    expect(s.pipes).toEqual([pipe]);
    expect(s.stats.currentConnections).toBe(1);
    // and the pipe still carries sends
    s.trySend('still paired');
    expect(pipe.sent).toHaveLength(1);
  });

  it('follows maxTtl changes for later messages', async () => {
    const s = openSocket('pair1');
    const pipe = attachFake(s);
    s.setOption('maxTtl', 15);
    pipe.deliver(hopped(15, 'fifteen'));
    s.setOption('maxTtl', 1);
    pipe.deliver(hopped(2, 'two'));
    pipe.deliver(hopped(1, 'one'));
    expect((await drain(s)).map((m) => m.body)).toEqual(['fifteen', 'one']);
    expect(s.stats.droppedMessages).toBe(1);
  });

  it.each([
    ['no bytes at all', Buffer.alloc(0)],
    ['3 bytes', Buffer.from([0, 0, 1])],
    ['a hop count of 0x100', hopped(0x100, 'x')],
    ['a hop count of 0xffffffff', hopped(0xffff_ffff, 'x')],
  ])('a payload with %s is dropped, counted, and its pipe ends as broken', async (_what, payload) => {
    const s = openSocket('pair1');
    const removed: [number, PipeCloseReason][] = [];
    s.on('pipe-removed', (p, reason) => removed.push([p.id, reason]));
    const { pipe, endings } = attachWatched(s);
    pipe.deliver(hopped(1, 'good'));
    pipe.deliver(payload);
    expect(s.stats.droppedMessages).toBe(1);
    expect(endings).toHaveLength(1);
    expect(endings[0]?.reason).toBe('broken');
    expect(endings[0]?.error?.code).toBe('EPROTO');
    expect(pipe.isClosed).toBe(true);
    expect(removed).toEqual([[pipe.id, 'broken']]);
    expect(s.pipes).toEqual([]);
    expect(s.stats.currentConnections).toBe(0);
    // what came before the bad message is still there; nothing more is sent on the dead pipe
    expect((await drain(s)).map((m) => m.body)).toEqual(['good']);
    expect(() => s.trySend('x')).toThrow(expect.objectContaining({ code: 'EAGAIN' }));
    expect(pipe.sent).toEqual([]);
  });

  it('a hop count of exactly 0xff above maxTtl is a ttl drop, not a broken pipe', () => {
    const s = openSocket('pair1', { maxTtl: 15 });
    const { pipe, endings } = attachWatched(s);
    pipe.deliver(hopped(0xff, 'x'));
    expect(s.stats.droppedMessages).toBe(1);
    expect(endings).toEqual([]);
    expect(pipe.isClosed).toBe(false);
  });

  it('refuses a second peer with EISCONN while paired, and takes a new one once the first is gone', async () => {
    const s = openSocket('pair1');
    const first = attachFake(s);
    const second = new FakePipe();
    const refused = s.attachPipe(second);
    expect(refused?.code).toBe('EISCONN');
    expect(s.pipes).toEqual([first]);
    expect(s.stats.currentConnections).toBe(1);
    await s.send('to the first');
    expect(first.sent).toHaveLength(1);
    expect(second.sent).toEqual([]);

    first.hangUp();
    expect(s.pipes).toEqual([]);
    const third = attachFake(s);
    await s.send('to the third');
    expect(third.sent.map((m) => m.body.toString())).toEqual(['to the third']);
  });

  it('blocks a send without a peer: EAGAIN on trySend, a waiting send goes when a peer comes', async () => {
    const s = openSocket('pair1');
    expect(thrownCode(() => s.trySend('x'))).toBe('EAGAIN');
    await expect(s.send('x', { timeout: 0 })).rejects.toMatchObject({ code: 'EAGAIN' });
    expect(s.stats.droppedSends).toBe(0);
    expect(s.pollState() & 2).toBe(0);
    const waiting = s.send('early');
    const pipe = attachFake(s);
    await waiting;
    expect(pipe.sent.map((m) => [words(m.header), m.body.toString()])).toEqual([[[1], 'early']]);
    expect(s.pollState() & 2).toBe(2);
  });

  it('blocks while its peer is full and sends once it drains', async () => {
    const s = openSocket('pair1');
    const pipe = attachFake(s);
    pipe.setWritable(false);
    expect(thrownCode(() => s.trySend('x'))).toBe('EAGAIN');
    const waiting = s.send('later');
    expect(pipe.sent).toEqual([]);
    pipe.setWritable(true);
    await waiting;
    expect(pipe.sent.map((m) => m.body.toString())).toEqual(['later']);
    expect(s.stats.droppedSends).toBe(0);
  });
});

describe('PAIR v1 raw', () => {
  it('hands the hop count over as recvMessage().header', async () => {
    const s = openSocket('pair1', { raw: true });
    const pipe = attachFake(s);
    pipe.deliver(hopped(0, 'zero'));
    pipe.deliver(hopped(5, 'five'));
    expect(await drain(s)).toEqual([
      { body: 'zero', hops: [0], pipe: pipe.id },
      { body: 'five', hops: [5], pipe: pipe.id },
    ]);
  });

  it('sendMessage({ body, header: count }) puts count + 1 on the wire', async () => {
    const s = openSocket('pair1', { raw: true });
    const pipe = attachFake(s);
    await s.sendMessage({ body: 'a', header: wordBytes(0) });
    await s.sendMessage({ body: 'b', header: wordBytes(3) });
    await s.sendMessage({ body: 'c', header: wordBytes(0xfe) });
    expect(pipe.sent.map((m) => [m.header.toString('hex'), m.body.toString()])).toEqual([
      ['00000001', 'a'],
      ['00000004', 'b'],
      ['000000ff', 'c'],
    ]);
  });

  it('forwards what it received with one more hop (a device pass)', async () => {
    const s = openSocket('pair1', { raw: true });
    const pipe = attachFake(s);
    pipe.deliver(hopped(2, 'through'));
    const m = await s.recvMessage({ timeout: 0 });
    await s.sendMessage(m);
    expect(pipe.sent.map((x) => [words(x.header), x.body.toString()])).toEqual([[[3], 'through']]);
  });

  it.each([
    ['no header', undefined],
    ['an empty header', Buffer.alloc(0)],
    ['3 bytes', Buffer.from([0, 0, 1])],
    ['8 bytes', wordBytes(0, 1)],
  ])('a raw send with %s fails with EINVAL and sends nothing', async (_what, header) => {
    const s = openSocket('pair1', { raw: true });
    const pipe = attachFake(s);
    await expect(s.sendMessage({ body: 'x', header })).rejects.toMatchObject({ code: 'EINVAL' });
    expect(pipe.sent).toEqual([]);
  });

  it.each([0xff, 0x100, 0xffff_ffff])('a raw send with hop count %i fails with EINVAL', async (hops) => {
    const s = openSocket('pair1', { raw: true });
    const pipe = attachFake(s);
    await expect(s.sendMessage({ body: 'x', header: wordBytes(hops) })).rejects.toMatchObject({ code: 'EINVAL' });
    expect(pipe.sent).toEqual([]);
  });

  it('refuses a second peer too (raw pair1 is monogamous)', () => {
    const s = openSocket('pair1', { raw: true });
    attachFake(s);
    expect(s.attachPipe(new FakePipe())?.code).toBe('EISCONN');
  });
});

describe('PAIR v1 polyamorous', () => {
  it('takes several peers; each received message names its pipe', async () => {
    const s = openSocket('pair1', { polyamorous: true });
    expect(s.polyamorous).toBe(true);
    const a = attachFake(s);
    const b = attachFake(s);
    const c = attachFake(s);
    expect(s.pipes).toEqual([a, b, c]);
    a.deliver(hopped(1, 'from a'));
    b.deliver(hopped(0, 'from b'));
    c.deliver(hopped(2, 'from c'));
    const got = await drain(s);
    expect(got.sort((x, y) => x.body.localeCompare(y.body))).toEqual([
      { body: 'from a', hops: [1], pipe: a.id },
      { body: 'from b', hops: [0], pipe: b.id },
      { body: 'from c', hops: [2], pipe: c.id },
    ]);
  });

  it('sendMessage({ body, pipe }) goes to exactly that pipe, with hop count 1', async () => {
    const s = openSocket('pair1', { polyamorous: true });
    const [a, b, c] = [attachFake(s), attachFake(s), attachFake(s)];
    await s.sendMessage({ body: 'to b', pipe: b.id });
    await s.sendMessage({ body: 'to c', pipe: c.id });
    await s.sendMessage({ body: 'to b again', pipe: b.id });
    expect(a.sent).toEqual([]);
    expect(b.sent.map((m) => [words(m.header), m.body.toString()])).toEqual([
      [[1], 'to b'],
      [[1], 'to b again'],
    ]);
    expect(c.sent.map((m) => m.body.toString())).toEqual(['to c']);
    expect(s.stats.droppedSends).toBe(0);
  });

  it('a reply to a received message goes back on its pipe', async () => {
    const s = openSocket('pair1', { polyamorous: true });
    const [a, b] = [attachFake(s), attachFake(s)];
    b.deliver(hopped(1, 'ping'));
    const m = await s.recvMessage({ timeout: 0 });
    await s.sendMessage({ body: 'pong', pipe: m.pipe });
    expect(a.sent).toEqual([]);
    expect(b.sent.map((x) => x.body.toString())).toEqual(['pong']);
  });

  it('a send with no pipe, or pipe 0, goes to the first pipe attached', async () => {
    const s = openSocket('pair1', { polyamorous: true });
    const [a, b] = [attachFake(s), attachFake(s)];
    await s.send('plain');
    s.trySend('try');
    await s.sendMessage({ body: 'none' });
    await s.sendMessage({ body: 'zero', pipe: 0 });
    expect(a.sent.map((m) => m.body.toString())).toEqual(['plain', 'try', 'none', 'zero']);
    expect(b.sent).toEqual([]);
    // once the first is gone, the next in order is the first
    a.hangUp();
    await s.send('after');
    expect(b.sent.map((m) => m.body.toString())).toEqual(['after']);
  });

  it('drops a send to an unknown or detached pipe, counted, without throwing or blocking; others unaffected', async () => {
    const s = openSocket('pair1', { polyamorous: true });
    const [a, b] = [attachFake(s), attachFake(s)];
    const unknown = ((Math.max(a.id, b.id) + 1000) & 0x7fff_ffff) || 1;
    await s.sendMessage({ body: 'nowhere', pipe: unknown }, { timeout: 0 });
    expect(s.stats.droppedSends).toBe(1);
    b.hangUp();
    await s.sendMessage({ body: 'to the gone b', pipe: b.id }, { timeout: 0 });
    expect(s.stats.droppedSends).toBe(2);
    expect(b.sent).toEqual([]);
    await s.sendMessage({ body: 'to a', pipe: a.id });
    expect(a.sent.map((m) => m.body.toString())).toEqual(['to a']);
    expect(s.stats.droppedSends).toBe(2);
  });

  it('drops a send to a full pipe, counted, without blocking; other pipes keep sending', async () => {
    const s = openSocket('pair1', { polyamorous: true });
    const [a, b] = [attachFake(s), attachFake(s)];
    b.setWritable(false);
    await s.sendMessage({ body: 'to full b', pipe: b.id }, { timeout: 0 });
    await s.sendMessage({ body: 'to full b 2', pipe: b.id });
    expect(s.stats.droppedSends).toBe(2);
    expect(b.sent).toEqual([]);
    await s.sendMessage({ body: 'to a', pipe: a.id }, { timeout: 0 });
    expect(a.sent.map((m) => m.body.toString())).toEqual(['to a']);
    // a full first pipe drops the unaddressed send too, never blocking
    a.setWritable(false);
    s.trySend('unaddressed');
    expect(s.stats.droppedSends).toBe(3);
    expect(s.pollState() & 2).toBe(2);
    // drained: sends go again, nothing dropped is resent
    b.setWritable(true);
    await s.sendMessage({ body: 'b again', pipe: b.id });
    expect(b.sent.map((m) => m.body.toString())).toEqual(['b again']);
    expect(a.sent.map((m) => m.body.toString())).toEqual(['to a']);
  });

  it('drops (never blocks) a send when it has no pipe at all', async () => {
    const s = openSocket('pair1', { polyamorous: true });
    s.trySend('alone');
    await s.send('alone', { timeout: 0 });
    expect(s.stats.droppedSends).toBe(2);
  });

  it('still applies the hop rules per pipe: a runt ends only that pipe', async () => {
    const s = openSocket('pair1', { polyamorous: true, maxTtl: 2 });
    const a = attachWatched(s);
    const b = attachWatched(s);
    a.pipe.deliver(hopped(3, 'too far'));
    b.pipe.deliver(Buffer.from([0, 1]));
    expect(s.stats.droppedMessages).toBe(2);
    expect(a.endings).toEqual([]);
    expect(b.endings.map((e) => e.reason)).toEqual(['broken']);
    expect(s.pipes).toEqual([a.pipe]);
    a.pipe.deliver(hopped(2, 'fine'));
    expect(await drain(s)).toEqual([{ body: 'fine', hops: [2], pipe: a.pipe.id }]);
  });

  it.each([-1, 1.5, 0x8000_0000, '7'])('a pipe of %s is EINVAL', async (pipe) => {
    const s = openSocket('pair1', { polyamorous: true });
    attachFake(s);
    await expect(s.sendMessage({ body: 'x', pipe: pipe as number })).rejects.toMatchObject({ code: 'EINVAL' });
  });
});

describe('PAIR v1 options', () => {
  it.each([
    ['pair', { polyamorous: true }],
    ['bus', { polyamorous: true }],
  ] as const)('socket(%j, %j) is EINVAL', (type, init) => {
    expect(thrownCode(() => socket(type, init))).toBe('EINVAL');
  });

  it('a raw polyamorous pair1 is EINVAL', () => {
    expect(thrownCode(() => socket('pair1', { raw: true, polyamorous: true }))).toBe('EINVAL');
  });

  it.each(['yes', 1, 'true', {}])('polyamorous: %j is EINVAL', (value) => {
    expect(thrownCode(() => socket('pair1', { polyamorous: value as unknown as boolean }))).toBe('EINVAL');
  });

  it('polyamorous: false is a plain pair1, on pair too', () => {
    expect(openSocket('pair1', { polyamorous: false }).polyamorous).toBe(false);
    expect(openSocket('pair', { polyamorous: false }).polyamorous).toBe(false);
  });

  it('a refused socket gives back its number', () => {
    const before = openSocket('pair1');
    const n = before.index;
    expect(thrownCode(() => socket('pair', { polyamorous: true }))).toBe('EINVAL');
    expect(thrownCode(() => socket('pair1', { maxTtl: 16 }))).toBe('EINVAL');
    const after = openSocket('pair1');
    expect(after.index).toBe(n + 1);
  });

  it('maxTtl on pair1 is 1..15: 16 is EINVAL (constructor and setOption), 15 is fine', () => {
    expect(thrownCode(() => socket('pair1', { maxTtl: 16 }))).toBe('EINVAL');
    expect(thrownCode(() => socket('pair1', { raw: true, maxTtl: 16 }))).toBe('EINVAL');
    expect(thrownCode(() => socket('pair1', { maxTtl: 0 }))).toBe('EINVAL');
    const s = openSocket('pair1', { maxTtl: 15 });
    expect(s.getOption('maxTtl')).toBe(15);
    expect(thrownCode(() => s.setOption('maxTtl', 16))).toBe('EINVAL');
    expect(thrownCode(() => s.setOption('maxTtl', 255))).toBe('EINVAL');
    expect(s.getOption('maxTtl')).toBe(15);
    s.setOption('maxTtl', 1);
    expect(s.getOption('maxTtl')).toBe(1);
  });

  it('maxTtl 200 is still fine on req (and rep, surveyor): the 15 cap is pair1 only', () => {
    const req = openSocket('req', { maxTtl: 200 });
    expect(req.getOption('maxTtl')).toBe(200);
    req.setOption('maxTtl', 255);
    expect(req.getOption('maxTtl')).toBe(255);
    expect(openSocket('rep', { maxTtl: 200 }).getOption('maxTtl')).toBe(200);
    expect(openSocket('surveyor', { maxTtl: 200 }).getOption('maxTtl')).toBe(200);
  });
});
