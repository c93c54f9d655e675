/**
 * The runtime-neutral core of nanosp: sockets, contexts, endpoints, pipes, protocols and the
 * inproc transport, on Uint8Array, timers, queueMicrotask and its own emitter only. A platform
 * layer (src/node, and the browser's) registers its transports and byte type, then re-exports
 * this; nothing here imports a platform module.
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
export { registerTransport } from './transport/index.js';
export type { Transport, Dialer, Listener, NewPipe, TransportContext } from './transport/transport.js';
export { Pipe, type PipeSink, type PipeOwner } from './pipe.js';
export { setBytesPlatform, type Bytes, type BytesPlatform } from './bytes.js';
export { setDefer } from './defer.js';
export { socketLifeWatchers, type SocketLifeWatcher } from './events.js';
