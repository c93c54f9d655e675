/**
 * Node's byte type for the core: what the stack allocates and hands users is a `Buffer`
 * (a Uint8Array subclass), so Node users get Buffers from `recv` as they always have, without a
 * copy or a wrap. Installed once, when the Node layer loads.
 */
import { setBytesPlatform } from '../sp/bytes.js';
import { allocBody } from './malloc-thresholds.js';
import type { Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { TlsOptions as NodeTlsOptions } from './tls-options.js';

declare module '../sp/bytes.js' {
  interface PlatformTypes {
    bytes: Buffer;
    tls: NodeTlsOptions;
    httpServer: HttpServer | HttpsServer;
  }
}

setBytesPlatform({
  // the first large body makes glibc keep freed large blocks warm (malloc-thresholds.ts)
  alloc: allocBody,
  fromString: (text) => Buffer.from(text, 'utf8'),
  view: (bytes) => (Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)),
});

/** An empty message part for the Node transports (never written to). */
export const EMPTY: Buffer = Buffer.alloc(0);
