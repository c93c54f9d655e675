/**
 * nanomsg's diagnostic texts, byte for byte (spec/diagnostics.md §2.2, §3.2, §4.3): the
 * NN_PRINT_ERRORS line, the NN_PRINT_STATISTICS lines and the ESTP records of one socket.
 * Pure functions of a socket's name, counters and endpoints.
 */
import { formatRecord, type EstpRecord } from '../estp/index.js';
import { strerror } from '../sp/errors.js';
import type { Endpoint } from '../sp/endpoint.js';
import { STATISTICS, type SocketStats } from '../sp/stats.js';
import { cutBytes } from './config.js';

/** The address as nanomsg prints it: without `scheme://`. */
export function addressOf(url: string): string {
  const sep = url.indexOf('://');
  return sep < 0 ? url : url.slice(sep + 3);
}

/** A peer's host from a pipe's remote address: `127.0.0.1:51234` → `127.0.0.1`, `[::1]:80` → `::1`; paths stay. */
export function peerHost(remoteAddress: string): string {
  const bracketed = /^\[(.*)\]:\d+$/.exec(remoteAddress);
  if (bracketed) return bracketed[1] as string;
  return /^[^/:]+:\d+$/.test(remoteAddress) ? remoteAddress.slice(0, remoteAddress.lastIndexOf(':')) : remoteAddress;
}

/** `nanomsg: socket.{name}[{address}]: Error: {text}` and LF. */
export function errorLine(socketName: string, url: string, text: string): string {
  return `nanomsg: socket.${socketName}[${addressOf(url)}]: Error: ${text}\n`;
}

/** NN_PRINT_STATISTICS: 11 counters then 3 levels, no current_ep_errors, no index fallback. */
export function statisticsLines(socketName: string, stats: SocketStats): string {
  let text = '';
  for (const stat of STATISTICS) {
    if (stat.key === 'currentEpErrors') continue;
    text += `nanomsg: socket.${socketName}: ${stat.name}: ${stats[stat.key]}\n`;
  }
  return text;
}

/** ESTP name parts allow no ':' and no whitespace; nanomsg sends them anyway, nanosp replaces them. */
export function estpPart(text: string): string {
  return cutBytes(text.replace(/[^\x21-\x39\x3b-\x7e]/g, '_'));
}

export interface SocketReport {
  readonly host: string;
  readonly application: string;
  /** The socket's name, or its number when the name is empty (nanomsg's ESTP fallback). */
  readonly socketName: string;
  readonly index: number;
  readonly stats: SocketStats;
  readonly endpoints: readonly Endpoint[];
  /** Seconds between reports: nanomsg's literal 10 unless the interval was changed. */
  readonly interval: number;
}

/** nanomsg builds current_ep_errors in a 4096-byte buffer and leaves out what does not fit. */
const ERRORS_RECORD_MAX = 4096;

/** The 15 ESTP records of one socket, in nanomsg's order, each one PUB message. */
export function estpRecords(report: SocketReport, now: () => Date = () => new Date()): string[] {
  const resource = estpPart(`socket.${report.socketName === '' ? report.index : report.socketName}`);
  return STATISTICS.map((stat) => {
    const record: EstpRecord = {
      host: estpPart(report.host),
      application: estpPart(report.application),
      resource,
      metric: stat.name,
      // nanomsg takes the time for each record, so one report can straddle a second
      timestamp: now(),
      interval: report.interval,
      value: report.stats[stat.key],
      type: stat.kind === 'counter' ? 'counter' : 'gauge',
      extensions: [],
    };
    if (stat.key !== 'currentEpErrors') return formatRecord(record);
    record.trailingNewline = true;
    let size = formatRecord(record).length;
    for (const endpoint of report.endpoints) {
      const error = endpoint.error;
      if (!error) continue;
      const line = ` nanomsg: Endpoint ${endpoint.id} [${addressOf(endpoint.url)}] error: ${strerror(error.code)}`;
      if (size + line.length + 1 > ERRORS_RECORD_MAX) break;
      record.extensions.push(line);
      size += line.length + 1;
    }
    return formatRecord(record);
  });
}
