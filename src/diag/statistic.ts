/**
 * nn_get_statistic: one of nanomsg's 15 statistics of a socket, by its NN_STAT_* name, its
 * number (spec/diagnostics.md §6.1) or its ESTP name. Unlike nanomsg 0.9–1.2,
 * NN_STAT_ACCEPT_ERRORS returns the accept errors (nanomsg returns bind_errors, always 0).
 */
import { spError } from '../sp/errors.js';
import type { SpSocket } from '../sp/socket.js';
import { STATISTICS, type StatisticInfo } from '../sp/stats.js';

const BY_KEY = new Map<string | number, StatisticInfo>();
for (const stat of STATISTICS) {
  BY_KEY.set(stat.id, stat);
  BY_KEY.set(stat.nnName, stat);
  BY_KEY.set(stat.name, stat);
  BY_KEY.set(stat.key, stat);
}

/** `NN_STAT_*` names and numbers, for callers that mirror nanomsg's constants. */
export const NN_STAT: Readonly<Record<string, number>> = Object.fromEntries(STATISTICS.map((s) => [s.nnName, s.id]));

export function getStatistic(socket: SpSocket, statistic: string | number): number {
  const stat = BY_KEY.get(statistic);
  if (!stat) {
    throw spError('EINVAL', `unknown statistic ${JSON.stringify(statistic)}; use an NN_STAT_* name or number (101-107, 201-203, 301-304, 401)`);
  }
  if (socket.closed) throw spError('EBADF', `cannot read ${stat.nnName}: the socket is closed`);
  return socket.stats[stat.key];
}
