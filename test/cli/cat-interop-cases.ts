/**
 * `nanosp cat` against a real cat (nanocat or nngcat) for every pattern, nanosp cat binding
 * and connecting: both sides send awkward messages from files (quotes, backslashes, a tab,
 * NUL, DEL, UTF-8, CR, newlines) and print what they receive. What nanosp cat prints is
 * compared byte for byte with what nanocat prints for the same message in the same format
 * (each of the five formats turns up on each side), and what the peer prints shows that
 * nanosp cat's message arrived intact. Called by one test file per peer so that they run in
 * parallel.
 *
 * Following spec/peers.md: nngcat dials with --async (it gives up at once when nobody
 * listens), repeats only in whole seconds, needs --subscribe '' and --pair0, and has no BUS;
 * PUB and SURVEYOR repeat (-i) because a message sent before the peer is attached is lost.
 * PAIR v1 (nanosp cat --pair1 against nngcat --pair1) and nngcat's name for PAIR v0
 * (--pair0) are cases for nngcat alone: nanomsg has no PAIR v1, and its table never gets them.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { EchoFormat } from '../../src/cli/cat-options.js';
import type { SocketType } from '../../src/index.js';
import { CATS, type Cat } from '../helpers/cat.js';
import { whilePeerRuns } from '../helpers/interop.js';
import { describePeer, freePort, type Peer } from '../helpers/peers.js';
import { dialed, exitOf, expectPrintedRepeats, hexOf, listening, printed, reference, startNanospCat, startRaw, useTempDir } from './cat-helpers.js';

type Format = Exclude<EchoFormat, 'no'>;
type Side = 'binds' | 'connects';
const SIDES: readonly Side[] = ['binds', 'connects'];

/** A cat from test/helpers/cat.ts, with how it dials and prints in these tests. */
export interface PeerCat extends Omit<Cat, 'connect'> {
  readonly connect: readonly string[];
  /** The format the peer prints in, by nanosp cat's side. */
  readonly prints: Readonly<Record<Side, Format>>;
}

function cat(command: Cat['command']): Cat {
  return CATS.find((c) => c.command === command) as Cat;
}

export const NANOCAT: PeerCat = { ...cat('nanocat'), connect: [cat('nanocat').connect], prints: { binds: 'quoted', connects: 'hex' } };

export const NNGCAT: PeerCat = {
  ...cat('nngcat'),
  // PAIR v1 for the cases below that are nngcat's alone (nngcat's --pair is v1 too, but says so)
  type: { ...cat('nngcat').type, pair1: ['--pair1'] },
  // nngcat gives up at once when nobody listens yet
  connect: ['--async', cat('nngcat').connect],
  // nngcat's quoted form writes a tab as \t; its hex form is nanocat's
  prints: { binds: 'hex', connects: 'hex' },
};

/** What nanosp cat sends, and what the peer sends. */
export const FROM_NANOSP = Buffer.from('nanosp "A" \\ tab\t nul\0 del\x7f é€ cr\r\nsecond line\n', 'utf8');
export const FROM_PEER = Buffer.concat([Buffer.from('peer \'B\' "q" \\\\ '), Buffer.from([0x01, 0x1f, 0x80, 0xff]), Buffer.from(' 😀\n', 'utf8')]);

interface Case {
  /** nanosp cat's socket, its arguments (format and data), and what it prints. */
  readonly ours: SocketType;
  /** The flag that opens nanosp cat's socket, when it is not `--${ours}`. */
  readonly ourFlag?: string;
  /** Only with these peers (PAIR v1 and nngcat's names: nngcat alone); every peer when undefined. */
  readonly peers?: readonly PeerCat['command'][];
  readonly ourArgs: (files: Files) => string[];
  /** The format nanosp cat prints in, by its side; undefined when it prints nothing. */
  readonly ourFormat?: Readonly<Record<Side, Format>>;
  /** The peer's socket and arguments (without its format); whether it prints. */
  readonly theirs: SocketType;
  readonly theirArgs: (files: Files, peer: PeerCat) => string[];
  readonly theyPrint: boolean;
  /** nanosp cat ends by itself with status 0 after one exchange (PUSH, REQ). */
  readonly oneShot?: boolean;
  readonly title: string;
}

interface Files {
  readonly ours: string;
  readonly theirs: string;
}

const FORMAT_FLAG: Readonly<Record<Format, string>> = { raw: '--raw', ascii: '-A', quoted: '-Q', msgpack: '--msgpack', hex: '--hex' };

