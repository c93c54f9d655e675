/**
 * The transports the memory measurement runs over, by their short names, and what each needs:
 * an address to bind (port 0, or a fresh socket path) and, for the two over TLS, a certificate.
 */
import { readFileSync } from 'node:fs';
import type { TlsOptions } from '../../src/index.js';

export const TRANSPORTS = ['tcp', 'ipc', 'ws', 'tls', 'wss'] as const;
export type TransportName = (typeof TRANSPORTS)[number];

/** A self-signed certificate for 127.0.0.1 (and its key), in PEM files: it is its own CA. */
export interface CertFiles {
  readonly certFile: string;
  readonly keyFile: string;
}

/** Where a listener of the measurement binds, on `transport`. */
export interface Place {
  readonly transport: TransportName;
  /** The address to bind: port 0 or a fresh ipc path; the bound URL says the real one. */
  readonly bindUrl: string;
  /** For tls and wss: the listener's certificate, which the dialers trust. */
  readonly certs?: CertFiles;
}

export function isTransportName(name: string): name is TransportName {
  return (TRANSPORTS as readonly string[]).includes(name);
}

export function needsCerts(transport: TransportName): boolean {
  return transport === 'tls' || transport === 'wss';
}

/** The address to bind on `transport`; `ipcPath` gives a fresh socket path. */
export function bindUrlFor(transport: TransportName, ipcPath: () => string): string {
  switch (transport) {
    case 'tcp':
      return 'tcp://127.0.0.1:0';
    case 'ipc':
      return `ipc://${ipcPath()}`;
    case 'ws':
      return 'ws://127.0.0.1:0/memory';
    case 'tls':
      return 'tls+tcp://127.0.0.1:0';
    case 'wss':
      return 'wss://127.0.0.1:0/memory';
  }
}

/** A dialer's tls option: trust the listener's self-signed certificate, in `caFile`. */
export function dialerTls(caFile: string | undefined): { tls?: TlsOptions } {
  return caFile ? { tls: { ca: readFileSync(caFile) } } : {};
}
