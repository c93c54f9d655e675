/**
 * Every listener on node:net tells the shared flush when it accepts a connection, so that the
 * event loop turns often while connections arrive (src/node/transport/flush-queue.ts: Node
 * accepts one connection per turn). The slicing itself is tested in test/unit/flush-queue.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { acceptingLately } from '../../src/node/transport/flush-queue.js';
import { describeTls, useCerts } from '../helpers/certs.js';
import { hasCommand } from '../helpers/peers.js';
import { uniqueIpcPath } from '../helpers/cat.js';
import { next, testSocket } from '../helpers/sockets.js';

/** Resolves once no listener has accepted for a while (each turn of the loop checks again). */
async function quiet(): Promise<void> {
  while (acceptingLately()) await new Promise((resolve) => setImmediate(resolve));
}

async function acceptOne(url: string, tls?: object): Promise<void> {
  const options = tls ? { tls } : {};
  const pub = testSocket('pub', options);
  const ep = await pub.bind(url);
  await quiet();
  expect(acceptingLately()).toBe(false);
  const accepted = next(pub, 'accepted');
  testSocket('sub', options).connect(ep.url);
  await accepted;
  expect(acceptingLately()).toBe(true);
}

describe('listeners shorten flush slices while they accept', () => {
  it('tcp', () => acceptOne('tcp://127.0.0.1:0'));
  it('ipc', () => acceptOne(`ipc://${uniqueIpcPath('accept-turns')}`));
  it('ws', () => acceptOne('ws://127.0.0.1:0/accept-turns'));
});

const certs = hasCommand('openssl') ? useCerts() : undefined;
describeTls('TLS listeners shorten flush slices while they accept', () => {
  it('tls+tcp', () => acceptOne('tls+tcp://127.0.0.1:0', { ...certs!.listener(), ...certs!.dialer() }));
  it('wss', () => acceptOne('wss://127.0.0.1:0/accept-turns', { ...certs!.listener(), ...certs!.dialer() }));
});
