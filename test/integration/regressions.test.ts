/**
 * Defects found by review, each pinned by the behaviour that was wrong: raw headers taken with
 * their own message, memory bounded against connection churn, a 'pipe' listener that closes
 * its endpoint, a TLS listener that closes while a client sits in its handshake, buffers the
 * caller may reuse once send resolved, REP forgetting an unanswered request on every receive,
 * and endpoint ids given only to endpoints that exist.
 */
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { Message } from '../../src/index.js';
import { useCerts, describeTls } from '../helpers/certs.js';
import { frame, rawConnect, spHeaderBytes } from '../helpers/raw-peer.js';
import { linked, next, testSocket } from '../helpers/sockets.js';

describe('raw recvMessage', () => {
  it('takes each header with its own message, also for receives waiting together', async () => {
    const rep = testSocket('rep', { raw: true });
    const ep = await rep.bind('tcp://127.0.0.1:0');
    const reqs = [testSocket('req'), testSocket('req')];
    for (const req of reqs) {
      const piped = next(rep, 'pipe');
      req.connect(ep.url);
      await piped;
    }
    // both receives wait before anything has arrived, so one readable() pass serves both
    const both = Promise.all([rep.recvMessage(), rep.recvMessage()]);
    await reqs[0]!.send('one');
    await reqs[1]!.send('two');
    const got = await both;
    expect(got[0]!.header.equals(got[1]!.header)).toBe(false);
    for (const m of got) await rep.sendMessage(new Message(Buffer.from(`reply-to-${m.body}`), m.header));
    expect(String(await reqs[0]!.recv({ timeout: 2000 }))).toBe('reply-to-one');
    expect(String(await reqs[1]!.recv({ timeout: 2000 }))).toBe('reply-to-two');
  });
});

describe('connection churn', () => {
  it('does not make a socket that is not reading hold more than recvBuffer for peers that left', async () => {
    const recvBuffer = 64 * 1024;
    const pull = testSocket('pull', { recvBuffer });
    const ep = await pull.bind('tcp://127.0.0.1:0');
    const body = Buffer.alloc(30_000, 1);
    for (let i = 0; i < 20; i++) {
      const peer = await rawConnect(ep.url);
      const removed = next(pull, 'pipe-removed');
      await peer.writeSegments([Buffer.concat([spHeaderBytes(0x50), frame(body), frame(body)])]);
      peer.socket.end();
      await removed;
    }
    let held = 0;
    for (;;) {
      try {
        held += pull.tryRecv().length;
      } catch {
        break;
      }
    }
    expect(held).toBeGreaterThan(0); // what the first peers sent before leaving is still there
    expect(held).toBeLessThanOrEqual(recvBuffer);
  });
});

describe("a 'pipe' listener that closes", () => {
  it('its endpoint: the new pipe goes with it', async () => {
    const pull = testSocket('pull');
    const ep = await pull.bind('tcp://127.0.0.1:0');
    const push = testSocket('push');
    const endpoint = push.connect(ep.url);
    const closed = new Promise<void>((resolve) => push.once('pipe', () => void endpoint.close().then(resolve)));
    await closed;
    expect(push.endpoints).toHaveLength(0);
    expect(push.pipes).toHaveLength(0);
    expect(() => push.trySend('x')).toThrow(expect.objectContaining({ code: 'EAGAIN' }));
  });

  it('its socket: nothing stays connected', async () => {
    const pull = testSocket('pull');
    const ep = await pull.bind('tcp://127.0.0.1:0');
    const push = testSocket('push');
    const closed = new Promise<void>((resolve) => push.once('pipe', () => void push.close().then(resolve)));
    const gone = next(pull, 'pipe-removed');
    push.connect(ep.url);
    await closed;
    await gone;
    expect(pull.pipes).toHaveLength(0);
  });
});

