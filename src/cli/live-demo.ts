/**
 * The second half of `nanosp demo`: a statistics view (a SUB socket reading ESTP, as
 * `nanosp stat` does) and worker processes that talk over several protocols with
 * NN_STATISTICS_SOCKET pointing at it. One worker runs with NN_PRINT_ERRORS=1 and connects
 * where nobody listens: one error line, silence while it repeats, and the error clears when a
 * listener appears. Ends by itself after a short run, or on Ctrl-C.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { parseRecord } from '../estp/index.js';
import { socket } from '../index.js';
import { WORKERS } from './demo-worker.js';
import { StatView } from './stat-view.js';

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
  print: (text: string) => void;
  /** Redraw in place (a terminal) instead of printing the view once at the end. */
  live: boolean;
}

export async function liveDemo({ seconds, print, live }: LiveDemoOptions): Promise<void> {
  const sub = socket('sub', { socketName: 'demo-stat' });
  sub.subscribe('');
  const ep = await sub.bind('tcp://127.0.0.1:0');
  const closedPort = await freePort();
  const view = new StatView();
  const notes: string[] = [];
  const note = (line: string) => {
    notes.push(line);
    if (!live) print(`${line}\n`);
  };

  print(`Live: ${WORKERS.length} worker processes publish ESTP statistics to ${ep.url} every second;\n`);
  print(`the "errors" worker has NN_PRINT_ERRORS=1 and connects to port ${closedPort}, where nobody listens yet.\n\n`);
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
      if (stream) createInterface({ input: stream }).on('line', (line) => note(`  [${worker}] ${line}`));
    }
    return child;
  });

  const draw = () => print(`\x1b[H\x1b[2J${view.renderCompact('nanosp demo statistics')}\n${notes.join('\n')}\n`);
  const redraw = live ? setInterval(draw, 1000) : undefined;
  // the end of the run stops the view's loop, not its socket: the workers go first
  const stopping = new AbortController();
  const stop = () => stopping.abort();
  const timer = setTimeout(stop, seconds * 1000);
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
        view.add(parseRecord(message));
      } catch (err) {
        view.bad(String(err));
      }
    }
  } finally {
    clearTimeout(timer);
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
  if (live) draw();
  else print(`\n${view.renderCompact('nanosp demo statistics')}`);
}
