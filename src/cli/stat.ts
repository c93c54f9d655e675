/**
 * `nanosp stat [--detail | --json] [--stale-after MS] [--count N] [--duration S] <url>`: bind
 * a SUB socket at `url`, read the ESTP records that NN_STATISTICS_SOCKET publishers send there,
 * and show them as a table of one row per socket, or with `--detail` every metric per host,
 * application and socket, refreshed in place (stat-screen.ts; staleness in stat-view.ts);
 * `--json` prints each parsed record as one JSON line instead. A malformed record is counted
 * and shown, never fatal.
 *
 * `--prometheus host:port` serves the records instead, on http://host:port/metrics, as the
 * ESTP → Prometheus bridge of stat-prometheus.ts (naming, labels, staleness, limits there).
 */
import { parseRecord, EstpError, type EstpRecord } from '../estp/index.js';
import { socket, type SpSocket } from '../index.js';
import { SpError } from '../sp/errors.js';
import { MetricsServer } from '../diag/metrics-server.js';
import { numberFlags, parseArgs, type ParsedArgs } from './args.js';
import { httpUrl, serveArgs } from './serve-args.js';
import { DEFAULT_MAX_SERIES, EstpBridge } from './stat-prometheus.js';
import { statHttp } from './stat-http.js';
import { DEFAULT_MAX_SOURCES } from './dashboard/model.js';
import { StatScreen } from './stat-screen.js';

export const STAT_USAGE =
  'usage: nanosp stat [--detail | --json] [--stale-after MS] [--count N] [--duration SECONDS] <url>\n' +
  `       nanosp stat --prometheus HOST:PORT [--stale-after MS] [--max-series N (${DEFAULT_MAX_SERIES})] [--duration SECONDS] <url>\n` +
  `       nanosp stat --http HOST:PORT [--stale-after MS] [--max-sources N (${DEFAULT_MAX_SOURCES})] [--duration SECONDS] <url>`;

/** The usage on stderr, after what was wrong; exit status 1. */
export function usage(problem?: string): number {
  process.stderr.write(`${problem ? `nanosp stat: ${problem}\n` : ''}${STAT_USAGE}\n`);
  return 1;
}

function toJson(record: EstpRecord): string {
  return JSON.stringify({ ...record, timestamp: record.timestamp.toISOString(), value: typeof record.value === 'bigint' ? String(record.value) : record.value });
}

/** The SUB both views read from: bound at `url`, subscribed to everything. */
export async function bindSub(url: string): Promise<SpSocket> {
  const sub = socket('sub', { socketName: 'nanosp-stat', recvMaxSize: 64 * 1024 });
  sub.subscribe('');
  try {
    await sub.bind(url);
  } catch (err) {
    await sub.close();
    throw err;
  }
  return sub;
}

/**
 * Parse each ESTP record `sub` receives until it closes — after `duration` seconds, on SIGINT
 * or SIGTERM, or when `record` returns false — handing malformed ones to `bad`.
 */
export async function readRecords(
  sub: SpSocket,
  duration: number | undefined,
  record: (record: EstpRecord) => boolean | void,
  bad: (message: Buffer, reason: string) => void,
): Promise<void> {
  const stop = () => void sub.close();
  const timer = duration !== undefined ? setTimeout(stop, duration * 1000) : undefined;
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    for await (const message of sub) {
      let parsed: EstpRecord;
      try {
        parsed = parseRecord(message);
      } catch (err) {
        bad(message, err instanceof EstpError ? err.message : String(err));
        continue;
      }
      if (record(parsed) === false) break;
    }
  } catch (err) {
    if (!(err instanceof SpError && err.code === 'EBADF')) throw err;
  } finally {
    clearTimeout(timer);
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await sub.close();
  }
}

export async function stat(argv: readonly string[], out: NodeJS.WritableStream = process.stdout): Promise<number> {
  let args: ParsedArgs;
  try {
    args = parseArgs(argv, ['count', 'duration', 'prometheus', 'stale-after', 'max-series', 'http', 'max-sources']);
  } catch (err) {
    const message = (err as Error).message;
    return usage(message.startsWith('--prometheus ') ? '--prometheus needs HOST:PORT, e.g. 127.0.0.1:9464' : message);
  }
  if (args.flags.has('http')) return statHttp(args);
  if (args.flags.has('prometheus')) return statPrometheus(args);
  const url = args.positionals[0];
  if (!url || args.positionals.length > 1) return usage();
  const json = args.flags.has('json');
  let numbers: Record<'count' | 'duration' | 'stale-after', number | undefined>;
  try {
    numbers = numberFlags(args, ['count', 'duration', 'stale-after']);
  } catch (err) {
    return usage((err as Error).message);
  }
  const { count, duration, 'stale-after': staleAfterMs } = numbers;

  const sub = await bindSub(url);
  const screen = json ? undefined : new StatScreen(out, `nanosp stat ${sub.endpoints[0]!.url}`, { detail: args.flags.has('detail'), staleAfterMs, onQuit: () => void sub.close() });
  let seen = 0;
  try {
    await readRecords(
      sub,
      duration,
      (record) => {
        screen?.add(record);
        if (json) out.write(`${toJson(record)}\n`);
        return count === undefined || ++seen < count;
      },
      (_message, reason) => {
        screen?.bad(reason);
        if (json) process.stderr.write(`nanosp stat: malformed record: ${reason}\n`);
      },
    );
  } finally {
    screen?.close();
  }
  return 0;
}

/** `nanosp stat --prometheus host:port <url>`: the bridge, until --duration, SIGINT or SIGTERM. */
async function statPrometheus(args: ParsedArgs): Promise<number> {
  const parsed = serveArgs(args, { flag: 'prometheus', example: '127.0.0.1:9464', limit: 'max-series', refused: ['json', 'count', 'detail'] });
  if (typeof parsed === 'string') return usage(parsed);
  const { address, listen, url, staleAfterMs, limit: maxSeries, duration } = parsed;

  const bridge = new EstpBridge({ staleAfterMs, maxSeries, stderr: process.stderr });
  const sub = await bindSub(url);
  const ep = sub.endpoints[0]!;
  let failed: string | undefined;
  const server = new MetricsServer(
    (format) => bridge.render(format),
    (port) => process.stdout.write(`nanosp stat: serving ESTP from ${ep.url} at ${httpUrl(listen.host, port, '/metrics')}\n`),
  );
  server.serve(address, {
    write: (text: string) => {
      // the HTTP side cannot work (port taken, host unknown): nothing to bridge to
      failed = text;
      void sub.close();
    },
  });
  // expired series go even when nobody scrapes, so memory follows the live publishers
  const sweeper = setInterval(() => bridge.sweep(), Math.min(1000, Math.max(50, (staleAfterMs ?? 4000) / 4)));
  sweeper.unref();
  try {
    await readRecords(sub, duration, (record) => void bridge.add(record), (message, reason) => bridge.bad(message, reason));
  } finally {
    clearInterval(sweeper);
    server.stop();
  }
  if (failed !== undefined) {
    process.stderr.write(failed.replace(/^nanosp: /, 'nanosp stat: '));
    return 1;
  }
  return 0;
}
