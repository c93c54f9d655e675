/**
 * nanocat's command-line reader (libnanomsg 1.1.5, tools/options.c), rebuilt over the table in
 * cat-options.ts: long options by any unambiguous prefix (`--surv`; nngcat's socket types only by
 * their whole names), with their argument after
 * `=` or as the next word; short options bundled (`-QA`) with an argument attached (`-i0.5`)
 * or next; conflicts checked as each option is read, requirements at the end; file arguments
 * read as they are met. Every refusal is nanocat's message on stderr and its exit status
 * (1 for the command line, 2 for a file that cannot be read), with `prog` where nanocat
 * prints its own name; --help is the help on stdout and status 0.
 */
import { closeSync, openSync, readFileSync } from 'node:fs';
import { isErrnoName, strerror } from '../sp/errors.js';
import { defaultOptions, OPTIONS, REQUIRED_MASK, SHORT_DESCRIPTION, takesArgument, type CatOptions, type OptionDef } from './cat-options.js';

export type ParseResult = { readonly ok: true; readonly options: CatOptions } | { readonly ok: false; readonly code: number; readonly stdout: string; readonly stderr: string };

/** How an option was last written on the command line, for messages that name it. */
interface Usage {
  /** The whole word for a long option (`--inter=abc`), the letter for a short one. */
  readonly text: string;
  readonly short: boolean;
}

class Exit {
  constructor(
    readonly code: number,
    readonly stderr: string,
    readonly stdout = '',
  ) {}
}

/** Reads a --file or TLS file argument ('-' is standard input); throws with a file error. */
export type FileReader = (path: string) => Buffer;

export function parseCatArgs(argv: readonly string[], prog: string, readFile: FileReader = readArgumentFile): ParseResult {
  try {
    return { ok: true, options: new Parser(argv, prog, readFile).run() };
  } catch (err) {
    if (err instanceof Exit) return { ok: false, code: err.code, stdout: err.stdout, stderr: err.stderr };
    throw err;
  }
}

class Parser {
  private readonly options = defaultOptions();
  private readonly usage: (Usage | undefined)[] = OPTIONS.map(() => undefined);
  private mask = 0;
  private next = 0;

  constructor(
    private readonly argv: readonly string[],
    private readonly prog: string,
    private readonly readFile: FileReader,
  ) {}

  run(): CatOptions {
    while (this.next < this.argv.length) this.word(this.argv[this.next++] as string);
    this.checkRequires();
    return this.options;
  }

  private word(word: string): void {
    if (!word.startsWith('-')) throw new Exit(1, `${this.prog}: Unexpected argument \`\`${word}''\n`);
    if (word.startsWith('--')) {
      // a bare "--" is skipped; the words after it are still options
      if (word.length > 2) this.long(word);
      return;
    }
    for (let at = 1; at < word.length; ) {
      const letter = word[at] as string;
      const index = OPTIONS.findIndex((def) => def.short === letter);
      const def = OPTIONS[index];
      if (def === undefined) throw new Exit(1, `${this.prog}: Unknown option \`\`-${letter}''\n`);
      this.usage[index] = { text: letter, short: true };
      if (!takesArgument(def)) {
        this.process(index, undefined);
        at++;
        continue;
      }
      const attached = word.slice(at + 1);
      this.process(index, attached !== '' ? attached : this.argument(index));
      return;
    }
  }

  private long(word: string): void {
    const eq = word.indexOf('=');
    const name = word.slice(2, eq < 0 ? undefined : eq);
    let index = OPTIONS.findIndex((def) => def.long === name);
    if (index < 0) {
      const candidates = name === '' ? [] : OPTIONS.flatMap((def, i) => (def.unlisted !== true && def.long.startsWith(name) ? [i] : []));
      if (candidates.length > 1) {
        const names = candidates.map((i) => `    ${(OPTIONS[i] as OptionDef).long}\n`).join('');
        throw new Exit(1, `${this.prog}: Ambiguous option \`\`${word}'':\n${names}`);
      }
      if (candidates.length === 0) throw new Exit(1, `${this.prog}: Unknown option \`\`${word}''\n`);
      index = candidates[0] as number;
    }
    const def = OPTIONS[index] as OptionDef;
    this.usage[index] = { text: word, short: false };
    if (eq >= 0) {
      if (!takesArgument(def)) this.optionError('does not accept argument', index);
      this.process(index, word.slice(eq + 1));
    } else {
      this.process(index, takesArgument(def) ? this.argument(index) : undefined);
    }
  }

