/**
 * `nanosp cat`'s command line (src/cli/cat-parse.ts over cat-options.ts): what each option
 * sets, nanocat's reading rules (unambiguous prefixes, bundled short options, attached and
 * "=" arguments, "--" and "-" skipped, C floats), and every refusal with nanocat's message
 * and status. Where nanocat is installed, each refusal is also run through the real nanocat
 * and its stderr and status must be the parser's, byte for byte (with nanocat's own name).
 */
import { describe, expect, it } from 'vitest';
import { helpText, parseCatArgs, parseCFloat } from '../../src/cli/cat-parse.js';
import type { CatOptions } from '../../src/cli/cat-options.js';
import { describePeer } from '../helpers/peers.js';
import { exitOf, startRaw, useTempDir } from './cat-helpers.js';

const PROG = 'nanosp cat';
const URL = 'tcp://127.0.0.1:5555';

function parse(...argv: string[]): CatOptions {
  const result = parseCatArgs(argv, PROG);
  if (!result.ok) throw new Error(`refused (${result.code}): ${result.stderr}`);
  return result.options;
}

function refuse(...argv: string[]): { code: number; stderr: string; stdout: string } {
  const result = parseCatArgs(argv, PROG);
  if (result.ok) throw new Error(`accepted: ${argv.join(' ')}`);
  return { code: result.code, stderr: result.stderr, stdout: result.stdout };
}

const temp = useTempDir();