const CASES: readonly Case[] = [
  {
    title: 'PAIR: both send every interval and print what the other sends',
    ours: 'pair',
    ourArgs: (f) => ['-F', f.ours, '-i', '0.1'],
    ourFormat: { binds: 'quoted', connects: 'hex' },
    theirs: 'pair',
    theirArgs: (f, p) => ['-F', f.theirs, '-i', p.interval],
    theyPrint: true,
  },
  {
    title: "PUSH sends once, the peer's PULL prints it, and nanosp cat ends with status 0",
    ours: 'push',
    ourArgs: (f) => ['-F', f.ours],
    theirs: 'pull',
    theirArgs: () => [],
    theyPrint: true,
    oneShot: true,
  },
  {
    title: "PULL prints what the peer's PUSH sends",
    ours: 'pull',
    ourArgs: () => [],
    ourFormat: { binds: 'raw', connects: 'quoted' },
    theirs: 'push',
    theirArgs: (f, p) => ['-F', f.theirs, '-i', p.interval],
    theyPrint: false,
  },
  {
    title: "PUB sends every interval and the peer's SUB prints it",
    ours: 'pub',
    ourArgs: (f) => ['-F', f.ours, '-i', '0.1'],
    theirs: 'sub',
    theirArgs: () => [],
    theyPrint: true,
  },
  {
    title: "SUB (--subscribe the peer's prefix) prints what the peer's PUB sends",
    ours: 'sub',
    ourArgs: () => ['--subscribe', 'peer'],
    ourFormat: { binds: 'ascii', connects: 'msgpack' },
    theirs: 'pub',
    theirArgs: (f, p) => ['-F', f.theirs, '-i', p.interval],
    theyPrint: false,
  },
  {
    title: "REQ asks once, prints the peer's reply and ends with status 0; the peer's REP prints the request",
    ours: 'req',
    ourArgs: (f) => ['-F', f.ours],
    ourFormat: { binds: 'msgpack', connects: 'raw' },
    theirs: 'rep',
    theirArgs: (f) => ['-F', f.theirs],
    theyPrint: true,
    oneShot: true,
  },
  {
    title: "REP prints the peer's requests and answers each; the peer's REQ prints the replies",
    ours: 'rep',
    ourArgs: (f) => ['-F', f.ours],
    ourFormat: { binds: 'hex', connects: 'ascii' },
    theirs: 'req',
    theirArgs: (f, p) => ['-F', f.theirs, '-i', p.interval],
    theyPrint: true,
  },
  {
    title: "SURVEYOR surveys every interval and prints the responses; the peer's RESPONDENT prints the surveys",
    ours: 'surveyor',
    ourArgs: (f) => ['-F', f.ours, '-i', '0.2'],
    ourFormat: { binds: 'quoted', connects: 'raw' },
    theirs: 'respondent',
    theirArgs: (f) => ['-F', f.theirs],
    theyPrint: true,
  },
  {
    title: "RESPONDENT prints the peer's surveys and answers each; the peer's SURVEYOR prints the responses",
    ours: 'respondent',
    ourArgs: (f) => ['-F', f.ours],
    ourFormat: { binds: 'raw', connects: 'msgpack' },
    theirs: 'surveyor',
    theirArgs: (f, p) => ['-F', f.theirs, '-i', p.interval],
    theyPrint: true,
  },
  {
    title: 'PAIR v1 (--pair1): both send every interval and print what the other sends',
    ours: 'pair1',
    ourArgs: (f) => ['-F', f.ours, '-i', '0.1'],
    ourFormat: { binds: 'msgpack', connects: 'raw' },
    theirs: 'pair1',
    theirArgs: (f, p) => ['-F', f.theirs, '-i', p.interval],
    theyPrint: true,
    peers: ['nngcat'],
  },
  {
    title: "PAIR v1 without data prints what the peer's PAIR v1 sends",
    ours: 'pair1',
    ourArgs: () => [],
    ourFormat: { binds: 'ascii', connects: 'quoted' },
    theirs: 'pair1',
    theirArgs: (f, p) => ['-F', f.theirs, '-i', p.interval],
    theyPrint: false,
    peers: ['nngcat'],
  },
  {
    title: "PAIR v1 sends every interval and the peer's PAIR v1 prints it",
    ours: 'pair1',
    ourArgs: (f) => ['-F', f.ours, '-i', '0.1'],
    theirs: 'pair1',
    theirArgs: () => [],
    theyPrint: true,
    peers: ['nngcat'],
  },
  {
    title: "PAIR by nngcat's name (--pair0): both send every interval and print what the other sends",
    ours: 'pair',
    ourFlag: '--pair0',
    ourArgs: (f) => ['-F', f.ours, '-i', '0.1'],
    ourFormat: { binds: 'hex', connects: 'msgpack' },
    theirs: 'pair',
    theirArgs: (f, p) => ['-F', f.theirs, '-i', p.interval],
    theyPrint: true,
    peers: ['nngcat'],
  },
  {
    title: 'BUS: both send every interval and print what the other sends',
    ours: 'bus',
    ourArgs: (f) => ['-F', f.ours, '-i', '0.1'],
    ourFormat: { binds: 'hex', connects: 'ascii' },
    theirs: 'bus',
    theirArgs: (f, p) => ['-F', f.theirs, '-i', p.interval],
    theyPrint: true,
  },
];

