/** A small argument reader for the `nanosp` subcommands: flags, flags with values, positionals. */

export interface ParsedArgs {
  readonly flags: Map<string, string | true>;
  readonly positionals: string[];
}

/** `valued` lists the flags that take a value (`--count 5` or `--count=5`). */
export function parseArgs(argv: readonly string[], valued: readonly string[]): ParsedArgs {
  const flags = new Map<string, string | true>();
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!arg.startsWith('--') || arg === '--') {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
    if (eq >= 0) flags.set(name, arg.slice(eq + 1));
    else if (valued.includes(name)) {
      const value = argv[++i];
      if (value === undefined) throw new Error(`--${name} needs a value`);
      flags.set(name, value);
    } else flags.set(name, true);
  }
  return { flags, positionals };
}

/** A flag's value as a positive number, or `fallback`. */
export function numberFlag(args: ParsedArgs, name: string, fallback: number | undefined): number | undefined {
  const value = args.flags.get(name);
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value === true || !Number.isFinite(n) || n < 0) throw new Error(`--${name} needs a number, got ${JSON.stringify(value)}`);
  return n;
}

/** Each of `names` as a positive number, undefined when absent; throws on the first bad one. */
export function numberFlags<Name extends string>(args: ParsedArgs, names: readonly Name[]): Record<Name, number | undefined> {
  return Object.fromEntries(names.map((name) => [name, numberFlag(args, name, undefined)])) as Record<Name, number | undefined>;
}
