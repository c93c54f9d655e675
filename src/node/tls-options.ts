/** Node's own `tls` option names, for `tls+tcp://` and `wss://` endpoints. */
import type { CommonConnectionOptions, SecureContextOptions } from 'node:tls';

export type TlsOptions = SecureContextOptions &
  Pick<CommonConnectionOptions, 'rejectUnauthorized' | 'requestCert' | 'ALPNProtocols'> & {
    servername?: string;
  };
