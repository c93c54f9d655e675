/**
 * The state behind `nanosp stat` and the demo's statistics: per socket (host, application,
 * resource) the latest value of every metric with a rate per second for counters, and when
 * it was last heard from, so that a socket whose publisher went quiet is shown stale and then
 * forgotten instead of showing its last rate for ever; plus the count of malformed records.
 *
 * Staleness, on the receiver's clock (publishers' clocks may differ, and ESTP timestamps
 * have whole seconds only): a socket is stale when no record of it came for `--stale-after`
 * ms, or by default 3 × its publishing interval and at least 3 s. The interval is the gap
 * seen between two reports of the same metric, or before a second report the interval the
 * records announce (nanomsg's 10 s). A socket without records for 5 × its stale time is
 * forgotten.
 *
 * `render` is the detail view (every metric of every socket); stat-table.ts is the compact
 * one. Both are plain text, so they are tested without a terminal.
 */
import type { EstpRecord } from '../estp/index.js';
import { joinLines, limitHeight, type ViewLine } from './text-fit.js';

/** The least stale time when it comes from the interval. */
export const STALE_MIN_MS = 3000;
/** Stale time = this many publishing intervals. */
export const STALE_INTERVALS = 3;
/** A socket is forgotten after this many stale times without a record. */
export const FORGET_AFTER_STALE_TIMES = 5;
/**
 * Records of one metric closer together than this are a burst (one report, or reports that
 * queued up behind a pause), not the publishing interval: they neither set the interval nor
 * move the baseline a rate is measured from.
 */
const MIN_GAP_MS = 100;

/** a − b, exact for u64 counters beyond 2^53 (bigints), plain for fractional ones. */
function difference(a: number | bigint, b: number | bigint): number {
  const whole = (v: number | bigint) => typeof v === 'bigint' || Number.isInteger(v);
  return whole(a) && whole(b) ? Number(BigInt(a) - BigInt(b)) : Number(a) - Number(b);
}

export interface Metric {
  value: number | bigint;
  counter: boolean;
  /** Per second, between the last two reports at least MIN_GAP_MS apart. */
  rate: number | undefined;
  /** When (receiver's ms) and with what value the next rate starts. */
  base: { value: number | bigint; at: number };
}

export interface Source {
  readonly host: string;
  readonly application: string;
  readonly resource: string;
  readonly metrics: Map<string, Metric>;
  /** Date.now() of its latest record. */
  lastSeen: number;
  /** ms between its reports: seen, or announced until it was seen. */
  intervalMs: number;
}

/** Where and how a view is drawn. */
export interface ViewLayout {
  /** Columns; every line is cut to fit. Default 80. */
  width?: number;
  /** Lines; what does not fit ends in "… N more". Default: no limit. */
  height?: number;
  /** Dim what is stale (escape codes: a terminal only). */
  color?: boolean;
  /** Date.now() to judge staleness by. */
  now?: number;
  /** Said after the title when it fits (the keys of a live view). */
  hint?: string;
}

export interface StatViewOptions {
  /** A fixed stale time in ms instead of 3 × the interval. */
  staleAfterMs?: number;
}

export class StatView {
  /** "host\napplication\nresource" → source. */
  private readonly sources = new Map<string, Source>();
  records = 0;
  malformed = 0;
  lastMalformed: string | undefined;

  constructor(private readonly options: StatViewOptions = {}) {}

