/**
 * The child processes of `nanosp demo`: each is an ordinary nanosp program that talks over
 * one protocol until its parent stops it, with the diagnostics environment its parent set
 * (NN_STATISTICS_SOCKET, NN_APPLICATION_NAME, and NN_PRINT_ERRORS for the "errors" worker).
 */
import { socket, type SpSocket } from '../index.js';

const PACE_MS = 20;

/** Until the parent says stop: a signal, or its end of our stdin closing (also if it dies). */
function stopped(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
    process.stdin.once('end', resolve);
    process.stdin.once('error', resolve);
    process.stdin.resume();
  });
}

async function loop(until: Promise<void>, step: () => Promise<unknown>): Promise<void> {
  let done = false;
  void until.then(() => (done = true));
  while (!done) {
    await step().catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, PACE_MS));
  }
}

async function closeAll(sockets: SpSocket[]): Promise<void> {
  await Promise.all(sockets.map((s) => s.close()));
}

async function reqrep(until: Promise<void>): Promise<void> {
  const server = socket('rep', { socketName: 'server' });
  const client = socket('req', { socketName: 'client' });
  const ep = await server.bind('tcp://127.0.0.1:0');
  client.connect(ep.url);
  void (async () => {
    for await (const request of server) await server.send(`echo ${String(request)}`).catch(() => undefined);
  })();
  let n = 0;
  await loop(until, async () => {
    await client.send(`request ${++n}`);
    await client.recv({ timeout: 1000 });
  });
  await closeAll([client, server]);
}

async function pubsub(until: Promise<void>): Promise<void> {
  const pub = socket('pub', { socketName: 'ticker' });
  const ep = await pub.bind('tcp://127.0.0.1:0');
  const subs = ['weather', 'stocks'].map((topic) => {
    const sub = socket('sub', { socketName: `${topic}-sub` });
    sub.subscribe(`${topic}.`);
    sub.connect(ep.url);
    void (async () => {
      for await (const _ of sub) {
        // read everything, so the counters move
      }
    })();
    return sub;
  });
  let n = 0;
  await loop(until, async () => {
    await pub.send(`weather.paris ${10 + (n % 5)}C`);
    await pub.send(`stocks.ACME ${40 + (n++ % 7)}.0`);
  });
  await closeAll([pub, ...subs]);
}

async function pipeline(until: Promise<void>): Promise<void> {
  const producer = socket('push', { socketName: 'producer' });
  const ep = await producer.bind('tcp://127.0.0.1:0');
  const workers = [1, 2].map((i) => {
    const pull = socket('pull', { socketName: `worker${i}` });
    pull.connect(ep.url);
    void (async () => {
      for await (const _ of pull) {
        // each worker takes its turn
      }
    })();
    return pull;
  });
  let n = 0;
  await loop(until, () => producer.send(`task ${++n}`, { timeout: 1000 }));
  await closeAll([producer, ...workers]);
}

/** Connects where nobody listens: one error line, silence while it repeats, then a listener appears. */
async function errors(until: Promise<void>, port: number): Promise<void> {
  const pusher = socket('push', { socketName: 'pusher' });
  pusher.connect(`tcp://127.0.0.1:${port}`);
  const listenerAfter = Number(process.env.NANOSP_DEMO_LISTEN_AFTER_MS ?? 3000);
  let listener: SpSocket | undefined;
  const timer = setTimeout(() => {
    listener = socket('pull', { socketName: 'late-listener' });
    listener.bind(`tcp://127.0.0.1:${port}`).then(
      () => process.stdout.write(`a listener appeared on port ${port}; the error cleared silently\n`),
      (err: unknown) => process.stdout.write(`could not listen on ${port}: ${String(err)}\n`),
    );
  }, listenerAfter);
  await until;
  clearTimeout(timer);
  // the pusher first: a listener that went first would make it fail (and print) once more
  await pusher.close();
  await listener?.close();
}

export const WORKERS = ['reqrep', 'pubsub', 'pipeline', 'errors'] as const;
export type WorkerName = (typeof WORKERS)[number];

export async function demoWorker(name: string, arg: string | undefined): Promise<number> {
  const until = stopped();
  switch (name) {
    case 'reqrep':
      await reqrep(until);
      return 0;
    case 'pubsub':
      await pubsub(until);
      return 0;
    case 'pipeline':
      await pipeline(until);
      return 0;
    case 'errors':
      await errors(until, Number(arg));
      return 0;
    default:
      process.stderr.write(`nanosp demo-worker: unknown worker ${JSON.stringify(name)}\n`);
      return 1;
  }
}
