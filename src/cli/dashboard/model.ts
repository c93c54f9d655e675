/**
 * The data behind `nanosp stat --http`: every socket that publishes ESTP (a source: host,
 * application, resource), the latest value of each of its metrics, and a short history of
 * the figures the dashboard charts — a rate per second for counters (`:c`, `:d`), the value
 * for levels — plus the endpoint errors that nanomsg's current_ep_errors record spells out.
 *
 * Memory stays bounded whatever the publishers do: at most `maxSources` sources (records of
 * others are counted and ignored), at most MAX_METRICS_PER_SOURCE metrics each, HISTORY_POINTS
 * points per chart, a few error lines of bounded length, and a source that stops publishing
 * is removed after its stale time (as the Prometheus bridge: 3 intervals, at least 10 s).
 *
 * The page is fed in two shapes: `snapshot()` (everything, for a page that just connected)
 * and `takeUpdate()` (what changed since the last take: new chart points only).
 */
import type { EstpRecord } from '../../estp/index.js';
import { MIN_STALE_MS, STALE_INTERVALS, socketLabel } from '../stat-prometheus.js';

export const DEFAULT_MAX_SOURCES = 500;
/** Points kept per chart: two minutes at one report a second. */
export const HISTORY_POINTS = 120;
/** The metrics that get a history (the page charts them); the others keep their latest value only. */
export const CHARTED_METRICS = [
  'messages_received',
  'messages_sent',
  'bytes_received',
  'bytes_sent',
  'current_connections',
  'connect_errors',
  'accept_errors',
  'broken_connections',
  'current_ep_errors',
] as const;
const CHARTED: ReadonlySet<string> = new Set(CHARTED_METRICS);
/** nanomsg publishes 15 per socket; room for a few more from other ESTP publishers. */
export const MAX_METRICS_PER_SOURCE = 40;
/** Endpoint error lines kept per socket (nanomsg itself stops at 4096 bytes). */
export const MAX_ERROR_LINES = 8;
/** Longest text kept from a publisher (an error line, a malformed record's reason). */
const MAX_TEXT = 200;
/**
 * Two reports of one counter closer than this (a backlog read in one go) give no rate: the
 * next report is measured from the older one instead, so a burst never shows as a spike.
 */
export const MIN_RATE_WINDOW_MS = 50;

/** One failing endpoint, from ` nanomsg: Endpoint {id} [{address}] error: {text}` (spec/diagnostics.md §4.3c). */
export interface EndpointError {
  endpoint: string;
  address: string;
  error: string;
}

/** One socket as the page gets it (JSON). */
export interface SourceView {
  key: string;
  host: string;
  application: string;
  /** The resource without nanomsg's `socket.` prefix. */
  socket: string;
  /** Seconds between reports, as announced. */
  interval: number;
  /** Date.now() of the last record. */
  seen: number;
  /** [metric, value as text (u64 counters can pass 2^53), counter?], in arrival order. */
  latest: [string, string, boolean][];
  /** Chart points per charted metric: all kept (snapshot) or the new ones (update). */
  series: Record<string, number[]>;
  /** current_ep_errors, once reported. */
  epErrors: number | null;
  endpointErrors: EndpointError[];
}

export interface ModelStats {
  sources: number;
  maxSources: number;
  records: number;
  malformed: number;
  lastMalformed: string | null;
  /** Records of sockets beyond maxSources, ignored. */
  refusedRecords: number;
  /** Records of metrics beyond MAX_METRICS_PER_SOURCE, ignored. */
  droppedRecords: number;
  expiredSources: number;
}

export interface DashboardUpdate {
  sources: SourceView[];
  /** Keys of sources removed as stale. */
  removed: string[];
}

export interface ModelOptions {
  maxSources?: number;
  /** Fixed stale time in ms; default 3 × the source's interval, at least 10 s. */
  staleAfterMs?: number;
  historyPoints?: number;
}

interface Metric {
  value: number | bigint;
  counter: boolean;
  /** The counter value and time a rate is measured from. */
  base?: { value: number | bigint; at: number };
}

interface Series {
  values: number[];
  /** Points added since the last takeUpdate(). */
  fresh: number;
}

interface Source {
  readonly key: string;
  readonly host: string;
  readonly application: string;
  readonly resource: string;
  interval: number;
  seen: number;
  readonly metrics: Map<string, Metric>;
  readonly series: Map<string, Series>;
  epErrors: number | null;
  endpointErrors: EndpointError[];
}

const ERROR_LINE = /^ nanomsg: Endpoint (\d+) \[(.*)\] error: (.*)$/;

/** The endpoint errors a current_ep_errors record spells out; other extension lines are not errors. */
export function endpointErrors(extensions: readonly string[]): EndpointError[] {
  const found: EndpointError[] = [];
  for (const line of extensions) {
    const m = ERROR_LINE.exec(line);
    if (!m) continue;
    found.push({ endpoint: m[1] as string, address: cut(m[2] as string), error: cut(m[3] as string) });
    if (found.length === MAX_ERROR_LINES) break;
  }
  return found;
}

