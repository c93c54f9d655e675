/**
 * sock.describe(): NNG's statistics tree as plain data — the socket's counters, each
 * endpoint's, and each live pipe's, told apart by peer.
 */
import { describe, expect, it } from 'vitest';
import { linked, next, testSocket } from '../helpers/sockets.js';

describe('describe()', () => {
  it('shows each peer of a listener as its own pipe, with what it sent', async () => {
    const pull = testSocket('pull', { socketName: 'collector' });
    const ep = await pull.bind('tcp://127.0.0.1:0');
    const pushes = [testSocket('push'), testSocket('push')];
    for (const push of pushes) {
      const piped = next(pull, 'pipe');
      push.connect(ep.url);
      await piped;
    }
    for (let i = 0; i < 3; i++) await pushes[0]!.send('abcd'); // 3 messages of 4 bytes
    for (let i = 0; i < 5; i++) await pushes[1]!.send('xy'); // 5 messages of 2 bytes
    for (let i = 0; i < 8; i++) await pull.recv({ timeout: 2000 });

    const tree = pull.describe();
    expect(JSON.parse(JSON.stringify(tree))).toEqual(tree); // plain data
    expect(tree).toMatchObject({ id: pull.index, name: 'collector', protocol: 'pull', raw: false });
    expect(tree.stats).toMatchObject({ messagesReceived: 8, bytesReceived: 3 * 4 + 5 * 2, currentConnections: 2 });
    expect(tree.endpoints).toHaveLength(1);
    const [listener] = tree.endpoints;
    expect(listener).toMatchObject({ id: ep.id, url: ep.url, kind: 'listener', stats: { acceptedConnections: 2 } });
    const byCount = [...listener!.pipes].sort((a, b) => a.stats.messagesReceived - b.stats.messagesReceived);
    expect(byCount.map((p) => p.stats)).toEqual([
      { messagesSent: 0, messagesReceived: 3, bytesSent: 0, bytesReceived: 12 },
      { messagesSent: 0, messagesReceived: 5, bytesSent: 0, bytesReceived: 10 },
    ]);
    expect(new Set(listener!.pipes.map((p) => p.id)).size).toBe(2);
    expect(listener!.pipes.map((p) => p.remoteAddress).every((a) => a.startsWith('127.0.0.1:'))).toBe(true);
  });

  it("counts a dialer's attempts and a pipe's sends, SP header included", async () => {
    const rep = testSocket('rep');
    const req = testSocket('req');
    await linked(rep, req);
    await req.send('ping');
    await rep.recv();
    await rep.send('pong!');
    await req.recv();
    const [dialer] = req.describe().endpoints;
    expect(dialer).toMatchObject({ kind: 'dialer', stats: { establishedConnections: 1, connectErrors: 0 } });
    // a request is its 4-byte id and the body
    expect(dialer!.pipes[0]!.stats).toEqual({ messagesSent: 1, messagesReceived: 1, bytesSent: 4 + 4, bytesReceived: 4 + 5 });
  });

  it('shows no pipes once its peers are gone, and a closed endpoint is gone from the tree', async () => {
    const pair = testSocket('pair');
    const other = testSocket('pair');
    await linked(pair, other);
    const removed = next(pair, 'pipe-removed');
    await other.close();
    await removed;
    const [listener] = pair.describe().endpoints;
    expect(listener!.pipes).toEqual([]);
    expect(listener!.stats.brokenConnections).toBe(1);
    await pair.endpoints[0]!.close();
    expect(pair.describe().endpoints).toEqual([]);
  });
});