  /** The next word as an option's argument, whatever it looks like. */
  private argument(index: number): string {
    const value = this.argv[this.next];
    if (value === undefined) this.optionError('requires an argument', index);
    this.next++;
    return value;
  }

  private process(index: number, value: string | undefined): void {
    const def = OPTIONS[index] as OptionDef;
    if (this.mask & def.conflicts) this.conflict(index);
    this.mask |= def.sets;
    const arg = value ?? '';
    switch (def.kind) {
      case 'help':
        throw new Exit(0, '', helpText(this.prog));
      case 'flag':
        def.apply(this.options);
        return;
      case 'string':
        def.apply(this.options, arg);
        return;
      case 'float': {
        const number = parseCFloat(arg);
        if (number === undefined) this.optionError('requires float point argument', index);
        def.apply(this.options, number);
        return;
      }
      case 'enum': {
        const item = def.items.find((name) => name === arg);
        if (item === undefined) {
          const items = def.items.map((name) => `    ${name}\n`).join('');
          throw new Exit(1, `${this.prog}: Invalid value \`\`${arg}'' for${this.named(index)}. Options are:\n${items}`);
        }
        def.apply(this.options, item);
        return;
      }
      case 'file':
        try {
          def.apply(this.options, this.readFile(arg));
        } catch (err) {
          if (err instanceof FileError) throw new Exit(2, `${err.message}\n`);
          throw err;
        }
        return;
    }
  }

  /** The option as the user wrote it, framed by spaces: ` -i (--interval) `, ` --inter[val] `. */
  private named(index: number): string {
    const def = OPTIONS[index] as OptionDef;
    const usage = this.usage[index];
    if (usage === undefined) return ` --${def.long} `;
    if (usage.short) return ` -${usage.text} (--${def.long}) `;
    const eq = usage.text.indexOf('=');
    const length = eq < 0 ? usage.text.length : eq;
    // the whole word when the name was complete, even with its "=value"
    if (length === def.long.length + 2) return ` ${usage.text} `;
    return ` ${usage.text.slice(0, length)}[${def.long.slice(length - 2)}] `;
  }

  private optionError(message: string, index: number): never {
    throw new Exit(1, `${this.prog}: Option${this.named(index)}${message}\n`);
  }

  private conflict(index: number): never {
    const def = OPTIONS[index] as OptionDef;
    let text = `${this.prog}: Option${this.named(index)}conflicts with the following options:\n`;
    let conflicts = 0;
    OPTIONS.forEach((other, i) => {
      if (i !== index && this.usage[i] !== undefined && other.sets & def.conflicts) {
        conflicts++;
        text += `   ${this.named(i)}\n`;
      }
    });
    if (conflicts === 0) text += `   ${this.named(index)}\n`;
    throw new Exit(1, text);
  }

  private checkRequires(): void {
    OPTIONS.forEach((def, index) => {
      if (this.usage[index] === undefined || def.requires === 0) return;
      if ((def.requires & this.mask) !== def.requires) {
        throw new Exit(1, `${this.prog}: Option${this.named(index)}requires at least one of the following options:\n${providers(def.requires)}`);
      }
    });
    if ((REQUIRED_MASK & this.mask) !== REQUIRED_MASK) {
      throw new Exit(1, `${this.prog}: At least one of the following required:\n${providers(REQUIRED_MASK & ~this.mask)}`);
    }
  }
}

/** The options that provide any bit of `mask`, one name a line, the short name after the long (nanocat's only). */
function providers(mask: number): string {
  return OPTIONS.filter((def) => def.sets & mask && def.unlisted !== true)
    .map((def) => `    --${def.long}\n${def.short === undefined ? '' : `    -${def.short}\n`}`)
    .join('');
}

// ---- help ------------------------------------------------------------------------------

const HELP_COLUMN = 24;
const HELP_WIDTH = 80 - HELP_COLUMN;

function usageLine(prog: string): string {
  // nanocat's usage line: nngcat's socket types are in the help below it
  const required = OPTIONS.filter((def) => def.sets & REQUIRED_MASK && def.unlisted !== true);
  const rest = OPTIONS.filter((def) => !(def.sets & REQUIRED_MASK) && def.short !== undefined);
  const flags = rest.filter((def) => !takesArgument(def)).map((def) => def.short);
  const valued = rest.filter((def) => takesArgument(def) && def.metavar !== undefined).map((def) => `[-${def.short} ${def.metavar}] `);
  let line = `    ${prog} `;
  if (required.length > 0) line += `{${required.map((def) => `--${def.long}`).join('|')}} `;
  if (flags.length > 0) line += `[-${flags.join('')}] `;
  return `${line}${valued.join('')}[options] \n`;
}

