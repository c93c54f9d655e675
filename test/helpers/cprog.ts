/**
 * Small C peers built from test/interop/c/*.c against the real libraries: compiled with gcc
 * once per test file (the first test that needs one waits for gcc; the rest reuse the
 * binary) into a temporary directory removed after the file's tests, and run like any other
 * peer with startPeer (killed after each test). When gcc or the library's header is missing
 * the tests are skipped with a notice, or fail under CI, exactly as describePeer does.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, it } from 'vitest';
import { hasCommand, PEER_INSTALL, startPeer, type Peer } from './peers.js';

export interface CProgram {
  /** The binary's name (usually the source's name without `.c`). */
  readonly name: string;
  readonly source: string;
  /** The header that must be installed to build it. */
  readonly header: string;
  /** Compiler and linker flags. Never -lnanomsg and -lnng together: libnng also exports nn_* symbols. */
  readonly libs: readonly string[];
}

function cSource(name: string): string {
  return fileURLToPath(new URL(`../interop/c/${name}.c`, import.meta.url));
}

/** A raw REP/REQ or RESPONDENT/SURVEYOR device on libnanomsg's nn_device (see its header comment). */
export const NN_DEVICE: CProgram = {
  name: 'nn_device',
  source: cSource('nn_device'),
  header: '/usr/include/nanomsg/nn.h',
  libs: ['-lnanomsg'],
};

/**
 * An NNG REQ client with one thread per context (see its header comment):
 * `nng_req_ctx <url> <contexts> <rounds> [prefix]` prints `done ok=N bad=N elapsed_ms=N`
 * and exits 0 only when every reply was `prefix` + its request.
 */
export const NNG_REQ_CTX: CProgram = {
  name: 'nng_req_ctx',
  source: cSource('nng_req_ctx'),
  header: '/usr/include/nng/nng.h',
  libs: ['-lnng', '-lpthread'],
};

/**
 * An NNG REP server with one thread per context (see its header comment):
 * `nng_rep_ctx <url> <contexts> [delay-ms] [prefix]` prints `ready` once listening and
 * `served <context#> <request>` per answer; a request starting `sleep=<ms> ` waits <ms>.
 */
export const NNG_REP_CTX: CProgram = {
  name: 'nng_rep_ctx',
  source: cSource('nng_rep_ctx'),
  header: '/usr/include/nng/nng.h',
  libs: ['-lnng', '-lpthread'],
};

/**
 * An NNG polyamorous PAIR v1 echo peer (see its header comment):
 * `nng_pair1_poly listen|dial <url> <count>` prints `ready` once listening (or once the
 * background dial started), answers each message on the pipe it came in on with `echo:` + the
 * body, prints `served <pipe-id> <body>`, and exits 0 after <count> messages (0: never).
 */
export const NNG_PAIR1_POLY: CProgram = {
  name: 'nng_pair1_poly',
  source: cSource('nng_pair1_poly'),
  header: '/usr/include/nng/protocol/pair1/pair.h',
  libs: ['-lnng', '-lpthread'],
};

/**
 * A PAIR that echoes every message, of any size (nn_echo.c), on libnanomsg; NNG_ECHO is the
 * same source on libnng's nanomsg compatibility layer.
 */
export const NN_ECHO: CProgram = {
  name: 'nn_echo',
  source: cSource('nn_echo'),
  header: '/usr/include/nanomsg/nn.h',
  libs: ['-lnanomsg'],
};

export const NNG_ECHO: CProgram = {
  name: 'nng_echo',
  source: cSource('nn_echo'),
  header: '/usr/include/nng/compat/nanomsg/nn.h',
  libs: ['-I/usr/include/nng/compat', '-lnng', '-lpthread'],
};

/** What is missing to build `program`, or undefined when gcc and the header are there. */
function missing(program: CProgram): string | undefined {
  if (!hasCommand('gcc')) return 'gcc is not installed';
  if (!existsSync(program.header)) return `${program.header} is not installed`;
  return undefined;
}

const INSTALL = `apt-get install -y gcc && ${PEER_INSTALL}`;

/**
 * `describe` for tests that run `program`. When it cannot be built: under CI one failing test
 * that says what to install; elsewhere the block is skipped with a notice.
 */
export function describeC(program: CProgram, name: string, body: () => void): void {
  const lack = missing(program);
  if (lack === undefined) {
    describe(name, body);
  } else if (process.env.CI) {
    describe(name, () => {
      it(`needs to build ${program.name}`, () => {
        throw new Error(`${lack}, so ${program.name}.c cannot be built; CI must run: ${INSTALL}`);
      });
    });
  } else {
    console.warn(`[nanosp tests] skipping "${name}": ${lack}, so ${program.name}.c cannot be built (${INSTALL})`);
    describe.skip(name, body);
  }
}

let buildDir: string | undefined;
const builds = new Map<string, Promise<string>>();

function compile(program: CProgram): Promise<string> {
  buildDir ??= mkdtempSync(join(tmpdir(), 'nanosp-c-'));
  const out = join(buildDir, program.name);
  const args = ['-Wall', '-Wextra', '-O1', program.source, '-o', out, ...program.libs];
  return new Promise((resolve, reject) => {
    execFile('gcc', args, (err, _stdout, stderr) => {
      if (err) reject(new Error(`gcc ${args.join(' ')} failed: ${err.message}\n${stderr}`));
      else resolve(out);
    });
  });
}

afterAll(async () => {
  // the peers were killed after each test; wait for builds still running before removing them
  await Promise.allSettled(builds.values());
  builds.clear();
  if (buildDir !== undefined) rmSync(buildDir, { recursive: true, force: true });
  buildDir = undefined;
});

/** The path of `program`'s binary, compiled on first use in this process. */
export function buildC(program: CProgram): Promise<string> {
  let built = builds.get(program.name);
  if (!built) {
    built = compile(program);
    builds.set(program.name, built);
  }
  return built;
}

/** Build `program` if needed and start it with `args`; it is killed after the current test. */
export async function startC(program: CProgram, args: readonly string[]): Promise<Peer> {
  return startPeer(await buildC(program), [...args]);
}
