/**
 * BUS interop with `nanocat --bus` (libnanomsg 1.1.5) over TCP on 127.0.0.1. nngcat has no
 * BUS (spec/peers.md gotcha 6), so nanocat is the only real peer here. nanosp binding and
 * connecting, messages both ways; a nanosp node between two nanocat nodes; and a raw nanosp
 * BUS as a loopback device that relays between two nanocat nodes without echo.
 * nanocat repeats its message (-i) to cover the time before its own side is attached;
 * nanosp sends once its 'pipe' events say the nanocat nodes are attached.
 */
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { device, type SpSocket } from '../../src/index.js';
import { CATS, catArgs, joinCat, SIDES, TCP, type Cat } from '../helpers/cat.js';
import { quoted, recvText, whilePeerRuns } from '../helpers/interop.js';
import { describePeer, startPeer, type Peer } from '../helpers/peers.js';
import { testSocket } from '../helpers/sockets.js';

const TIMEOUT = 15_000;
const nanocat = CATS.find((cat) => cat.command === 'nanocat') as Cat;

/** Resolves once `sock` has attached `n` pipes (counting from now). */
async function pipes(sock: SpSocket, n: number): Promise<void> {
  const signal = AbortSignal.timeout(10_000);
  for (let i = 0; i < n; i++) await once(sock, 'pipe', { signal });
}

/** A nanocat BUS node that connects to `url` and sends `data` every interval. */
function busNode(url: string, data: string): Peer {
  return startPeer(nanocat.command, [...catArgs(nanocat, 'bus', ['-Q', '-D', data, '-i', nanocat.interval]), nanocat.connect, url]);
}

/** Both peers' waits at once, failing as soon as either peer exits. */
function bothRunning<T>(a: Peer, b: Peer, work: Promise<T>): Promise<T> {
  return whilePeerRuns(a, whilePeerRuns(b, work));
}

describePeer('nanocat', `interop: BUS with nanocat (${nanocat.library}) over TCP`, () => {
  for (const side of SIDES) {
    describe(`nanosp ${side}`, () => {
      it(
        'BUS: receives nanocat\'s messages and nanocat prints what nanosp sends',
        async () => {
          const bus = testSocket('bus');
          const peer = await joinCat(nanocat, bus, side, 'bus', ['-Q', '-D', 'hi', '-i', nanocat.interval], TCP);
          expect(await recvText(bus, peer)).toBe('hi');
          await bus.send('hello');
          await whilePeerRuns(peer, peer.line(quoted('hello')));
          expect(bus.pipes).toHaveLength(1);
          // a node never hears its own message
          expect(peer.output.every((line) => line === quoted('hello'))).toBe(true);
        },
        TIMEOUT,
      );
    });
  }

  it(
    'a nanosp BUS node bound for two nanocat nodes hears both and reaches both with one send',
    async () => {
      const bus = testSocket('bus');
      const attached = pipes(bus, 2);
      const ep = await bus.bind('tcp://127.0.0.1:0');
      const a = busNode(ep.url, 'from a');
      const b = busNode(ep.url, 'from b');
      await bothRunning(a, b, attached);
      const heard = new Set<string>();
      while (heard.size < 2) heard.add(await recvText(bus, a));
      expect(heard).toEqual(new Set(['from a', 'from b']));
      await bus.send('hello');
      await bothRunning(a, b, Promise.all([a.line(quoted('hello')), b.line(quoted('hello'))]));
    },
    TIMEOUT,
  );

  it(
    'a raw nanosp BUS as a loopback device relays between two nanocat nodes, never back to the sender',
    async () => {
      const raw = testSocket('bus', { raw: true });
      const attached = pipes(raw, 2);
      const ep = await raw.bind('tcp://127.0.0.1:0');
      const relaying = device(raw);
      relaying.catch(() => {});
      const a = busNode(ep.url, 'from a');
      const b = busNode(ep.url, 'from b');
      await bothRunning(a, b, attached);
      // three of the other's messages each: both relay directions work, and by the third the
      // device has long had messages from each node that it could (wrongly) have echoed
      const third = (peer: Peer, text: string) => peer.line(() => peer.output.filter((line) => line === quoted(text)).length >= 3);
      await bothRunning(a, b, Promise.all([third(a, 'from b'), third(b, 'from a')]));
      expect(a.output).not.toContain(quoted('from a'));
      expect(b.output).not.toContain(quoted('from b'));
      await raw.close();
      await expect(relaying).rejects.toMatchObject({ code: 'EBADF' });
    },
    TIMEOUT,
  );
});
