/**
 * The arguments of the `nanosp stat` views that serve over HTTP (`--prometheus HOST:PORT`,
 * `--http HOST:PORT`): where to listen, the one ESTP <url> to bind, `--stale-after MS`, a
 * whole-number limit of their own (`--max-series`, `--max-sources`) and `--duration SECONDS`.
 */
import { parseMetricsAddress } from '../diag/metrics-server.js';
import { numberFlag, type ParsedArgs } from './args.js';

export interface ServeArgs {
  /** HOST:PORT as given. */
  address: string;
  listen: { host: string | undefined; port: number };
  url: string;
  staleAfterMs: number | undefined;
  limit: number | undefined;
  duration: number | undefined;
}

export interface ServeFlags {
  /** The view's flag: 'prometheus', 'http'. */
  flag: string;
  /** An address to show when HOST:PORT is missing. */
  example: string;
  /** The view's whole-number limit: 'max-series', 'max-sources'. */
  limit: string;
  /** Flags of other views, refused. */
  refused: readonly string[];
}

/** The view's arguments, or what is wrong with them (for the usage). */
export function serveArgs(args: ParsedArgs, flags: ServeFlags): ServeArgs | string {
  const address = args.flags.get(flags.flag);
  if (typeof address !== 'string' || address === '') return `--${flags.flag} needs HOST:PORT, e.g. ${flags.example}`;
  let listen: ServeArgs['listen'];
  try {
    listen = parseMetricsAddress(address);
  } catch (err) {
    return `--${flags.flag} ${JSON.stringify(address)}: ${(err as Error).message}`;
  }
  const url = args.positionals[0];
  if (!url || args.positionals.length > 1) return url ? `one <url>, got ${args.positionals.length}` : 'the ESTP <url> to bind is missing';
  for (const other of flags.refused) if (args.flags.has(other)) return `--${other} does not go with --${flags.flag}`;
  try {
    const limit = numberFlag(args, flags.limit, undefined);
    if (limit !== undefined && !Number.isInteger(limit)) return `--${flags.limit} needs a whole number, got ${limit}`;
    return { address, listen, url, limit, staleAfterMs: numberFlag(args, 'stale-after', undefined), duration: numberFlag(args, 'duration', undefined) };
  } catch (err) {
    return (err as Error).message;
  }
}

/** `http://host:port{path}` as a browser takes it: an IPv6 host in brackets, every interface as 0.0.0.0. */
export function httpUrl(host: string | undefined, port: number, path: string): string {
  return `http://${host === undefined ? '0.0.0.0' : host.includes(':') ? `[${host}]` : host}:${port}${path}`;
}
