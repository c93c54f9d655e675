/**
 * The options of `nanosp cat`: nanocat's table (libnanomsg 1.1.5, tools/nanocat.c) in the
 * same order, with the same names, short letters, argument names and groups, and the same
 * masks that decide which options conflict and which need others (a socket type and an
 * endpoint are required; -D needs a socket that sends; -Q needs one that receives; PUSH, PUB,
 * REQ and SURVEYOR need data). nanosp adds, in groups of their own after nanocat's, nngcat's
 * --pair0 (nanocat's --pair) and --pair1 (PAIR v1, which nanomsg does not have), and nngcat's
 * TLS options. The help descriptions are nanosp's own words.
 */
import type { SocketType } from '../index.js';

/** How received messages are printed (nanocat's echo formats, by its --format names). */
export type EchoFormat = 'no' | 'raw' | 'ascii' | 'quoted' | 'msgpack' | 'hex';

/** --format's values, in the order nanocat lists them when one is wrong. */
export const ECHO_FORMATS: readonly EchoFormat[] = ['no', 'raw', 'ascii', 'quoted', 'msgpack', 'hex'];

export interface CatOptions {
  /** -v adds one, -q takes one away; nanocat reads it nowhere, nanosp shows error details at 1+. */
  verbose: number;
  type: SocketType | undefined;
  bind: string[];
  connect: string[];
  /** Seconds as C floats; negative leaves the socket's default (wait for ever). */
  sendTimeout: number;
  recvTimeout: number;
  subscriptions: string[];
  socketName: string | undefined;
  /** Seconds to wait after binding and connecting, before the first send or receive. */
  delay: number;
  /** Seconds between sends; negative sends once. */
  interval: number;
  /** The message to send (--data or --file); undefined when neither was given. */
  data: Buffer | undefined;
  format: EchoFormat;
  tls: { cert?: Buffer; key?: Buffer; ca?: Buffer; insecure: boolean };
}

export function defaultOptions(): CatOptions {
  return {
    verbose: 0,
    type: undefined,
    bind: [],
    connect: [],
    sendTimeout: -1,
    recvTimeout: -1,
    subscriptions: [],
    socketName: undefined,
    delay: 0,
    interval: -1,
    data: undefined,
    format: 'no',
    tls: { insecure: false },
  };
}

// The masks: what an option provides, what it cannot be given with, and what it needs.
export const MASK_SOCK = 1;
export const MASK_WRITEABLE = 2;
export const MASK_READABLE = 4;
export const MASK_SOCK_SUB = 8;
export const MASK_DATA = 16;
export const MASK_ENDPOINT = 32;

const SOCK_WRITEABLE = MASK_SOCK | MASK_WRITEABLE;
const SOCK_READABLE = MASK_SOCK | MASK_READABLE;
const SOCK_READWRITE = SOCK_WRITEABLE | SOCK_READABLE;

interface OptionCommon {
  readonly long: string;
  readonly short?: string;
  /** Mask bits this option provides once given. */
  readonly sets: number;
  /** Mask bits that, already provided, make this option an error. */
  readonly conflicts: number;
  /** Mask bits that must all be provided by the end of the command line. */
  readonly requires: number;
  readonly group: string;
  /** The argument's name in the help (options that take one). */
  readonly metavar?: string;
  readonly description: string;
  /**
   * nanosp's socket types by nngcat's names (--pair0, --pair1): taken by their whole name only,
   * so that the abbreviations nanocat takes keep their meaning (--pa and --pai are --pair), and
   * named in none of the lists nanocat prints (its usage line, and the options that would
   * satisfy a requirement), so that nanocat's messages stay nanocat's byte for byte. --help
   * shows them in their own group.
   */
  readonly unlisted?: true;
}

/** One option: what it takes and what it does to the options being built. */
export type OptionDef = OptionCommon &
  (
    | { readonly kind: 'help' }
    | { readonly kind: 'flag'; apply(options: CatOptions): void }
    | { readonly kind: 'string'; apply(options: CatOptions, value: string): void }
    | { readonly kind: 'float'; apply(options: CatOptions, value: number): void }
    | { readonly kind: 'enum'; readonly items: readonly EchoFormat[]; apply(options: CatOptions, value: EchoFormat): void }
    | { readonly kind: 'file'; apply(options: CatOptions, contents: Buffer): void }
  );

/** An option that takes an argument. */
export function takesArgument(def: OptionDef): boolean {
  return def.kind !== 'help' && def.kind !== 'flag';
}

const NONE = 0;

function socketType(type: SocketType, sets: number, requires: number): OptionDef {
  return {
    long: type,
    kind: 'flag',
    sets,
    conflicts: MASK_SOCK,
    requires,
    group: 'Socket Types',
    description: `Open an NN_${type.toUpperCase()} socket`,
    apply: (o) => {
      o.type = type;
    },
  };
}

