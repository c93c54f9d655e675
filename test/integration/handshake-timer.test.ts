/**
 * The dialer's SP handshake timer adapts (issue 17, connection storms): nanomsg's 1 s for the
 * first connection; after a handshake that timed out the next waits twice as long (up to
 * 32 s), and a handshake that succeeds brings it back to 1 s. A listener's timer stays 1 s.
 * Driven through a scripted transport, so the test sees each timer without waiting for it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { registerTransport, socket, SpError, type SpSocket } from '../../src/sp/index.js';
import { InprocPipe } from '../../src/sp/transport/inproc-pipe.js';
import type { NewPipe, Transport } from '../../src/sp/transport/transport.js';
import { spError } from '../../src/sp/errors.js';

/** What each handshake gets asked for, and how the next ones end. */
const asked: number[] = [];
let outcomes: ('timeout' | 'ok')[] = [];
let waitingFor: { count: number; resolve: () => void } | undefined;

/** Resolves once `count` handshakes have begun. */
function handshakes(count: number): Promise<void> {
  if (asked.length >= count) return Promise.resolve();
  return new Promise((resolve) => (waitingFor = { count, resolve }));
}

class ScriptedPipe extends InprocPipe {
  override handshake(spec?: { timeoutMs: number }): Promise<void> {
    if (!spec) throw new Error('the endpoint gives every handshake its spec');
    asked.push(spec.timeoutMs);
    if (waitingFor && asked.length >= waitingFor.count) waitingFor.resolve();
    const outcome = outcomes.shift() ?? 'timeout';
    if (outcome === 'ok') return Promise.resolve();
    void this.close();
    return Promise.reject(spError('ETIMEDOUT', `the peer did not send its SP header within ${spec.timeoutMs} ms`));
  }
}

const scripted: Transport = {
  schemes: ['scripted'],
  listen: () => Promise.reject(spError('ENOTSUP', 'scripted transport: dial only')),
  dialer: (_address, context) => ({
    dial: () => {
      const mine = new ScriptedPipe(context.endpoint, 'scripted', context.options);
      InprocPipe.pair(mine, new InprocPipe(context.endpoint, 'other end', context.options));
      return Promise.resolve(mine as unknown as NewPipe);
    },
  }),
};
registerTransport(scripted);

const open: SpSocket[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
  asked.length = 0;
  outcomes = [];
});

describe('the dialer’s SP handshake timer', () => {
  it('doubles after each timeout up to 32 s, and is 1 s again after a handshake that succeeds', async () => {
    outcomes = ['timeout', 'timeout', 'timeout', 'timeout', 'timeout', 'timeout', 'timeout', 'ok'];
    const s = socket('pair', { reconnectInterval: 1, linger: 0 });
    open.push(s);
    const piped = new Promise((resolve) => s.once('pipe', resolve));
    s.connect('scripted://anywhere');
    await piped;
    expect(asked).toEqual([1000, 2000, 4000, 8000, 16000, 32000, 32000, 32000]);
    // the pipe breaks: the next connection starts again from nanomsg's 1 s
    const [pipe] = s.pipes;
    outcomes = ['timeout'];
    const broken = new Promise<{ error: SpError }>((resolve) => s.once('pipe-broken', resolve));
    (pipe as InprocPipe).peerGone();
    await broken;
    await handshakes(9);
    expect(asked[8]).toBe(1000);
    expect(s.stats.brokenConnections).toBeGreaterThanOrEqual(8);
  });
});
