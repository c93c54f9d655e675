/**
 * Helpers for the `nanosp cat` tests: run nanosp cat and the real cats as peers with their
 * standard output kept byte for byte (latin1, so every byte is one character), wait on and
 * read that output as bytes, capture what nanocat itself prints for a message in each format
 * (the reference every output is compared with), temporary files, and throwaway TLS
 * certificates.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect } from 'vitest';
import { socket } from '../../src/index.js';
import { formatMessage } from '../../src/cli/cat-format.js';
import type { EchoFormat } from '../../src/cli/cat-options.js';
import { whilePeerRuns } from '../helpers/interop.js';
import { freePort, hasCommand, startPeer, type Peer } from '../helpers/peers.js';

export const CAT_MAIN = fileURLToPath(new URL('../../src/cli/cat-main.ts', import.meta.url));

/** The formats that print something, in nanocat's order. */
export const PRINTING_FORMATS: readonly Exclude<EchoFormat, 'no'>[] = ['raw', 'ascii', 'quoted', 'msgpack', 'hex'];

/** The diagnostics variables, unset for every child so that the caller's environment cannot leak in. */
const DIAG_VARIABLES = ['NN_PRINT_ERRORS', 'NN_PRINT_STATISTICS', 'NN_STATISTICS_SOCKET', 'NN_APPLICATION_NAME', 'NN_HOSTNAME', 'NANOSP_STATISTICS_INTERVAL'];

/**
 * Start `command` (through env(1), which execs, so the peer's pid is the command's and it is
 * killed after the test), its standard output read as latin1 so that lines keep every byte.
 */
export function startRaw(command: string, args: readonly string[]): Peer {
  const unset = DIAG_VARIABLES.flatMap((name) => ['-u', name]);
  const peer = startPeer('env', [...unset, command, ...args]);
  // nothing can have arrived yet: from here on each byte is one character
  peer.child.stdout.setEncoding('latin1');
  return peer;
}

/** `nanosp cat ARGS` in its own node process. */
export function startNanospCat(args: readonly string[]): Peer {
  return startRaw(process.execPath, ['--import', 'tsx', CAT_MAIN, ...args]);
}

export type CatCommand = 'nanocat' | 'nanosp cat';

export function startCat(command: CatCommand, args: readonly string[]): Peer {
  return command === 'nanocat' ? startRaw('nanocat', args) : startNanospCat(args);
}

/** Every complete line the peer printed, as the bytes it wrote. */
export function printed(peer: Peer): Buffer {
  return peer.output.length === 0 ? Buffer.alloc(0) : Buffer.from(`${peer.output.join('\n')}\n`, 'latin1');
}

/** Wait until the peer printed at least `length` bytes (in complete lines); fails if it exits first. */
export async function printedAtLeast(peer: Peer, length: number, timeoutMs = 8000): Promise<Buffer> {
  await whilePeerRuns(
    peer,
    peer.line(() => printed(peer).length >= length, timeoutMs),
  );
  return printed(peer);
}

/** Wait until the peer printed `expected` (at least once), and check it printed only whole copies of it. */
export async function expectPrintedRepeats(peer: Peer, expected: Buffer, timeoutMs = 8000): Promise<number> {
  const bytes = await printedAtLeast(peer, expected.length, timeoutMs);
  const copies = Math.floor(bytes.length / expected.length);
  for (let i = 0; i < copies; i++) {
    expect(hexOf(bytes.subarray(i * expected.length, (i + 1) * expected.length)), `${peer.commandLine}: copy ${i + 1} of ${copies}`).toBe(hexOf(expected));
  }
  return copies;
}

export function hexOf(bytes: Buffer): string {
  return bytes.toString('hex');
}

/**
 * Resolves with the peer's exit status once it has exited and its output has all been read
 * (the child's 'close'), failing after `timeoutMs`.
 */
