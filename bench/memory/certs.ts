/**
 * A throwaway certificate for running the measurement over tls+tcp:// and wss:// by hand:
 * self-signed for 127.0.0.1 (so it is its own CA), an EC P-256 key, made with openssl in a
 * temporary directory that `remove` takes away.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CertFiles } from './transports.js';

export function throwawayCert(): CertFiles & { remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'nanosp-memory-cert-'));
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  const subject = ['-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-days', '1'];
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', ...subject, '-keyout', keyFile, '-out', certFile], { stdio: 'ignore' });
  return { certFile, keyFile, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
