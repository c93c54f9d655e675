/**
 * `nanosp cat`'s command line (src/cli/cat-parse.ts over the table in cat-options.ts): any
 * words end in options or in nanocat's refusal with its status, never in a throw; one command
 * line written in each of nanocat's spellings (long or short, `=` or the next word, an
 * unambiguous prefix, bundled flags, an attached argument) means the same; and strtof's numbers.
 */
import { deepStrictEqual, equal, ok } from 'node:assert/strict';
import fc from 'fast-check';
import { OPTIONS, REQUIRED_MASK, takesArgument, type OptionDef } from '../../src/cli/cat-options.js';
import { FileError, parseCatArgs, parseCFloat, type ParseResult } from '../../src/cli/cat-parse.js';
import { pure, type FuzzProperty } from './harness/property.js';

const PROG = 'nanosp cat';

/** --file and the TLS files: a path starting with '!' cannot be read, any other reads as itself. */
function readFile(path: string): Buffer {
  if (path.startsWith('!')) throw new FileError(`Error opening file \`\`${path}'': No such file or directory`);
  return Buffer.from(path);
}

function parse(argv: readonly string[]): ParseResult {
  return parseCatArgs(argv, PROG, readFile);
}

const LISTED = OPTIONS.filter((def) => def.unlisted !== true);
const CHOSEN = OPTIONS.filter((def) => def.kind !== 'help');

/** The option a long name written as `--name` means, by nanocat's rule: the exact name, else the one listed option it begins. */
function resolves(name: string): OptionDef | undefined {
  const exact = OPTIONS.find((def) => def.long === name);
  if (exact) return exact;
  const candidates = LISTED.filter((def) => def.long.startsWith(name));
  return candidates.length === 1 ? candidates[0] : undefined;
}

/** The shortest way to write `def` as a long option. */
function shortestPrefix(def: OptionDef): string {
  if (def.unlisted === true) return def.long;
  for (let k = 1; k < def.long.length; k++) if (resolves(def.long.slice(0, k)) === def) return def.long.slice(0, k);
  return def.long;
}

const wordArb: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...OPTIONS.map((def) => def.long)).chain((long) => fc.tuple(fc.integer({ min: 1, max: long.length }), fc.option(fc.string({ maxLength: 8 }), { nil: undefined })).map(([k, value]) => `--${long.slice(0, k)}${value === undefined ? '' : `=${value}`}`)),
  fc.array(fc.constantFrom(...OPTIONS.flatMap((def) => (def.short === undefined ? [] : [def.short])), 'z'), { minLength: 1, maxLength: 4 }).chain((letters) => fc.string({ maxLength: 5 }).map((tail) => `-${letters.join('')}${tail}`)),
  fc.constantFrom('tcp://127.0.0.1:5555', 'ipc:///tmp/x', '0.5', '-1', 'inf', '0x1p3', 'hex', 'quoted', '--', '-', '', '!missing', 'file.pem'),
  fc.string({ maxLength: 10 }),
);

// built once: chain() below asks for one per generated option
const floatValueArb = fc.oneof(fc.double({ noNaN: true }).map(String), fc.constantFrom('0.5', '-1', '1e3', '0x1.8p1', 'inf', 'nan', ' 2', '1x'));
const fileValueArb = fc.oneof(fc.stringMatching(/^[a-z./]{1,10}$/), fc.constant('!gone'));
const stringValueArb = fc.oneof(fc.stringMatching(/^[a-z:/.0-9]{0,16}$/), fc.string({ maxLength: 6 }));

/** A value an option of `def`'s kind may be given, usually a good one. */
function valueArb(def: OptionDef): fc.Arbitrary<string> {
  switch (def.kind) {
    case 'float':
      return floatValueArb;
    case 'enum':
      return fc.oneof(fc.constantFrom(...def.items), fc.constant('loud'));
    case 'file':
      return fileValueArb;
    default:
      return stringValueArb;
  }
}

