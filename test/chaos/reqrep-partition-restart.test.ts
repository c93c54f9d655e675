/**
 * REQ/REP between two hosts (network namespaces, test/helpers/netns.ts) through a partition
 * and a crash. A REQ on host a sends 300 paced requests from 4 contexts (64 bytes each, with a
 * nonce: test/helpers/request-rounds.ts) to a REP on host b. After 100 answers host b's link
 * goes down for 2 s, then up; after 200 answers the REP process is killed with SIGKILL and
 * started again on the same address. Every request must be answered, each with its own reply,
 * and the REQ must exit by itself.
 *
 * resendInterval is 500 ms, so the REQ resends during the partition and the REP answers some
 * requests more than once: the extra replies must be dropped, never handed to another
 * request. TCP keeps the connection through 2 s (the namespaces keep the kernel's
 * tcp_retries2 of 15), so the partition costs time only; the crash costs the connection,
 * and the REQ must send what was outstanding again once the new REP is up.
 */
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { whilePeerRuns } from '../helpers/interop.js';
import { describeChaos, hostsForBlock } from '../helpers/netns.js';
import { fieldsOf, lastCount, stopPeer } from '../helpers/fixture-peers.js';

const REP_SERVER = fileURLToPath(new URL('./fixtures/rep-server.ts', import.meta.url));
const REQ_CLIENT = fileURLToPath(new URL('./fixtures/req-client.ts', import.meta.url));
const REQUESTS = 300;
const PARTITION_MS = 2000;
/** Starting node with tsx on a busy 2-core machine can take seconds. */
const START_MS = 30_000;

describeChaos('chaos: REQ/REP through a 2 s partition and a kill -9 of the REP host', () => {
  const hosts = hostsForBlock('rr', 1);

  it('300 paced requests: every one answered with its own reply, none failed', async () => {
    const net = hosts();
    const { a, b } = net;
    const url = `tcp://${b.address}:5555`;
    const rep = net.startNode(b, REP_SERVER, [url]);
    await whilePeerRuns(rep, rep.line(`bound ${url}`, START_MS));
    const req = net.startNode(a, REQ_CLIENT, [url, String(REQUESTS), '4', '20', '500']);
    const answered = (n: number) => whilePeerRuns(req, req.line(`answered ${n}`, START_MS));

    await answered(100);
    await net.partition(b, PARTITION_MS);
    const healed = Date.now();
    const afterPartition = lastCount(req, 'answered');
    await answered(afterPartition + 1);
    const partitionRecoveryMs = Date.now() - healed;

    await answered(200);
    // TCP kept the connection through the partition: nothing broke
    expect(req.output.filter((l) => l.startsWith('broken '))).toEqual([]);
    await rep.kill();
    const killedAt = lastCount(req, 'answered');
    // the REQ lost its connection with the crash: it says so before anything else is answered
    await whilePeerRuns(req, req.line((l) => l.startsWith('broken '), START_MS));
    const restarted = net.startNode(b, REP_SERVER, [url]);
    await whilePeerRuns(restarted, restarted.line(`bound ${url}`, START_MS));
    const upAgain = Date.now();
    await answered(killedAt + 1);
    const restartRecoveryMs = Date.now() - upAgain;

    const done = await whilePeerRuns(req, req.line((l) => l.startsWith('done '), 60_000));
    const figures = fieldsOf(done);
    expect(req.output.filter((l) => l.startsWith('wrong ') || l.startsWith('failed '))).toEqual([]);
    expect(figures).toMatchObject({ answered: REQUESTS, wrong: 0, failed: 0 });
    // some request waited through the whole partition: the outage was real
    expect(figures.max_wait_ms).toBeGreaterThanOrEqual(PARTITION_MS * 0.75);
    expect(killedAt).toBeLessThan(REQUESTS);
    // the REQ resent through the partition and the crash, so the REPs answered more requests
    // than were asked: every extra reply was dropped, none went to another request
    const served = lastCount(rep, 'request') + lastCount(restarted, 'request');
    expect(served).toBeGreaterThan(REQUESTS);
    // the crash closed the live connection with a clear SpError; on a busy machine a first
    // connection to the new REP may also fail its SP handshake (counted, retried), nothing else
    const broken = req.output.filter((l) => l.startsWith('broken '));
    // the reset reaches the REQ as a read (ECONNRESET) or, when it was writing, as EPIPE
    expect(broken[0], JSON.stringify(broken)).toMatch(/^broken (ECONNRESET|EPIPE) pipe: /);
    expect(broken.slice(1).filter((l) => !/^broken E[A-Z]+ handshake: /.test(l)), JSON.stringify(broken)).toEqual([]);
    expect(req.output.filter((l) => l.startsWith('pipe '))).toHaveLength(2);
    await stopPeer(req);
    await stopPeer(restarted);
    console.info(`[chaos] REQ/REP: ${figures.answered}/${REQUESTS} answered, 0 wrong, longest wait ${figures.max_wait_ms} ms, ${served} requests served for ${REQUESTS} asked; broken: ${JSON.stringify(broken)}; first answer ${partitionRecoveryMs} ms after the link came back, ${restartRecoveryMs} ms after the restarted REP listened`);
  }, 180_000);
});
