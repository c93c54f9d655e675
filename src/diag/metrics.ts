/**
 * Every socket's statistics as Prometheus text (exposition format 0.0.4) or OpenMetrics 1.0
 * (spec/nng.md §6): nanomsg's 15 statistics and nanosp's own three, one metric family each,
 * with labels that name the socket. A pure function of `describe()` snapshots; the
 * diagnostics hand it the open sockets (`metricsText()`), and NANOSP_METRICS serves it.
 *
 * Names: counters are `nanosp_<nanomsg's name>_total` (nanosp_messages_sent_total,
 * nanosp_bytes_sent_total), levels are gauges under their own name (nanosp_current_connections).
 * Every sample carries `socket` (its number), `name` (socketName), `protocol` (the socket
 * type), `application` (NN_APPLICATION_NAME) and `host` (NN_HOSTNAME).
 *
 * Per-pipe series (`{ pipes: true }`) add nanosp_pipe_{messages,bytes}_{sent,received}_total
 * with `endpoint` (the endpoint's URL), `pipe` (the pipe's id) and `remote` (the peer's
 * address) as well: one series per connection, so they are off unless asked for.
 */
import { spError } from '../sp/errors.js';
import type { SocketDescription } from '../sp/socket.js';
import type { PipeStats, SocketStats } from '../sp/stats.js';

export type MetricsFormat = 'prometheus' | 'openmetrics';

export interface MetricsOptions {
  /** 'prometheus' (text 0.0.4, the default) or 'openmetrics' (OpenMetrics 1.0, ends with `# EOF`). */
  format?: MetricsFormat;
  /** Also one series per live pipe (labels `endpoint`, `pipe`, `remote`); off by default to keep cardinality low. */
  pipes?: boolean;
}

/** What every sample is labelled with besides the socket's own labels. */
export interface MetricsOrigin {
  /** NN_APPLICATION_NAME (default `nanomsg.{pid}`). */
  readonly application: string;
  /** NN_HOSTNAME (default the host name). */
  readonly host: string;
}

/** The Content-Type of each format. */
export const METRICS_CONTENT_TYPE: Readonly<Record<MetricsFormat, string>> = {
  prometheus: 'text/plain; version=0.0.4; charset=utf-8',
  openmetrics: 'application/openmetrics-text; version=1.0.0; charset=utf-8',
};

type Kind = 'counter' | 'gauge';

interface Family<Source> {
  /** Without `_total`: the OpenMetrics family name. */
  readonly name: string;
  readonly kind: Kind;
  readonly help: string;
  readonly value: (source: Source) => number;
}

/** nanomsg's statistics and nanosp's own, in nanomsg's report order, then nanosp's. */
const SOCKET_FAMILIES: readonly Family<SocketStats>[] = (
  [
    ['establishedConnections', 'established_connections', 'counter', 'Connections a connecting endpoint made (at TCP connect, before the SP handshake).'],
    ['acceptedConnections', 'accepted_connections', 'counter', 'Connections a bound endpoint accepted.'],
    ['droppedConnections', 'dropped_connections', 'counter', 'Live connections closed because the local endpoint or socket was closed.'],
    ['brokenConnections', 'broken_connections', 'counter', 'Live connections that failed: peer closed or reset, bad header, oversized or truncated frame.'],
    ['connectErrors', 'connect_errors', 'counter', 'Failed connect attempts (every retry counts).'],
    ['bindErrors', 'bind_errors', 'counter', 'Bind errors (never incremented, as in nanomsg).'],
    ['acceptErrors', 'accept_errors', 'counter', 'Errors a listener reported while accepting.'],
    ['messagesSent', 'messages_sent', 'counter', 'Messages sent.'],
    ['messagesReceived', 'messages_received', 'counter', 'Messages received.'],
    ['bytesSent', 'bytes_sent', 'counter', 'Message body bytes sent, without protocol headers.'],
    ['bytesReceived', 'bytes_received', 'counter', 'Message body bytes received, without protocol headers.'],
    ['droppedMessages', 'dropped_messages', 'counter', 'Inbound messages dropped for a malformed SP header or too many hops.'],
    ['droppedSends', 'dropped_sends', 'counter', 'Sent messages let go because the pipe they were addressed to was gone or full.'],
    ['rejectedConnections', 'rejected_connections', 'counter', "Connections the application refused in a 'pipe-adding' listener."],
    ['currentConnections', 'current_connections', 'gauge', 'Live connections the protocol accepted.'],
    ['inprogressConnections', 'inprogress_connections', 'gauge', 'Connect attempts under way.'],
    ['currentSndPriority', 'current_snd_priority', 'gauge', "The load balancer's current send priority (PUSH, REQ): 1-16, 0 before any, -1 when none is left."],
    ['currentEpErrors', 'current_ep_errors', 'gauge', 'Endpoints whose last attempt failed and has not succeeded since.'],
  ] as const
).map(([key, name, kind, help]) => ({ name: `nanosp_${name}`, kind, help, value: (stats: SocketStats) => stats[key] }));

