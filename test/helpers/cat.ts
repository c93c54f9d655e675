/**
 * nanocat and nngcat as one table, so an interop test is written once and run against both:
 * each knows its flags for binding and connecting, its socket-type flags, and how often it can
 * repeat (nngcat's -i takes whole seconds only; spec/peers.md gotcha 2).
 */
import type { SpSocket, SocketType } from '../../src/index.js';
import { freeTcpUrl, whilePeerRuns } from './interop.js';
import { startPeer, type Peer } from './peers.js';
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
    type: { pair: ['--pair'], push: ['--push'], pull: ['--pull'], pub: ['--pub'], sub: ['--sub'] },
    interval: '0.1',
  },
  {
    command: 'nngcat',
    library: 'NNG 1.5.2',
    bind: '--listen',
    connect: '--dial',
    // --pair is PAIR v1 in nngcat; nanomsg's PAIR is v0 (gotcha 5). SUB needs a subscription.
    type: { pair: ['--pair0'], push: ['--push0'], pull: ['--pull0'], pub: ['--pub0'], sub: ['--sub0', '--subscribe', ''] },
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
