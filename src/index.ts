/**
 * nanosp: the Scalability Protocols of nanomsg and NNG in pure TypeScript.
 *
 *   import { socket } from 'nanosp';
 *   const pull = socket('pull');
 *   const ep = await pull.bind('tcp://127.0.0.1:0');
 *   const push = socket('push');
 *   push.connect(ep.url);
 *   await push.send('hello');
 *   console.log(String(await pull.recv()));
 */
import './node/index.js';
export * from './sp/public.js';
export {
  configureDiagnostics,
  diagnosticsSettings,
  reportStatistics,
  metricsText,
  getStatistic,
  NN_STAT,
  type DiagnosticsOptions,
  type DiagnosticsConfig,
  type MetricsFormat,
  type MetricsOptions,
} from './diag/index.js';
export { formatRecord, parseRecord, EstpError, type EstpRecord, type EstpType } from './estp/index.js';