const PIPE_FAMILIES: readonly Family<PipeStats>[] = (
  [
    ['messagesSent', 'messages_sent', 'SP messages sent on this pipe.'],
    ['messagesReceived', 'messages_received', 'SP messages received on this pipe.'],
    ['bytesSent', 'bytes_sent', 'Bytes of SP messages sent on this pipe, headers included.'],
    ['bytesReceived', 'bytes_received', 'Bytes of SP messages received on this pipe, headers included.'],
  ] as const
).map(([key, name, help]) => ({ name: `nanosp_pipe_${name}`, kind: 'counter' as const, help, value: (stats: PipeStats) => stats[key] }));

/** The names of every family `formatMetrics` may write (without `_total`), for documentation and tests. */
export const METRIC_FAMILIES: readonly { name: string; kind: Kind; pipe: boolean }[] = [
  ...SOCKET_FAMILIES.map((f) => ({ name: f.name, kind: f.kind, pipe: false })),
  ...PIPE_FAMILIES.map((f) => ({ name: f.name, kind: f.kind, pipe: true })),
];

/** A label value: `\` as `\\`, `"` as `\"`, newline as `\n` (both formats). */
export function escapeLabelValue(value: string): string {
  return value.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`));
}

/** HELP text: `\` and newline escaped, and in OpenMetrics `"` as well. */
export function escapeHelp(text: string, format: MetricsFormat): string {
  return text.replace(format === 'openmetrics' ? /[\\"\n]/g : /[\\\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`));
}

/** `{name="value",…}` with every value escaped. */
export function labelSet(labels: readonly (readonly [string, string])[]): string {
  return `{${labels.map(([name, value]) => `${name}="${escapeLabelValue(value)}"`).join(',')}}`;
}

/** A sample value: integers as such, and the spellings both formats accept for the rest. */
export function sampleValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

function family<Source>(out: string[], f: Family<Source>, series: readonly { labels: string; source: Source }[], format: MetricsFormat): void {
  // OpenMetrics names the counter family without _total and its samples with it; 0.0.4 uses the sample name throughout
  const sample = f.kind === 'counter' ? `${f.name}_total` : f.name;
  const familyName = format === 'openmetrics' ? f.name : sample;
  out.push(`# HELP ${familyName} ${escapeHelp(f.help, format)}`);
  out.push(`# TYPE ${familyName} ${f.kind}`);
  for (const { labels, source } of series) out.push(`${sample}${labels} ${sampleValue(f.value(source))}`);
}

/**
 * The exposition text for these sockets, sockets in ascending number order, every family
 * (HELP, TYPE, then its samples) written once even when no socket is open. Ends with LF; in
 * OpenMetrics the last line is `# EOF`.
 */
export function formatMetrics(sockets: readonly SocketDescription[], origin: MetricsOrigin, options: MetricsOptions = {}): string {
  const format = options.format ?? 'prometheus';
  if (format !== 'prometheus' && format !== 'openmetrics') {
    throw spError('EINVAL', `metrics format must be 'prometheus' or 'openmetrics', not ${JSON.stringify(format)}`);
  }
  const ordered = [...sockets].sort((a, b) => a.id - b.id);
  const common = (s: SocketDescription): [string, string][] => [
    ['socket', String(s.id)],
    ['name', s.name],
    ['protocol', s.protocol],
    ['application', origin.application],
    ['host', origin.host],
  ];
  const out: string[] = [];
  const socketSeries = ordered.map((s) => ({ labels: labelSet(common(s)), source: s.stats }));
  for (const f of SOCKET_FAMILIES) family(out, f, socketSeries, format);
  if (options.pipes) {
    const pipeSeries = ordered.flatMap((s) =>
      s.endpoints.flatMap((endpoint) =>
        endpoint.pipes.map((pipe) => ({
          labels: labelSet([...common(s), ['endpoint', endpoint.url], ['pipe', String(pipe.id)], ['remote', pipe.remoteAddress]]),
          source: pipe.stats,
        })),
      ),
    );
    for (const f of PIPE_FAMILIES) family(out, f, pipeSeries, format);
  }
  if (format === 'openmetrics') out.push('# EOF');
  return `${out.join('\n')}\n`;
}

/** `metricsText('openmetrics')` and `metricsText({ format: 'openmetrics', pipes: true })` alike. */
export function metricsOptions(options: MetricsFormat | MetricsOptions | undefined): MetricsOptions {
  return typeof options === 'string' ? { format: options } : { ...options };
}
