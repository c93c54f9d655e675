/**
 * nanomsg's perf tool output, as regexes built from spec/wire.md §9, and small helpers the
 * bench tests share: running a bench tool through tsx as a peer, and checking its lines.
 */
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { startPeer, type Peer } from '../helpers/peers.js';

export const LINE = {
  size: /^message size: (\d+) \[B\]$/,
  count: /^message count: (\d+)$/,
  thrMsgs: /^throughput: (\d+) \[msg\/s\]$/,
  thrMbps: /^throughput: (\d+\.\d{3}) \[Mb\/s\]$/,
  meanThrMsgs: /^mean throughput: (\d+) \[msg\/s\]$/,
  meanThrMbps: /^mean throughput: (\d+\.\d{3}) \[Mb\/s\]$/,
  roundtrips: /^roundtrip count: (\d+)$/,
  latency: /^average latency: (\d+\.\d{3}) \[us\]$/,
} as const;

/** The keys of the `--json` object, TypeScript and C tools alike. */
export const JSON_KEYS = [
  'tool',
  'impl',
  'proto',
  'api',
  'url',
  'size',
  'count',
  'elapsedUs',
  'msgPerSec',
  'mbPerSec',
  'latencyUs',
  'maxRssKiB',
  'cpuUserUs',
  'cpuSysUs',
  'workCpuUserUs',
  'workCpuSysUs',
].sort();

function match(line: string | undefined, re: RegExp): string {
  expect(line, `expected a line matching ${re}`).toMatch(re);
  return (re.exec(line as string) as RegExpExecArray)[1] as string;
}

/** local_thr's four lines (inproc_thr's with `mean `), with the Mb/s formula checked. */
export function expectThroughputLines(lines: readonly string[], size: number, count: number, mean = false): number {
  expect(lines).toHaveLength(4);
  expect(Number(match(lines[0], LINE.size))).toBe(size);
  expect(Number(match(lines[1], LINE.count))).toBe(count);
  const msgs = Number(match(lines[2], mean ? LINE.meanThrMsgs : LINE.thrMsgs));
  const mbps = match(lines[3], mean ? LINE.meanThrMbps : LINE.thrMbps);
  expect(msgs).toBeGreaterThan(0);
  expect(Number(mbps)).toBeCloseTo((msgs * size * 8) / 1e6, 3);
  return msgs;
}

/** remote_lat's three lines. */
export function expectLatencyLines(lines: readonly string[], size: number, roundtrips: number): number {
  expect(lines).toHaveLength(3);
  expect(Number(match(lines[0], LINE.size))).toBe(size);
  expect(Number(match(lines[1], LINE.roundtrips))).toBe(roundtrips);
  const us = Number(match(lines[2], LINE.latency));
  expect(us).toBeGreaterThan(0);
  return us;
}

export function tool(folder: 'perf' | 'baseline', name: string): string {
  return fileURLToPath(new URL(`../../bench/${folder}/${name}.ts`, import.meta.url));
}

/** Start a bench TypeScript tool (through tsx); killed after the current test. */
export function startTool(folder: 'perf' | 'baseline', name: string, args: readonly string[]): Peer {
  return startPeer(process.execPath, ['--import', 'tsx', tool(folder, name), ...args]);
}

/** Wait for `peer` to exit and expect status 0; returns its stdout lines. */
export async function succeeded(peer: Peer): Promise<string[]> {
  const { code, signal } = await peer.exited;
  expect({ code, signal, stderr: peer.stderr }).toEqual({ code: 0, signal: null, stderr: '' });
  return peer.output;
}

/** The one JSON object a `--json` run printed. */
export function jsonOf(lines: readonly string[]): Record<string, unknown> {
  expect(lines).toHaveLength(1);
  const result = JSON.parse(lines[0] as string) as Record<string, unknown>;
  expect(Object.keys(result).sort()).toEqual(JSON_KEYS);
  for (const key of ['maxRssKiB', 'cpuUserUs', 'cpuSysUs', 'workCpuUserUs', 'workCpuSysUs']) {
    expect(typeof result[key], key).toBe('number');
    expect(result[key] as number, key).toBeGreaterThanOrEqual(0);
  }
  expect(result.maxRssKiB as number).toBeGreaterThan(0);
  return result;
}
