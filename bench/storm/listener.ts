/**
 * The storm's listener: one PUB bound at argv[2] that sends a short message every 50 ms
 * (STORM_TICK_MS), and
 * prints `pipes <n> rss <KiB> lag <ms>` every 500 ms until stdin closes (lag: the event loop's
 * longest delay meanwhile).
 *   node --import tsx bench/storm/listener.ts tcp://127.0.0.1:0 [listenBacklog]
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { socket } from '../../src/index.js';

const backlog = process.argv[3] ? Number(process.argv[3]) : undefined;
const pub = socket('pub', backlog === undefined ? {} : ({ listenBacklog: backlog } as object));
const ep = await pub.bind(process.argv[2] ?? 'tcp://127.0.0.1:0');
console.log(`bound ${ep.url}`);
const tick = setInterval(() => pub.trySend('tick'), Number(process.env.STORM_TICK_MS ?? 50));
// how late the event loop ran timers (the longest stretch without polling, roughly), per report
const lag = monitorEventLoopDelay({ resolution: 10 });
lag.enable();
const report = setInterval(() => {
  const { acceptedConnections, brokenConnections, acceptErrors } = pub.stats;
  console.log(
    `pipes ${pub.pipes.length} rss ${Math.round(process.memoryUsage().rss / 1024)} lag ${(lag.max / 1e6).toFixed(0)}` +
      ` accepted ${acceptedConnections} broken ${brokenConnections} acceptErrors ${acceptErrors}`,
  );
  lag.reset();
}, 500);
/** Why connections broke at the listener, by code (printed at the end). */
const why = new Map<string, number>();
pub.on('pipe-broken', ({ error }) => {
  const key = `listener: ${error?.code}: ${error?.message.slice(0, 70)}`;
  why.set(key, (why.get(key) ?? 0) + 1);
});
process.stdin.resume();
process.stdin.on('end', async () => {
  clearInterval(tick);
  clearInterval(report);
  for (const [key, n] of why) console.error(`${n} × ${key}`);
  await pub.close();
  process.exit(0);
});