  add(record: EstpRecord, now = Date.now()): void {
    this.records++;
    const key = `${record.host}\n${record.application}\n${record.resource}`;
    let source = this.sources.get(key);
    if (!source) {
      source = { host: record.host, application: record.application, resource: record.resource, metrics: new Map(), lastSeen: now, intervalMs: record.interval * 1000 };
      this.sources.set(key, source);
    }
    source.lastSeen = now;
    const counter = record.type === 'counter' || record.type === 'derive';
    const metric = source.metrics.get(record.metric);
    if (!metric) {
      source.metrics.set(record.metric, { value: record.value, counter, rate: undefined, base: { value: record.value, at: now } });
      return;
    }
    metric.value = record.value;
    metric.counter = counter;
    const gap = now - metric.base.at;
    if (gap < MIN_GAP_MS) return;
    source.intervalMs = gap;
    const delta = counter ? difference(record.value, metric.base.value) : undefined;
    // a counter that went down belongs to a publisher that started again: no rate from that
    metric.rate = delta === undefined || delta < 0 ? undefined : delta / (gap / 1000);
    metric.base = { value: record.value, at: now };
  }

  bad(reason: string): void {
    this.malformed++;
    this.lastMalformed = reason;
  }

  /** ms without records after which `source` is stale. */
  staleAfter(source: Source): number {
    return this.options.staleAfterMs ?? Math.max(STALE_MIN_MS, STALE_INTERVALS * source.intervalMs);
  }

  isStale(source: Source, now = Date.now()): boolean {
    return now - source.lastSeen > this.staleAfter(source);
  }

  /** Forget the sources without records for FORGET_AFTER_STALE_TIMES × their stale time. */
  sweep(now = Date.now()): void {
    for (const [key, source] of this.sources) {
      if (now - source.lastSeen > FORGET_AFTER_STALE_TIMES * this.staleAfter(source)) this.sources.delete(key);
    }
  }

  /** The sources still known, live ones first, each group by host, application and resource. */
  list(now = Date.now()): { source: Source; stale: boolean }[] {
    this.sweep(now);
    const byName = (a: Source, b: Source) => a.host.localeCompare(b.host) || a.application.localeCompare(b.application) || a.resource.localeCompare(b.resource);
    return [...this.sources.values()]
      .map((source) => ({ source, stale: this.isStale(source, now) }))
      .sort((a, b) => Number(a.stale) - Number(b.stale) || byName(a.source, b.source));
  }

  /**
   * `{title}: N sources (S stale), N records, N malformed` and the hint when the line has
   * room; in a narrow terminal the records and then the hint are left out first.
   */
  titleLine(title: string, layout: ViewLayout, sources: { stale: boolean }[]): string {
    const stale = sources.filter((s) => s.stale).length;
    const count = `${sources.length} source${sources.length === 1 ? '' : 's'}${stale ? ` (${stale} stale)` : ''}`;
    const hint = layout.hint === undefined ? '' : `  ${layout.hint}`;
    const candidates = [
      `${title}: ${count}, ${this.records} records, ${this.malformed} malformed${hint}`,
      `${title}: ${count}, ${this.records} records, ${this.malformed} malformed`,
      `${title}: ${count}, ${this.malformed} malformed`,
    ];
    const width = layout.width ?? 80;
    return candidates.find((line) => line.length <= width) ?? (candidates[2] as string);
  }

  /** The detail view: every metric of every socket, its value and, for a counter, its rate. */
  render(title: string, layout: ViewLayout = {}): string {
    const sources = this.list(layout.now);
    const lines: ViewLine[] = [{ text: this.titleLine(title, layout, sources) }];
    if (this.lastMalformed) lines.push({ text: `  last malformed: ${this.lastMalformed}` });
    for (const { source, stale } of sources) {
      lines.push({ text: '' }, { text: `${source.host}  ${source.application}  ${source.resource}${stale ? '  (stale)' : ''}`, dim: stale });
      for (const [name, m] of source.metrics) {
        const value = String(m.value).padStart(12);
        const rate = m.rate === undefined ? '-' : m.rate.toFixed(1);
        const extra = !m.counter ? '     (level)' : stale ? '       stale' : `${rate.padStart(10)}/s`;
        lines.push({ text: `  ${name.padEnd(26)} ${value} ${extra}`, dim: stale });
      }
    }
    return joinLines(limitHeight(lines, layout.height, 'lines'), layout.width ?? 80, layout.color === true);
  }
}