/** A socket type by nngcat's name: whole name only, left out of nanocat's lists. */
function nngcatType(long: string, type: SocketType, description: string): OptionDef {
  return {
    long,
    kind: 'flag',
    sets: SOCK_READWRITE,
    conflicts: MASK_SOCK,
    requires: NONE,
    group: 'Socket Types (nanosp, as nngcat names them)',
    description,
    unlisted: true,
    apply: (o) => {
      o.type = type;
    },
  };
}

function format(long: string, value: EchoFormat, description: string, short?: string): OptionDef {
  return {
    long,
    ...(short === undefined ? {} : { short }),
    kind: 'flag',
    sets: NONE,
    conflicts: NONE,
    requires: MASK_READABLE,
    group: 'Input Options',
    description,
    apply: (o) => {
      o.format = value;
    },
  };
}

function endpoint(long: string, list: 'bind' | 'connect', metavar: string, prefix: string, description: string, short?: string): OptionDef {
  return {
    long,
    ...(short === undefined ? {} : { short }),
    kind: 'string',
    sets: MASK_ENDPOINT,
    conflicts: NONE,
    requires: NONE,
    group: 'Socket Options',
    metavar,
    description,
    apply: (o, value) => {
      o[list].push(`${prefix}${value}`);
    },
  };
}

function tlsFile(long: string, key: 'cert' | 'key' | 'ca', description: string): OptionDef {
  return {
    long,
    kind: 'file',
    sets: NONE,
    conflicts: NONE,
    requires: NONE,
    group: 'TLS Options (nanosp, as nngcat names them)',
    metavar: 'FILE',
    description,
    apply: (o, contents) => {
      o.tls[key] = contents;
    },
  };
}

/** The first line of the help after the usage. */
export const SHORT_DESCRIPTION = 'nanocat, the nanomsg command-line peer, served by nanosp';

/** The groups that must appear on every command line: a socket type and an endpoint. */
export const REQUIRED_MASK = MASK_SOCK | MASK_ENDPOINT;

