/**
 * The storm's listener: one PUB bound at argv[2] that sends a short message every 50 ms
 * (STORM_TICK_MS), and
 * prints `pipes <n> rss <KiB>` every 500 ms until stdin closes.
 *   node --import tsx bench/storm/listener.ts tcp://127.0.0.1:0 [listenBacklog]
 */
import { socket } from '../../src/index.js';

const backlog = process.argv[3] ? Number(process.argv[3]) : undefined;
const pub = socket('pub', backlog === undefined ? {} : ({ listenBacklog: backlog } as object));
const ep = await pub.bind(process.argv[2] ?? 'tcp://127.0.0.1:0');
console.log(`bound ${ep.url}`);
const tick = setInterval(() => pub.trySend('tick'), Number(process.env.STORM_TICK_MS ?? 50));
const report = setInterval(() => console.log(`pipes ${pub.pipes.length} rss ${Math.round(process.memoryUsage().rss / 1024)}`), 500);
process.stdin.resume();
process.stdin.on('end', async () => {
  clearInterval(tick);
  clearInterval(report);
  await pub.close();
  process.exit(0);
});
