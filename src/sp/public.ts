/**
 * The public API of the stack, the same on every platform: what `nanosp` (Node) and
 * `nanosp/browser` both re-export, and what the core entry adds its platform hooks to. One
 * list, so that the platforms cannot drift apart.
 */
export { socket, SpSocket, type SocketInit, type SocketDescription } from './socket.js';
export { Context } from './context.js';
export { Endpoint, type EndpointOptions } from './endpoint.js';
export { SpError, strerror, errnoOf, NN_HAUSNUMERO, type ErrnoName } from './errors.js';
export { Message, type MessageData } from './message.js';
export { SocketStats, PipeStats, EndpointStats, STATISTICS, type StatisticInfo, type StatisticKey } from './stats.js';
export { OPTION_SPECS, type SocketOptions, type OptionName, type TlsOptions } from './options.js';
export { PROTOCOL_IDS } from './protocol/ids.js';
export { SOCKET_TYPES } from './protocol/index.js';
export type { SocketType } from './protocol/protocol.js';
export type { WaitOptions } from './waiters.js';
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
} from './events.js';
export { device } from './device.js';
export { poll, POLLIN, POLLOUT, type PollItem, type PollOptions } from './poll.js';
