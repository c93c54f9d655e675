/**
 * One throwaway TLS certificate, made with openssl: self-signed for `localhost` (SAN
 * DNS:localhost and IP:127.0.0.1), so it is its own CA. Usable outside vitest (the soak).
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface TestCert {
  /** PEM files, for peers that take paths (nngcat --cert/--key/--cacert). */
  readonly certFile: string;
  readonly keyFile: string;
  /** The same PEM text, for node:tls options. */
  readonly cert: Buffer;
  readonly key: Buffer;
}

function openssl(args: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('openssl', args, (err, _stdout, stderr) => {
      if (err) reject(new Error(`openssl ${args.join(' ')} failed: ${err.message}\n${stderr}`));
      else resolve();
    });
  });
}

/** `<dir>/<name>.crt` and `.key`. */
export async function makeCert(dir: string, name: string): Promise<TestCert> {
  const certFile = join(dir, `${name}.crt`);
  const keyFile = join(dir, `${name}.key`);
  await openssl([
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-days', '2',
    '-keyout', keyFile, '-out', certFile,
  ]);
  const [cert, key] = await Promise.all([readFile(certFile), readFile(keyFile)]);
  return { certFile, keyFile, cert, key };
}
