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

export * from '../sp/public.js';
export { setWebSocketClass, type WebSocketClass, type WebSocketLike } from './web-socket.js';