/**
 * Start nanosp cat and the peer on a fresh loopback port, the peer once nanosp cat listens
 * or dials: nngcat's sending loop fails ("Cannot set recv timeout: Invalid argument") when
 * its first send waits longer than its --interval, as it would for a nanosp cat still
 * starting up.
 */
async function start(peer: PeerCat, side: Side, ourArgs: string[], theirArgs: string[]): Promise<{ cat: Peer; them: Peer }> {
  const port = await freePort();
  const url = `tcp://127.0.0.1:${port}`;
  if (side === 'binds') {
    const cat = startNanospCat([...ourArgs, '--bind', url]);
    await whilePeerRuns(cat, listening(port));
    const them = startRaw(peer.command, [...theirArgs, ...peer.connect, url]);
    return { cat, them };
  }
  // nanosp cat first, so that the peer does not wait for its start-up
  const cat = startNanospCat([...ourArgs, '--connect', url]);
  await whilePeerRuns(cat, dialed(port));
  const them = startRaw(peer.command, [...theirArgs, peer.bind, url]);
  return { cat, them };
}

/** The cases run against `peer`: nanocat never gets those for nngcat alone (PAIR v1 above all). */
export function casesFor(peer: PeerCat): readonly Case[] {
  return CASES.filter((c) => c.peers === undefined || c.peers.includes(peer.command));
}

export function defineInterop(peer: PeerCat): void {
  const temp = useTempDir();
  let files: Files = { ours: '', theirs: '' };
  beforeAll(() => {
    files = { ours: temp.file('from-nanosp.bin', FROM_NANOSP), theirs: temp.file('from-peer.bin', FROM_PEER) };
  });

  describePeer(peer.command, `nanosp cat with ${peer.command} (${peer.library}) over TCP`, () => {
    for (const side of SIDES) {
      describe(`nanosp cat ${side}`, () => {
        for (const c of casesFor(peer)) {
          const theirType = peer.type[c.theirs];
          if (!theirType) continue; // nngcat has no BUS
          it(c.title, async () => {
            const ourFormat = c.ourFormat?.[side];
            const theirFormat = peer.prints[side];
            const ourArgs = [c.ourFlag ?? `--${c.ours}`, ...c.ourArgs(files), ...(ourFormat ? [FORMAT_FLAG[ourFormat]] : [])];
            const theirArgs = [...theirType, ...c.theirArgs(files, peer), ...(c.theyPrint ? [FORMAT_FLAG[theirFormat]] : [])];
            const { cat, them } = await start(peer, side, ourArgs, theirArgs);

            const theyGet = c.theyPrint ? await reference(theirFormat, FROM_NANOSP) : undefined;
            const weGet = ourFormat ? await reference(ourFormat, FROM_PEER) : undefined;
            if (c.oneShot) {
              // nanosp cat ends by itself: wait for its end, then read all it printed
              if (theyGet) await expectPrintedRepeats(them, theyGet);
              expect(await exitOf(cat), `stderr ${JSON.stringify(cat.stderr)}`).toEqual({ code: 0, signal: null });
              expect(hexOf(printed(cat))).toBe(weGet ? hexOf(weGet) : '');
              // exactly one message each way
              if (theyGet) expect(hexOf(printed(them))).toBe(hexOf(theyGet));
            } else {
              const checks: Promise<unknown>[] = [];
              if (theyGet) checks.push(whilePeerRuns(cat, expectPrintedRepeats(them, theyGet)));
              if (weGet) checks.push(whilePeerRuns(them, expectPrintedRepeats(cat, weGet)));
              await Promise.all(checks);
            }
            expect(cat.stderr).toBe('');
          });
        }
      });
    }
  });
}
