/**
 * PAIR v1 perf runs across implementations over TCP and IPC with small counts: nanosp's perf
 * tools with `--pair1` against bench/c/perf.c built on NNG 1.5.2 with `--pair1` (its socket
 * opened with nng_pair1_open, everything else through NNG's nanomsg compat API), both ways.
 * A PAIR v0 peer would be refused by either side (the run would hang), so a finished run
 * shows both sides spoke PAIR v1; the JSON objects say so too.
 */
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { describeC, startC, type CProgram } from '../helpers/cprog.js';
import { freePort } from '../helpers/peers.js';
import { expectLatencyLines, expectThroughputLines, jsonOf, startTool, succeeded } from './formats.js';

const SOURCE = fileURLToPath(new URL('../../bench/c/perf.c', import.meta.url));

/** perf.c picks its tool from argv[0], so each tool is a build under its own name. */
function nngTool(name: 'local_thr' | 'remote_thr' | 'local_lat' | 'remote_lat'): CProgram {
  return { name, source: SOURCE, header: '/usr/include/nng/compat/nanomsg/nn.h', libs: ['-I/usr/include/nng/compat', '-lnng', '-lpthread'] };
}

const MESSAGES = 1000;
const ROUNDTRIPS = 200;

describeC(nngTool('local_thr'), 'bench interop: nanosp perf tools with the NNG C perf tools on PAIR v1 (--pair1)', () => {
  it('nanosp local_thr receives from NNG remote_thr over tcp; both JSON objects say pair1', async () => {
    const url = `tcp://127.0.0.1:${await freePort()}`;
    const local = startTool('perf', 'local_thr', [url, '64', String(MESSAGES), '--pair1', '--json']);
    const remote = await startC(nngTool('remote_thr'), [url, '64', String(MESSAGES), '--pair1', '--json']);
    expect(jsonOf(await succeeded(local))).toMatchObject({ tool: 'local_thr', impl: 'nanosp', proto: 'pair1', count: MESSAGES });
    expect(jsonOf(await succeeded(remote))).toMatchObject({ tool: 'remote_thr', impl: 'nng', proto: 'pair1', msgPerSec: null });
  });

  it('NNG local_thr receives from nanosp remote_thr over ipc and prints the four lines', async () => {
    const url = `ipc:///tmp/nanosp-bench-pair1-c-${process.pid}.ipc`;
    const local = await startC(nngTool('local_thr'), ['--pair1', url, '1024', String(MESSAGES)]);
    const remote = startTool('perf', 'remote_thr', ['--pair1', url, '1024', String(MESSAGES)]);
    expectThroughputLines(await succeeded(local), 1024, MESSAGES);
    expect(await succeeded(remote)).toEqual([]);
  });

  it('nanosp local_lat echoes for NNG remote_lat over tcp', async () => {
    const url = `tcp://127.0.0.1:${await freePort()}`;
    const local = startTool('perf', 'local_lat', [url, '64', String(ROUNDTRIPS), '--pair1']);
    const remote = await startC(nngTool('remote_lat'), [url, '64', String(ROUNDTRIPS), '--pair1']);
    expectLatencyLines(await succeeded(remote), 64, ROUNDTRIPS);
    expect(await succeeded(local)).toEqual([]);
  });

  it('NNG local_lat echoes for nanosp remote_lat over tcp', async () => {
    const url = `tcp://127.0.0.1:${await freePort()}`;
    const local = await startC(nngTool('local_lat'), [url, '1024', String(ROUNDTRIPS), '--pair1']);
    const remote = startTool('perf', 'remote_lat', [url, '1024', String(ROUNDTRIPS), '--pair1', '--json']);
    const json = jsonOf(await succeeded(remote));
    expect(json).toMatchObject({ tool: 'remote_lat', impl: 'nanosp', proto: 'pair1', size: 1024, count: ROUNDTRIPS });
    expect(json.latencyUs).toBeGreaterThan(0);
    expect(await succeeded(local)).toEqual([]);
  });
});
