/**
 * NN_PRINT_ERRORS across processes (spec/diagnostics.md §2), each case in a fresh process
 * because the environment is read once per process:
 *  - the same failure (a connect to a closed TCP port) through libnanomsg 1.1.5
 *    (test/interop/c/nn_print_errors.c) and through nanosp (fixtures/connect.ts) gives the
 *    same stderr bytes: one line for twenty and more failed reconnects, no line when a
 *    listener appears (the error clears silently), a second identical line when it goes away;
 *  - the same for a connect to a missing IPC path (ENOENT);
 *  - nanosp's extensions: a bind on a taken port and an unresolvable host print once;
 *  - the truth rule: NN_PRINT_ERRORS= (empty) prints nothing, NN_PRINT_ERRORS=0 prints;
 *  - the statistics socket's own connect error is printed as socket.0 (§2.4), and an empty
 *    NN_STATISTICS_SOCKET counts as set (nanomsg aborts; nanosp says so once and carries on).
 * The fixtures say on stdout how many attempts failed; the tests wait on those counts and on
 * 'pipe' events, never on time.
 */
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildC, describeC } from '../helpers/cprog.js';
import { finished, fixture, linesOf, NN_PRINT_ERRORS_C, startNode, startWithEnv, status, stderrUntil, type DiagEnv } from '../helpers/diag.js';
import { whilePeerRuns } from '../helpers/interop.js';
import { freePort, type Peer } from '../helpers/peers.js';
import { next, testSocket } from '../helpers/sockets.js';

const CONNECT = fixture('connect.ts');
const RECONNECT_MS = 10;
const PRINT: DiagEnv = { NN_PRINT_ERRORS: '1' };

type Start = (name: string, url: string, env: DiagEnv) => Promise<Peer>;

const startNanosp: Start = async (name, url, env) => startNode(CONNECT, [name, url, String(RECONNECT_MS)], env);
const startLibnanomsg: Start = async (name, url, env) => startWithEnv(await buildC(NN_PRINT_ERRORS_C), [name, url, String(RECONNECT_MS)], env);

function refused(name: string, port: number): string {
  return `nanomsg: socket.${name}[127.0.0.1:${port}]: Error: Connection refused\n`;
}

/** Ask the peer to close its socket (end of stdin) and wait until it exited by itself. */
async function stop(peer: Peer): Promise<string> {
  peer.child.stdin.end();
  const { code, signal } = await finished(peer);
  expect({ code, signal }, `${peer.commandLine}: stderr ${JSON.stringify(peer.stderr)}`).toEqual({ code: 0, signal: null });
  return peer.stderr;
}

/**
 * Connect to a closed port until 20 attempts failed, then let a listener appear, then take it
 * away and wait for 20 more failures. Returns the peer's whole stderr.
 */
async function failSucceedFail(start: Start, name: string): Promise<{ stderr: string; port: number }> {
  const port = await freePort();
  const url = `tcp://127.0.0.1:${port}`;
  const peer = await start(name, url, PRINT);

  // twenty failed reconnects: one line
  await whilePeerRuns(peer, status(peer, (s) => s.connect_errors! >= 20));
  await stderrUntil(peer, (text) => text.length > 0);
  expect(peer.stderr).toBe(refused(name, port));

  // a listener appears: the error clears, silently
  const listener = testSocket('pull');
  const piped = next(listener, 'pipe');
  await listener.bind(url);
  await whilePeerRuns(peer, piped);
  const connected = await whilePeerRuns(peer, status(peer, (s) => s.established === 1 && s.ep_errors === 0));
  expect(peer.stderr).toBe(refused(name, port));

  // it goes away: the same failure is new again, and prints again, once
  await listener.close();
  await whilePeerRuns(peer, status(peer, (s) => s.ep_errors === 1 && s.connect_errors! >= connected.connect_errors! + 20));
  return { stderr: await stop(peer), port };
}

describeC(NN_PRINT_ERRORS_C, 'NN_PRINT_ERRORS: libnanomsg 1.1.5 and nanosp print the same bytes', () => {
  it('a connect to a closed TCP port: one line for 20+ failed reconnects, none when it connects, a second after the next failure', async () => {
    const [c, nanosp] = await Promise.all([failSucceedFail(startLibnanomsg, 'pusher'), failSucceedFail(startNanosp, 'pusher')]);
    // libnanomsg itself behaves as the spec says ...
    expect(c.stderr).toBe(refused('pusher', c.port).repeat(2));
    // ... and nanosp prints the same bytes (each ran against its own port)
    expect(nanosp.stderr).toBe(c.stderr.replaceAll(`:${c.port}]`, `:${nanosp.port}]`));
  });

  it('the same port, both at once: byte-identical stderr, with the default name (the socket number, 0) too', async () => {
    const port = await freePort();
    const url = `tcp://127.0.0.1:${port}`;
    for (const name of ['pusher', '-']) {
      const peers = await Promise.all([startLibnanomsg(name, url, PRINT), startNanosp(name, url, PRINT)]);
      await Promise.all(peers.map((p) => whilePeerRuns(p, status(p, (s) => s.connect_errors! >= 20))));
      const [c, nanosp] = await Promise.all(peers.map(stop));
      expect(c).toBe(refused(name === '-' ? '0' : name, port));
      expect(nanosp).toBe(c);
    }
  });

  it('a connect to a missing IPC path: one "No such file or directory" line each, byte-identical', async () => {
    const path = join(tmpdir(), `nanosp-missing-${process.pid}-${Date.now()}.ipc`);
    const url = `ipc://${path}`;
    const peers = await Promise.all([startLibnanomsg('pusher', url, PRINT), startNanosp('pusher', url, PRINT)]);
    await Promise.all(peers.map((p) => whilePeerRuns(p, status(p, (s) => s.connect_errors! >= 20))));
    const [c, nanosp] = await Promise.all(peers.map(stop));
    expect(c).toBe(`nanomsg: socket.pusher[${path}]: Error: No such file or directory\n`);
    expect(nanosp).toBe(c);
  });
});

