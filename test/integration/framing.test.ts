import { afterEach, describe, expect, it, vi } from 'vitest';
import { next, testSocket } from '../helpers/sockets.js';
import { frame, rawConnect, rawListen, spHeaderBytes, type RawPeer } from '../helpers/raw-peer.js';

const PAIR = 0x10;
const PULL = 0x51;
const peers: RawPeer[] = [];
afterEach(() => {
  for (const p of peers.splice(0)) p.destroy();
});

async function pairWithRawPeer(options = {}) {
  const s = testSocket('pair', options);
  const ep = await s.bind('tcp://127.0.0.1:0');
  const peer = await rawConnect(ep.url);
  peers.push(peer);
  return { s, peer };
}

describe('SP stream mapping against a hand-driven peer', () => {
  it('sends its 8-byte SP header at once, and frames messages as u64 BE length + payload', async () => {
    const { s, peer } = await pairWithRawPeer();
    expect((await peer.receivedAtLeast(8)).subarray(0, 8)).toEqual(spHeaderBytes(PAIR));
    const piped = next(s, 'pipe');
    await peer.writeSegments([spHeaderBytes(PAIR)]);
    await piped;
    await s.send('hey');
    const bytes = await peer.receivedAtLeast(8 + 8 + 3);
    expect(bytes.subarray(8).toString('hex')).toBe('0000000000000003' + Buffer.from('hey').toString('hex'));
  });

  it('takes many messages in one segment, and a length split across segments', async () => {
    const { s, peer } = await pairWithRawPeer();
    const many = Buffer.concat(Array.from({ length: 50 }, (_, i) => frame(`m${i}`)));
    const split = frame('split-length');
    await peer.writeSegments([Buffer.concat([spHeaderBytes(PAIR), many]), split.subarray(0, 3), split.subarray(3, 7), split.subarray(7, 10), split.subarray(10)]);
    for (let i = 0; i < 50; i++) expect(String(await s.recv())).toBe(`m${i}`);
    expect(String(await s.recv())).toBe('split-length');
  });

  it('delivers a 0-byte message', async () => {
    const { s, peer } = await pairWithRawPeer();
    await peer.writeSegments([spHeaderBytes(PAIR), frame(''), frame('after')]);
    expect((await s.recv()).length).toBe(0);
    expect(String(await s.recv())).toBe('after');
  });

  it.each([
    ['bad magic', Buffer.from([0x00, 0x53, 0x51, 0x00, 0x00, 0x10, 0x00, 0x00])],
    ['HTTP instead of SP', Buffer.from('GET / HT')],
    ['version 1', Buffer.from([0x00, 0x53, 0x50, 0x01, 0x00, 0x10, 0x00, 0x00])],
    ['non-zero reserved bytes', spHeaderBytes(PAIR, 1)],
    ['the wrong peer protocol (PULL)', spHeaderBytes(PULL)],
  ])('refuses a peer with %s: the pipe is closed, counted and never attached', async (_name, header) => {
    const { s, peer } = await pairWithRawPeer();
    const onPipe = vi.fn();
    s.on('pipe', onPipe);
    const broken = next(s, 'pipe-broken');
    await peer.writeSegments([header, frame('never delivered')]);
    const [event] = await broken;
    expect(event.error.code).toBe('EPROTO');
    await peer.closed;
    expect(onPipe).not.toHaveBeenCalled();
    expect(s.stats.brokenConnections).toBe(1);
    expect(s.stats.currentConnections).toBe(0);
    await expect(s.recv({ timeout: 20 })).rejects.toMatchObject({ code: 'ETIMEDOUT' });
  });

  it('drops a peer that never finishes its header, after the handshake timeout', async () => {
    const { s, peer } = await pairWithRawPeer();
    const broken = next(s, 'pipe-broken');
    await peer.writeSegments([spHeaderBytes(PAIR).subarray(0, 5)]);
    const [event] = await broken;
    expect(event.error.code).toBe('ETIMEDOUT');
    await peer.closed;
  });

  it('drops a truncated frame: the partial message is never delivered and the pipe is broken', async () => {
    const { s, peer } = await pairWithRawPeer();
    const piped = next(s, 'pipe');
    await peer.writeSegments([spHeaderBytes(PAIR), frame('whole')]);
    await piped;
    expect(String(await s.recv())).toBe('whole');
    const broken = next(s, 'pipe-broken');
    await peer.writeSegments([frame('truncated message').subarray(0, 12)]);
    peer.socket.end();
    const [event] = await broken;
    expect(event.error.code).toBe('EPROTO');
    expect(event.error.message).toMatch(/middle of a message/);
    await expect(s.recv({ timeout: 20 })).rejects.toMatchObject({ code: 'ETIMEDOUT' });
  });

  it('drops the connection when a length exceeds recvMaxSize, before the body arrives', async () => {
    const { s, peer } = await pairWithRawPeer({ recvMaxSize: 4 });
    const broken = next(s, 'pipe-broken');
    // only the length of a 2^40-byte message: nothing to allocate, the pipe goes at once
    const huge = Buffer.alloc(8);
    huge.writeBigUInt64BE(1n << 40n);
    await peer.writeSegments([spHeaderBytes(PAIR), frame('1234'), huge]);
    const [event] = await broken;
    expect(event.error.code).toBe('EMSGSIZE');
    expect(String(await s.recv())).toBe('1234');
    await peer.closed;
  });

  it('as a dialer, redials after a peer sends a bad header', async () => {
    const listener = await rawListen();
    try {
      const s = testSocket('pair', { reconnectInterval: 10 });
      s.connect(listener.url);
      const first = await listener.accepted();
      const broken = next(s, 'pipe-broken');
      await first.writeSegments([spHeaderBytes(PULL)]);
      await broken;
      const second = await listener.accepted();
      const piped = next(s, 'pipe');
      await second.writeSegments([spHeaderBytes(PAIR)]);
      await piped;
      await s.send('ok');
      const bytes = await second.receivedAtLeast(8 + 8 + 2);
      expect(bytes.subarray(16).toString()).toBe('ok');
      expect(s.stats.brokenConnections).toBe(1);
      expect(s.stats.establishedConnections).toBe(2);
    } finally {
      await listener.close();
    }
  });
});
