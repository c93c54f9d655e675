/**
 * `npm start` runs `nanosp demo`: the protocol tour, then worker processes publishing ESTP to
 * a statistics view, one of them with NN_PRINT_ERRORS=1 connecting where nobody listens until
 * a listener appears. It must show all of that and end by itself with status 0.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { startPeer } from '../helpers/peers.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

describe('nanosp demo (npm start)', () => {
  it('tours the protocols, shows one error line that then clears, shows the statistics, and ends by itself', async () => {
    process.env.NANOSP_DEMO_LISTEN_AFTER_MS = '1000';
    const demo = startPeer('node', ['--import', 'tsx', MAIN, 'demo', '4']);
    delete process.env.NANOSP_DEMO_LISTEN_AFTER_MS;
    const { code, signal } = await demo.exited;
    const out = demo.output.join('\n');
    expect({ code, signal, stderr: demo.stderr }).toEqual({ code: 0, signal: null, stderr: '' });
    expect(out).toContain('left  <- ping');
    expect(out).toContain('worker1 got task 1, task 3, task 5');
    expect(out).toContain('weather sub <- weather.paris 12C');
    // NN_PRINT_ERRORS: exactly one line for the endpoint, however often it retried
    const errors = demo.output.filter((line) => line.includes('Error: Connection refused'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/\[errors\] nanomsg: socket\.pusher\[127\.0\.0\.1:[0-9]+\]: Error: Connection refused$/);
    expect(out).toContain('the error cleared silently');
    // the statistics view got records from every worker
    for (const source of ['reqrep  socket.client', 'pubsub  socket.ticker', 'pipeline  socket.producer', 'errors  socket.pusher']) {
      expect(out).toContain(source);
    }
    expect(out).toMatch(/nanosp demo statistics: \d+ sockets, \d+ records, 0 malformed/);
  }, 30_000);
});
