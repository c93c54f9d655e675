/**
 * `nanosp stat [--json] [--count N] [--duration S] <url>`: bind a SUB socket at `url`, read
 * the ESTP records that NN_STATISTICS_SOCKET publishers send there, and show every metric per
 * host, application and socket, refreshed in place; `--json` prints each parsed record as one
 * JSON line instead. A malformed record is counted and shown, never fatal.
 */
import { parseRecord, EstpError, type EstpRecord } from '../estp/index.js';
import { socket } from '../index.js';
import { SpError } from '../sp/errors.js';
import { numberFlag, parseArgs } from './args.js';
import { StatView } from './stat-view.js';

export const STAT_USAGE = 'usage: nanosp stat [--json] [--count N] [--duration SECONDS] <url>';

function toJson(record: EstpRecord): string {
  return JSON.stringify({ ...record, timestamp: record.timestamp.toISOString(), value: typeof record.value === 'bigint' ? String(record.value) : record.value });
}

export async function stat(argv: readonly string[], out: NodeJS.WritableStream = process.stdout): Promise<number> {
  const args = parseArgs(argv, ['count', 'duration']);
  const url = args.positionals[0];
  if (!url || args.positionals.length > 1) {
    process.stderr.write(`${STAT_USAGE}\n`);
    return 1;
  }
  const json = args.flags.has('json');
  const count = numberFlag(args, 'count', undefined);
  const duration = numberFlag(args, 'duration', undefined);
  const live = !json && (out as { isTTY?: boolean }).isTTY === true;

  const sub = socket('sub', { socketName: 'nanosp-stat', recvMaxSize: 64 * 1024 });
  sub.subscribe('');
  const ep = await sub.bind(url);
  const view = new StatView();
  const title = ep.url;
  const draw = () => out.write(live ? `\x1b[H\x1b[2J${view.render(title)}` : view.render(title));
  const refresh = json ? undefined : setInterval(draw, 1000);
  const stop = () => void sub.close();
  const timer = duration !== undefined ? setTimeout(stop, duration * 1000) : undefined;
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  let seen = 0;
  try {
    for await (const message of sub) {
      let record: EstpRecord;
      try {
        record = parseRecord(message);
      } catch (err) {
        const reason = err instanceof EstpError ? err.message : String(err);
        view.bad(reason);
        if (json) process.stderr.write(`nanosp stat: malformed record: ${reason}\n`);
        continue;
      }
      view.add(record);
      if (json) out.write(`${toJson(record)}\n`);
      if (count !== undefined && ++seen >= count) break;
    }
  } catch (err) {
    if (!(err instanceof SpError && err.code === 'EBADF')) throw err;
  } finally {
    clearInterval(refresh);
    clearTimeout(timer);
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await sub.close();
  }
  if (!json) draw();
  return 0;
}