describeTls('a TLS listener', () => {
  const certs = useCerts();

  it.each(['tls+tcp', 'wss'])('%s: closes at once while a client sits in its TLS handshake', async (scheme) => {
    const s = testSocket('pair', { tls: certs.listener() });
    const ep = await s.bind(`${scheme}://127.0.0.1:0`);
    const port = Number(/:([0-9]+)(?:\/|$)/.exec(ep.url)![1]);
    const stuck = connect({ host: '127.0.0.1', port }); // TCP only: never starts TLS
    stuck.on('error', () => {});
    await new Promise((resolve) => stuck.once('connect', resolve));
    const started = Date.now();
    await s.close();
    expect(Date.now() - started).toBeLessThan(1000);
    stuck.destroy();
  });
});

describe('send does not keep the caller’s buffer', () => {
  it.each([
    ['tcp', 'tcp://127.0.0.1:0', 10],
    ['tcp', 'tcp://127.0.0.1:0', 100_000],
    ['inproc', `inproc://ownership-small-${process.pid}`, 10],
    ['inproc', `inproc://ownership-large-${process.pid}`, 100_000],
  ])('%s, %d bytes: reusing the buffer after send resolved changes nothing on the wire', async (_t, url, size) => {
    const pull = testSocket('pull');
    const push = testSocket('push');
    const ep = await pull.bind(url);
    const piped = next(push, 'pipe');
    push.connect(ep.url);
    await piped;
    const buf = Buffer.alloc(size, 0x41);
    await push.send(buf);
    buf.fill(0x42);
    const got = await pull.recv();
    expect(got).not.toBe(buf);
    expect(got.every((b) => b === 0x41)).toBe(true);
  });

  it('REQ resends what was sent, not what the buffer holds later', async () => {
    const rep = testSocket('rep');
    const req = testSocket('req', { resendInterval: 50 });
    await linked(rep, req);
    const buf = Buffer.from('original');
    await req.send(buf);
    buf.write('mutated!');
    expect(String(await rep.recv())).toBe('original');
    // not answered: the resend carries the same bytes
    expect(String(await rep.recv({ timeout: 2000 }))).toBe('original');
  });
});

describe('REP and RESPONDENT', () => {
  it.each([
    ['rep', 'req'],
    ['respondent', 'surveyor'],
  ] as const)('%s: a receive that finds nothing still cancels the unanswered request (EFSM after)', async (type, peerType) => {
    const responder = testSocket(type);
    const asker = testSocket(peerType);
    await linked(responder, asker);
    await asker.send('question');
    expect(String(await responder.recv())).toBe('question');
    await expect(responder.recv({ timeout: 20 })).rejects.toMatchObject({ code: 'ETIMEDOUT' });
    await expect(responder.send('late answer')).rejects.toMatchObject({ code: 'EFSM' });
  });
});

describe('endpoint ids', () => {
  it('are given only to endpoints that exist: failed binds and connects use none', async () => {
    const taken = testSocket('pair');
    const ep = await taken.bind('tcp://127.0.0.1:0');
    const s = testSocket('pair');
    await expect(s.bind(ep.url)).rejects.toMatchObject({ code: 'EADDRINUSE' });
    expect(() => s.connect('tcp://127.0.0.1')).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(s.connect(ep.url).id).toBe(1);
    expect((await s.bind('tcp://127.0.0.1:0')).id).toBe(2);
  });
});

describe('bind and connect options that are not an object', () => {
  it('are EINVAL naming the call and what was given, not a TypeError', async () => {
    const s = testSocket('rep');
    for (const bad of [null, 5, 'tls', [1]] as unknown[]) {
      await expect(s.bind('tcp://127.0.0.1:0', bad as object)).rejects.toMatchObject({ code: 'EINVAL', message: expect.stringContaining('options must be an object') });
      expect(() => s.connect('tcp://127.0.0.1:5555', bad as object)).toThrow(expect.objectContaining({ code: 'EINVAL', message: expect.stringContaining('connect("tcp://127.0.0.1:5555", options)') }));
    }
    expect(s.endpoints).toEqual([]);
  });
});