/** Split `text` for a help column of `width`: at the last blank at or before `width`. */
function splitLine(text: string, width: number): [string, string] {
  if (text.length < width) return [text, ''];
  for (let i = width; i > 1; i--) {
    if (/^[ \t\n\v\f\r]$/.test(text[i] ?? '')) return [text.slice(0, i), text.slice(i + 1)];
  }
  return [text, ''];
}

/** The --help text: the usage, then each group of options with its descriptions in a column. */
export function helpText(prog: string): string {
  let text = `Usage:\n${usageLine(prog)}\n${SHORT_DESCRIPTION}\n`;
  let group: string | undefined;
  for (const def of OPTIONS) {
    if (def.group !== group) {
      text += `\n${def.group}:\n`;
      group = def.group;
    }
    let head = ` --${def.long}`;
    if (def.short !== undefined) head += `,-${def.short}`;
    if (takesArgument(def)) head += ` ${def.metavar ?? 'ARG'}`;
    text += head;
    let rest = def.description;
    if (head.length < HELP_COLUMN - 1) {
      const [first, after] = splitLine(rest, HELP_WIDTH);
      text += ' '.repeat(HELP_COLUMN - head.length) + first;
      rest = after;
    }
    while (rest !== '') {
      const [line, after] = splitLine(rest, HELP_WIDTH);
      text += `\n${' '.repeat(HELP_COLUMN)}${line}`;
      rest = after;
    }
    text += '\n';
  }
  return text;
}

// ---- numbers and files -----------------------------------------------------------------

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const HEXADECIMAL = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?(?:[pP]([+-]?\d+))?$/;
const SPECIAL = /^([+-]?)(?:(inf(?:inity)?)|nan(?:\([0-9A-Za-z_]*\))?)$/i;

/**
 * strtof over a whole word, as nanocat reads seconds: leading blanks, decimal or hexadecimal
 * (0x1.8p1), inf, infinity and nan; the result rounded to a C float. Undefined when any of
 * the word is left over or nothing is a number.
 */
export function parseCFloat(word: string): number | undefined {
  const text = word.replace(/^[ \t\n\v\f\r]+/, '');
  let value: number;
  const hex = HEXADECIMAL.exec(text);
  const special = SPECIAL.exec(text);
  if (DECIMAL.test(text)) {
    value = Number(text);
  } else if (hex && ((hex[2] ?? '') !== '' || (hex[3] ?? '') !== '')) {
    const whole = hex[2] ?? '';
    const fraction = hex[3] ?? '';
    const mantissa = [...whole + fraction].reduce((n, digit) => n * 16 + parseInt(digit, 16), 0);
    value = mantissa * 2 ** (Number(hex[4] ?? 0) - 4 * fraction.length);
    if (hex[1] === '-') value = -value;
  } else if (special) {
    value = special[2] !== undefined ? Infinity : NaN;
    if (special[1] === '-') value = -value;
  } else {
    return undefined;
  }
  return Math.fround(value);
}

/** A file that cannot be opened or read; the message is nanocat's line for it. */
export class FileError extends Error {}

const MORE_ERRNO_TEXT: Readonly<Record<string, string>> = {
  EISDIR: 'Is a directory',
  ELOOP: 'Too many levels of symbolic links',
  ENXIO: 'No such device or address',
};

function errnoText(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string') {
    if (isErrnoName(code)) return strerror(code);
    const more = MORE_ERRNO_TEXT[code];
    if (more !== undefined) return more;
  }
  return err instanceof Error ? err.message : String(err);
}

/** Read a whole file, or standard input for '-', as nanocat reads --file. */
export function readArgumentFile(path: string): Buffer {
  if (path === '-') {
    try {
      return readFileSync(0);
    } catch (err) {
      throw new FileError(`Error reading file \`\`${path}'': ${errnoText(err)}`);
    }
  }
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw new FileError(`Error opening file \`\`${path}'': ${errnoText(err)}`);
  }
  try {
    return readFileSync(fd);
  } catch (err) {
    throw new FileError(`Error reading file \`\`${path}'': ${errnoText(err)}`);
  } finally {
    closeSync(fd);
  }
}