describe('nanosp cat options: what they set', () => {
  it('defaults: no output, send once, no timeouts, nothing to send', () => {
    expect(parse('--pull', '--bind', URL)).toEqual({
      verbose: 0,
      type: 'pull',
      bind: [URL],
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
    });
  });

  it('the ten socket types by their names and by any unambiguous prefix', () => {
    const types = ['push', 'pull', 'pub', 'sub', 'req', 'rep', 'surveyor', 'respondent', 'bus', 'pair'] as const;
    for (const type of types) {
      const needsData = ['push', 'pub', 'req', 'surveyor'].includes(type);
      expect(parse(`--${type}`, '--bind', URL, ...(needsData ? ['-D', 'x'] : [])).type).toBe(type);
    }
    expect(parse('--surv', '-D', 'q', '--bind', URL).type).toBe('surveyor');
    expect(parse('--resp', '--bind', URL).type).toBe('respondent');
    expect(parse('--pa', '--bind', URL).type).toBe('pair');
    expect(parse('--bu', '--bind', URL).type).toBe('bus');
    expect(parse('--pus', '-D', 'x', '--bind', URL).type).toBe('push');
  });

  it("nngcat's names: --pair1 opens PAIR v1, --pair0 is --pair; both take every format, --data, --file and --interval", () => {
    expect(parse('--pair1', '--bind', URL).type).toBe('pair1');
    expect(parse('--pair0', '--connect', URL).type).toBe('pair');
    const o = parse('--pair1', '--connect', URL, '-Q', '-D', 'x', '-i', '0.5', '-d', '1', '--recv-timeout', '2', '--send-timeout', '3');
    expect(o).toMatchObject({ type: 'pair1', format: 'quoted', data: Buffer.from('x'), interval: 0.5, delay: 1, recvTimeout: 2, sendTimeout: 3 });
    for (const format of ['no', 'raw', 'ascii', 'quoted', 'msgpack', 'hex'] as const) expect(parse('--pair1', '--bind', URL, `--format=${format}`).format).toBe(format);
    const path = temp.file('pair1.bin', Buffer.from([0, 0xff]));
    expect(parse('--pair1', '-F', path, '--bind', URL, '--hex').data).toEqual(Buffer.from([0, 0xff]));
  });

  it("nngcat's names are taken whole only: nanocat's abbreviations keep their meaning", () => {
    for (const abbreviation of ['--pa', '--pai']) expect(parse(abbreviation, '--bind', URL).type).toBe('pair');
    expect(parse('--pair', '--bind', URL).type).toBe('pair');
    expect(refuse('--pai1', '--bind', URL)).toEqual({ code: 1, stdout: '', stderr: "nanosp cat: Unknown option ``--pai1''\n" });
    expect(refuse('--pair1=x', '--bind', URL)).toEqual({ code: 1, stdout: '', stderr: 'nanosp cat: Option --pair1=x does not accept argument\n' });
  });

  it('endpoints: --bind and --connect repeat and keep their order; -X/-x are ipc://PATH, -L/-l tcp://127.0.0.1:PORT', () => {
    const o = parse('--pair', '--bind', 'tcp://*:1', '-X', '/tmp/a.ipc', '-L', '5555', '--bind', 'inproc://x', '--connect', 'tcp://h:2', '-x', '/tmp/b.ipc', '-l', '6000', '--connect-local=6001');
    expect(o.bind).toEqual(['tcp://*:1', 'ipc:///tmp/a.ipc', 'tcp://127.0.0.1:5555', 'inproc://x']);
    expect(o.connect).toEqual(['tcp://h:2', 'ipc:///tmp/b.ipc', 'tcp://127.0.0.1:6000', 'tcp://127.0.0.1:6001']);
  });

  it('--subscribe repeats (SUB only); --socket-name; timeouts in seconds as C floats', () => {
    const o = parse('--sub', '--connect', URL, '--subscribe', 'a', '--subscribe', '', '--socket-name', 'cat', '--recv-timeout', '0.25');
    expect(o.subscriptions).toEqual(['a', '']);
    expect(o.socketName).toBe('cat');
    expect(o.recvTimeout).toBe(0.25);
    expect(parse('--push', '-D', 'x', '--bind', URL, '--send-timeout', '0.1').sendTimeout).toBe(Math.fround(0.1));
  });

  it('formats: the flags, --format NAME, and the last one wins', () => {
    const formats = { '--raw': 'raw', '-A': 'ascii', '--ascii': 'ascii', '-Q': 'quoted', '--quoted': 'quoted', '--msgpack': 'msgpack', '--hex': 'hex' } as const;
    for (const [flag, format] of Object.entries(formats)) expect(parse('--pull', '--bind', URL, flag).format).toBe(format);
    for (const format of ['no', 'raw', 'ascii', 'quoted', 'msgpack', 'hex'] as const) {
      expect(parse('--pull', '--bind', URL, '--format', format).format).toBe(format);
      expect(parse('--pull', '--bind', URL, `--format=${format}`).format).toBe(format);
    }
    expect(parse('--pull', '--bind', URL, '-QA').format).toBe('ascii');
    expect(parse('--pull', '--bind', URL, '-A', '--hex', '-Q').format).toBe('quoted');
  });

  it('short options bundle, take an attached argument, or the next word whatever it looks like', () => {
    const o = parse('--pair', '--bind', URL, '-vvqQi0.5', '-D', '-x', '-d', '.25');
    expect(o.verbose).toBe(1);
    expect(o.format).toBe('quoted');
    expect(o.interval).toBe(0.5);
    expect(o.data).toEqual(Buffer.from('-x'));
    expect(o.delay).toBe(0.25);
    expect(parse('--pair', '--bind', URL, '-Dhello').data).toEqual(Buffer.from('hello'));
    expect(parse('--pair', '--bind', URL, '--data', '').data).toEqual(Buffer.alloc(0));
    expect(parse('--pair', '--bind', URL, '--data=a=b').data).toEqual(Buffer.from('a=b'));
  });

  it('"--" and "-" are skipped and the words after them are still options', () => {
    expect(parse('--', '--pull', '-', '--bind', URL, '--', '-Q').format).toBe('quoted');
  });

  it('seconds are read as strtof reads them, rounded to a C float', () => {
    expect(parseCFloat('1')).toBe(1);
    expect(parseCFloat('0.1')).toBe(Math.fround(0.1));
    expect(parseCFloat('  2.5')).toBe(2.5);
    expect(parseCFloat('+.5')).toBe(0.5);
    expect(parseCFloat('1.')).toBe(1);
    expect(parseCFloat('1e-1')).toBe(Math.fround(0.1));
    expect(parseCFloat('0x1p-2')).toBe(0.25);
    expect(parseCFloat('0x1.8')).toBe(1.5);
    expect(parseCFloat('-inf')).toBe(-Infinity);
    expect(parseCFloat('Infinity')).toBe(Infinity);
    expect(parseCFloat('nan')).toBeNaN();
    for (const bad of ['', ' ', '.', '1s', '1 ', 'e1', '0x', '1e', '--1', 'one']) expect(parseCFloat(bad), bad).toBeUndefined();
  });

  it('--file reads the whole file, any bytes; --cert, --key and --cacert read theirs', () => {
    const bytes = Buffer.from([0, 1, 2, 0x22, 0x5c, 0x0a, 0xff, 0xe2, 0x82, 0xac]);
    const path = temp.file('message.bin', bytes);
    expect(parse('--push', '-F', path, '--bind', URL).data).toEqual(bytes);
    expect(parse('--push', `--file=${path}`, '--bind', URL).data).toEqual(bytes);
    const cert = temp.file('c.pem', 'CERT');
    const key = temp.file('k.pem', 'KEY');
    const ca = temp.file('ca.pem', 'CA');
    expect(parse('--pull', '--bind', URL, '--cert', cert, '--key', key, '--cacert', ca, '--insecure').tls).toEqual({
      cert: Buffer.from('CERT'),
      key: Buffer.from('KEY'),
      ca: Buffer.from('CA'),
      insecure: true,
    });
  });

  it('--help: the help on stdout, status 0, at once (later words are not read)', () => {
    const result = refuse('--pull', '-h', '--no-such-option');
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe(helpText(PROG));
    expect(result.stdout.split('\n').slice(0, 2)).toEqual([
      'Usage:',
      '    nanosp cat {--push|--pull|--pub|--sub|--req|--rep|--surveyor|--respondent|--bus|--pair|--bind|--connect|--bind-ipc|--connect-ipc|--bind-local|--connect-local} [-vqhAQ] [-i SEC] [-d SEC] [-D DATA] [-F PATH] [options] ',
    ]);
    // nanocat's layout: the description column at 24, wrapped within 80 columns
    for (const line of result.stdout.split('\n').slice(2)) expect(line.length, line).toBeLessThanOrEqual(80);
    expect(result.stdout).toContain('\n --connect-local,-l PORT\n                        ');
    expect(result.stdout).toContain('\nTLS Options (nanosp, as nngcat names them):\n --cert FILE            ');
  });

  it("--help: nngcat's socket types in a group of their own, after nanocat's groups (the usage line stays nanocat's)", () => {
    const help = helpText(PROG);
    const group = help.indexOf('\nSocket Types (nanosp, as nngcat names them):\n --pair0                The same as --pair');
    expect(group).toBeGreaterThan(help.indexOf('\nOutput Options:\n'));
    expect(group).toBeLessThan(help.indexOf('\nTLS Options'));
    expect(help).toContain('\n --pair1                Open a PAIR v1 socket, as nngcat --pair1 does');
    expect(help.split('\n')[1]).not.toContain('pair1');
  });
});

