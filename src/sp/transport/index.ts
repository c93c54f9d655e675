/** The transports nanosp serves, by URL scheme. */
import { inproc } from './inproc.js';
import { ipc } from './ipc.js';
import { tcp } from './tcp.js';
import { tls } from './tls.js';
import type { Transport } from './transport.js';
import { ws, wss } from './ws/index.js';

const TRANSPORTS: readonly Transport[] = [tcp, ipc, inproc, tls, ws, wss];

export const SCHEMES: readonly string[] = TRANSPORTS.flatMap((t) => t.schemes);

export function transportFor(scheme: string): Transport {
  const transport = TRANSPORTS.find((t) => t.schemes.includes(scheme));
  if (!transport) throw new Error(`no transport for ${scheme}`); // splitAddress checked the scheme
  return transport;
}
