/**
 * Throwaway TLS certificates for `tls+tcp://` tests, made with openssl once per test file in a
 * temporary directory that is removed afterwards: a self-signed certificate for `localhost`
 * (SAN DNS:localhost and IP:127.0.0.1) that is its own CA, and a second, unrelated one for
 * "wrong CA" cases. Without openssl the tests are skipped with a notice, and fail under CI,
 * as describePeer does for the cat peers.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { TlsOptions } from '../../src/index.js';
import { hasCommand } from './peers.js';
import { makeCert, type TestCert } from './make-cert.js';

export type { TestCert };

export const OPENSSL_INSTALL = 'apt-get install -y openssl';

export interface TestCerts {
  /** CN=localhost, SAN DNS:localhost and IP:127.0.0.1, self-signed: it is its own CA. */
  readonly server: TestCert;
  /** Another self-signed localhost certificate; as a dialer's `ca` it trusts nothing `server` shows. */
  readonly other: TestCert;
  /** Listener options: `server`'s certificate and key. */
  listener(): TlsOptions;
  /** Dialer options trusting `server` (`wrongCa`: trusting only `other`). */
  dialer(wrongCa?: boolean): TlsOptions;
}

/**
 * Make the certificates before the tests of the calling `describe` and remove them after.
 * The returned object is usable inside tests (and hooks that run after this one).
 */
export function useCerts(): TestCerts {
  let dir: string | undefined;
  let made: { server: TestCert; other: TestCert } | undefined;
  const get = (): { server: TestCert; other: TestCert } => {
    if (!made) throw new Error('the test certificates are made in beforeAll; use them inside tests');
    return made;
  };
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nanosp-certs-'));
    const [server, other] = await Promise.all([makeCert(dir, 'server'), makeCert(dir, 'other')]);
    made = { server, other };
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = undefined;
    made = undefined;
  });
  return {
    get server() {
      return get().server;
    },
    get other() {
      return get().other;
    },
    listener() {
      const { server } = get();
      return { cert: server.cert, key: server.key };
    },
    dialer(wrongCa = false) {
      return { ca: wrongCa ? get().other.cert : get().server.cert };
    },
  };
}

/**
 * `describe` for tests that need openssl to make certificates. Without it: under CI one
 * failing test that says what to install; elsewhere the block is skipped with a notice.
 */
export function describeTls(name: string, body: () => void): void {
  if (hasCommand('openssl')) {
    describe(name, body);
  } else if (process.env.CI) {
    describe(name, () => {
      it('needs openssl', () => {
        throw new Error(`openssl is not installed; CI must run: ${OPENSSL_INSTALL}`);
      });
    });
  } else {
    console.warn(`[nanosp tests] skipping "${name}": openssl is not installed (${OPENSSL_INSTALL})`);
    describe.skip(name, body);
  }
}
