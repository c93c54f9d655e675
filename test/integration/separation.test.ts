import { describe, expect, it, vi } from 'vitest';
import { next, testSocket } from '../helpers/sockets.js';

describe('sockets of incompatible protocols never pair (nanomsg tests/separation.c)', () => {
  it.each([
    ['pair', 'pull'],
    ['push', 'push'],
    ['pub', 'pull'],
    ['sub', 'push'],
  ] as const)('%s ↔ %s: the connection closes after the header exchange, sends time out', async (a, b) => {
    const bound = testSocket(a, { sendTimeout: 100 });
    const ep = await bound.bind('tcp://127.0.0.1:0');
    const dialer = testSocket(b, { sendTimeout: 100, reconnectInterval: 10 });
    const onPipe = vi.fn();
    bound.on('pipe', onPipe);
    dialer.on('pipe', onPipe);
    const broken = Promise.all([next(bound, 'pipe-broken'), next(dialer, 'pipe-broken')]);
    dialer.connect(ep.url);
    const [[onBound], [onDialer]] = await broken;
    expect(onBound.error.code).toBe('EPROTO');
    expect(onDialer.error.code).toBe('EPROTO');
    expect(onBound.error.message).toMatch(/cannot talk to this one/);
    for (const s of [bound, dialer]) {
      if (s.type === 'pub') continue; // PUB drops instead of waiting
      if (s.type === 'pull' || s.type === 'sub') continue; // cannot send at all
      await expect(s.send('x')).rejects.toMatchObject({ code: 'ETIMEDOUT' });
    }
    expect(onPipe).not.toHaveBeenCalled();
    expect(dialer.stats.brokenConnections).toBeGreaterThanOrEqual(1);
    expect(dialer.stats.currentConnections).toBe(0);
  });
});
