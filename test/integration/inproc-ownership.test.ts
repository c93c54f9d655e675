/**
 * Over inproc a large message that `send` copied is handed to its one receiver as it is
 * (issue 18: one copy, not two). What a receiver owns it may change; that must never reach
 * the sender's buffer, another receiver of the same PUB/BUS message, or a REQ's resend.
 */
import { describe, expect, it } from 'vitest';
import { next, testSocket } from '../helpers/sockets.js';

const LARGE = 64 * 1024;

function filled(byte: number): Buffer {
  return Buffer.alloc(LARGE, byte);
}

describe('inproc ownership of large messages', () => {
  it('PUSH → PULL: the receiver gets its own array (not the sender’s), and may write to it', async () => {
    const pull = testSocket('pull');
    const push = testSocket('push');
    await pull.bind('inproc://own-push');
    push.connect('inproc://own-push');
    const mine = filled(1);
    await push.send(mine);
    const got = await pull.recv();
    expect(got.buffer === mine.buffer).toBe(false);
    got.fill(9);
    expect(mine.every((b) => b === 1)).toBe(true);
    // the next message is a new array too
    await push.send(mine);
    const again = await pull.recv();
    expect(again.every((b) => b === 1)).toBe(true);
  });

  it('PUB → two SUBs: one subscriber writing to its message does not change the other’s', async () => {
    const pub = testSocket('pub');
    const a = testSocket('sub');
    const b = testSocket('sub');
    await pub.bind('inproc://own-pub');
    for (const s of [a, b]) {
      s.subscribe('');
      const piped = next(pub, 'pipe');
      s.connect('inproc://own-pub');
      await piped;
    }
    await pub.send(filled(2));
    const [ma, mb] = await Promise.all([a.recv(), b.recv()]);
    expect(ma.buffer === mb.buffer).toBe(false);
    ma.fill(7);
    expect(mb.every((x) => x === 2)).toBe(true);
  });

  it('REQ resends the request as it was, even when the first REP wrote over what it received', async () => {
    const rep = testSocket('rep');
    const req = testSocket('req', { resendInterval: 50 });
    await rep.bind('inproc://own-req');
    req.connect('inproc://own-req');
    const body = Buffer.concat([Buffer.from('req:'), filled(3)]);
    await req.send(body);
    const first = await rep.recv();
    first.fill(0);
    // not answered: the REQ sends it again after resendInterval
    const second = await rep.recv();
    expect(second.equals(body)).toBe(true);
    await rep.send('ok');
    expect(String(await req.recv())).toBe('ok');
  });
});
