/**
 * The runtime-neutral core of nanosp: sockets, contexts, endpoints, pipes, protocols and the
 * inproc transport, on Uint8Array, timers, queueMicrotask and its own emitter only. A platform
 * layer (src/node, and the browser's) registers its transports and byte type, then re-exports
 * this; nothing here imports a platform module.
 */
export * from './public.js';
export { registerTransport } from './transport/index.js';
export type { Transport, Dialer, Listener, NewPipe, TransportContext } from './transport/transport.js';
export { Pipe, type PipeSink, type PipeOwner } from './pipe.js';
export { setBytesPlatform, type Bytes, type BytesPlatform } from './bytes.js';
export { setDefer } from './defer.js';
export { socketLifeWatchers, type SocketLifeWatcher } from './events.js';
