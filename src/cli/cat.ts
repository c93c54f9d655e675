/**
 * `nanosp cat`: nanocat (libnanomsg 1.1.5) on nanosp. The same options, messages, output
 * formats and exit statuses: 0 when the work is done (a PUSH sent, a REQ got its reply, a
 * receive timed out), 1 for a bad command line, 2 for a --file that cannot be read, 3 when
 * the socket cannot be set up, bound, connected, or a send or receive fails
 * ("Can't bind: Address already in use"). nanosp's transports come with the address
 * (tls+tcp://, and whatever else nanosp serves); --cert, --key, --cacert and --insecure set
 * the socket's TLS options as nngcat's do, and --pair1 opens a PAIR v1 socket as nngcat's does
 * (--pair0 is --pair).
 *
 * nanocat prints only the C library's text for a failure; with -v, or for an address nanomsg
 * has no transport for, nanosp adds a line that says what exactly was wrong.
 */
import { socket, SpError, strerror, type SpSocket, type TlsOptions } from '../index.js';
import { isErrnoName } from '../sp/errors.js';
import { formatMessage } from './cat-format.js';
import { CatFailure, millis, runLoop, type CatIo } from './cat-loops.js';
import type { CatOptions } from './cat-options.js';
import { parseCatArgs } from './cat-parse.js';

/** The name `nanosp cat` gives itself where nanocat prints its own. */
export const CAT_PROG = 'nanosp cat';

/** The status when standard output went away (nanocat dies of SIGPIPE: a shell shows 141). */
export const STDOUT_CLOSED = 141;

/** Schemes libnanomsg 1.1.5 knows; for the others nanosp always explains a failure. */
const NANOMSG_SCHEMES = ['tcp', 'ipc', 'inproc', 'ws'];

export interface CatStreams {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
}

/** A step of setting the socket up failed: "Can't <what>", then status 3. */
class SetupFailure extends Error {
  constructor(
    readonly what: string,
    readonly error: unknown,
    readonly url?: string,
  ) {
    super(`Can't ${what}`);
  }
}

function step<T>(what: string, work: () => T, url?: string): T {
  try {
    return work();
  } catch (err) {
    throw new SetupFailure(what, err, url);
  }
}

function reason(err: unknown): string {
  if (err instanceof SpError) return strerror(err.code);
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && isErrnoName(code)) return strerror(code);
  return err instanceof Error ? err.message : String(err);
}

function tlsOptions(options: CatOptions): TlsOptions | undefined {
  const { cert, key, ca, insecure } = options.tls;
  if (cert === undefined && key === undefined && ca === undefined && !insecure) return undefined;
  const tls: TlsOptions = {};
  if (cert !== undefined) tls.cert = cert;
  // nngcat reads the key from the certificate's file when --key is not given
  const ownKey = key ?? cert;
  if (ownKey !== undefined) tls.key = ownKey;
  if (ca !== undefined) tls.ca = ca;
  if (insecure) tls.rejectUnauthorized = false;
  return tls;
}

/** Make the socket and set it up as nanocat does, in nanocat's order. */
async function setUp(options: CatOptions): Promise<SpSocket> {
  const type = options.type;
  // the parser refuses a command line without a socket type
  if (type === undefined) throw new SetupFailure('create socket', new SpError('EINVAL', 'no socket type was given'));
  const sock = step('create socket', () => socket(type));
  try {
    if (options.sendTimeout >= 0) step('set send timeout', () => sock.setOption('sendTimeout', millis(options.sendTimeout)));
    if (options.recvTimeout >= 0) step('set recv timeout', () => sock.setOption('recvTimeout', millis(options.recvTimeout)));
    if (options.socketName !== undefined) {
      const name = options.socketName;
      step('set socket name', () => sock.setOption('socketName', name));
    }
    const tls = tlsOptions(options);
    if (tls) step('set TLS options', () => sock.setOption('tls', tls));
    if (sock.type === 'sub') {
      const prefixes = options.subscriptions.length > 0 ? options.subscriptions : [''];
      for (const prefix of prefixes) step('subscribe', () => sock.subscribe(prefix));
    }
    for (const url of options.bind) {
      try {
        await sock.bind(url);
      } catch (err) {
        throw new SetupFailure('bind', err, url);
      }
    }
    for (const url of options.connect) step('connect', () => sock.connect(url), url);
  } catch (err) {
    await closeNow(sock);
    throw err;
  }
  return sock;
}

async function closeNow(sock: SpSocket): Promise<void> {
  if (sock.closed) return;
  try {
    sock.setOption('linger', 0);
  } catch {
    // closing anyway
  }
  await sock.close();
}

function nanomsgKnows(url: string | undefined): boolean {
  if (url === undefined) return true;
  const sep = url.indexOf('://');
  return sep < 0 || NANOMSG_SCHEMES.includes(url.slice(0, sep));
}

export async function cat(argv: readonly string[], streams: CatStreams = process): Promise<number> {
  const parsed = parseCatArgs(argv, CAT_PROG);
  if (!parsed.ok) {
    if (parsed.stdout) streams.stdout.write(parsed.stdout);
    if (parsed.stderr) streams.stderr.write(parsed.stderr);
    return parsed.code;
  }
  const options = parsed.options;

  const fail = (what: string, err: unknown, url?: string): number => {
    let text = `${what}: ${reason(err)}\n`;
    if (err instanceof SpError && (options.verbose > 0 || !nanomsgKnows(url))) text += `${CAT_PROG}: ${err.message}\n`;
    streams.stderr.write(text);
    return 3;
  };

  let sock: SpSocket;
  try {
    sock = await setUp(options);
  } catch (err) {
    if (err instanceof SetupFailure) return fail(err.message, err.error, err.url);
    return fail(`${CAT_PROG}: unexpected failure`, err);
  }

  // standard output gone (a closed pipe): stop at once, quietly, as nanocat dies of SIGPIPE
  const stop = new AbortController();
  const onOutputError = () => {
    stop.abort();
    void closeNow(sock);
  };
  streams.stdout.on('error', onOutputError);
  const io: CatIo = {
    print: (body) => {
      if (stop.signal.aborted) return;
      const bytes = formatMessage(options.format, body);
      if (bytes.length > 0) streams.stdout.write(bytes);
    },
    warn: (text) => {
      streams.stderr.write(text);
    },
    signal: stop.signal,
  };

  try {
    const delay = millis(options.delay);
    if (delay > 0) await new Promise<void>((resolve) => setTimeout(resolve, delay));
    await runLoop(sock, options, io);
  } catch (err) {
    if (stop.signal.aborted) return STDOUT_CLOSED;
    await closeNow(sock);
    if (err instanceof CatFailure) return fail(err.message, err.error);
    return fail(`${CAT_PROG}: unexpected failure`, err);
  } finally {
    streams.stdout.off('error', onOutputError);
  }
  await sock.close();
  return stop.signal.aborted ? STDOUT_CLOSED : 0;
}
