/**
 * The state behind `nanosp stat`: the latest value of every metric, keyed by host,
 * application, resource and metric, with a rate per second for counters, and the count of
 * malformed records. Rendering is plain text, so it can be tested without a terminal.
 */
import type { EstpRecord } from '../estp/index.js';

interface Metric {
  value: number | bigint;
  counter: boolean;
  /** Seconds since the epoch of the record's timestamp. */
  at: number;
  rate: number | undefined;
}

export class StatView {
  /** "host app resource" → metric name → latest. */
  private readonly sources = new Map<string, Map<string, Metric>>();
  records = 0;
  malformed = 0;
  lastMalformed: string | undefined;

  add(record: EstpRecord): void {
    this.records++;
    const key = `${record.host}  ${record.application}  ${record.resource}`;
    let metrics = this.sources.get(key);
    if (!metrics) {
      metrics = new Map();
      this.sources.set(key, metrics);
    }
    const at = record.timestamp.getTime() / 1000;
    const counter = record.type === 'counter' || record.type === 'derive';
    const before = metrics.get(record.metric);
    let rate: number | undefined;
    if (counter && before) {
      const seconds = at - before.at || record.interval;
      rate = seconds > 0 ? Number(BigInt(record.value) - BigInt(before.value)) / seconds : undefined;
    }
    metrics.set(record.metric, { value: record.value, counter, at, rate: rate ?? before?.rate });
  }

  bad(reason: string): void {
    this.malformed++;
    this.lastMalformed = reason;
  }

  /** One line per source with the figures that tell most: traffic, connections, errors. */
  renderCompact(title: string): string {
    const lines = [`${title}: ${this.sources.size} sockets, ${this.records} records, ${this.malformed} malformed`];
    const figure = (metrics: Map<string, Metric>, name: string) => metrics.get(name);
    const fmt = (m: Metric | undefined) => (m === undefined ? '-' : m.rate === undefined ? String(m.value) : `${m.value} (${m.rate.toFixed(0)}/s)`);
    for (const [source, metrics] of [...this.sources].sort(([a], [b]) => a.localeCompare(b))) {
      lines.push(
        `  ${source.padEnd(36)} sent ${fmt(figure(metrics, 'messages_sent')).padEnd(14)} recv ${fmt(figure(metrics, 'messages_received')).padEnd(14)}` +
          ` conns ${fmt(figure(metrics, 'current_connections'))}  connect_errors ${fmt(figure(metrics, 'connect_errors'))}  ep_errors ${fmt(figure(metrics, 'current_ep_errors'))}`,
      );
    }
    return `${lines.join('\n')}\n`;
  }

  render(title: string): string {
    const lines = [`nanosp stat ${title}: ${this.sources.size} sources, ${this.records} records, ${this.malformed} malformed`];
    if (this.lastMalformed) lines.push(`  last malformed: ${this.lastMalformed}`);
    for (const [source, metrics] of [...this.sources].sort(([a], [b]) => a.localeCompare(b))) {
      lines.push('', source);
      for (const [name, m] of metrics) {
        const value = String(m.value).padStart(12);
        const extra = m.counter ? (m.rate === undefined ? '         -/s' : `${m.rate.toFixed(1).padStart(10)}/s`) : '     (level)';
        lines.push(`  ${name.padEnd(26)} ${value} ${extra}`);
      }
    }
    return `${lines.join('\n')}\n`;
  }
}
