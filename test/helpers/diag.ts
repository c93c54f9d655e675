/**
 * Helpers for the diagnostics tests (test/diag): child processes with a chosen environment
 * (the diagnostics read it once per process, so every case gets a fresh process), waiting on
 * a child's stderr and on its end, the status lines the connect fixtures print, and nanocat's
 * quoted (-Q) output turned back into the bytes that were published.
 */
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { startPeer, type Peer } from './peers.js';
import type { CProgram } from './cprog.js';

/**
 * The C twin of test/diag/fixtures/connect.ts: a libnanomsg PUSH that connects and prints a
 * status line whenever its statistics change (see test/interop/c/nn_print_errors.c).
 */
export const NN_PRINT_ERRORS_C: CProgram = {
  name: 'nn_print_errors',
  source: fileURLToPath(new URL('../interop/c/nn_print_errors.c', import.meta.url)),
  header: '/usr/include/nanomsg/nn.h',
  libs: ['-lnanomsg'],
};

/**
 * A libnanomsg program that publishes its three sockets' statistics as ESTP records to
 * NN_STATISTICS_SOCKET, as nanomsg 0.8 did and libnanomsg 1.x no longer does (see
 * test/interop/c/nn_estp_publisher.c): `nn_estp_publisher <socket-name|-> <connect-url>
 * <interval-ms>` prints "ready", then publishes until its stdin ends.
 */
export const NN_ESTP_PUBLISHER_C: CProgram = {
  name: 'nn_estp_publisher',
  source: fileURLToPath(new URL('../interop/c/nn_estp_publisher.c', import.meta.url)),
  header: '/usr/include/nanomsg/nn.h',
  libs: ['-lnanomsg'],
};

/** Every variable the diagnostics read: removed from a child's environment unless given. */
export const DIAG_VARIABLES = [
  'NN_PRINT_ERRORS',
  'NN_PRINT_STATISTICS',
  'NN_STATISTICS_SOCKET',
  'NN_APPLICATION_NAME',
  'NN_HOSTNAME',
  'NANOSP_STATISTICS_INTERVAL',
  'NANOSP_METRICS',
] as const;

export type DiagEnv = Partial<Record<(typeof DIAG_VARIABLES)[number], string>>;

/**
 * Start `command` with the diagnostics variables of this process removed and `env` set
 * (through env(1), which execs: the peer's pid is the command's, so it is killed after the
 * test like any peer).
 */
export function startWithEnv(command: string, args: readonly string[], env: DiagEnv = {}): Peer {
  const unset = DIAG_VARIABLES.flatMap((name) => ['-u', name]);
  const set = Object.entries(env).map(([name, value]) => `${name}=${value}`);
  return startPeer('env', [...unset, ...set, command, ...args]);
}

/** The path of a fixture in test/diag/fixtures. */
export function fixture(name: string): string {
  return fileURLToPath(new URL(`../diag/fixtures/${name}`, import.meta.url));
}

/** Run a TypeScript file (a fixture, or nanosp's CLI) in its own node process, under tsx. */
export function startNode(file: string, args: readonly string[], env: DiagEnv = {}): Peer {
  return startWithEnv(process.execPath, ['--import', 'tsx', file, ...args], env);
}

/** Resolves with the peer's stderr once it passes `test`; rejects if its stderr ends first or on timeout. */
export function stderrUntil(peer: Peer, test: (stderr: string) => boolean, timeoutMs = 10_000): Promise<string> {
  if (test(peer.stderr)) return Promise.resolve(peer.stderr);
  const stream = peer.child.stderr;
  return new Promise((resolve, reject) => {
    const done = (): void => {
      clearTimeout(timer);
      stream.off('data', onData);
      stream.off('close', onClose);
    };
    // registered after the Peer's own listener, so peer.stderr already holds the new text
    const onData = (): void => {
      if (!test(peer.stderr)) return;
      done();
      resolve(peer.stderr);
    };
    const onClose = (): void => {
      done();
      reject(new Error(`${peer.commandLine}: stderr ended without the expected text; stderr ${JSON.stringify(peer.stderr)}, stdout ${JSON.stringify(peer.output)}`));
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`${peer.commandLine}: stderr did not get the expected text within ${timeoutMs} ms; stderr ${JSON.stringify(peer.stderr)}, stdout ${JSON.stringify(peer.output)}`));
    }, timeoutMs);
    stream.on('data', onData);
    stream.once('close', onClose);
  });
}

/** The lines of a stderr text (each ended by LF); a last line without LF is kept as is. */
export function linesOf(text: string): string[] {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Resolves once the peer exited and its stdout and stderr were read to the end. */
export async function finished(peer: Peer, timeoutMs = 10_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  const signal = AbortSignal.timeout(timeoutMs);
  const closed = (stream: NodeJS.ReadableStream & { closed: boolean }) => (stream.closed ? undefined : once(stream, 'close', { signal }));
  try {
    const [result] = await Promise.all([
      Promise.race([peer.exited, once(signal, 'abort').then(() => Promise.reject(signal.reason))]),
      closed(peer.child.stdout),
      closed(peer.child.stderr),
    ]);
    return result;
  } catch (err) {
    throw new Error(`${peer.commandLine} did not finish within ${timeoutMs} ms (${String(err)}); stderr ${JSON.stringify(peer.stderr)}, stdout ${JSON.stringify(peer.output)}`);
  }
}

/** The fields of a status line `connect_errors=3 ep_errors=1 established=0 …`, or undefined. */
export function statusOf(line: string): Record<string, number> | undefined {
  if (!line.startsWith('connect_errors=')) return undefined;
  return Object.fromEntries(line.split(' ').map((field) => {
    const [name, value] = field.split('=');
    return [name as string, Number(value)];
  }));
}

/** The first status line (past or future) that passes `test`, as its fields. */
export async function status(peer: Peer, test: (fields: Record<string, number>) => boolean, timeoutMs = 10_000): Promise<Record<string, number>> {
  const line = await peer.line((l) => {
    const fields = statusOf(l);
    return fields !== undefined && test(fields);
  }, timeoutMs);
  return statusOf(line) as Record<string, number>;
}

/**
 * One line of nanocat --quoted output back to the message's bytes (as latin1 text). nanocat
 * writes `"`, then each byte: LF as \n, CR as \r, `\` and `"` escaped with `\`, other
 * printable ASCII as is, anything else as \xHH; then `"`.
 */
export function unquoteNanocat(line: string): string {
  if (line.length < 2 || !line.startsWith('"') || !line.endsWith('"')) throw new Error(`not a nanocat --quoted line: ${JSON.stringify(line)}`);
  const body = line.slice(1, -1);
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i] as string;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = body[++i];
    if (e === 'n') out += '\n';
    else if (e === 'r') out += '\r';
    else if (e === '\\' || e === '"') out += e;
    else if (e === 'x' && /^[0-9a-f]{2}$/i.test(body.slice(i + 1, i + 3))) {
      out += String.fromCharCode(parseInt(body.slice(i + 1, i + 3), 16));
      i += 2;
    } else throw new Error(`bad escape at ${i} in nanocat --quoted line ${JSON.stringify(line)}`);
  }
  return out;
}
