/**
 * Two hosts for the chaos tests (test/chaos): network namespaces joined by a veth pair, made
 * and removed by the test itself, with nanosp programs run inside them.
 *
 * Containment: the addresses come from 198.18.0.0/15 only (RFC 2544's benchmarking range),
 * and each namespace has nothing but its loopback and its end of the veth — no default route,
 * no bridge, no forwarding — so the only traffic is between the two hosts. Names carry a tag
 * per test file and this process's pid (`nspc-<tag>-<pid>-a`, veth `nc<tag><pid>a`), so runs
 * side by side never touch each other's; leftovers of a run that died (its pid is gone) are
 * removed before new hosts are made. The veth ends are made inside the namespaces (never in
 * the host's own), and deleting a namespace deletes its end, and the pair with it.
 */
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { startWithEnv, type DiagEnv } from './diag.js';
import { hasCommand, type Peer } from './peers.js';

const run = promisify(execFile);

export const CHAOS_INSTALL = 'apt-get install -y iproute2';

/** The /16 every chaos subnet comes from; each test file takes its own /24 inside. */
const RANGE = '198.18';

export interface Host {
  readonly ns: string;
  readonly dev: string;
  /** This host's address on the veth. */
  readonly address: string;
}

/** Run `ip`/`tc`, failing with the command and its stderr. */
async function command(file: string, args: readonly string[]): Promise<string> {
  try {
    return (await run(file, args)).stdout;
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr?.trim();
    throw new Error(`${file} ${args.join(' ')} failed: ${stderr || String(err)}`);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/** The names of the network namespaces there are. */
async function namespaces(): Promise<string[]> {
  // lines are `name` or `name (id: N)`
  return (await command('ip', ['netns', 'list'])).split('\n').map((line) => line.split(' ')[0] as string);
}

/** Remove the namespaces that a run with `tag` left behind when it died (its pid is gone). */
async function removeStale(tag: string): Promise<void> {
  const staleNs = new RegExp(`^nspc-${tag}-(\\d+)-[ab]$`);
  for (const ns of await namespaces()) {
    const pid = staleNs.exec(ns)?.[1];
    if (pid !== undefined && !alive(Number(pid))) await command('ip', ['netns', 'delete', ns]);
  }
}

/**
 * Hosts `a` (198.18.<subnet>.1) and `b` (198.18.<subnet>.2), joined by a veth pair. `tag`
 * (a–z, up to 3 letters) and `subnet` (1–254) are the test file's own.
 */
export class TwoHosts {
  private removed: Promise<void> | undefined;

  private constructor(
    readonly a: Host,
    readonly b: Host,
  ) {}

  static async create(tag: string, subnet: number): Promise<TwoHosts> {
    if (!/^[a-z]{1,3}$/.test(tag) || !(subnet >= 1 && subnet <= 254)) throw new Error(`bad chaos host tag ${tag} or subnet ${subnet}`);
    await removeStale(tag);
    const host = (side: 'a' | 'b', last: number): Host => ({
      ns: `nspc-${tag}-${process.pid}-${side}`,
      dev: `nc${tag}${process.pid}${side}`,
      address: `${RANGE}.${subnet}.${last}`,
    });
    const hosts = new TwoHosts(host('a', 1), host('b', 2));
    try {
      await hosts.build();
    } catch (err) {
      await hosts.remove();
      throw err;
    }
    return hosts;
  }

  private async build(): Promise<void> {
    const { a, b } = this;
    await command('ip', ['netns', 'add', a.ns]);
    await command('ip', ['netns', 'add', b.ns]);
    await command('ip', ['link', 'add', a.dev, 'netns', a.ns, 'type', 'veth', 'peer', 'name', b.dev, 'netns', b.ns]);
    for (const h of [a, b]) {
      await command('ip', ['-n', h.ns, 'addr', 'add', `${h.address}/24`, 'dev', h.dev]);
      await command('ip', ['-n', h.ns, 'link', 'set', 'lo', 'up']);
      await command('ip', ['-n', h.ns, 'link', 'set', h.dev, 'up']);
    }
  }

  /** Set the namespace's own sysctls (`net.ipv4.tcp_*` are per namespace). */
  async sysctl(host: Host, settings: Record<string, number>): Promise<void> {
    const pairs = Object.entries(settings).map(([name, value]) => `${name}=${value}`);
    await command('ip', ['netns', 'exec', host.ns, 'sysctl', '-q', '-w', ...pairs]);
  }

  /** Take the host's link down: its routes go, its peer loses carrier, nothing passes. */
  async linkDown(host: Host): Promise<void> {
    await command('ip', ['-n', host.ns, 'link', 'set', host.dev, 'down']);
  }

  async linkUp(host: Host): Promise<void> {
    await command('ip', ['-n', host.ns, 'link', 'set', host.dev, 'up']);
  }

  /** A partition of `ms` (a real wait: the length of the outage is the point). */
  async partition(host: Host, ms: number): Promise<void> {
    await this.linkDown(host);
    try {
      await new Promise((resolve) => setTimeout(resolve, ms));
    } finally {
      await this.linkUp(host);
    }
  }

  /** Limit what `host` sends to `rate` (tc's units: `4mbit`) with a token bucket filter. */
  async limitRate(host: Host, rate: string): Promise<void> {
    await command('tc', ['-n', host.ns, 'qdisc', 'replace', 'dev', host.dev, 'root', 'tbf', 'rate', rate, 'burst', '10kb', 'latency', '50ms']);
  }

  /**
   * Run a TypeScript file under tsx in `host`'s namespace, as a peer (killed after the test).
   * `env` then `ip netns exec` exec into node, so the peer's pid is node's: SIGKILL hits it.
   */
  startNode(host: Host, file: string, args: readonly string[], env: DiagEnv = {}): Peer {
    return startWithEnv('ip', ['netns', 'exec', host.ns, process.execPath, '--import', 'tsx', file, ...args], env);
  }

  /** Delete both namespaces (and so the veth pair); safe to call more than once. */
  remove(): Promise<void> {
    this.removed ??= (async () => {
      const existing = await namespaces();
      for (const h of [this.a, this.b]) {
        if (existing.includes(h.ns)) await command('ip', ['netns', 'delete', h.ns]);
      }
    })();
    return this.removed;
  }
}

/**
 * In a describe block: two hosts made before its tests (then `prepare`d) and removed after
 * them, even when a test fails. Returns what gives them to a test.
 */
export function hostsForBlock(tag: string, subnet: number, prepare?: (hosts: TwoHosts) => Promise<void>): () => TwoHosts {
  let hosts: TwoHosts | undefined;
  beforeAll(async () => {
    hosts = await TwoHosts.create(tag, subnet);
    await prepare?.(hosts);
  });
  afterAll(async () => {
    await hosts?.remove();
  });
  return () => {
    if (!hosts) throw new Error(`the chaos hosts ${tag} were not made`);
    return hosts;
  };
}

let verdict: string | undefined | null = null;

/** Why the namespace cases cannot run here, or undefined when they can (checked once). */
export function chaosUnsupported(): string | undefined {
  if (verdict !== null) return verdict;
  verdict = undefined;
  if (process.platform !== 'linux') verdict = 'network namespaces need Linux';
  else if (process.getuid?.() !== 0) verdict = 'it is not running as root (network namespaces, veth pairs and tc need root)';
  else if (!hasCommand('ip') || !hasCommand('tc')) verdict = "iproute2's ip and tc are not installed";
  else {
    // root in a container without CAP_SYS_ADMIN cannot make namespaces: find out now
    const probe = `nspc-probe-${process.pid}`;
    const made = spawnSync('ip', ['netns', 'add', probe], { encoding: 'utf8' });
    if (made.status !== 0) verdict = `ip netns add fails here: ${made.stderr.trim()}`;
    else spawnSync('ip', ['netns', 'delete', probe]);
  }
  return verdict;
}

/**
 * `describe` for the cases that need two hosts. Without root and iproute2: under CI one
 * failing test that says why; elsewhere the block is skipped with a notice.
 */
export function describeChaos(name: string, body: () => void): void {
  const why = chaosUnsupported();
  if (why === undefined) {
    describe(name, body);
  } else if (process.env.CI) {
    describe(name, () => {
      it('needs root and iproute2', () => {
        throw new Error(`the chaos suite cannot run: ${why}; CI must run it as root with iproute2 (${CHAOS_INSTALL})`);
      });
    });
  } else {
    console.warn(`[nanosp tests] skipping "${name}": ${why}; run the tests as root with iproute2 (${CHAOS_INSTALL})`);
    describe.skip(name, body);
  }
}
