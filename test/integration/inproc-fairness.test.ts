/**
 * Two inproc sockets answering each other in a loop must not starve the rest of the process:
 * inproc delivers on nextTicks, and promise jobs run between them, so without a limit such a
 * loop never lets a timer fire or another socket read (found by the soak: a SURVEYOR loop over
 * inproc froze every other lane). Node's defer hands every BURST_LIMIT-th delivery of a turn to
 * setImmediate.
 */
import { expect, it } from 'vitest';
import { BURST_LIMIT } from '../../src/node/defer.js';
import { testSocket } from '../helpers/sockets.js';

it('a REQ/REP ping-pong over inproc lets timers and TCP run, and keeps its own order', async () => {
  const rep = testSocket('rep');
  const req = testSocket('req');
  await rep.bind('inproc://fairness');
  req.connect('inproc://fairness');
  let stop = false;
  const answering = (async () => {
    for await (const msg of rep) await rep.send(msg);
  })().catch(() => {});
  let roundTrips = 0;
  const asking = (async () => {
    while (!stop) {
      await req.send(String(roundTrips));
      expect(String(await req.recv())).toBe(String(roundTrips));
      roundTrips++;
    }
  })();

  // a timer fires while the loop runs, and so does TCP between two other sockets
  const fired = await new Promise<number>((resolve) => setTimeout(() => resolve(roundTrips), 20));
  const pull = testSocket('pull');
  const push = testSocket('push');
  const ep = await pull.bind('tcp://127.0.0.1:0');
  push.connect(ep.url);
  await push.send('over tcp meanwhile');
  expect(String(await pull.recv())).toBe('over tcp meanwhile');
  stop = true;
  await asking;
  await rep.close();
  await answering;
  expect(fired).toBeGreaterThan(0);
  // the loop went on past several limits: it was slowed to let others in, not stopped
  expect(roundTrips).toBeGreaterThan(BURST_LIMIT / 2);
});
