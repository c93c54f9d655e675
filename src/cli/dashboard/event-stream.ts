/**
 * The pages connected to the dashboard, as Server-Sent Events streams (text/event-stream:
 * `event: {name}` and `data: {one line}`, then a blank line). A page first needs a full
 * snapshot, then it follows the broadcast updates.
 *
 * Memory stays bounded per page: a stream whose write() returns false (the page, or the
 * network, does not keep up) gets nothing more until it drains — it has missed updates by
 * then, so it is sent a fresh snapshot — and one that has not drained within
 * `maxCongestedMs` is closed (EventSource reconnects by itself if the page is still there).
 * At most `maxClients` streams are open; more get 503.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export const DEFAULT_MAX_CLIENTS = 32;
export const DEFAULT_MAX_CONGESTED_MS = 30_000;
/** How soon EventSource reconnects after the stream ends. */
const RETRY_MS = 2000;

/** What a stream needs of a ServerResponse (tests pass a plain Writable). */
export interface StreamResponse {
  write(text: string): boolean;
  destroy(): unknown;
  once(event: 'close' | 'drain', listener: () => void): unknown;
  readonly writableLength: number;
}

type StreamState = 'needs-snapshot' | 'live' | 'congested';

interface Stream {
  readonly res: StreamResponse;
  state: StreamState;
  congestedSince: number;
}

export interface EventStreamsOptions {
  maxClients?: number;
  maxCongestedMs?: number;
  /** A stream was closed because it stayed congested. */
  onDrop?: () => void;
  /** A stream needs a snapshot now (a new page, or one that drained). */
  onNeedsSnapshot?: () => void;
}

/** One SSE message; `data` must be one line (JSON.stringify without indentation is). */
export function sseMessage(event: string, data: string): string {
  return `event: ${event}\ndata: ${data}\n\n`;
}

export class EventStreams {
  private readonly streams = new Set<Stream>();
  readonly maxClients: number;
  readonly maxCongestedMs: number;
  /** Streams closed because they stayed congested. */
  dropped = 0;
  /** Pages refused because maxClients streams were open. */
  refused = 0;

  constructor(private readonly options: EventStreamsOptions = {}) {
    this.maxClients = options.maxClients ?? DEFAULT_MAX_CLIENTS;
    this.maxCongestedMs = options.maxCongestedMs ?? DEFAULT_MAX_CONGESTED_MS;
  }

  get size(): number {
    return this.streams.size;
  }

  /** Bytes written to the streams and not yet taken by the network: what slow pages cost. */
  get buffered(): number {
    let bytes = 0;
    for (const stream of this.streams) bytes += stream.res.writableLength;
    return bytes;
  }

  /** Start an event stream on `res`, or answer 503 when too many are open. */
  open(req: IncomingMessage, res: ServerResponse): void {
    if (this.streams.size >= this.maxClients) {
      this.refused++;
      const text = `Too many dashboard pages are open (${this.maxClients}); close one and reload.\n`;
      res.writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text), 'Retry-After': '10' });
      res.end(text);
      return;
    }
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      // a proxy in between must pass events on as they come
      'X-Accel-Buffering': 'no',
    });
    req.socket.setNoDelay(true);
    this.add(res);
  }

  /** Follow `res` (already answered 200 with the event-stream type). */
  add(res: StreamResponse): void {
    const stream: Stream = { res, state: 'needs-snapshot', congestedSince: 0 };
    this.streams.add(stream);
    res.once('close', () => this.streams.delete(stream));
    this.write(stream, `retry: ${RETRY_MS}\n\n`, Date.now());
    this.options.onNeedsSnapshot?.();
  }

  /** True when some stream waits for a snapshot. */
  get needsSnapshot(): boolean {
    for (const stream of this.streams) if (stream.state === 'needs-snapshot') return true;
    return false;
  }

  /** Send `message` (from sseMessage) to every stream that waits for a snapshot. */
  sendSnapshot(message: string, now = Date.now()): void {
    for (const stream of this.streams) {
      if (stream.state !== 'needs-snapshot') continue;
      stream.state = 'live';
      this.write(stream, message, now);
    }
  }

  /** Send `message` to every live stream; congested ones are skipped, and closed when they stay so. */
  broadcast(message: string, now = Date.now()): void {
    for (const stream of this.streams) {
      if (stream.state === 'live') this.write(stream, message, now);
      else if (stream.state === 'congested' && now - stream.congestedSince > this.maxCongestedMs) this.drop(stream);
    }
  }

  /** End every stream (the dashboard stops). */
  closeAll(): void {
    for (const stream of this.streams) stream.res.destroy();
    this.streams.clear();
  }

  private write(stream: Stream, text: string, now: number): void {
    if (stream.res.write(text)) return;
    stream.state = 'congested';
    stream.congestedSince = now;
    stream.res.once('drain', () => {
      if (!this.streams.has(stream)) return;
      stream.state = 'needs-snapshot';
      this.options.onNeedsSnapshot?.();
    });
  }

  private drop(stream: Stream): void {
    this.streams.delete(stream);
    this.dropped++;
    stream.res.destroy();
    this.options.onDrop?.();
  }
}
