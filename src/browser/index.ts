/**
 * nanosp for web pages: the runtime-neutral core with the browser's WebSocket as its
 * transport (`ws://`, `wss://`; `inproc://` between sockets of one page). Load it as plain ES
 * modules from the package (`import { socket } from './node_modules/nanosp/dist/browser/index.js'`)
 * or through a bundler (`import { socket } from 'nanosp/browser'`). Received messages are
 * Uint8Arrays; strings sent are UTF-8. A page cannot listen, so `bind` is ENOTSUP.
 */
import { registerTransport } from '../sp/transport/index.js';
import { browserWs, browserWss } from './ws-transport.js';

registerTransport(browserWs);
registerTransport(browserWss);

export { socket, SpSocket, type SocketInit, type SocketDescription } from '../sp/socket.js';
export { Context } from '../sp/context.js';
export type { Endpoint, EndpointOptions } from '../sp/endpoint.js';
export { SpError, strerror, errnoOf, NN_HAUSNUMERO, type ErrnoName } from '../sp/errors.js';
export { Message, type MessageData } from '../sp/message.js';
export { SocketStats, PipeStats, EndpointStats, STATISTICS, type StatisticInfo, type StatisticKey } from '../sp/stats.js';
export { OPTION_SPECS, type SocketOptions, type OptionName } from '../sp/options.js';
export { PROTOCOL_IDS } from '../sp/protocol/ids.js';
export { SOCKET_TYPES } from '../sp/protocol/index.js';
export type { SocketType } from '../sp/protocol/protocol.js';
export type { WaitOptions } from '../sp/waiters.js';
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
} from '../sp/events.js';
export { device } from '../sp/device.js';
export { poll, POLLIN, POLLOUT, type PollItem, type PollOptions } from '../sp/poll.js';
export { setWebSocketClass, type WebSocketClass, type WebSocketLike } from './web-socket.js';
