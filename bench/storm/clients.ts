/**
 * One storm client process: N SUB sockets that connect to argv[2] at once and count how many
 * have received a message; prints `receiving <n>` every 250 ms until stdin closes.
 *   node --import tsx bench/storm/clients.ts tcp://127.0.0.1:PORT 2500 [reconnectInterval] [jitter]
 */
import { socket, type SpSocket } from '../../src/index.js';

const url = process.argv[2] as string;
const count = Number(process.argv[3] ?? 2500);
const reconnectInterval = Number(process.argv[4] ?? 50);
const jitter = process.argv[5] === undefined ? undefined : Number(process.argv[5]);
const sockets: SpSocket[] = [];
let receiving = 0;
/** Why connects failed and connections broke, by code (printed at the end). */
const why = new Map<string, number>();
for (let i = 0; i < count; i++) {
  const sub = socket('sub', { reconnectInterval, linger: 0, ...(jitter === undefined ? {} : { reconnectJitter: jitter }) } as object);
  sub.subscribe('');
  sub.on('connect-failed', ({ error }) => {
    const key = `connect ${error?.code}`;
    why.set(key, (why.get(key) ?? 0) + 1);
  });
  sub.on('pipe-broken', ({ error }) => {
    const key = `${error?.code}: ${error?.message.slice(0, 60)}`;
    why.set(key, (why.get(key) ?? 0) + 1);
  });
  sub.connect(url);
  sockets.push(sub);
  void sub.recv().then(
    () => receiving++,
    () => {},
  );
}
const report = setInterval(() => {
  let connectErrors = 0;
  let broken = 0;
  let established = 0;
  for (const s of sockets) {
    connectErrors += s.stats.connectErrors;
    broken += s.stats.brokenConnections;
    established += s.stats.establishedConnections;
  }
  console.log(`receiving ${receiving} established ${established} connectErrors ${connectErrors} broken ${broken}`);
}, 250);
process.stdin.resume();
process.stdin.on('end', async () => {
  clearInterval(report);
  for (const [key, n] of why) console.error(`${n} × ${key}`);
  await Promise.all(sockets.map((s) => s.close()));
  process.exit(0);
});
