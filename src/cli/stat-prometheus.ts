/**
 * `nanosp stat --prometheus host:port [--stale-after MS] [--max-series N] <url>`: the ESTP →
 * Prometheus bridge. It binds a SUB socket at `url` as `nanosp stat` does, keeps the latest
 * value of every ESTP record any publisher sends there (nanosp's or nanomsg's
 * NN_STATISTICS_SOCKET, or any program that speaks ESTP), and serves them on
 * `http://host:port/metrics` (text 0.0.4, or OpenMetrics 1.0 when Accept asks for it; the
 * HTTP side is NANOSP_METRICS's MetricsServer).
 *
 * Naming, as metricsText(): an ESTP counter (`:c`) or derive (`:d`) `m` is the counter
 * `nanosp_<m>_total`; anything else (a gauge, a delta `:a`, an extension `:x`) is the gauge
 * `nanosp_<m>`. Characters a Prometheus name cannot hold become `_`, and a counter's own
 * trailing `_total` is not doubled. Every sample is labelled `host`, `application` and
 * `socket` from the ESTP name: `socket` is the resource without its `socket.` prefix
 * (`socket.pusher` → `pusher`, `socket.2` → `2`; another resource is kept whole). Values are
 * nanomsg's, so already in base units (bytes, messages, connections).
 *
 * Staleness: a source is a (host, application) pair, i.e. one publishing process. A series
 * that no record has refreshed for the source's stale time is removed; that time is
 * `--stale-after MS` when given, else 3 × the largest interval the source has announced, and
 * at least 10 s. A socket that closes, or a process that stops publishing, so leaves the
 * output after that time.
 *
 * Robustness: a message that is not ESTP is counted (nanosp_bridge_malformed_records_total)
 * and said on stderr once per source (the host and application when its name can be read,
 * else one "unidentified" source), never fatal. A record whose family is already served with
 * the other type, or which names a bridge family, is dropped and counted
 * (nanosp_bridge_dropped_records_total). At most `--max-series` series (default 10,000) are
 * kept; a new series beyond that is dropped and counted (nanosp_bridge_dropped_series_total).
 */
import type { EstpRecord } from '../estp/index.js';
import { escapeHelp, labelSet, sampleValue, type MetricsFormat } from '../diag/metrics.js';

export const DEFAULT_MAX_SERIES = 10_000;
/** The least stale time when it comes from the intervals. */
export const MIN_STALE_MS = 10_000;
/** Stale time = this many intervals (the largest the source announced). */
export const STALE_INTERVALS = 3;
/** How many sources' malformed records are remembered as already reported. */
const MAX_REPORTED_SOURCES = 1000;

type Kind = 'counter' | 'gauge';

interface Series {
  readonly labels: string;
  readonly source: Source;
  value: number | bigint;
  /** Date.now() of the last record: the receiver's clock, as publishers' clocks may differ. */
  seen: number;
}

interface Family {
  /** The OpenMetrics family name (without `_total`). */
  readonly base: string;
  readonly kind: Kind;
  readonly help: string;
  /** labelSet → series. */
  readonly series: Map<string, Series>;
}

interface Source {
  readonly key: string;
  /** The largest interval announced, in seconds. */
  interval: number;
  series: number;
}

export interface BridgeOptions {
  /** Fixed stale time in ms; default 3 × the source's largest interval, at least 10 s. */
  staleAfterMs?: number;
  /** The most series kept; default 10,000. */
  maxSeries?: number;
  /** Where a malformed record is said, once per source. */
  stderr?: { write(text: string): unknown };
}

const BRIDGE_FAMILIES = [
  { base: 'nanosp_bridge_records', kind: 'counter', help: 'ESTP records received and served.' },
  { base: 'nanosp_bridge_malformed_records', kind: 'counter', help: 'Messages on the ESTP socket that are not ESTP records.' },
  { base: 'nanosp_bridge_dropped_records', kind: 'counter', help: 'ESTP records dropped because their family is served with the other type or is a bridge family.' },
  { base: 'nanosp_bridge_dropped_series', kind: 'counter', help: 'New series dropped because the series limit was reached.' },
  { base: 'nanosp_bridge_expired_series', kind: 'counter', help: 'Series removed because their source stopped refreshing them.' },
  { base: 'nanosp_bridge_series', kind: 'gauge', help: 'Series served now.' },
  { base: 'nanosp_bridge_series_limit', kind: 'gauge', help: 'The most series kept (--max-series).' },
  { base: 'nanosp_bridge_sources', kind: 'gauge', help: 'Publishing sources (host, application) with series served now.' },
] as const;
const RESERVED = new Set<string>(BRIDGE_FAMILIES.flatMap((f) => [f.base, `${f.base}_total`]));

/** The Prometheus family name (without `_total`) and kind of an ESTP metric. */
export function familyOf(record: Pick<EstpRecord, 'metric' | 'type'>): { base: string; kind: Kind } {
  const kind: Kind = record.type === 'counter' || record.type === 'derive' ? 'counter' : 'gauge';
  let name = record.metric.replace(/[^a-zA-Z0-9_]/g, '_');
  if (kind === 'counter' && name.endsWith('_total')) name = name.slice(0, -6);
  return { base: `nanosp_${name}`, kind };
}

/** The `socket` label of an ESTP resource: `socket.X` → `X`, anything else unchanged. */
export function socketLabel(resource: string): string {
  return resource.startsWith('socket.') ? resource.slice(7) : resource;
}

