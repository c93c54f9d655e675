/**
 * PUSH → PULL between two hosts (network namespaces, test/helpers/netns.ts) over a link
 * limited to 4 Mbit/s in each direction (tc tbf), through a 2 s partition: 20,000 numbered
 * 32-byte messages. The PUSH waits whenever the connection is full (back-pressure, no
 * timeout), so a slow link and a dead one both mean waiting, not dropping. TCP keeps the
 * connection through 2 s (the kernel's tcp_retries2 of 15), and then none may be lost, none
 * duplicated, none reordered; neither side may see its connection break.
 *
 * The PULL's progress lines also show the limit is real: between the 1,000th and the
 * 5,000th message (before the partition) the payload cannot have come faster than 4 Mbit/s.
 */
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { whilePeerRuns } from '../helpers/interop.js';
import { describeChaos, hostsForBlock } from '../helpers/netns.js';
import { brokenCodes, fieldsOf, stopPeer } from '../helpers/fixture-peers.js';

const PUSH_SENDER = fileURLToPath(new URL('./fixtures/push-sender.ts', import.meta.url));
const PULL_CHECKER = fileURLToPath(new URL('./fixtures/pull-checker.ts', import.meta.url));
const COUNT = 20_000;
const SIZE = 32;
const RATE_BITS = 4_000_000;
const PARTITION_MS = 2000;
const START_MS = 30_000;

/** The ms figure of a "got N ms=T" or "done … ms=T" line. */
function msOf(line: string): number {
  return fieldsOf(line).ms as number;
}

describeChaos('chaos: PUSH → PULL over 4 Mbit/s through a 2 s partition', () => {
  const hosts = hostsForBlock('pp', 2);

  it('20,000 numbered messages: none lost, none reordered, the connection kept', async () => {
    const net = hosts();
    const { a, b } = net;
    await net.limitRate(a, '4mbit');
    await net.limitRate(b, '4mbit');
    const url = `tcp://${b.address}:5556`;
    const pull = net.startNode(b, PULL_CHECKER, [url, String(COUNT)]);
    await whilePeerRuns(pull, pull.line(`bound ${url}`, START_MS));
    const push = net.startNode(a, PUSH_SENDER, [url, String(COUNT), String(SIZE)]);

    const got1000 = msOf(await whilePeerRuns(pull, pull.line((l) => l.startsWith('got 1000 '), START_MS)));
    const got5000 = msOf(await whilePeerRuns(pull, pull.line((l) => l.startsWith('got 5000 '), START_MS)));
    await net.partition(b, PARTITION_MS);
    const done = await whilePeerRuns(pull, pull.line((l) => l.startsWith('done '), 60_000));
    await whilePeerRuns(push, push.line('sent-all', 10_000));

    expect(fieldsOf(done)).toMatchObject({ received: COUNT, lost: 0, out_of_order: 0 });
    // the connection was kept: had it broken, messages in flight could have been lost
    expect([...brokenCodes(push), ...brokenCodes(pull)]).toEqual([]);
    expect(push.output.filter((l) => l.startsWith('pipe '))).toHaveLength(1);
    // 4,000 messages of SIZE bytes could not pass a 4 Mbit/s link faster than this
    const payloadBits = 4000 * SIZE * 8;
    expect(got5000 - got1000).toBeGreaterThanOrEqual((payloadBits / RATE_BITS) * 1000);
    // the partition fell in the middle of the stream: one step between progress lines took it
    const marks = pull.output.filter((l) => l.startsWith('got ')).map(msOf);
    const longestStepMs = Math.max(...marks.map((ms, i) => ms - (marks[i - 1] ?? 0)));
    expect(longestStepMs).toBeGreaterThanOrEqual(PARTITION_MS * 0.75);
    await stopPeer(push);
    await stopPeer(pull);
    const totalMs = msOf(done);
    console.info(`[chaos] PUSH→PULL: ${COUNT}/${COUNT} delivered in order in ${totalMs} ms (2 s partition included), 0 lost, 0 reordered, 0 broken; ${Math.round(payloadBits / (got5000 - got1000))} kbit/s of payload before the partition, the longest step of 1,000 took ${longestStepMs} ms`);
  }, 180_000);
});
