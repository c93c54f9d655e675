/**
 * nanosp's perf tools (bench/perf) and the raw node:net baseline (bench/baseline) against
 * nanomsg's command lines and output lines (spec/wire.md §9): usage line and exit status 1 on
 * bad arguments, the exact lines with small counts, the `--json` object's shape, and `--pair1`
 * (PAIR v1 in place of PAIR v0). No figure is asserted beyond being positive: speed lives in
 * BENCHMARKS.md.
 */
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fixed3, latency, parseToolArgs, throughput, USAGE, type ToolName } from '../../bench/perf/common.js';
import { freePort } from '../helpers/peers.js';
import { expectLatencyLines, expectThroughputLines, jsonOf, startTool, succeeded, tool } from './formats.js';

/** nanomsg's usage lines, as spec/wire.md §9 and nanomsg's perf/*.c print them. */
const NANOMSG_USAGE: Record<ToolName, string> = {
  local_thr: 'usage: local_thr <bind-to> <msg-size> <msg-count>',
  remote_thr: 'usage: remote_thr <connect-to> <msg-size> <msg-count>',
  local_lat: 'usage: local_lat <bind-to> <msg-size> <roundtrips>',
  remote_lat: 'usage: remote_lat <connect-to> <msg-size> <roundtrips>',
  inproc_thr: 'usage: thread_thr <message-size> <message-count>',
  inproc_lat: 'usage: inproc_lat <message-size> <roundtrip-count>',
};
const TOOLS = Object.keys(NANOMSG_USAGE) as ToolName[];

