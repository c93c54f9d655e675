/**
 * The long fuzz run, for nights: `npm run fuzz -- --minutes N [--only TEXT]`. Runs every
 * property of the suite (or those whose name contains TEXT) again and again, each batch with a
 * fresh seed and the suite's number of runs, until N minutes have passed; then prints each
 * property's runs and failures, the seed, path and counterexample of every failure (with the
 * command that replays it in the suite), and anything that went unhandled. Exits 1 if
 * anything failed, 2 on a bad command line.
 */
import fc from 'fast-check';
import { ALL_PROPERTIES } from './all.js';
import { RUN_TIMEOUT_MS, type FuzzProperty } from './harness/property.js';
import { UnhandledWatch } from './harness/unhandled.js';

interface Tally {
  runs: number;
  batches: number;
  failures: number;
  /** The first few failure reports, fast-check's words (seed, path, counterexample, error). */
  reports: string[];
}

const KEEP_REPORTS = 3;
/** A progress line at most this often, so a night's log stays readable. */
const PROGRESS_EVERY_MS = 60_000;
/** Once done, the process must end by itself this soon; else something was left open. */
const EXIT_GRACE_MS = 10_000;

function usage(problem: string): never {
  process.stderr.write(`fuzz: ${problem}\nusage: npm run fuzz -- --minutes N [--only TEXT]\n`);
  process.exit(2);
}

function readArgs(argv: readonly string[]): { minutes: number; only: string | undefined } {
  let minutes = 1;
  let only: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i];
    if (word === '--minutes') {
      minutes = Number(argv[++i]);
      if (!(minutes > 0)) usage(`--minutes needs a positive number, got ${JSON.stringify(argv[i] ?? '')}`);
    } else if (word === '--only') {
      only = argv[++i];
      if (!only) usage('--only needs the text a property name contains');
    } else usage(`unknown argument ${JSON.stringify(word)}`);
  }
  return { minutes, only };
}

/** One batch of `property` with a fresh seed, stopping at `deadline`. */
async function batch(property: FuzzProperty, deadline: number, tally: Tally): Promise<void> {
  let prepared;
  try {
    prepared = await property.prepare();
  } catch (err) {
    tally.failures++;
    if (tally.reports.length < KEEP_REPORTS) tally.reports.push(`could not be set up: ${err instanceof Error ? err.stack : String(err)}`);
    return;
  }
  try {
    const details = await fc.check(prepared.property, {
      numRuns: property.runs,
      timeout: RUN_TIMEOUT_MS,
      interruptAfterTimeLimit: Math.max(1, deadline - Date.now()),
      markInterruptAsFailure: false,
    });
    tally.runs += details.numRuns;
    tally.batches++;
    if (details.failed) {
      tally.failures++;
      if (tally.reports.length < KEEP_REPORTS) {
        const replay = `replay: NANOSP_FUZZ_SEED=${details.seed} NANOSP_FUZZ_PATH=${details.counterexamplePath ?? ''} npx vitest run test/fuzz -t ${JSON.stringify(property.name)}`;
        tally.reports.push(`${fc.defaultReportMessage(details) ?? 'failed'}\n${replay}`);
      }
    }
  } finally {
    await prepared.close();
  }
}

function minutesSeconds(ms: number): string {
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

async function main(): Promise<number> {
  const { minutes, only } = readArgs(process.argv.slice(2));
  const properties = ALL_PROPERTIES.filter((p) => only === undefined || p.name.includes(only));
  if (properties.length === 0) usage(`no property name contains ${JSON.stringify(only)}`);
  const started = Date.now();
  const deadline = started + minutes * 60_000;
  const tallies = new Map<FuzzProperty, Tally>(properties.map((p) => [p, { runs: 0, batches: 0, failures: 0, reports: [] }]));
  const watch = new UnhandledWatch().start();
  process.stdout.write(`nanosp fuzz: ${properties.length} properties for ${minutes} min, a fresh seed every batch\n`);

  let reported = started;
  for (let round = 1; Date.now() < deadline; round++) {
    for (const property of properties) {
      if (Date.now() >= deadline) break;
      await batch(property, deadline, tallies.get(property) as Tally);
    }
    if (Date.now() - reported < PROGRESS_EVERY_MS && Date.now() < deadline) continue;
    reported = Date.now();
    const all = [...tallies.values()];
    const runs = all.reduce((n, t) => n + t.runs, 0);
    const failures = all.reduce((n, t) => n + t.failures, 0);
    process.stdout.write(`round ${round}: ${runs} runs, ${failures} failed batches (${minutesSeconds(Date.now() - started)})\n`);
  }
  watch.stop();

  process.stdout.write(`\n${'runs'.padStart(8)} ${'batches'.padStart(7)} ${'failed'.padStart(6)}  property\n`);
  for (const [property, t] of tallies) {
    process.stdout.write(`${String(t.runs).padStart(8)} ${String(t.batches).padStart(7)} ${String(t.failures).padStart(6)}  ${property.name}\n`);
  }
  const failed = [...tallies].filter(([, t]) => t.failures > 0);
  for (const [property, t] of failed) {
    process.stdout.write(`\nFAILED: ${property.name}\n`);
    for (const report of t.reports) process.stdout.write(`${report}\n\n`);
  }
  for (const seen of watch.seen) process.stdout.write(`\nUNHANDLED: ${seen}\n`);
  const ok = failed.length === 0 && watch.seen.length === 0;
  process.stdout.write(`\n${ok ? 'no failures' : 'FAILURES'} in ${minutesSeconds(Date.now() - started)}\n`);
  return ok ? 0 : 1;
}

const code = await main();
process.exitCode = code;
// everything was closed: the process ends by itself; if it does not, say what keeps it
setTimeout(() => {
  process.stderr.write('fuzz: something was left open and keeps the process alive\n');
  process.exit(code === 0 ? 1 : code);
}, EXIT_GRACE_MS).unref();
