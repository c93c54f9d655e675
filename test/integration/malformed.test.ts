import { afterEach, describe, expect, it, vi } from 'vitest';
import { Message, type SocketInit, type SocketType, type SpSocket } from '../../src/index.js';
import { frame, rawConnect, spHeaderBytes, type RawPeer } from '../helpers/raw-peer.js';
import { next, testSocket } from '../helpers/sockets.js';

const REQ = 0x30;
const REP = 0x31;
const SURVEYOR = 0x62;
const RESPONDENT = 0x63;
const SP_HEADER = 8;

const peers: RawPeer[] = [];
afterEach(() => {
  for (const p of peers.splice(0)) p.destroy();
});

/** Big-endian 32-bit words. */
function words(...values: number[]): Buffer {
  const b = Buffer.alloc(4 * values.length);
  values.forEach((v, i) => b.writeUInt32BE(v >>> 0, 4 * i));
  return b;
}

function payload(header: Buffer, body: string): Buffer {
  return Buffer.concat([header, Buffer.from(body)]);
}

/**
 * A nanosp socket of `type` bound on loopback with a hand-driven peer attached that speaks
 * `peerProtocol`; watches for the pipe breaking.
 */
async function withRawPeer(type: SocketType, peerProtocol: number, options: SocketInit = {}) {
  const s = testSocket(type, options);
  const ep = await s.bind('tcp://127.0.0.1:0');
  const piped = next(s, 'pipe');
  const peer = await rawConnect(ep.url);
  peers.push(peer);
  await peer.writeSegments([spHeaderBytes(peerProtocol)]);
  await piped;
  const lost = vi.fn();
  s.on('pipe-broken', lost);
  s.on('pipe-removed', lost);
  return { s, peer, lost };
}

/** The `index`-th frame nanosp sent to the peer (after its SP header), waiting for it. */
async function sentFrame(peer: RawPeer, index: number): Promise<Buffer> {
  let offset = SP_HEADER;
  for (let i = 0; ; i++) {
    const head = await peer.receivedAtLeast(offset + 8);
    const length = Number(head.readBigUInt64BE(offset));
    const whole = await peer.receivedAtLeast(offset + 8 + length);
    if (i === index) return whole.subarray(offset + 8, offset + 8 + length);
    offset += 8 + length;
  }
}

/** The pipe stayed up: no break, the peer is still connected, the socket still has the pipe. */
function expectPipeUp(s: SpSocket, peer: RawPeer, lost: ReturnType<typeof vi.fn>): void {
  expect(lost).not.toHaveBeenCalled();
  expect(s.pipes.length).toBe(1);
  expect(s.stats.brokenConnections).toBe(0);
  expect(peer.socket.destroyed).toBe(false);
}

// nine words: eight hop ids and the request id, one more than the default maxTtl of 8
const NINE_HOPS = words(1, 2, 3, 4, 5, 6, 7, 8, 0x8000_0001);

const BAD_REQUESTS: [string, Buffer][] = [
  ['a 2-byte backtrace', Buffer.from([0x80, 0x00])],
  ['8 bytes with no word having the top bit set', Buffer.alloc(8)],
  ['a hop word then a truncated id', Buffer.from([0, 0, 0, 1, 0x80, 0])],
  ['9 hops (too many for maxTtl 8)', payload(NINE_HOPS, 'too far')],
];

describe('malformed requests to a REP (cooked and raw)', () => {
  it.each([false, true])('raw=%s: drops and counts them, keeps the pipe, and serves a valid request afterwards', async (raw) => {
    const { s: rep, peer, lost } = await withRawPeer('rep', REQ, { raw });
    await peer.writeSegments(BAD_REQUESTS.map(([, bytes]) => frame(bytes)));
    await expect(rep.recv({ timeout: 100 })).rejects.toMatchObject({ code: 'ETIMEDOUT' });
    expect(rep.stats.droppedMessages).toBe(BAD_REQUESTS.length);
    expectPipeUp(rep, peer, lost);
    // a valid request on the same connection is delivered and answered
    await peer.writeSegments([frame(payload(words(0x8000_002a), 'hello'))]);
    const request = await rep.recvMessage({ timeout: 2000 });
    expect(String(request.body)).toBe('hello');
    if (raw) {
      expect(request.header.subarray(4).toString('hex')).toBe('8000002a');
      await rep.sendMessage(new Message(Buffer.from('world'), request.header));
    } else {
      expect(request.header.toString('hex')).toBe('8000002a');
      await rep.send('world');
    }
    const bytes = await peer.receivedAtLeast(SP_HEADER + 8 + 4 + 5);
    expect(bytes.subarray(SP_HEADER).toString('hex')).toBe('0000000000000009' + '8000002a' + Buffer.from('world').toString('hex'));
    expect(rep.stats.droppedMessages).toBe(BAD_REQUESTS.length);
    expectPipeUp(rep, peer, lost);
  });

  it('takes exactly 8 words (7 hops + id) at the default maxTtl and sends the whole backtrace back', async () => {
    const { s: rep, peer, lost } = await withRawPeer('rep', REQ);
    const trace = words(7, 6, 5, 4, 3, 2, 1, 0x8000_0099);
    await peer.writeSegments([frame(payload(trace, 'deep'))]);
    const request = await rep.recvMessage({ timeout: 2000 });
    expect(String(request.body)).toBe('deep');
    expect(request.header.toString('hex')).toBe(trace.toString('hex'));
    await rep.send('back');
    expect((await sentFrame(peer, 0)).toString('hex')).toBe(trace.toString('hex') + Buffer.from('back').toString('hex'));
    expect(rep.stats.droppedMessages).toBe(0);
    expectPipeUp(rep, peer, lost);
  });

  it('a lowered maxTtl applies to requests that arrive afterwards', async () => {
    const { s: rep, peer, lost } = await withRawPeer('rep', REQ, { maxTtl: 2 });
    await peer.writeSegments([frame(payload(words(1, 2, 0x8000_0001), 'three words')), frame(payload(words(1, 0x8000_0002), 'two words'))]);
    expect(String(await rep.recv({ timeout: 2000 }))).toBe('two words');
    expect(rep.stats.droppedMessages).toBe(1);
    expectPipeUp(rep, peer, lost);
  });
});

