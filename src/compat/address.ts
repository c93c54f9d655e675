/**
 * The old package's `bind()` is synchronous: libnanomsg parses the address and reports a bad
 * one at once (the 'error' event fires before `bind` returns, and `bind` returns null).
 * nanosp's bind is a promise, so the compat socket runs the same address checks up front with
 * the stack's own parsers; only failures that need the system (EADDRINUSE, EACCES) arrive later.
 */
import { splitAddress } from '../sp/address.js';
import { parseTcpBind } from '../node/transport/tcp-address.js';
import { parseIpcAddress } from '../node/transport/ipc.js';
import { SCHEMES } from '../sp/transport/index.js';
import { parseWsBind } from '../node/transport/ws/address.js';

/** Throws the SpError nanosp's bind would reject with for a malformed `url`. */
export function checkBindAddress(url: string, ipv4Only: boolean): void {
  const address = splitAddress(url, SCHEMES);
  switch (address.scheme) {
    case 'tcp':
    case 'tls+tcp':
      parseTcpBind(address.url, address.rest, ipv4Only);
      break;
    case 'ipc':
    case 'unix':
    case 'abstract':
      parseIpcAddress(address);
      break;
    case 'ws':
    case 'wss':
      parseWsBind(address.url, address.rest, ipv4Only);
      break;
    default:
      // inproc: any name
      break;
  }
}
