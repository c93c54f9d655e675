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
export { socket, SpSocket, type SocketInit, type SocketDescription } from './sp/socket.js';
export { Context } from './sp/context.js';
export { Endpoint, type EndpointOptions } from './sp/endpoint.js';
export { SpError, strerror, errnoOf, NN_HAUSNUMERO, type ErrnoName } from './sp/errors.js';
export { Message, type MessageData } from './sp/message.js';
export { SocketStats, PipeStats, EndpointStats, STATISTICS, type StatisticInfo, type StatisticKey } from './sp/stats.js';
export { OPTION_SPECS, type SocketOptions, type OptionName, type TlsOptions } from './sp/options.js';
export { PROTOCOL_IDS } from './sp/protocol/ids.js';
export { SOCKET_TYPES } from './sp/protocol/index.js';
export type { SocketType } from './sp/protocol/protocol.js';
export type { WaitOptions } from './sp/waiters.js';
export type {
  EndpointInfo,
  PipeInfo,
  PipeCloseReason,
  EndpointEvent,
  EndpointFailure,
  PipeFailure,
  EndpointErrorEvent,
  PipeAddingEvent,
  SocketEventMap,
} from './sp/events.js';
export { device } from './sp/device.js';
export { poll, POLLIN, POLLOUT, type PollItem, type PollOptions } from './sp/poll.js';
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