describe("nanosp cat options: refusals with nngcat's socket types", () => {
  it('a second socket type conflicts, whatever its name', () => {
    expect(refuse('--pair1', '--bind', URL, '--pair')).toEqual({ code: 1, stdout: '', stderr: 'nanosp cat: Option --pair conflicts with the following options:\n    --pair1 \n' });
    expect(refuse('--pair0', '--pair1')).toEqual({ code: 1, stdout: '', stderr: 'nanosp cat: Option --pair1 conflicts with the following options:\n    --pair0 \n' });
    expect(refuse('--pull', '--pair1').stderr).toBe('nanosp cat: Option --pair1 conflicts with the following options:\n    --pull \n');
    expect(refuse('--pair1', '--bind', URL, '--pair1').stderr).toBe('nanosp cat: Option --pair1 conflicts with the following options:\n    --pair1 \n');
  });

  it("requirements: an endpoint is still needed, --subscribe still needs --sub, and nanocat's lists name nanocat's options only", () => {
    expect(refuse('--pair1')).toEqual({
      code: 1,
      stdout: '',
      stderr: 'nanosp cat: At least one of the following required:\n' + ['--bind', '--connect', '--bind-ipc', '-X', '--connect-ipc', '-x', '--bind-local', '-L', '--connect-local', '-l'].map((n) => `    ${n}\n`).join(''),
    });
    expect(refuse('--pair1', '--subscribe', 'a', '--bind', URL).stderr).toBe('nanosp cat: Option --subscribe requires at least one of the following options:\n    --sub\n');
    // a command line nanocat refuses gets nanocat's message, without --pair0 or --pair1
    for (const argv of [['--bind', URL], ['--pull', '-D', 'x', '--bind', URL], ['--push', '-D', 'x', '-Q', '--bind', URL], []]) {
      expect(refuse(...argv).stderr, argv.join(' ')).not.toMatch(/pair[01]/);
    }
  });
});

