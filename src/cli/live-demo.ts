/**
 * The second half of `nanosp demo`: a statistics view (a SUB socket reading ESTP, as
 * `nanosp stat` does) and worker processes that talk over several protocols with
 * NN_STATISTICS_SOCKET pointing at it. One worker runs with NN_PRINT_ERRORS=1 and connects
 * where nobody listens: one error line, silence while it repeats, and the error clears when a
 * listener appears. Ends by itself `seconds` after every worker published, or on Ctrl-C.
 *
 * On a terminal the statistics are a LiveRegion below the tour, redrawn in place, so the tour
 * stays on screen; what the workers print goes above it for good. Elsewhere the workers' lines
 * are printed as they come and the statistics once at the end. Every line fits `width`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { parseRecord } from '../estp/index.js';
import { socket } from '../index.js';
import { WORKERS } from './demo-worker.js';
import { LiveRegion } from './live-region.js';
import { renderTable } from './stat-table.js';
import { StatView } from './stat-view.js';
import { printable, wrapLines } from './text-fit.js';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface LiveDemoOptions {
  seconds: number;
  /** Whole lines, each ending with LF. */
  write: (text: string) => void;
  /** Redraw in place (a terminal) instead of printing the view once at the end. */
  live: boolean;
  /** Columns every line fits in. */
  width: number;
  /** Rows the live view may take (the terminal's, less the cursor's line). */
  height: number | undefined;
}

const TITLE = 'nanosp demo statistics';
/** How much longer than its seconds the run may take when workers are slow to publish. */
const START_LIMIT_MS = 20_000;

export async function liveDemo({ seconds, write, live, width, height }: LiveDemoOptions): Promise<void> {
  const sub = socket('sub', { socketName: 'demo-stat' });
  sub.subscribe('');
  const ep = await sub.bind('tcp://127.0.0.1:0');
  const closedPort = await freePort();
  const view = new StatView();
  const region = live ? new LiveRegion(write) : undefined;
  const lines = (text: string) => wrapLines(text, width);
  const note = (line: string) => (region ? region.printAbove(lines(line)) : write(lines(line)));

  write(lines(`Live: ${WORKERS.length} workers publish ESTP statistics to ${ep.url} every second.`));
  write(lines(`The "errors" worker has NN_PRINT_ERRORS=1 and connects to port ${closedPort},`));
  write(`${lines('where nobody listens yet.')}\n`);
  const children: ChildProcess[] = WORKERS.map((worker) => {
    const child = spawn(process.execPath, [...process.execArgv, process.argv[1] as string, 'demo-worker', worker, String(closedPort)], {
      env: {
        ...process.env,
        NN_STATISTICS_SOCKET: ep.url,
        NANOSP_STATISTICS_INTERVAL: '1000',
        NN_APPLICATION_NAME: worker,
        NN_HOSTNAME: 'demo',
        NN_PRINT_ERRORS: worker === 'errors' ? '1' : '',
        NN_PRINT_STATISTICS: '',
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    for (const stream of [child.stdout, child.stderr]) {
      if (stream) createInterface({ input: stream }).on('line', (line) => note(`  [${worker}] ${printable(line)}`));
    }
    return child;
  });

  const table = () => renderTable(view, TITLE, { width, height, color: live });
  const redraw = region ? setInterval(() => region.draw(table()), 1000) : undefined;
  // the end of the run stops the view's loop, not its socket: the workers go first
  const stopping = new AbortController();
  const stop = () => stopping.abort();
  // the run's seconds count from when every worker has published: starting them can take
  // seconds on a busy machine, and a table without them shows nothing
  const published = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  const startLimit = setTimeout(stop, seconds * 1000 + START_LIMIT_MS);
  process.once('SIGINT', stop);
  try {
    for (;;) {
      let message: Buffer;
      try {
        message = await sub.recv({ timeout: -1, signal: stopping.signal });
      } catch (err) {
        if (stopping.signal.aborted) break;
        throw err;
      }
      try {
        const record = parseRecord(message);
        view.add(record);
        published.add(record.application);
      } catch (err) {
        view.bad(String(err));
      }
      if (!timer && WORKERS.every((worker) => published.has(worker))) timer = setTimeout(stop, seconds * 1000);
    }
  } finally {
    clearTimeout(timer);
    clearTimeout(startLimit);
    clearInterval(redraw);
    process.off('SIGINT', stop);
    // the workers first: their statistics sockets would fail (and, in "errors", print) once
    // the view's socket was gone
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.stdin?.end();
            setTimeout(() => child.kill('SIGKILL'), 3000).unref();
          }),
      ),
    );
    await sub.close();
  }
  if (region) region.draw(table());
  else write(`\n${table()}`);
}
