/**
 * nanomsg's diagnostics for nanosp: NN_PRINT_ERRORS, NN_PRINT_STATISTICS and
 * NN_STATISTICS_SOCKET (ESTP), read from the environment when the first socket opens, or set
 * by `configureDiagnostics`; and nanosp's Prometheus metrics (`metricsText()`, NANOSP_METRICS). Importing this module is what turns them on.
 */
import type { DiagnosticsConfig } from './config.js';
import { metricsOptions, type MetricsFormat, type MetricsOptions } from './metrics.js';
import { Diagnostics } from './monitor.js';

const diagnostics = new Diagnostics();

export type DiagnosticsOptions = Partial<DiagnosticsConfig>;

/** Override what the environment said (any subset); takes effect at once. */
export function configureDiagnostics(options: DiagnosticsOptions): void {
  diagnostics.configure(options);
}

/** The diagnostics settings in force. */
export function diagnosticsSettings(): DiagnosticsConfig {
  return diagnostics.settings;
}

/**
 * Every open socket's statistics (not the statistics socket's) as Prometheus text format
 * 0.0.4, or OpenMetrics 1.0 with `'openmetrics'`: what NANOSP_METRICS serves at /metrics, for
 * an application's own server. `{ pipes: true }` adds one series per live pipe (labels
 * `endpoint`, `pipe`, `remote`); `metricsText({ format: 'openmetrics', pipes: true })`.
 */
export function metricsText(options?: MetricsFormat | MetricsOptions): string {
  return diagnostics.metricsText(metricsOptions(options));
}

/** @internal The port the NANOSP_METRICS / `metrics` server bound, once it listens. */
export function metricsPort(): number | undefined {
  return diagnostics.metricsPort;
}

/** Report now instead of waiting for the timer (tests, and programs about to exit). */
export function reportStatistics(): void {
  diagnostics.report();
}

/** @internal Forget settings and stop; the next socket reads the environment again. */
export function resetDiagnostics(): void {
  diagnostics.reset();
}

export { getStatistic, NN_STAT } from './statistic.js';
export { errorLine, statisticsLines, estpRecords, addressOf } from './lines.js';
export {
  formatMetrics,
  escapeLabelValue,
  METRICS_CONTENT_TYPE,
  METRIC_FAMILIES,
  type MetricsFormat,
  type MetricsOptions,
  type MetricsOrigin,
} from './metrics.js';
export { negotiateFormat, parseMetricsAddress } from './metrics-server.js';
export { readEnvironment, DEFAULT_STATISTICS_INTERVAL_MS, type DiagnosticsConfig } from './config.js';