/** nanocat's refusals: the command line, its stderr (with nanocat's own name), and its status. */
const REFUSALS: readonly { argv: readonly string[]; code: number; stderr: string }[] = [
  {
    argv: [],
    code: 1,
    stderr:
      'nanocat: At least one of the following required:\n' +
      ['--push', '--pull', '--pub', '--sub', '--req', '--rep', '--surveyor', '--respondent', '--bus', '--pair', '--bind', '--connect', '--bind-ipc', '-X', '--connect-ipc', '-x', '--bind-local', '-L', '--connect-local', '-l'].map((n) => `    ${n}\n`).join(''),
  },
  {
    argv: ['--pull'],
    code: 1,
    stderr: 'nanocat: At least one of the following required:\n' + ['--bind', '--connect', '--bind-ipc', '-X', '--connect-ipc', '-x', '--bind-local', '-L', '--connect-local', '-l'].map((n) => `    ${n}\n`).join(''),
  },
  {
    argv: ['--bind', URL],
    code: 1,
    stderr: 'nanocat: At least one of the following required:\n' + ['--push', '--pull', '--pub', '--sub', '--req', '--rep', '--surveyor', '--respondent', '--bus', '--pair'].map((n) => `    ${n}\n`).join(''),
  },
  { argv: ['--push', '--bind', URL], code: 1, stderr: 'nanocat: Option --push requires at least one of the following options:\n    --data\n    -D\n    --file\n    -F\n' },
  { argv: ['--req', '--bind', URL], code: 1, stderr: 'nanocat: Option --req requires at least one of the following options:\n    --data\n    -D\n    --file\n    -F\n' },
  { argv: ['--sur', '--bind', URL], code: 1, stderr: 'nanocat: Option --sur[veyor] requires at least one of the following options:\n    --data\n    -D\n    --file\n    -F\n' },
  {
    argv: ['--push', '-D', 'x', '-Q', '--bind', URL],
    code: 1,
    stderr: 'nanocat: Option -Q (--quoted) requires at least one of the following options:\n' + ['--pull', '--sub', '--req', '--rep', '--surveyor', '--respondent', '--bus', '--pair'].map((n) => `    ${n}\n`).join(''),
  },
  {
    argv: ['--pub', '-D', 'x', '-A', '--connect', URL],
    code: 1,
    stderr: 'nanocat: Option -A (--ascii) requires at least one of the following options:\n' + ['--pull', '--sub', '--req', '--rep', '--surveyor', '--respondent', '--bus', '--pair'].map((n) => `    ${n}\n`).join(''),
  },
  {
    argv: ['--pub', '-D', 'x', '--format=hex', '--connect', URL],
    code: 1,
    stderr: 'nanocat: Option --format=hex requires at least one of the following options:\n' + ['--pull', '--sub', '--req', '--rep', '--surveyor', '--respondent', '--bus', '--pair'].map((n) => `    ${n}\n`).join(''),
  },
  {
    argv: ['--pull', '-D', 'x', '--bind', URL],
    code: 1,
    stderr: 'nanocat: Option -D (--data) requires at least one of the following options:\n' + ['--push', '--pub', '--req', '--rep', '--surveyor', '--respondent', '--bus', '--pair'].map((n) => `    ${n}\n`).join(''),
  },
  {
    argv: ['--sub', '--bind', URL, '--send-timeout', '1'],
    code: 1,
    stderr: 'nanocat: Option --send-timeout requires at least one of the following options:\n' + ['--push', '--pub', '--req', '--rep', '--surveyor', '--respondent', '--bus', '--pair'].map((n) => `    ${n}\n`).join(''),
  },
  {
    argv: ['--push', '-D', 'x', '--bind', URL, '--recv-timeout', '1'],
    code: 1,
    stderr: 'nanocat: Option --recv-timeout requires at least one of the following options:\n' + ['--pull', '--sub', '--req', '--rep', '--surveyor', '--respondent', '--bus', '--pair'].map((n) => `    ${n}\n`).join(''),
  },
  {
    argv: ['--pull', '--bind', URL, '-i', '1'],
    code: 1,
    stderr: 'nanocat: Option -i (--interval) requires at least one of the following options:\n' + ['--push', '--pub', '--req', '--rep', '--surveyor', '--respondent', '--bus', '--pair'].map((n) => `    ${n}\n`).join(''),
  },
  { argv: ['--pull', '--subscribe', 'a', '--bind', URL], code: 1, stderr: 'nanocat: Option --subscribe requires at least one of the following options:\n    --sub\n' },
  { argv: ['--push', '--pull'], code: 1, stderr: 'nanocat: Option --pull conflicts with the following options:\n    --push \n' },
  { argv: ['--pair', '--bind', URL, '--pair'], code: 1, stderr: 'nanocat: Option --pair conflicts with the following options:\n    --pair \n' },
  { argv: ['--req', '-D', 'a', '-D', 'b', '--bind', URL], code: 1, stderr: 'nanocat: Option -D (--data) conflicts with the following options:\n    -D (--data) \n' },
  { argv: ['--req', '--data=a', '--fi', '/dev/null'], code: 1, stderr: 'nanocat: Option --fi[le] conflicts with the following options:\n    --data=a \n' },
  { argv: ['--pull', '--bind', URL, '--recv-timeout', 'abc'], code: 1, stderr: 'nanocat: Option --recv-timeout requires float point argument\n' },
  { argv: ['--pull', '--bind', URL, '--recv-timeout=abc'], code: 1, stderr: 'nanocat: Option --recv-timeout=abc requires float point argument\n' },
  { argv: ['--pull', '--bind', URL, '--recv-t=1x'], code: 1, stderr: 'nanocat: Option --recv-t[imeout] requires float point argument\n' },
  { argv: ['--push', '-D', 'x', '--bind', URL, '-ix'], code: 1, stderr: 'nanocat: Option -i (--interval) requires float point argument\n' },
  { argv: ['--push', '-D', 'x', '--bind', URL, '-d', ''], code: 1, stderr: 'nanocat: Option -d (--delay) requires float point argument\n' },
  {
    argv: ['--pull', '--bind', URL, '--format', 'json'],
    code: 1,
    stderr: "nanocat: Invalid value ``json'' for --format . Options are:\n    no\n    raw\n    ascii\n    quoted\n    msgpack\n    hex\n",
  },
  {
    argv: ['--pull', '--bind', URL, '--form=Q'],
    code: 1,
    stderr: "nanocat: Invalid value ``Q'' for --form[at] . Options are:\n    no\n    raw\n    ascii\n    quoted\n    msgpack\n    hex\n",
  },
  { argv: ['--pu'], code: 1, stderr: "nanocat: Ambiguous option ``--pu'':\n    push\n    pull\n    pub\n" },
  { argv: ['--pull', '--bind', URL, '--connect-'], code: 1, stderr: "nanocat: Ambiguous option ``--connect-'':\n    connect-ipc\n    connect-local\n" },
  { argv: ['--pull', '--bind', URL, '--bind-x', 'a'], code: 1, stderr: "nanocat: Unknown option ``--bind-x''\n" },
  { argv: ['--pull', '--bind', URL, '--=x'], code: 1, stderr: "nanocat: Unknown option ``--=x''\n" },
  { argv: ['--pull', '--bind', URL, '-Qz'], code: 1, stderr: "nanocat: Unknown option ``-z''\n" },
  { argv: ['--pull', '--bind', URL, 'tcp://127.0.0.1:1'], code: 1, stderr: "nanocat: Unexpected argument ``tcp://127.0.0.1:1''\n" },
  { argv: ['--pull', '--bind'], code: 1, stderr: 'nanocat: Option --bind requires an argument\n' },
  { argv: ['--pull', '--bind', URL, '-X'], code: 1, stderr: 'nanocat: Option -X (--bind-ipc) requires an argument\n' },
  { argv: ['--pull', '--bind', URL, '--ascii=1'], code: 1, stderr: 'nanocat: Option --ascii=1 does not accept argument\n' },
  { argv: ['--pull', '--bind', URL, '--as=1'], code: 1, stderr: 'nanocat: Option --as[cii] does not accept argument\n' },
  { argv: ['--zzz', '-h'], code: 1, stderr: "nanocat: Unknown option ``--zzz''\n" },
  { argv: ['--req', '-F', '/nonexistent/message', '--bind', URL], code: 2, stderr: "Error opening file ``/nonexistent/message'': No such file or directory\n" },
];