describe('NN_PRINT_ERRORS in nanosp', () => {
  it('nanosp extension: a bind on a taken port prints "Address already in use" once', async () => {
    const taken: Server = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = taken.address() as { port: number };
      const peer = startNode(fixture('bind.ts'), ['binder', `tcp://127.0.0.1:${port}`], PRINT);
      const line = await whilePeerRuns(peer, peer.line((l) => l.startsWith('bind-')));
      // nanomsg 1.x counts nothing for a failed bind (bind_errors stays 0, no error state)
      expect(line).toBe('bind-failed EADDRINUSE bind_errors=0 ep_errors=0');
      expect((await finished(peer)).code).toBe(0);
      expect(peer.stderr).toBe(`nanomsg: socket.binder[127.0.0.1:${port}]: Error: Address already in use\n`);
    } finally {
      taken.close();
    }
  });

  it('nanosp extension: an unresolvable host prints "Name or service not known" once despite retries, and counts nothing', async () => {
    const peer = startNode(CONNECT, ['resolver', 'tcp://nonexistent-host.invalid:5000', String(RECONNECT_MS)], PRINT);
    const last = await whilePeerRuns(peer, status(peer, (s) => s.resolve_failures! >= 5));
    // as nanomsg: no connect_errors and no error state for a failed lookup (§2.4)
    expect(last).toMatchObject({ connect_errors: 0, ep_errors: 0 });
    expect(await stop(peer)).toBe('nanomsg: socket.resolver[nonexistent-host.invalid:5000]: Error: Name or service not known\n');
  });

  it('the truth rule: NN_PRINT_ERRORS= (empty) prints nothing, NN_PRINT_ERRORS=0 prints', async () => {
    const port = await freePort();
    const url = `tcp://127.0.0.1:${port}`;
    const [empty, zero] = [startNode(CONNECT, ['quiet', url, String(RECONNECT_MS)], { NN_PRINT_ERRORS: '' }), startNode(CONNECT, ['zero', url, String(RECONNECT_MS)], { NN_PRINT_ERRORS: '0' })];
    await Promise.all([empty, zero].map((p) => whilePeerRuns(p, status(p, (s) => s.connect_errors! >= 3))));
    const [emptyErr, zeroErr] = await Promise.all([stop(empty), stop(zero)]);
    expect(emptyErr).toBe('');
    expect(zeroErr).toBe(refused('zero', port));
  });

  it('unset, nothing is printed', async () => {
    const port = await freePort();
    const peer = startNode(CONNECT, ['unset', `tcp://127.0.0.1:${port}`, String(RECONNECT_MS)]);
    await whilePeerRuns(peer, status(peer, (s) => s.connect_errors! >= 3));
    expect(await stop(peer)).toBe('');
  });

  it("the statistics socket's own connect error is printed under its default name, socket.0 (§2.4)", async () => {
    const [statsPort, port] = [await freePort(), await freePort()];
    const peer = startNode(CONNECT, ['pusher', `tcp://127.0.0.1:${port}`, String(RECONNECT_MS)], {
      ...PRINT,
      NN_STATISTICS_SOCKET: `tcp://127.0.0.1:${statsPort}`,
    });
    await whilePeerRuns(peer, status(peer, (s) => s.connect_errors! >= 3));
    const text = await stderrUntil(peer, (t) => linesOf(t).length >= 2);
    expect(linesOf(text).sort()).toEqual([refused('0', statsPort), refused('pusher', port)].map((l) => l.trimEnd()).sort());
    await stop(peer);
  });

  it('NN_STATISTICS_SOCKET= (empty) counts as set: nanomsg aborts (§4.1); nanosp reports the bad address once, as socket.0, and carries on', async () => {
    const port = await freePort();
    const peer = startNode(CONNECT, ['pusher', `tcp://127.0.0.1:${port}`, String(RECONNECT_MS)], { NN_STATISTICS_SOCKET: '' });
    await whilePeerRuns(peer, status(peer, (s) => s.connect_errors! >= 3));
    const lines = linesOf(await stop(peer));
    // said even without NN_PRINT_ERRORS, and the user's errors are still not printed
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^nanomsg: socket\.0\[\]: Error: Invalid argument\b/);
    expect(lines[0]).toContain('NN_STATISTICS_SOCKET');
  });
});