describe('perf tools: arguments', () => {
  class Exit extends Error {
    constructor(readonly code: number | undefined) {
      super(`exit ${code}`);
    }
  }
  let printed: string;
  beforeEach(() => {
    printed = '';
    vi.spyOn(process, 'exit').mockImplementation(((code?: number) => {
      throw new Exit(code);
    }) as never);
    vi.spyOn(process.stdout, 'write').mockImplementation(((text: string) => {
      printed += text;
      return true;
    }) as never);
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  function rejects(tool: ToolName, argv: string[]): void {
    printed = '';
    expect(() => parseToolArgs(tool, argv), JSON.stringify(argv)).toThrow(Exit);
    expect(printed).toBe(`${NANOMSG_USAGE[tool]}\n`);
    expect((process.exit as unknown as { mock: { calls: unknown[][] } }).mock.calls.at(-1)).toEqual([1]);
  }

  it("has nanomsg's usage line for every tool", () => {
    expect(USAGE).toEqual(NANOMSG_USAGE);
  });

  it('prints the usage line and exits 1 on a wrong number of arguments or a bad number', () => {
    for (const tool of ['local_thr', 'remote_thr', 'local_lat', 'remote_lat'] as const) {
      rejects(tool, []);
      rejects(tool, ['tcp://127.0.0.1:5555', '64']);
      rejects(tool, ['tcp://127.0.0.1:5555', '64', '10', 'extra']);
      rejects(tool, ['tcp://127.0.0.1:5555', 'big', '10']);
      rejects(tool, ['tcp://127.0.0.1:5555', '64', '-3']);
      rejects(tool, ['tcp://127.0.0.1:5555', '64', '0']);
      rejects(tool, ['tcp://127.0.0.1:5555', '1.5', '10']);
      rejects(tool, ['--json']);
    }
    for (const tool of ['inproc_thr', 'inproc_lat'] as const) {
      rejects(tool, []);
      rejects(tool, ['64']);
      rejects(tool, ['tcp://127.0.0.1:5555', '64', '10']);
      rejects(tool, ['64', 'x']);
    }
  });

  it('takes --json anywhere and the positional arguments in order', () => {
    expect(parseToolArgs('local_thr', ['--json', 'tcp://127.0.0.1:5555', '64', '1000'])).toEqual({ json: true, proto: 'pair0', api: 'fast', url: 'tcp://127.0.0.1:5555', size: 64, count: 1000 });
    expect(parseToolArgs('remote_lat', ['ipc:///tmp/x', '0', '7', '--json'])).toEqual({ json: true, proto: 'pair0', api: 'fast', url: 'ipc:///tmp/x', size: 0, count: 7 });
    expect(parseToolArgs('inproc_thr', ['1024', '10'])).toEqual({ json: false, proto: 'pair0', api: 'fast', url: undefined, size: 1024, count: 10 });
  });

  it('takes --pair1 (PAIR v1) and --pair0 anywhere, the last one winning; neither counts as an argument', () => {
    expect(parseToolArgs('local_thr', ['--pair1', 'tcp://127.0.0.1:5555', '64', '1000'])).toEqual({ json: false, proto: 'pair1', api: 'fast', url: 'tcp://127.0.0.1:5555', size: 64, count: 1000 });
    expect(parseToolArgs('remote_thr', ['tcp://127.0.0.1:5555', '64', '--pair1', '1000', '--json']).proto).toBe('pair1');
    expect(parseToolArgs('inproc_lat', ['--pair1', '64', '10', '--pair0']).proto).toBe('pair0');
    expect(parseToolArgs('inproc_lat', ['--pair0', '64', '10', '--pair1']).proto).toBe('pair1');
    rejects('local_thr', ['--pair1', 'tcp://127.0.0.1:5555', '64']);
    rejects('inproc_thr', ['--pair1']);
    // the flags are whole words: anything else is an argument like any other
    rejects('local_lat', ['tcp://127.0.0.1:5555', '64', '10', '--pair']);
  });

  it('takes --api fast|await anywhere, the value as the next word, the last one winning; a missing or unknown value is a bad argument', () => {
    expect(parseToolArgs('local_thr', ['--api', 'await', 'tcp://127.0.0.1:5555', '64', '1000'])).toEqual({ json: false, proto: 'pair0', api: 'await', url: 'tcp://127.0.0.1:5555', size: 64, count: 1000 });
    expect(parseToolArgs('remote_lat', ['tcp://127.0.0.1:5555', '64', '--api', 'await', '10', '--json', '--pair1'])).toMatchObject({ json: true, proto: 'pair1', api: 'await', size: 64, count: 10 });
    expect(parseToolArgs('inproc_thr', ['--api', 'await', '64', '10', '--api', 'fast']).api).toBe('fast');
    expect(parseToolArgs('inproc_lat', ['64', '10', '--api', 'fast']).api).toBe('fast');
    rejects('local_thr', ['tcp://127.0.0.1:5555', '64', '1000', '--api']);
    rejects('local_thr', ['tcp://127.0.0.1:5555', '64', '1000', '--api', 'blocking']);
    // the value is taken as --api's, never as a positional argument
    rejects('inproc_thr', ['--api', '64', '10']);
  });

  it("computes nanomsg's figures and formats them as printf's %.3f does", () => {
    // thr = count / µs × 10⁶ truncated; Mb/s = thr × size × 8 / 10⁶; latency = µs / (rts × 2)
    expect(throughput(1000, 64, 1000)).toEqual({ msgPerSec: 1_000_000, mbPerSec: 512 });
    expect(throughput(3, 1, 7).msgPerSec).toBe(428_571);
    expect(throughput(5, 1, 0).msgPerSec).toBe(5_000_000);
    expect(latency(200, 10_000)).toBe(25);
    expect(fixed3(512)).toBe('512.000');
    expect(fixed3(21.2484)).toBe('21.248');
    // exact ties round to even, as glibc's printf does (toFixed would give 0.063 and 2.563)
    expect(fixed3(0.0625)).toBe('0.062');
    expect(fixed3(0.1875)).toBe('0.188');
    expect(fixed3(2.5625)).toBe('2.562');
  });
});

describe('perf tools: processes', () => {
  it('the nanosp tools print their usage line and exit 1 when run without arguments', async () => {
    // two processes (a transport tool and an inproc one); every tool file passes its own name
    for (const name of TOOLS) expect(readFileSync(tool('perf', name), 'utf8'), name).toContain(`parseToolArgs('${name}', process.argv.slice(2))`);
    const peers = (['local_thr', 'inproc_thr'] as const).map((name) => ({ name, peer: startTool('perf', name, ['64']) }));
    for (const { name, peer } of peers) {
      const { code } = await peer.exited;
      expect(code, name).toBe(1);
      expect(peer.output, name).toEqual([NANOMSG_USAGE[name]]);
    }
  });

  it("nanosp local_thr <- remote_thr over tcp: nanomsg's four lines; remote_thr prints nothing", async () => {
    const url = `tcp://127.0.0.1:${await freePort()}`;
    const local = startTool('perf', 'local_thr', [url, '100', '1000']);
    const remote = startTool('perf', 'remote_thr', [url, '100', '1000']);
    expectThroughputLines(await succeeded(local), 100, 1000);
    expect(await succeeded(remote)).toEqual([]);
  });

  it("nanosp remote_lat -> local_lat over tcp with --json on the local side: nanomsg's three lines and the JSON object", async () => {
    const url = `tcp://127.0.0.1:${await freePort()}`;
    const local = startTool('perf', 'local_lat', [url, '64', '200', '--json']);
    const remote = startTool('perf', 'remote_lat', [url, '64', '200']);
    expectLatencyLines(await succeeded(remote), 64, 200);
    const json = jsonOf(await succeeded(local));
    expect(json).toMatchObject({ tool: 'local_lat', impl: 'nanosp', api: 'fast', url, size: 64, count: 200, elapsedUs: null, msgPerSec: null, latencyUs: null });
  });

  it('nanosp inproc_thr and inproc_lat: the mean-throughput and latency lines; --json carries the figures', async () => {
    const thr = startTool('perf', 'inproc_thr', ['64', '1000']);
    const lat = startTool('perf', 'inproc_lat', ['--json', '256', '200']);
    expectThroughputLines(await succeeded(thr), 64, 1000, true);
    const json = jsonOf(await succeeded(lat));
    expect(json).toMatchObject({ tool: 'inproc_lat', impl: 'nanosp', url: null, size: 256, count: 200, msgPerSec: null });
    expect(json.latencyUs).toBeCloseTo((json.elapsedUs as number) / 400, 6);
  });

  it('--pair1: nanosp local_thr <- remote_thr over ipc and inproc_thr on PAIR v1, the JSON object saying so', async () => {
    const ipc = `ipc:///tmp/nanosp-bench-pair1-${process.pid}.ipc`;
    const local = startTool('perf', 'local_thr', [ipc, '64', '1000', '--json', '--pair1']);
    const remote = startTool('perf', 'remote_thr', ['--pair1', ipc, '64', '1000']);
    const inproc = startTool('perf', 'inproc_thr', ['--pair1', '--json', '64', '1000']);
    expect(jsonOf(await succeeded(local))).toMatchObject({ tool: 'local_thr', impl: 'nanosp', proto: 'pair1', url: ipc, size: 64, count: 1000 });
    expect(await succeeded(remote)).toEqual([]);
    expect(jsonOf(await succeeded(inproc))).toMatchObject({ tool: 'inproc_thr', impl: 'nanosp', proto: 'pair1', url: null });
  });

  it('--api await: nanosp local_thr <- remote_thr over ipc and remote_lat -> local_lat over tcp print their lines, the JSON object saying so', async () => {
    const ipc = `ipc:///tmp/nanosp-bench-await-${process.pid}.ipc`;
    const url = `tcp://127.0.0.1:${await freePort()}`;
    const thrLocal = startTool('perf', 'local_thr', [ipc, '64', '1000', '--json', '--api', 'await']);
    const thrRemote = startTool('perf', 'remote_thr', ['--api', 'await', ipc, '64', '1000']);
    const latLocal = startTool('perf', 'local_lat', [url, '64', '200', '--api', 'await']);
    const latRemote = startTool('perf', 'remote_lat', [url, '64', '200', '--api', 'await']);
    expect(jsonOf(await succeeded(thrLocal))).toMatchObject({ tool: 'local_thr', impl: 'nanosp', proto: 'pair0', api: 'await', url: ipc, size: 64, count: 1000 });
    expect(await succeeded(thrRemote)).toEqual([]);
    expectLatencyLines(await succeeded(latRemote), 64, 200);
    expect(await succeeded(latLocal)).toEqual([]);
  });

  it('--api await: nanosp inproc_thr and inproc_lat print their lines, the JSON object saying so', async () => {
    const thr = startTool('perf', 'inproc_thr', ['1024', '1000', '--api', 'await']);
    const lat = startTool('perf', 'inproc_lat', ['--json', '--api', 'await', '64', '200']);
    expectThroughputLines(await succeeded(thr), 1024, 1000, true);
    expect(jsonOf(await succeeded(lat))).toMatchObject({ tool: 'inproc_lat', impl: 'nanosp', api: 'await', size: 64, count: 200 });
  });

  it('--pair1: nanosp remote_lat -> local_lat over tcp prints the three lines', async () => {
    const url = `tcp://127.0.0.1:${await freePort()}`;
    const local = startTool('perf', 'local_lat', [url, '64', '200', '--pair1']);
    const remote = startTool('perf', 'remote_lat', [url, '64', '200', '--pair1']);
    expectLatencyLines(await succeeded(remote), 64, 200);
    expect(await succeeded(local)).toEqual([]);
  });

  it('the raw node:net baseline has the same command lines and lines (ipc thr, tcp lat with --json)', async () => {
    const ipc = `ipc:///tmp/nanosp-bench-test-${process.pid}.ipc`;
    const url = `tcp://127.0.0.1:${await freePort()}`;
    const thrLocal = startTool('baseline', 'local_thr', [ipc, '1024', '1000']);
    const thrRemote = startTool('baseline', 'remote_thr', [ipc, '1024', '1000']);
    const latLocal = startTool('baseline', 'local_lat', [url, '64', '200']);
    const latRemote = startTool('baseline', 'remote_lat', ['--json', url, '64', '200']);
    expectThroughputLines(await succeeded(thrLocal), 1024, 1000);
    expect(await succeeded(thrRemote)).toEqual([]);
    expect(await succeeded(latLocal)).toEqual([]);
    const json = jsonOf(await succeeded(latRemote));
    expect(json).toMatchObject({ tool: 'remote_lat', impl: 'node-net', proto: null, api: null, url, size: 64, count: 200, msgPerSec: null });
    expect(json.latencyUs).toBeGreaterThan(0);
  });
});