function cut(text: string): string {
  return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT - 3)}...` : text;
}

/** Four significant digits are plenty for a chart and keep the JSON short. */
function chartValue(value: number): number {
  return Number.isFinite(value) ? Number(value.toPrecision(4)) : 0;
}

export class DashboardModel {
  private readonly sources = new Map<string, Source>();
  /** Sources changed since the last takeUpdate(). */
  private readonly changed = new Set<Source>();
  private removed: string[] = [];
  readonly maxSources: number;
  readonly historyPoints: number;
  records = 0;
  malformed = 0;
  lastMalformed: string | null = null;
  refusedRecords = 0;
  droppedRecords = 0;
  expiredSources = 0;

  constructor(private readonly options: ModelOptions = {}) {
    this.maxSources = options.maxSources ?? DEFAULT_MAX_SOURCES;
    this.historyPoints = options.historyPoints ?? HISTORY_POINTS;
  }

  get sourceCount(): number {
    return this.sources.size;
  }

  add(record: EstpRecord, now = Date.now()): void {
    const source = this.sourceOf(record, now);
    if (!source) {
      this.refusedRecords++;
      return;
    }
    let metric = source.metrics.get(record.metric);
    if (!metric) {
      if (source.metrics.size >= MAX_METRICS_PER_SOURCE) {
        this.droppedRecords++;
        return;
      }
      metric = { value: record.value, counter: record.type === 'counter' || record.type === 'derive' };
      source.metrics.set(record.metric, metric);
    }
    this.records++;
    metric.value = record.value;
    source.seen = now;
    source.interval = Math.max(source.interval, record.interval);
    if (record.metric === 'current_ep_errors') {
      source.epErrors = Number(record.value);
      source.endpointErrors = endpointErrors(record.extensions);
    }
    const point = metric.counter ? this.rate(metric, record.value, now) : Number(record.value);
    if (point !== undefined && CHARTED.has(record.metric)) this.push(source, record.metric, point);
    this.changed.add(source);
  }

  /** Count a message that is not ESTP; the last reason is shown on the page. */
  bad(reason: string): void {
    this.malformed++;
    this.lastMalformed = cut(reason);
  }

  /** The stale time of a source, in ms. */
  staleAfter(source: { interval: number }): number {
    return this.options.staleAfterMs ?? Math.max(MIN_STALE_MS, STALE_INTERVALS * source.interval * 1000);
  }

  /** Remove the sources that have not reported within their stale time. */
  sweep(now = Date.now()): void {
    for (const [key, source] of this.sources) {
      if (now - source.seen <= this.staleAfter(source)) continue;
      this.sources.delete(key);
      this.changed.delete(source);
      this.removed.push(key);
      this.expiredSources++;
    }
  }

  /** Every source with its whole history: what a page that just connected starts from. */
  snapshot(): DashboardUpdate {
    return { sources: [...this.sources.values()].map((s) => this.view(s, false)), removed: [] };
  }

  /** What changed since the last call: changed sources with their new points, removed keys. */
  takeUpdate(): DashboardUpdate {
    const update = { sources: [...this.changed].map((s) => this.view(s, true)), removed: this.removed };
    for (const source of this.changed) for (const series of source.series.values()) series.fresh = 0;
    this.changed.clear();
    this.removed = [];
    return update;
  }

  stats(): ModelStats {
    return {
      sources: this.sources.size,
      maxSources: this.maxSources,
      records: this.records,
      malformed: this.malformed,
      lastMalformed: this.lastMalformed,
      refusedRecords: this.refusedRecords,
      droppedRecords: this.droppedRecords,
      expiredSources: this.expiredSources,
    };
  }

  private sourceOf(record: EstpRecord, now: number): Source | undefined {
    const key = `${record.host} ${record.application} ${record.resource}`;
    let source = this.sources.get(key);
    if (source) return source;
    if (this.sources.size >= this.maxSources) return undefined;
    source = {
      key,
      host: record.host,
      application: record.application,
      resource: record.resource,
      interval: record.interval,
      seen: now,
      metrics: new Map(),
      series: new Map(),
      epErrors: null,
      endpointErrors: [],
    };
    this.sources.set(key, source);
    return source;
  }

  /**
   * Per second since the counter's base, measured on this process's clock: publishers' clocks
   * may differ from ours, and ESTP timestamps have whole seconds only.
   */
  private rate(metric: Metric, value: number | bigint, now: number): number | undefined {
    const base = metric.base;
    if (!base) {
      metric.base = { value, at: now };
      return undefined;
    }
    const elapsed = now - base.at;
    if (elapsed < MIN_RATE_WINDOW_MS) return undefined;
    const delta = typeof value === 'bigint' || typeof base.value === 'bigint' ? Number(BigInt(value) - BigInt(base.value)) : value - base.value;
    metric.base = { value, at: now };
    // a counter that went back belongs to a restarted socket: no rate across the restart
    return delta < 0 ? undefined : delta / (elapsed / 1000);
  }

  private push(source: Source, metric: string, value: number): void {
    let series = source.series.get(metric);
    if (!series) {
      series = { values: [], fresh: 0 };
      source.series.set(metric, series);
    }
    series.values.push(chartValue(value));
    if (series.values.length > this.historyPoints) series.values.shift();
    series.fresh = Math.min(series.fresh + 1, this.historyPoints);
  }

  private view(source: Source, freshOnly: boolean): SourceView {
    const series: Record<string, number[]> = {};
    for (const [name, s] of source.series) {
      if (freshOnly && s.fresh === 0) continue;
      series[name] = freshOnly ? s.values.slice(s.values.length - s.fresh) : s.values.slice();
    }
    return {
      key: source.key,
      host: source.host,
      application: source.application,
      socket: socketLabel(source.resource),
      interval: source.interval,
      seen: source.seen,
      latest: [...source.metrics].map(([name, m]) => [name, String(m.value), m.counter]),
      series,
      epErrors: source.epErrors,
      endpointErrors: source.endpointErrors,
    };
  }
}
