/**
 * What the diagnostics do, as nanomsg decides it (spec/diagnostics.md §2.1, §4.1, §4.2, §9.1):
 * from the environment, read once when the first socket is made. NN_PRINT_ERRORS and
 * NN_PRINT_STATISTICS are on when set and non-empty ("0" turns them on too);
 * NN_STATISTICS_SOCKET, NN_APPLICATION_NAME and NN_HOSTNAME count when set, even empty.
 * NANOSP_METRICS (nanosp's own) is read once when nanosp loads, so that the process serves
 * /metrics from the start.
 * `configureDiagnostics` overrides any of it from a program.
 */
import { hostname as osHostname } from 'node:os';

/** nanomsg's statistics timer (global.c): 10 s. */
export const DEFAULT_STATISTICS_INTERVAL_MS = 10_000;
/** Name parts are cut to this many bytes, as nanomsg cuts NN_APPLICATION_NAME and NN_HOSTNAME. */
export const NAME_MAX = 63;

export interface DiagnosticsConfig {
  /** NN_PRINT_ERRORS: print each endpoint error once on stderr. */
  printErrors: boolean;
  /** NN_PRINT_STATISTICS: print every socket's counters on stderr every interval. */
  printStatistics: boolean;
  /** NN_STATISTICS_SOCKET: connect a PUB here and publish every statistic as an ESTP record. */
  statisticsSocket: string | undefined;
  /** ms between reports (NANOSP_STATISTICS_INTERVAL; nanomsg's fixed 10 s otherwise). */
  statisticsInterval: number;
  /** NN_APPLICATION_NAME, default `nanomsg.{pid}`. */
  applicationName: string;
  /** NN_HOSTNAME, default the host name. */
  hostname: string;
  /**
   * NANOSP_METRICS: `host:port` on which to serve Prometheus `GET /metrics` (read when nanosp
   * loads; set and non-empty), undefined for none.
   */
  metrics: string | undefined;
  /** Where lines go; process.stderr unless a program or test says otherwise. */
  stderr: { write(text: string): unknown };
}

/** The first `max` bytes of `text`, never splitting a UTF-8 character. */
export function cutBytes(text: string, max = NAME_MAX): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= max) return text;
  let end = max;
  while (end > 0 && ((bytes[end] as number) & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString('utf8');
}

function isOn(value: string | undefined): boolean {
  return value !== undefined && value !== '';
}

/** Parse NANOSP_STATISTICS_INTERVAL: a positive number of ms; anything else keeps the default. */
function interval(value: string | undefined): number {
  const ms = value === undefined ? NaN : Number(value);
  return Number.isFinite(ms) && ms > 0 ? ms : DEFAULT_STATISTICS_INTERVAL_MS;
}

/** NANOSP_METRICS when set and non-empty. */
export function metricsAddress(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env.NANOSP_METRICS === '' ? undefined : env.NANOSP_METRICS;
}

export function readEnvironment(env: NodeJS.ProcessEnv = process.env): DiagnosticsConfig {
  return {
    printErrors: isOn(env.NN_PRINT_ERRORS),
    printStatistics: isOn(env.NN_PRINT_STATISTICS),
    statisticsSocket: env.NN_STATISTICS_SOCKET,
    statisticsInterval: interval(env.NANOSP_STATISTICS_INTERVAL),
    applicationName: cutBytes(env.NN_APPLICATION_NAME ?? `nanomsg.${process.pid}`),
    hostname: cutBytes(env.NN_HOSTNAME ?? osHostname()),
    metrics: metricsAddress(env),
    stderr: process.stderr,
  };
}
