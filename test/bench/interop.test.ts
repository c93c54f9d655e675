/**
 * Cross-implementation perf runs over TCP with small counts: nanosp's local_thr/local_lat
 * against the C remote_thr/remote_lat of bench/c/perf.c built on libnanomsg 1.1.5, and the
 * reverse. The C tools speak nanomsg's protocol (PAIR v0, a 0-byte start message) and print
 * nanomsg's lines, which are checked here too. Both sides are started at once: the remote
 * side reconnects until the local side listens, as nanomsg's does.
 */
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { describeC, startC, type CProgram } from '../helpers/cprog.js';
import { freePort } from '../helpers/peers.js';
import { expectLatencyLines, expectThroughputLines, jsonOf, startTool, succeeded } from './formats.js';

const SOURCE = fileURLToPath(new URL('../../bench/c/perf.c', import.meta.url));

/** perf.c picks its tool from argv[0], so each tool is a build under its own name. */
function cTool(name: 'local_thr' | 'remote_thr' | 'local_lat' | 'remote_lat'): CProgram {
  return { name, source: SOURCE, header: '/usr/include/nanomsg/nn.h', libs: ['-lnanomsg', '-lpthread'] };
}

const MESSAGES = 1000;
const ROUNDTRIPS = 200;

describeC(cTool('local_thr'), 'bench interop: nanosp perf tools with the libnanomsg C perf tools over tcp', () => {
  it('nanosp local_thr receives from C remote_thr and prints the four lines', async () => {
    const url = `tcp://127.0.0.1:${await freePort()}`;
    const local = startTool('perf', 'local_thr', [url, '64', String(MESSAGES)]);
    const remote = await startC(cTool('remote_thr'), [url, '64', String(MESSAGES)]);
    expectThroughputLines(await succeeded(local), 64, MESSAGES);
    expect(await succeeded(remote)).toEqual([]);
  });

  it('C local_thr receives from nanosp remote_thr; --json on both sides', async () => {
    const url = `tcp://127.0.0.1:${await freePort()}`;
    const local = await startC(cTool('local_thr'), [url, '1024', String(MESSAGES), '--json']);
    const remote = startTool('perf', 'remote_thr', [url, '1024', String(MESSAGES), '--json']);
    const c = jsonOf(await succeeded(local));
    expect(c).toMatchObject({ tool: 'local_thr', impl: 'libnanomsg', proto: 'pair0', api: null, url, size: 1024, count: MESSAGES, latencyUs: null });
    expect(c.msgPerSec).toBeGreaterThan(0);
    expect(c.mbPerSec).toBeCloseTo(((c.msgPerSec as number) * 1024 * 8) / 1e6, 3);
    expect(jsonOf(await succeeded(remote))).toMatchObject({ tool: 'remote_thr', impl: 'nanosp', proto: 'pair0', url, elapsedUs: null, msgPerSec: null });
  });

  it('nanosp local_lat echoes for C remote_lat, which prints the three lines', async () => {
    const url = `tcp://127.0.0.1:${await freePort()}`;
    const local = startTool('perf', 'local_lat', [url, '64', String(ROUNDTRIPS)]);
    const remote = await startC(cTool('remote_lat'), [url, '64', String(ROUNDTRIPS)]);
    expectLatencyLines(await succeeded(remote), 64, ROUNDTRIPS);
    expect(await succeeded(local)).toEqual([]);
  });

  it('the libnanomsg build refuses --pair1 (libnanomsg has no PAIR v1) with status 2', async () => {
    const local = await startC(cTool('local_thr'), ['tcp://127.0.0.1:1', '64', '10', '--pair1']);
    expect(await local.exited).toEqual({ code: 2, signal: null });
    expect(local.stderr).toBe('local_thr: --pair1: libnanomsg has no PAIR v1 (build this tool against NNG)\n');
  });

  it('C local_lat echoes for nanosp remote_lat, which prints the three lines', async () => {
    const url = `tcp://127.0.0.1:${await freePort()}`;
    const local = await startC(cTool('local_lat'), [url, '1024', String(ROUNDTRIPS)]);
    const remote = startTool('perf', 'remote_lat', [url, '1024', String(ROUNDTRIPS)]);
    expectLatencyLines(await succeeded(remote), 1024, ROUNDTRIPS);
    expect(await succeeded(local)).toEqual([]);
  });
});