describe('malformed replies to a REQ', () => {
  it('drops and counts a reply shorter than 4 bytes and one whose first word is not an id; the valid reply is received', async () => {
    const { s: req, peer, lost } = await withRawPeer('req', REP);
    await req.send('ask');
    const request = await sentFrame(peer, 0);
    expect(request.length).toBe(4 + 3);
    expect(request.subarray(4).toString()).toBe('ask');
    const id = request.readUInt32BE(0);
    expect(id >>> 31).toBe(1);
    await peer.writeSegments([
      frame(Buffer.from([0x80, 0x00])),
      // a leftover hop word in front of the id
      frame(payload(words(0x2a, id), 'hop word first')),
    ]);
    await expect(req.recv({ timeout: 100 })).rejects.toMatchObject({ code: 'ETIMEDOUT' });
    expect(req.stats.droppedMessages).toBe(2);
    expectPipeUp(req, peer, lost);
    // a well-formed reply with the wrong id is dropped too (silently), then the right one comes
    const wrong = ((id + 1) | 0x8000_0000) >>> 0;
    await peer.writeSegments([frame(payload(words(wrong), 'wrong id')), frame(payload(words(id), 'answer'))]);
    expect(String(await req.recv({ timeout: 2000 }))).toBe('answer');
    expect(req.stats.droppedMessages).toBe(2);
    expectPipeUp(req, peer, lost);
  });

  it('raw REQ drops and counts a reply shorter than 4 bytes', async () => {
    const { s: req, peer, lost } = await withRawPeer('req', REP, { raw: true });
    await peer.writeSegments([frame(Buffer.from([0x80, 0, 0])), frame(payload(words(0x8000_0005), 'ok'))]);
    const reply = await req.recvMessage({ timeout: 2000 });
    expect(reply.header.toString('hex')).toBe('80000005');
    expect(String(reply.body)).toBe('ok');
    expect(req.stats.droppedMessages).toBe(1);
    expectPipeUp(req, peer, lost);
  });
});

describe('malformed messages on SURVEYOR/RESPONDENT', () => {
  it('SURVEYOR drops and counts a short response and one whose first word is not an id; the valid response is received', async () => {
    const { s: surveyor, peer, lost } = await withRawPeer('surveyor', RESPONDENT, { surveyDeadline: 2000 });
    await surveyor.send('survey');
    const survey = await sentFrame(peer, 0);
    expect(survey.subarray(4).toString()).toBe('survey');
    const id = survey.readUInt32BE(0);
    expect(id >>> 31).toBe(1);
    await peer.writeSegments([frame(Buffer.from([0x80])), frame(payload(words(0x2a, id), 'hop word first'))]);
    await expect(surveyor.recv({ timeout: 100 })).rejects.toMatchObject({ code: 'ETIMEDOUT' });
    expect(surveyor.stats.droppedMessages).toBe(2);
    expectPipeUp(surveyor, peer, lost);
    await peer.writeSegments([frame(payload(words(id), 'response'))]);
    expect(String(await surveyor.recv())).toBe('response');
    expect(surveyor.stats.droppedMessages).toBe(2);
    expectPipeUp(surveyor, peer, lost);
  });

  it('RESPONDENT drops and counts malformed surveys, keeps the pipe, and answers a valid one', async () => {
    const { s: respondent, peer, lost } = await withRawPeer('respondent', SURVEYOR);
    await peer.writeSegments(BAD_REQUESTS.map(([, bytes]) => frame(bytes)));
    await expect(respondent.recv({ timeout: 100 })).rejects.toMatchObject({ code: 'ETIMEDOUT' });
    expect(respondent.stats.droppedMessages).toBe(BAD_REQUESTS.length);
    expectPipeUp(respondent, peer, lost);
    await peer.writeSegments([frame(payload(words(0x8000_0777), 'census'))]);
    expect(String(await respondent.recv({ timeout: 2000 }))).toBe('census');
    await respondent.send('here');
    expect((await sentFrame(peer, 0)).toString('hex')).toBe('80000777' + Buffer.from('here').toString('hex'));
    expect(respondent.stats.droppedMessages).toBe(BAD_REQUESTS.length);
    expectPipeUp(respondent, peer, lost);
  });
});
