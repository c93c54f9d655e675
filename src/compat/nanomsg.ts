/**
 * `nanosp/nanomsg`: a drop-in for the npm `nanomsg` package 4.2.1 (the native binding to
 * libnanomsg), in pure TypeScript over nanosp's stack. Change `require('nanomsg')` to
 * `require('nanosp/nanomsg')` (Node >= 20.19 can require this ES module) and keep going:
 *
 *   const nano = require('nanosp/nanomsg');
 *   const pub = nano.socket('pub'), sub = nano.socket('sub', { chan: ['news'] });
 *   pub.bind('tcp://127.0.0.1:7789'); sub.connect('tcp://127.0.0.1:7789');
 *   sub.on('data', (buf) => console.log(String(buf)));
 *   pub.send('news: hello');
 *
 * Same as the old package: `socket(type, options)` for the ten types (an unknown type throws
 * `Error('unrecognised socket type <type>')`), the Duplex stream socket ('data' as Buffers, or
 * strings with `encoding`/`setEncoding`; `pipe()` out of it and into it; object mode, one
 * chunk per message), messages received before a 'data' listener is added waiting in the
 * stream's buffer, `bind`/`connect` returning endpoint ids from 1 and recording them (or null)
 * in `bound`/`connected`, failures as 'error' events whose message is nn_strerror's text,
 * `shutdown(addr)` returning 0, `send(msg)` returning `msg.length`, the option methods with
 * libnanomsg's defaults, validation, error texts ("Invalid argument: pubsndprio@0\n") and
 * `linger()` reading back 0, `chan`/`rmchan` with the implicit `''` subscription, `dontwait`
 * defaulting to false on PUSH only, REP reading one request at a time and SURVEYOR reading
 * only after a survey, the `transform`/`restore` hooks, `device()` with its
 * `lib err: <errno>\n<text>` error, `symbol`/`symbolInfo` over libnanomsg's 121-entry table,
 * `term()`, and `_bindings` with every symbol's value (AF_SP 1, NN_PAIR 16, NN_PUB 32 …).
 *
 * Where nanosp differs, on purpose (the old package's defects, fixed as its README promises):
 *
 * - `rmchan(topic)` also takes back messages of that topic that were already read into the
 *   stream but not yet delivered: nanomsg (which filters when the application receives) and
 *   NNG (which prunes its queue on unsubscribe) never deliver them; the old package did.
 * - `send()` never blocks the event loop. The old package flushed its queue with blocking
 *   nn_send calls (flags 0) once the socket polled writable, which deadlocks its own process
 *   when a peer in the same process has to read first (20000 sends from a PUSH to a PULL over
 *   TCP hang it). nanosp hands the queue to the socket on the next turn of the event loop (as
 *   the old poll did) and each message goes, in order, as soon as a peer can take it, however
 *   long that takes (as the old poll waited). `flags` (NN_DONTWAIT) and `sndtimeo` therefore
 *   never make a send fail. A send the socket refuses (REP with no request to answer, SUB or
 *   PULL, which cannot send) is one 'error' event and the message is dropped, where the old
 *   package re-queued it and retried in a tight loop (or aborted the process at close).
 * - Every message ready when the socket polls readable is read, not one per wake-up, and the
 *   stream's backpressure holds: reading stops at the stream's highWaterMark (16 messages in
 *   object mode) until the consumer reads on, the rest waiting in the socket's own receive
 *   buffer (`rcvbuf`), where the old package buffered without bound. `rcvtimeo` and
 *   `dontwait` do not change what the receive loop does (nor did they in the old package,
 *   which only read once the socket polled readable).
 * - `wsopt` given to `socket(type, { wsopt })` is applied; the old constructor ignored it.
 * - `close()` is idempotent: the first call emits 'close' and returns 0, later calls return
 *   the same value and emit nothing, and `closed` is true afterwards. (On Node >= 18 the old
 *   package's `closed` flag is shadowed by the stream's own getter, so its second close
 *   returned -1 and emitted 'close' again.) Messages still queued by `send()` are handed to
 *   the socket first and flushed for up to `linger` ms (nanosp's default, 1000 ms, is
 *   honoured, though `linger()` reads back 0 as libnanomsg 1.1 does); the old package dropped
 *   them. `destroy()` closes the nanomsg socket too. `send()` after close does nothing (the
 *   old package could abort the process there).
 * - A bind that fails for a reason only the system knows (EADDRINUSE, EACCES) emits its
 *   'error' on the next tick after `bind()` returned the endpoint id, and the entry in
 *   `bound` turns to null then; a malformed address still fails at once, `bind()` returning
 *   null, as before.
 * - `term()` closes every socket at once (as nn_term does) without aborting the process when
 *   sockets are still open; sockets made afterwards fail every call with EBADF, as the old
 *   package's do, and sockets closed by `term()` return -1 from `close()`.
 * - `rmchan` reports an unsubscribe failure as an 'error' event (the old one threw a
 *   ReferenceError from its error path).
 * - `_bindings` holds the symbol values only, not the native functions (`Socket`, `Send`,
 *   `PollSocket`, …); the socket internals `queue`, `flush`, `_send`, `_receive` and the poll
 *   helpers are gone, and `binding` is nanosp's socket number rather than a native handle.
 *   `sp` is the nanosp SpSocket underneath, for code that moves on to nanosp's own API.
 * - Transports are nanosp's: tcp, ipc, inproc, ws (plus tls+tcp and wss). A TCP or WebSocket
 *   bind to port 0 picks a free port (NNG's rule) where libnanomsg refuses it; `ipc://` with
 *   an empty path is refused (libnanomsg 1.1.5 lets Linux pick an abstract address).
 * - Errors carry `code` ('EADDRINUSE'), `errno` and nanosp's detailed SpError as `cause`
 *   besides the old message (nn_strerror's text).
 */
