#!/usr/bin/env node
/** The `nanosp` command. */
import { cat } from './cat.js';
import { demo } from './demo.js';
import { demoWorker } from './demo-worker.js';
import { stat, STAT_USAGE } from './stat.js';

const USAGE = `usage: nanosp <command>

commands:
  demo [SECONDS]  a live tour of the protocols and the diagnostics (what \`npm start\` runs)
  cat ...         nanocat's options and output (nanosp cat --help)
  stat ...        a live view of the ESTP statistics nanosp and nanomsg processes publish,
                  or (--prometheus) a bridge serving them on /metrics for Prometheus:
                  ${STAT_USAGE.replace('usage: ', '').replace(/\n\s+/g, '\n                  ')}
`;

async function main(argv: string[]): Promise<number> {
  const [command] = argv;
  switch (command) {
    case 'demo':
      await demo(argv[1] === undefined ? undefined : Number(argv[1]));
      return 0;
    case 'demo-worker':
      return demoWorker(argv[1] ?? '', argv[2]);
    case 'stat':
      return stat(argv.slice(1));
    case 'cat':
      return cat(argv.slice(1));
    case undefined:
    case '-h':
    case '--help':
      process.stdout.write(USAGE);
      return command === undefined ? 1 : 0;
    default:
      process.stderr.write(`nanosp: unknown command ${JSON.stringify(command)}\n${USAGE}`);
      return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`nanosp: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