describe("nanosp cat options: nanocat's refusals", () => {
  for (const { argv, code, stderr } of REFUSALS) {
    it(`${argv.join(' ') || '(nothing)'} → status ${code}`, () => {
      const result = parseCatArgs(argv, 'nanocat');
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect({ code: result.code, stderr: result.stderr, stdout: result.stdout }).toEqual({ code, stderr, stdout: '' });
      // under its own name
      expect(refuse(...argv).stderr).toBe(stderr.replaceAll('nanocat: ', 'nanosp cat: '));
    });
  }

  it('a --file that is a directory is refused with status 2 (nanocat reads it for ever)', () => {
    expect(refuse('--req', '-F', temp.path(''), '--bind', URL)).toEqual({ code: 2, stdout: '', stderr: `Error reading file \`\`${temp.path('')}'': Is a directory\n` });
  });

  it('nanosp additions take part in prefix matching: --c is ambiguous with --cert and --cacert too', () => {
    expect(refuse('--pull', '--bind', URL, '--c').stderr).toBe("nanosp cat: Ambiguous option ``--c'':\n    connect\n    connect-ipc\n    connect-local\n    cert\n    cacert\n");
  });
});

describePeer('nanocat', 'nanosp cat options: the same refusals from the real nanocat (libnanomsg 1.1.5)', () => {
  for (const { argv } of REFUSALS) {
    it(`nanocat ${argv.join(' ')}`, async () => {
      const peer = startRaw('nanocat', argv);
      const { code } = await exitOf(peer);
      const ours = parseCatArgs(argv, 'nanocat');
      expect(ours.ok).toBe(false);
      if (ours.ok) return;
      expect({ code, stderr: peer.stderr }).toEqual({ code: ours.code, stderr: ours.stderr });
    });
  }

  it("--help: nanocat's usage line, groups, options and columns (the descriptions are nanosp's words)", async () => {
    const peer = startRaw('nanocat', ['--help']);
    expect((await exitOf(peer)).code).toBe(0);
    const theirs = peer.output;
    const ours = helpText('nanocat').split('\n');
    expect(ours[1]).toBe(theirs[1]);
    // the option heads and group titles, in order, up to nanosp's own groups (nngcat's socket types, TLS)
    const heads = (lines: readonly string[]) =>
      lines.filter((line) => line.startsWith(' --') || line.endsWith(':')).map((line) => (line.startsWith(' --') ? line.slice(0, 24).trimEnd() : line));
    const ourHeads = heads(ours);
    const nanospAt = ourHeads.findIndex((line) => line.endsWith('(nanosp, as nngcat names them):'));
    expect(ourHeads[nanospAt]).toBe('Socket Types (nanosp, as nngcat names them):');
    expect(ourHeads.slice(0, nanospAt)).toEqual(heads(theirs));
  });
});