export async function exitOf(peer: Peer, timeoutMs = 8000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  const { child } = peer;
  const closed = new Promise<void>((resolve) => {
    if (!peer.running && child.stdout.closed && child.stderr.closed) resolve();
    else child.once('close', () => resolve());
  });
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${peer.commandLine} still runs after ${timeoutMs} ms; stdout ${JSON.stringify(peer.output)}, stderr ${JSON.stringify(peer.stderr)}`)), timeoutMs);
  });
  try {
    await Promise.race([closed, late]);
    return await peer.exited;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Resolves once something listens on 127.0.0.1:`port` (a TCP connection is accepted, then
 * dropped at once). For peers that cannot wait for a listener themselves: nngcat's REQ,
 * SURVEYOR, PAIR and BUS fail with "Cannot set recv timeout" when their first send waits
 * longer than --interval.
 */
export async function listening(port: number, timeoutMs = 8000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const accepted = await new Promise<boolean>((resolve) => {
      const probe = connect({ host: '127.0.0.1', port });
      probe.once('connect', () => {
        probe.destroy();
        resolve(true);
      });
      probe.once('error', () => resolve(false));
    });
    if (accepted) return;
    if (Date.now() > until) throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/**
 * Resolves once something dials 127.0.0.1:`port`: listens there, takes the first connection,
 * drops it and frees the port again. Shows that a connecting nanosp cat runs and will dial
 * again shortly, so that a peer started next to listen there is not kept waiting (nngcat's
 * sending loop fails when its first send waits longer than its --interval).
 */
export async function dialed(port: number, timeoutMs = 8000): Promise<void> {
  const server = createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`nobody dialed 127.0.0.1:${port} within ${timeoutMs} ms`)), timeoutMs);
      server.once('connection', (socket) => {
        clearTimeout(timer);
        socket.destroy();
        resolve();
      });
      server.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      server.listen(port, '127.0.0.1');
    });
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

// ---- what nanocat prints ----------------------------------------------------------------

const TERMINATOR = Buffer.from('--nanosp-end--\n');
const references = new Map<string, Buffer>();

/**
 * The bytes `COMMAND --pull --format FORMAT` prints for `messages`, sent to it by a nanosp
 * PUSH. A last, known message marks the end; its bytes are cut off again.
 */
export async function catPrints(command: CatCommand, format: Exclude<EchoFormat, 'no'>, messages: readonly Buffer[]): Promise<Buffer> {
  const url = `tcp://127.0.0.1:${await freePort()}`;
  const peer = startCat(command, ['--pull', '--bind', url, '--format', format]);
  const push = socket('push', { linger: 0, sendTimeout: 8000 });
  try {
    push.connect(url);
    for (const message of [...messages, TERMINATOR]) await whilePeerRuns(peer, push.send(message));
    const end = formatMessage(format, TERMINATOR);
    await whilePeerRuns(
      peer,
      peer.line(() => printed(peer).subarray(-end.length).equals(end), 8000),
    );
    const bytes = printed(peer);
    return bytes.subarray(0, bytes.length - end.length);
  } finally {
    await push.close();
    await peer.kill();
  }
}

/** `catPrints('nanocat', …)`, cached for the run. */
export async function nanocatPrints(format: Exclude<EchoFormat, 'no'>, messages: readonly Buffer[]): Promise<Buffer> {
  const key = `${format}:${messages.map(hexOf).join(',')}`;
  let bytes = references.get(key);
  if (!bytes) {
    bytes = await catPrints('nanocat', format, messages);
    references.set(key, bytes);
  }
  return bytes;
}

/**
 * What nanocat prints for one message in `format`: captured from nanocat when it is
 * installed, else (nanocat missing, outside CI) nanosp's formatter, which the format tests
 * hold to nanocat's bytes.
 */
export async function reference(format: Exclude<EchoFormat, 'no'>, message: Buffer): Promise<Buffer> {
  if (!hasCommand('nanocat')) return formatMessage(format, message);
  return nanocatPrints(format, [message]);
}

// ---- files ------------------------------------------------------------------------------

/**
 * A temporary directory for the calling test file, removed after it: `file(name, bytes)`
 * writes a file there and returns its path; `path(name)` names one (for IPC sockets).
 */
export function useTempDir(): { file(name: string, contents: string | Buffer): string; path(name: string): string } {
  let dir: string | undefined;
  const get = () => (dir ??= mkdtempSync(join(tmpdir(), 'nanosp-cat-')));
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });
  return {
    file(name, contents) {
      const path = join(get(), name);
      writeFileSync(path, contents);
      return path;
    },
    path(name) {
      return join(get(), name);
    },
  };
}

/** A self-signed certificate for localhost and 127.0.0.1 (its own CA), made with openssl. */
export function makeCertificate(dir: { path(name: string): string }, name: string): { certFile: string; keyFile: string } {
  const certFile = dir.path(`${name}.crt`);
  const keyFile = dir.path(`${name}.key`);
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-days', '2', '-keyout', keyFile, '-out', certFile],
    { stdio: 'ignore' },
  );
  return { certFile, keyFile };
}
