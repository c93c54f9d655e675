/**
 * The Node layer: what the runtime-neutral core (src/sp) gets on Node. Loading it installs
 * Buffer as the byte type, process.nextTick for inproc delivery (defer.ts), the tcp, ipc, tls+tcp, ws and
 * wss transports, and the diagnostics_channel channels; `src/index.ts` loads it first.
 */
import './bytes.js';
import './channels.js';
import './transports.js';
import { installDefer } from './defer.js';

installDefer();
