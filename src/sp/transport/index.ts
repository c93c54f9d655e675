/**
 * The transports a socket can use, by URL scheme. The core registers inproc; a platform layer
 * registers its own (Node: tcp, ipc, tls+tcp, ws, wss; a browser: ws, wss), so the socket
 * core never imports a transport.
 */
import { inproc } from './inproc.js';
import type { Transport } from './transport.js';

const transports: Transport[] = [];
/** Every scheme served, in the order transports were registered (live: it grows). */
export const SCHEMES: string[] = [];

/** Serve `transport`'s schemes from now on; a scheme registered again takes the new one. */
export function registerTransport(transport: Transport): void {
  for (const scheme of transport.schemes) {
    const old = transports.findIndex((t) => t.schemes.includes(scheme));
    if (old >= 0) transports.splice(old, 1);
    if (!SCHEMES.includes(scheme)) SCHEMES.push(scheme);
  }
  transports.push(transport);
}

export function transportFor(scheme: string): Transport {
  const transport = transports.find((t) => t.schemes.includes(scheme));
  if (!transport) throw new Error(`no transport for ${scheme}`); // splitAddress checked the scheme
  return transport;
}

registerTransport(inproc);
