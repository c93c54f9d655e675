/**
 * nanocat and nngcat as one table, so an interop test is written once and run against both:
 * each knows its flags for binding and connecting, its socket-type flags, and how often it can
 * repeat (nngcat's -i takes whole seconds only; spec/peers.md gotcha 2). nngcat has no BUS.
 * Also the loops that answer a repeating REQ or SURVEYOR, and survey until answered.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { SpError, type SpSocket, type SocketType } from '../../src/index.js';
import { freeTcpUrl, whilePeerRuns } from './interop.js';
import { freePort, startPeer, type Peer } from './peers.js';
import { next } from './sockets.js';

export interface Cat {
  readonly command: 'nanocat' | 'nngcat';
  /** Who builds it, for test names. */
  readonly library: string;
  readonly bind: string;
  readonly connect: string;
  /** The flags that open a socket of each type (the peer of a nanosp socket). */
  readonly type: Readonly<Partial<Record<SocketType, readonly string[]>>>;
  /** -i value for a sender that repeats until nanosp has it. */
  readonly interval: string;
}

export const CATS: readonly Cat[] = [
  {
    command: 'nanocat',
    library: 'libnanomsg 1.1.5',
    bind: '--bind',
    connect: '--connect',
    type: {
      pair: ['--pair'],
      push: ['--push'],
      pull: ['--pull'],
      pub: ['--pub'],
      sub: ['--sub'],
      req: ['--req'],
      rep: ['--rep'],
      surveyor: ['--surveyor'],
      respondent: ['--respondent'],
      bus: ['--bus'],
    },
    interval: '0.1',
  },
  {
    command: 'nngcat',
    library: 'NNG 1.5.2',
    bind: '--listen',
    connect: '--dial',
    // --pair is PAIR v1 in nngcat; nanomsg's PAIR is v0 (gotcha 5). SUB needs a subscription.
    // nngcat has no BUS at all (gotcha 6).
    type: {
      pair: ['--pair0'],
      push: ['--push0'],
      pull: ['--pull0'],
      pub: ['--pub0'],
      sub: ['--sub0', '--subscribe', ''],
      req: ['--req0'],
      rep: ['--rep0'],
      surveyor: ['--surveyor0'],
      respondent: ['--respondent0'],
    },
    interval: '1',
  },
];

export type Side = 'binds' | 'connects';
export const SIDES: readonly Side[] = ['binds', 'connects'];

/** The cat command line for a socket of `type` plus `args`. */
export function catArgs(cat: Cat, type: SocketType, args: readonly string[]): string[] {
  const flags = cat.type[type];
  if (!flags) throw new Error(`${cat.command} has no ${type} socket`);
  return [...flags, ...args];
}

/** Where a test binds: nanosp on `forNanosp()` (port 0 allowed), a cat on `forPeer()`. */
export interface Addresses {
  readonly name: string;
  forNanosp(): Promise<string>;
  forPeer(): Promise<string>;
}

export const TCP: Addresses = {
  name: 'TCP',
  forNanosp: () => Promise.resolve('tcp://127.0.0.1:0'),
  forPeer: freeTcpUrl,
};

/**
 * Join `sock` and a cat running a `type` socket with `args`: when nanosp binds, the cat
 * connects to the bound URL; when nanosp connects, the cat binds first. Resolves once nanosp
 * attached the pipe.
 */
export async function joinCat(cat: Cat, sock: SpSocket, side: Side, type: SocketType, args: readonly string[], where: Addresses): Promise<Peer> {
  const piped = next(sock, 'pipe', 10_000);
  piped.catch(() => {});
  let peer: Peer;
  if (side === 'binds') {
    const ep = await sock.bind(await where.forNanosp());
    peer = startPeer(cat.command, [...catArgs(cat, type, args), cat.connect, ep.url]);
  } else {
    const url = await where.forPeer();
    peer = startPeer(cat.command, [...catArgs(cat, type, args), cat.bind, url]);
    sock.connect(url);
  }
  await whilePeerRuns(peer, piped);
  return peer;
}

// ---- request/reply and survey loops (with the cats and with devices) ----------------------

/**
 * Answer every request (REP) or survey (RESPONDENT) on `sock` with `reply` until `done`
 * settles, and resolve with what was asked. A peer that repeats (-i) may ask again before
 * it sees the answer, or cancel a request whose answer is on its way, so every question is
 * answered, not just the first. Rejects if `done` does or a receive or send fails.
 */
export async function answerUntil(sock: SpSocket, reply: string, done: Promise<unknown>): Promise<string[]> {
  const asked: string[] = [];
  const stop = new AbortController();
  const serving = (async (): Promise<never> => {
    for (;;) {
      const body = await sock.recv({ timeout: -1, signal: stop.signal });
      asked.push(body.toString('utf8'));
      await sock.send(reply);
    }
  })();
  serving.catch(() => {}); // once stopped, the pending receive fails; that is expected
  try {
    await Promise.race([done, serving]);
    return asked;
  } finally {
    stop.abort();
  }
}

/**
 * Survey with `question` until a response arrives, and resolve with it. A survey reaches
 * only the respondents attached at that moment (a respondent still attaching on its side, or
 * behind a device that is, misses it, which is correct SP semantics), so when the survey's
 * deadline passes with no response (ETIMEDOUT) it is sent again, for up to `withinMs`.
 * Fails at once if `peer` exits.
 */
export async function surveyUntilAnswered(sur: SpSocket, question: string, peer: Peer, withinMs = 10_000): Promise<string> {
  const until = Date.now() + withinMs;
  for (;;) {
    await sur.send(question);
    try {
      return (await whilePeerRuns(peer, sur.recv({ timeout: -1 }))).toString('utf8');
    } catch (err) {
      const deadlinePassed = err instanceof SpError && err.code === 'ETIMEDOUT';
      if (!deadlinePassed || Date.now() + sur.options.surveyDeadline > until) throw err;
    }
  }
}

// ---- IPC addresses ---------------------------------------------------------------------------

let ipcDir: string | undefined;
let ipcCount = 0;

afterAll(() => {
  // a peer killed with SIGKILL leaves its socket file behind; the directory takes it away
  if (ipcDir) rmSync(ipcDir, { recursive: true, force: true });
  ipcDir = undefined;
});

/**
 * A fresh UNIX socket path, unique in this run, in a temporary directory removed after the
 * test file (short enough for sun_path: /tmp/nanosp-ipc-XXXXXX/NAME-N.ipc).
 */
export function uniqueIpcPath(name = 'sock'): string {
  ipcDir ??= mkdtempSync(join(tmpdir(), 'nanosp-ipc-'));
  return join(ipcDir, `${name}-${++ipcCount}.ipc`);
}

/** IPC: nanosp and the cats bind `ipc://` + a fresh path under os.tmpdir(). */
/** WebSocket on the root path: nanocat binds only `ws://iface:port`, without a path. */
export const WS: Addresses = {
  name: 'WebSocket',
  forNanosp: () => Promise.resolve('ws://127.0.0.1:0'),
  forPeer: async () => `ws://127.0.0.1:${await freePort()}`,
};

export const IPC: Addresses = {
  name: 'IPC',
  forNanosp: () => Promise.resolve(`ipc://${uniqueIpcPath('nanosp')}`),
  forPeer: () => Promise.resolve(`ipc://${uniqueIpcPath('peer')}`),
};