/** One option given, and how to write it: long with `=` or the next word, shortest prefix, short. */
const usageArb = fc.constantFrom(...CHOSEN).chain((def) =>
  fc.record({ def: fc.constant(def), value: takesArgument(def) ? valueArb(def) : fc.constant(undefined), style: fc.nat(3) }),
);
type Usage = { def: OptionDef; value: string | undefined; style: number };

/** The words for `usages`: in full as `--name value`, or in the spelling `style` picks. */
function words(usages: readonly Usage[], spelled: boolean): string[] {
  const out: string[] = [];
  for (const { def, value, style } of usages) {
    const name = spelled && style >= 2 ? shortestPrefix(def) : def.long;
    if (spelled && def.short !== undefined && style % 2 === 1) {
      if (value === undefined) out.push(`-${def.short}`);
      else if (value !== '') out.push(`-${def.short}${value}`);
      else out.push(`-${def.short}`, value);
    } else if (value === undefined) out.push(`--${name}`);
    else if (spelled && style === 0) out.push(`--${name}=${value}`);
    else out.push(`--${name}`, value);
  }
  return out;
}

export const catArgsProperties: readonly FuzzProperty[] = [
  pure("any words end in options or nanocat's refusal with status 0 (help), 1 or 2, never a throw", 1000, () =>
    fc.property(fc.array(wordArb, { maxLength: 8 }), (argv) => {
      const result = parse(argv);
      if (result.ok) {
        ok(result.options.type !== undefined && result.options.bind.length + result.options.connect.length > 0);
        return;
      }
      if (result.code === 0) ok(result.stdout.startsWith('Usage:') && result.stderr === '');
      else if (result.code === 1) ok(result.stderr.startsWith(`${PROG}: `) && result.stderr.endsWith('\n') && result.stdout === '');
      else {
        equal(result.code, 2);
        ok(result.stderr.startsWith('Error ') && result.stderr.endsWith('\n'));
      }
    }),
  ),

  pure('a command line means the same in every spelling nanocat takes', 1000, () =>
    fc.property(fc.array(usageArb, { maxLength: 7 }), (usages) => {
      const plain = parse(words(usages, false));
      const spelled = parse(words(usages, true));
      if (plain.ok && spelled.ok) deepStrictEqual(spelled.options, plain.options);
      else deepStrictEqual([spelled.ok, spelled.ok ? 0 : spelled.code], [plain.ok, plain.ok ? 0 : plain.code]);
      // a socket type and an endpoint are required: without them nothing is accepted
      const sets = usages.reduce((mask, u) => mask | u.def.sets, 0);
      if ((sets & REQUIRED_MASK) !== REQUIRED_MASK) equal(plain.ok, false);
    }),
  ),

  pure('bundled flags mean the same as the flags one by one', 500, () =>
    fc.property(fc.array(fc.constantFrom(...OPTIONS.filter((d) => d.kind === 'flag' && d.short !== undefined)), { minLength: 1, maxLength: 5 }), fc.constantFrom('pull', 'sub', 'rep', 'bus', 'pair'), (flags, type) => {
      const base = [`--${type}`, '--connect', 'tcp://127.0.0.1:5555'];
      const bundled = parse([...base, `-${flags.map((d) => d.short).join('')}`]);
      const apart = parse([...base, ...flags.map((d) => `-${d.short}`)]);
      deepStrictEqual(bundled.ok ? bundled.options : bundled.code, apart.ok ? apart.options : apart.code);
    }),
  ),

  pure("parseCFloat reads what C's strtof reads, as a C float, and nothing with a tail", 1000, () =>
    fc.property(fc.double(), fc.constantFrom('', ' ', '\t\n '), fc.string({ maxLength: 6 }), (x, blanks, noise) => {
      const text = Number.isNaN(x) ? 'nan' : Object.is(x, -0) ? '-0' : String(x);
      const got = parseCFloat(blanks + text);
      if (Number.isNaN(x)) ok(Number.isNaN(got));
      else equal(got, Math.fround(x));
      const other = parseCFloat(noise);
      ok(other === undefined || typeof other === 'number');
      equal(parseCFloat(`${text}z`), undefined);
    }),
  ),
];
