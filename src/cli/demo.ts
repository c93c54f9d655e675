/**
 * `nanosp demo` (what `npm start` runs): a short live tour over TCP on loopback. Each
 * protocol runs for real, prints what crosses the wire and the counters nanomsg keeps, and
 * the demo exits by itself. Nothing is cleared: every line fits 80 columns (or a narrower
 * terminal), and the live statistics redraw only their own lines below the tour.
 */
import { socket, type SpSocket } from '../index.js';
import { liveDemo } from './live-demo.js';
import { terminalSize } from './terminal.js';
import { wrapLines } from './text-fit.js';

/** The demo's lines fit this, even in a wider terminal, so a copy pasted elsewhere fits too. */
const DEMO_WIDTH = 80;

type Print = (line: string) => void;

function counters(s: SpSocket): string {
  const st = s.stats;
  return `sent ${st.messagesSent} msgs/${st.bytesSent} B, received ${st.messagesReceived} msgs/${st.bytesReceived} B, connections ${st.currentConnections}`;
}

async function pairDemo(print: Print): Promise<void> {
  print('PAIR: two sockets, one conversation');
  await using left = socket('pair', { socketName: 'left' });
  await using right = socket('pair', { socketName: 'right' });
  const ep = await left.bind('tcp://127.0.0.1:0');
  print(`  left bound ${ep.url}; right connects`);
  right.connect(ep.url);
  await right.send('ping');
  print(`  left  <- ${String(await left.recv())}`);
  await left.send('pong');
  print(`  right <- ${String(await right.recv())}`);
  print(`  left:  ${counters(left)}`);
}

async function pipelineDemo(print: Print): Promise<void> {
  print('PUSH/PULL: one producer, two workers, round robin');
  await using producer = socket('push', { socketName: 'producer' });
  const ep = await producer.bind('tcp://127.0.0.1:0');
  await using worker1 = socket('pull', { socketName: 'worker1' });
  await using worker2 = socket('pull', { socketName: 'worker2' });
  for (const w of [worker1, worker2]) {
    const attached = new Promise((resolve) => producer.once('pipe', resolve));
    w.connect(ep.url);
    await attached;
  }
  for (let i = 1; i <= 6; i++) await producer.send(`task ${i}`);
  const got1: string[] = [];
  const got2: string[] = [];
  for (let i = 0; i < 3; i++) {
    got1.push(String(await worker1.recv()));
    got2.push(String(await worker2.recv()));
  }
  print(`  worker1 got ${got1.join(', ')}`);
  print(`  worker2 got ${got2.join(', ')}`);
}

async function pubsubDemo(print: Print): Promise<void> {
  print('PUB/SUB: topics filtered by prefix on the subscriber');
  await using pub = socket('pub', { socketName: 'ticker' });
  const ep = await pub.bind('tcp://127.0.0.1:0');
  await using weather = socket('sub', { socketName: 'weather' });
  await using all = socket('sub', { socketName: 'everything' });
  weather.subscribe('weather.');
  all.subscribe('');
  for (const s of [weather, all]) {
    const attached = new Promise((resolve) => pub.once('pipe', resolve));
    s.connect(ep.url);
    await attached;
  }
  for (const m of ['weather.paris 12C', 'stocks.ACME 42.0', 'weather.oslo -3C']) await pub.send(m);
  print(`  weather sub <- ${String(await weather.recv())}`);
  print(`  weather sub <- ${String(await weather.recv())}`);
  const everything: string[] = [];
  for (let i = 0; i < 3; i++) everything.push(String(await all.recv()));
  print(`  everything  <- ${everything.join(' | ')}`);
}

async function throughputDemo(print: Print): Promise<void> {
  print('Throughput: 200 000 messages of 64 B through PUSH/PULL on one process');
  await using pull = socket('pull');
  const ep = await pull.bind('tcp://127.0.0.1:0');
  await using push = socket('push');
  push.connect(ep.url);
  const count = 200_000;
  const body = Buffer.alloc(64, 111);
  const started = process.hrtime.bigint();
  const sending = (async () => {
    for (let i = 0; i < count; i++) await push.send(body);
  })();
  for (let i = 0; i < count; i++) await pull.recv();
  await sending;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  print(`  ${Math.round(count / seconds).toLocaleString('en-US')} msg/s (${(seconds * 1000).toFixed(0)} ms); bench/ has the real measurements`);
}

export async function demo(seconds = 8): Promise<void> {
  const { tty, width, height } = terminalSize(process.stdout, DEMO_WIDTH);
  const write = (text: string) => process.stdout.write(text);
  const print: Print = (text) => write(wrapLines(text, width));
  print('nanosp: the Scalability Protocols in pure TypeScript, live over TCP on loopback\n');
  await pairDemo(print);
  await pipelineDemo(print);
  await pubsubDemo(print);
  await throughputDemo(print);
  print('');
  await liveDemo({ seconds, write, live: tty, width, height });
  print('\nDone: every socket and worker above was closed and the process exits by itself.');
}
