/**
 * Where node:net's internals for `onread` are not what nanosp expects, `adoptReader` says so
 * and the listener's connections stay on 'data' events. The listener's server starts its
 * connections paused either way, so this path must resume them itself: forced here, every
 * size still arrives intact over tcp and ipc, both ways.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { patterned } from '../helpers/patterned.js';

vi.mock('../../src/node/transport/read-slab.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/node/transport/read-slab.js')>();
  return { ...real, adoptReader: () => false };
});

const { socket } = await import('../../src/index.js');
const { uniqueIpcPath } = await import('../helpers/cat.js');
type Sock = ReturnType<typeof socket>;

const open: Sock[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

describe.each([
  ['tcp', () => 'tcp://127.0.0.1:0'],
  ['ipc', () => `ipc://${uniqueIpcPath('fallback')}`],
])('accepted connections on %s without onread', (_name, address) => {
  it('deliver every size both ways', async () => {
    const listener = socket('pair', { recvMaxSize: -1 });
    const dialer = socket('pair', { recvMaxSize: -1 });
    open.push(listener, dialer);
    const ep = await listener.bind(address());
    dialer.connect(ep.url);
    for (const [i, size] of [0, 1, 100, 16 * 1024, 65_536 + 9, 1024 * 1024 + 3].entries()) {
      const up = patterned(size, i);
      await dialer.send(up);
      expect((await listener.recv()).equals(up)).toBe(true);
      const down = patterned(size, i + 100);
      await listener.send(down);
      expect((await dialer.recv()).equals(down)).toBe(true);
    }
  });
});