import '../node/index.js';
import { Device } from './device.js';
import { Socket } from './socket.js';
import type { SocketOptions, SocketType } from './options.js';
import { symbol, symbolInfo, SYMBOLS } from './symbols.js';
import { term } from './term.js';

export { Socket } from './socket.js';
export { Device, type DeviceEventMap } from './device.js';
export type { SocketOptions, SocketType } from './options.js';
export type { SymbolInfo, SymbolValue } from './symbols.js';
export type { NanomsgError } from './errors.js';
export { symbol, symbolInfo } from './symbols.js';
export { term } from './term.js';

/** Make a socket: 'pair', 'pub', 'sub', 'req', 'rep', 'push', 'pull', 'surveyor', 'respondent' or 'bus'. */
export function socket(type: SocketType, options?: SocketOptions): Socket {
  return new Socket(type, options);
}

/** The same as `socket`. */
export const createSocket = socket;

/** Forward between two raw sockets (or loop one back to itself) until one closes; errors are 'error' events. */
export function device(sock1: Socket, sock2?: Socket): Device {
  return new Device(sock1, sock2);
}

/** The same as `device`. */
export const createDevice = device;

/** libnanomsg's symbols by name (AF_SP, NN_PUB, NN_DONTWAIT, NN_STAT_*, errno values, …). */
export const _bindings: Record<string, number> = { ...SYMBOLS };

// The constants most programs use, as named exports (the same values as in `_bindings`).
export const AF_SP = 1;
export const AF_SP_RAW = 2;
export const NN_PAIR = 16;
export const NN_PUB = 32;
export const NN_SUB = 33;
export const NN_REQ = 48;
export const NN_REP = 49;
export const NN_PUSH = 80;
export const NN_PULL = 81;
export const NN_SURVEYOR = 98;
export const NN_RESPONDENT = 99;
export const NN_BUS = 112;
export const NN_DONTWAIT = 1;
/** nn.h's NN_MSG, `(size_t) -1`; libnanomsg's symbol table (and so `_bindings`) does not list it. */
export const NN_MSG = -1;
export const NN_SOCKADDR_MAX = 128;
export const NN_INPROC = -1;
export const NN_IPC = -2;
export const NN_TCP = -3;
export const NN_WS = -4;
export const NN_SOL_SOCKET = 0;
export const NN_LINGER = 1;
export const NN_SNDBUF = 2;
export const NN_RCVBUF = 3;
export const NN_SNDTIMEO = 4;
export const NN_RCVTIMEO = 5;
export const NN_RECONNECT_IVL = 6;
export const NN_RECONNECT_IVL_MAX = 7;
export const NN_SNDPRIO = 8;
export const NN_RCVPRIO = 9;
export const NN_SNDFD = 10;
export const NN_RCVFD = 11;
export const NN_DOMAIN = 12;
export const NN_PROTOCOL = 13;
export const NN_IPV4ONLY = 14;
export const NN_SOCKET_NAME = 15;
export const NN_RCVMAXSIZE = 16;
export const NN_MAXTTL = 17;
export const NN_SUB_SUBSCRIBE = 1;
export const NN_SUB_UNSUBSCRIBE = 2;
export const NN_REQ_RESEND_IVL = 1;
export const NN_SURVEYOR_DEADLINE = 1;
export const NN_TCP_NODELAY = 1;
export const NN_WS_MSG_TYPE = 1;
export const NN_WS_MSG_TYPE_TEXT = 0x01;
export const NN_WS_MSG_TYPE_BINARY = 0x02;
export const NN_POLLIN = 1;
export const NN_POLLOUT = 2;
export const NN_STAT_ESTABLISHED_CONNECTIONS = 101;
export const NN_STAT_ACCEPTED_CONNECTIONS = 102;
export const NN_STAT_DROPPED_CONNECTIONS = 103;
export const NN_STAT_BROKEN_CONNECTIONS = 104;
export const NN_STAT_CONNECT_ERRORS = 105;
export const NN_STAT_BIND_ERRORS = 106;
export const NN_STAT_ACCEPT_ERRORS = 107;
export const NN_STAT_CURRENT_CONNECTIONS = 201;
export const NN_STAT_INPROGRESS_CONNECTIONS = 202;
export const NN_STAT_CURRENT_EP_ERRORS = 203;
export const NN_STAT_MESSAGES_SENT = 301;
export const NN_STAT_MESSAGES_RECEIVED = 302;
export const NN_STAT_BYTES_SENT = 303;
export const NN_STAT_BYTES_RECEIVED = 304;
export const NN_STAT_CURRENT_SND_PRIORITY = 401;

/** `import nano from 'nanosp/nanomsg'`: the module as one object, like the old `module.exports`. */
const nanomsg = {
  Socket,
  socket,
  createSocket,
  device,
  createDevice,
  symbol,
  symbolInfo,
  term,
  _bindings,
};

export default nanomsg;