/** The host and application of a message's ESTP name when they can be read, else "unidentified". */
function malformedSource(message: Uint8Array | string): string {
  const head = typeof message === 'string' ? message.slice(0, 140) : Buffer.from(message.subarray(0, 140)).toString('latin1');
  const m = /^ESTP:([\x21-\x39\x3b-\x7e]{0,63}):([\x21-\x39\x3b-\x7e]{0,63}):/.exec(head);
  return m ? `host ${JSON.stringify(m[1])} application ${JSON.stringify(m[2])}` : 'unidentified';
}

export class EstpBridge {
  private readonly families = new Map<string, Family>();
  /** Sample name → family base, so that a gauge `x_total` and a counter `x` cannot clash. */
  private readonly samples = new Map<string, string>();
  private readonly sources = new Map<string, Source>();
  private readonly reported = new Set<string>();
  private readonly maxSeries: number;
  seriesCount = 0;
  records = 0;
  malformed = 0;
  droppedRecords = 0;
  droppedSeries = 0;
  expiredSeries = 0;

  constructor(private readonly options: BridgeOptions = {}) {
    this.maxSeries = options.maxSeries ?? DEFAULT_MAX_SERIES;
  }

  /** Keep `record`'s value as the latest of its series. */
  add(record: EstpRecord, now = Date.now()): void {
    const { base, kind } = familyOf(record);
    const sample = kind === 'counter' ? `${base}_total` : base;
    let family = this.families.get(base);
    const owner = this.samples.get(sample);
    if (RESERVED.has(base) || RESERVED.has(sample) || (family && family.kind !== kind) || (owner !== undefined && owner !== base)) {
      this.droppedRecords++;
      return;
    }
    const labels = labelSet([
      ['host', record.host],
      ['application', record.application],
      ['socket', socketLabel(record.resource)],
    ]);
    const existing = family?.series.get(labels);
    if (existing) {
      existing.value = record.value;
      existing.seen = now;
      existing.source.interval = Math.max(existing.source.interval, record.interval);
      this.records++;
      return;
    }
    if (this.seriesCount >= this.maxSeries) {
      this.droppedSeries++;
      return;
    }
    if (!family) {
      family = { base, kind, help: `ESTP statistic ${record.metric}, bridged by nanosp stat --prometheus.`, series: new Map() };
      this.families.set(base, family);
      this.samples.set(sample, base);
    }
    const sourceKey = `${record.host}\n${record.application}`;
    let source = this.sources.get(sourceKey);
    if (!source) {
      source = { key: sourceKey, interval: 0, series: 0 };
      this.sources.set(sourceKey, source);
    }
    source.interval = Math.max(source.interval, record.interval);
    source.series++;
    family.series.set(labels, { labels, source, value: record.value, seen: now });
    this.seriesCount++;
    this.records++;
  }

  /** Count a message that is not ESTP; say it on stderr the first time its source sends one. */
  bad(message: Uint8Array | string, reason: string): void {
    this.malformed++;
    const source = malformedSource(message);
    if (this.reported.has(source) || this.reported.size >= MAX_REPORTED_SOURCES) return;
    this.reported.add(source);
    this.options.stderr?.write(`nanosp stat: malformed ESTP record from ${source} (further ones are only counted): ${reason}\n`);
  }

  /** The stale time of a source, in ms. */
  staleAfter(source: { interval: number }): number {
    return this.options.staleAfterMs ?? Math.max(MIN_STALE_MS, STALE_INTERVALS * source.interval * 1000);
  }

  /** Remove the series not refreshed within their source's stale time. */
  sweep(now = Date.now()): void {
    for (const [base, family] of this.families) {
      for (const [labels, series] of family.series) {
        if (now - series.seen <= this.staleAfter(series.source)) continue;
        family.series.delete(labels);
        this.seriesCount--;
        this.expiredSeries++;
        if (--series.source.series === 0) this.sources.delete(series.source.key);
      }
      if (family.series.size === 0) {
        this.families.delete(base);
        this.samples.delete(family.kind === 'counter' ? `${base}_total` : base);
      }
    }
  }

  /** The exposition text: the bridged families sorted by name, then the bridge's own. */
  render(format: MetricsFormat, now = Date.now()): string {
    this.sweep(now);
    const out: string[] = [];
    const write = (base: string, kind: Kind, help: string, samples: Iterable<readonly [string, string]>): void => {
      const sample = kind === 'counter' ? `${base}_total` : base;
      const name = format === 'openmetrics' ? base : sample;
      out.push(`# HELP ${name} ${escapeHelp(help, format)}`, `# TYPE ${name} ${kind}`);
      for (const [labels, value] of samples) out.push(`${sample}${labels} ${value}`);
    };
    const value = (v: number | bigint): string => (typeof v === 'bigint' ? String(v) : sampleValue(v));
    for (const base of [...this.families.keys()].sort()) {
      const family = this.families.get(base) as Family;
      const series = [...family.series.values()].sort((a, b) => (a.labels < b.labels ? -1 : a.labels > b.labels ? 1 : 0));
      write(base, family.kind, family.help, series.map((s) => [s.labels, value(s.value)] as const));
    }
    const own: Record<(typeof BRIDGE_FAMILIES)[number]['base'], number> = {
      nanosp_bridge_records: this.records,
      nanosp_bridge_malformed_records: this.malformed,
      nanosp_bridge_dropped_records: this.droppedRecords,
      nanosp_bridge_dropped_series: this.droppedSeries,
      nanosp_bridge_expired_series: this.expiredSeries,
      nanosp_bridge_series: this.seriesCount,
      nanosp_bridge_series_limit: this.maxSeries,
      nanosp_bridge_sources: this.sources.size,
    };
    for (const f of BRIDGE_FAMILIES) write(f.base, f.kind, f.help, [['', sampleValue(own[f.base])]]);
    if (format === 'openmetrics') out.push('# EOF');
    return `${out.join('\n')}\n`;
  }
}
