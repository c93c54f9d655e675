/**
 * nanomsg's diagnostics for nanosp: NN_PRINT_ERRORS, NN_PRINT_STATISTICS and
 * NN_STATISTICS_SOCKET (ESTP), read from the environment when the first socket opens, or set
 * by `configureDiagnostics`. Importing this module is what turns them on.
 */
import type { DiagnosticsConfig } from './config.js';
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
export { readEnvironment, DEFAULT_STATISTICS_INTERVAL_MS, type DiagnosticsConfig } from './config.js';