export const OPTIONS: readonly OptionDef[] = [
  // Generic
  {
    long: 'verbose',
    short: 'v',
    kind: 'flag',
    sets: NONE,
    conflicts: NONE,
    requires: NONE,
    group: 'Generic',
    description: 'More output (nanosp: details of errors)',
    apply: (o) => {
      o.verbose++;
    },
  },
  {
    long: 'silent',
    short: 'q',
    kind: 'flag',
    sets: NONE,
    conflicts: NONE,
    requires: NONE,
    group: 'Generic',
    description: 'Less output',
    apply: (o) => {
      o.verbose--;
    },
  },
  { long: 'help', short: 'h', kind: 'help', sets: NONE, conflicts: NONE, requires: NONE, group: 'Generic', description: 'Show this text and exit' },

  // Socket types
  socketType('push', SOCK_WRITEABLE, MASK_DATA),
  socketType('pull', SOCK_READABLE, NONE),
  socketType('pub', SOCK_WRITEABLE, MASK_DATA),
  socketType('sub', SOCK_READABLE | MASK_SOCK_SUB, NONE),
  socketType('req', SOCK_READWRITE, MASK_DATA),
  socketType('rep', SOCK_READWRITE, NONE),
  socketType('surveyor', SOCK_READWRITE, MASK_DATA),
  socketType('respondent', SOCK_READWRITE, NONE),
  socketType('bus', SOCK_READWRITE, NONE),
  socketType('pair', SOCK_READWRITE, NONE),

  // Socket options
  endpoint('bind', 'bind', 'ADDR', '', 'Listen on ADDR (repeatable)'),
  endpoint('connect', 'connect', 'ADDR', '', 'Dial ADDR, reconnecting as needed (repeatable)'),
  endpoint('bind-ipc', 'bind', 'PATH', 'ipc://', 'Listen on "ipc://PATH"', 'X'),
  endpoint('connect-ipc', 'connect', 'PATH', 'ipc://', 'Dial "ipc://PATH"', 'x'),
  endpoint('bind-local', 'bind', 'PORT', 'tcp://127.0.0.1:', 'Listen on "tcp://127.0.0.1:PORT"', 'L'),
  endpoint('connect-local', 'connect', 'PORT', 'tcp://127.0.0.1:', 'Dial "tcp://127.0.0.1:PORT"', 'l'),
  {
    long: 'recv-timeout',
    kind: 'float',
    sets: NONE,
    conflicts: NONE,
    requires: MASK_READABLE,
    group: 'Socket Options',
    metavar: 'SEC',
    description: 'Give up a receive after SEC seconds',
    apply: (o, value) => {
      o.recvTimeout = value;
    },
  },
  {
    long: 'send-timeout',
    kind: 'float',
    sets: NONE,
    conflicts: NONE,
    requires: MASK_WRITEABLE,
    group: 'Socket Options',
    metavar: 'SEC',
    description: 'Give up a send after SEC seconds',
    apply: (o, value) => {
      o.sendTimeout = value;
    },
  },
  {
    long: 'socket-name',
    kind: 'string',
    sets: NONE,
    conflicts: NONE,
    requires: NONE,
    group: 'Socket Options',
    metavar: 'NAME',
    description: 'The socket name that statistics and error reports show',
    apply: (o, value) => {
      o.socketName = value;
    },
  },

  // SUB socket options
  {
    long: 'subscribe',
    kind: 'string',
    sets: NONE,
    conflicts: NONE,
    requires: MASK_SOCK_SUB,
    group: 'SUB Socket Options',
    metavar: 'PREFIX',
    description: 'Take only messages that start with PREFIX (repeatable); without any, a SUB socket takes every message.',
    apply: (o, value) => {
      o.subscriptions.push(value);
    },
  },

  // Input options (how received messages are printed)
  {
    long: 'format',
    kind: 'enum',
    items: ECHO_FORMATS,
    sets: NONE,
    conflicts: NONE,
    requires: MASK_READABLE,
    group: 'Input Options',
    metavar: 'FORMAT',
    description: 'Print received messages in FORMAT: no, raw, ascii, quoted, msgpack or hex (the options below)',
    apply: (o, value) => {
      o.format = value;
    },
  },
  format('raw', 'raw', 'Print the bytes of each message unchanged, with nothing between messages'),
  format('ascii', 'ascii', 'Print each message on a line, with a dot for every byte that is not printable ASCII', 'A'),
  format('quoted', 'quoted', 'Print each message on a line as a double-quoted C string literal', 'Q'),
  format('msgpack', 'msgpack', 'Print each message as a MessagePack bin value, for programs to read'),
  format('hex', 'hex', 'Print each message on a line as a double-quoted string of \\x escapes'),

  // Output options (what is sent, and when)
  {
    long: 'interval',
    short: 'i',
    kind: 'float',
    sets: NONE,
    conflicts: NONE,
    requires: MASK_WRITEABLE,
    group: 'Output Options',
    metavar: 'SEC',
    description: 'Send the message again every SEC seconds',
    apply: (o, value) => {
      o.interval = value;
    },
  },
  {
    long: 'delay',
    short: 'd',
    kind: 'float',
    sets: NONE,
    conflicts: NONE,
    requires: NONE,
    group: 'Output Options',
    metavar: 'SEC',
    description: 'Wait SEC seconds after connecting before the first send (so that a PUB has subscribers)',
    apply: (o, value) => {
      o.delay = value;
    },
  },
  {
    long: 'data',
    short: 'D',
    kind: 'string',
    sets: MASK_DATA,
    conflicts: MASK_DATA,
    requires: MASK_WRITEABLE,
    group: 'Output Options',
    metavar: 'DATA',
    description:
      'The message: PUB, PUSH, PAIR and BUS send it (once, or every --interval), REQ and SURVEYOR ask it and print the answers, REP and RESPONDENT answer every request with it.',
    apply: (o, value) => {
      o.data = Buffer.from(value, 'utf8');
    },
  },
  {
    long: 'file',
    short: 'F',
    kind: 'file',
    sets: MASK_DATA,
    conflicts: MASK_DATA,
    requires: MASK_WRITEABLE,
    group: 'Output Options',
    metavar: 'PATH',
    description: 'As --data, with the message read from the file PATH (standard input when PATH is -)',
    apply: (o, contents) => {
      o.data = contents;
    },
  },

  // nanosp: nngcat's names for PAIR v0 and PAIR v1
  nngcatType('pair0', 'pair', 'The same as --pair: PAIR v0, the PAIR of nanomsg and of nngcat --pair0'),
  nngcatType(
    'pair1',
    'pair1',
    "Open a PAIR v1 socket, as nngcat --pair1 does (one peer at a time). It talks to the PAIR v1 of NNG and mangos, not to nanomsg's PAIR (--pair).",
  ),

  // nanosp: TLS for tls+tcp:// and wss:// addresses
  tlsFile('cert', 'cert', "This side's certificate (PEM); a listener needs one"),
  tlsFile('key', 'key', "The certificate's private key (PEM); without --key it is read from the --cert file"),
  tlsFile('cacert', 'ca', 'Trust the certificate authorities in FILE (PEM) when verifying the peer'),
  {
    long: 'insecure',
    kind: 'flag',
    sets: NONE,
    conflicts: NONE,
    requires: NONE,
    group: 'TLS Options (nanosp, as nngcat names them)',
    description: "Do not verify the peer's certificate",
    apply: (o) => {
      o.tls.insecure = true;
    },
  },
];
