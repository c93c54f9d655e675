/**
 * `nanosp stat --http host:port [--stale-after MS] [--max-sources N] <url>`: a live dashboard
 * in the browser. It binds a SUB at `url` as `nanosp stat` does, keeps every publishing socket
 * in a DashboardModel (rates, levels, endpoint errors; bounded, see dashboard/model.ts) and
 * serves the page on http://host:port/, pushing changes to it as Server-Sent Events
 * (dashboard/server.ts). It runs until --duration, SIGINT or SIGTERM; an address that cannot
 * be served is said once on stderr, with exit status 1.
 */
import type { ParsedArgs } from './args.js';
import { DashboardModel } from './dashboard/model.js';
import { DashboardServer } from './dashboard/server.js';
import { httpUrl, serveArgs } from './serve-args.js';
import { bindSub, readRecords, usage } from './stat.js';

export async function statHttp(args: ParsedArgs): Promise<number> {
  const parsed = serveArgs(args, { flag: 'http', example: '127.0.0.1:8080', limit: 'max-sources', refused: ['json', 'count', 'detail', 'prometheus', 'max-series'] });
  if (typeof parsed === 'string') return usage(parsed);
  const { address, listen, url, staleAfterMs, limit: maxSources, duration } = parsed;

  const model = new DashboardModel({ staleAfterMs, maxSources });
  const sub = await bindSub(url);
  const estpUrl = sub.endpoints[0]!.url;
  const server = new DashboardServer(model, { title: estpUrl });
  let port: number;
  try {
    port = await server.listen(listen.host, listen.port);
  } catch (err) {
    // the HTTP side cannot work (port taken, host unknown): nothing to show the records on
    await sub.close();
    process.stderr.write(`nanosp stat: cannot serve the dashboard on ${address}: ${(err as Error).message}\n`);
    return 1;
  }
  process.stdout.write(`nanosp stat: dashboard for ESTP from ${estpUrl} at ${httpUrl(listen.host, port, '/')}\n`);
  try {
    await readRecords(sub, duration, (record) => void model.add(record), (_message, reason) => model.bad(reason));
  } finally {
    server.stop();
  }
  return 0;
}
