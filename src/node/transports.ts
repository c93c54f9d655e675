/** The Node layer's transports, registered with the core once, when the layer loads. */
import { registerTransport } from '../sp/transport/index.js';
import { ipc } from './transport/ipc.js';
import { tcp } from './transport/tcp.js';
import { tls } from './transport/tls.js';
import { ws, wss } from './transport/ws/index.js';

for (const transport of [tcp, ipc, tls, ws, wss]) registerTransport(transport);
