/**
 * The dashboard's node:http server: `/` (the page), `/dashboard.js`, `/dashboard.css`
 * (all three strings from this package, nothing fetched from elsewhere, which the
 * Content-Security-Policy also tells the browser) and `/events`, the event stream. Every
 * tick it sweeps stale sources out of the model and pushes what changed to every page; a
 * page that connects gets a snapshot at once.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { errorText } from '../../diag/metrics-server.js';
import { DASHBOARD_JS } from './client.js';
import { EventStreams, sseMessage, type EventStreamsOptions } from './event-stream.js';
import type { DashboardModel } from './model.js';
import { DASHBOARD_HTML } from './page.js';
import { DASHBOARD_CSS } from './style.js';

/** How often changes are pushed: often enough to look live, seldom enough to batch a burst. */
export const DEFAULT_TICK_MS = 500;

const SECURITY_HEADERS = {
  'Content-Security-Policy': "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
};

function asset(type: string, body: string): { type: string; body: string; length: number } {
  return { type, body, length: Buffer.byteLength(body) };
}

const ASSETS: ReadonlyMap<string, ReturnType<typeof asset>> = new Map([
  ['/', asset('text/html; charset=utf-8', DASHBOARD_HTML)],
  ['/dashboard.js', asset('text/javascript; charset=utf-8', DASHBOARD_JS)],
  ['/dashboard.css', asset('text/css; charset=utf-8', DASHBOARD_CSS)],
]);

export interface DashboardServerOptions extends Omit<EventStreamsOptions, 'onNeedsSnapshot'> {
  /** Where the ESTP records arrive (the SUB's URL), shown in the page's header. */
  title: string;
  tickMs?: number;
}

export class DashboardServer {
  readonly streams: EventStreams;
  private server: Server | undefined;
  private readonly connections = new Set<Socket>();
  private ticker: NodeJS.Timeout | undefined;

  constructor(
    private readonly model: DashboardModel,
    private readonly options: DashboardServerOptions,
  ) {
    this.streams = new EventStreams({ ...options, onNeedsSnapshot: () => this.flush() });
  }

  /** Listen; resolves with the port bound, rejects with the reason (`address already in use (EADDRINUSE)`). */
  listen(host: string | undefined, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const server = createServer((req, res) => this.answer(req, res));
      this.server = server;
      server.on('connection', (socket) => {
        this.connections.add(socket);
        socket.once('close', () => this.connections.delete(socket));
      });
      // `on`, not `once`: a later server error must never become an uncaught exception
      server.on('error', (err: NodeJS.ErrnoException) => {
        if (server.listening) return;
        this.stop();
        reject(new Error(errorText(err)));
      });
      server.once('listening', () => {
        if (this.server !== server) return void server.close();
        this.ticker = setInterval(() => this.flush(), this.options.tickMs ?? DEFAULT_TICK_MS);
        resolve((server.address() as { port: number }).port);
      });
      server.listen({ host, port });
    });
  }

  /** Stop serving: the pages' streams end, every connection is closed. */
  stop(): void {
    clearInterval(this.ticker);
    this.ticker = undefined;
    const server = this.server;
    this.server = undefined;
    this.streams.closeAll();
    if (server?.listening) server.close();
    for (const socket of this.connections) socket.destroy();
    this.connections.clear();
  }

  /** Sweep, push the changes to the live pages, and a snapshot to those that need one. */
  flush(now = Date.now()): void {
    this.model.sweep(now);
    const stats = this.model.stats();
    const update = this.model.takeUpdate();
    this.streams.broadcast(sseMessage('update', JSON.stringify({ now, stats, ...update })), now);
    if (!this.streams.needsSnapshot) return;
    const snapshot = { now, stats, title: this.options.title, history: this.model.historyPoints, ...this.model.snapshot() };
    this.streams.sendSnapshot(sseMessage('snapshot', JSON.stringify(snapshot)), now);
  }

  private answer(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0] as string;
    if (req.method !== 'GET' && (req.method !== 'HEAD' || path === '/events')) {
      res.setHeader('Allow', path === '/events' ? 'GET' : 'GET, HEAD');
      return plain(res, 405, 'Method Not Allowed\n');
    }
    if (path === '/events') return this.streams.open(req, res);
    // the browser asks for it by itself; no icon is better than a 404 in its console
    if (path === '/favicon.ico') return void res.writeHead(204, SECURITY_HEADERS).end();
    const found = ASSETS.get(path);
    if (!found) return plain(res, 404, 'Not Found: the dashboard is at /\n');
    res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': found.type, 'Content-Length': found.length });
    res.end(req.method === 'HEAD' ? undefined : found.body);
  }
}

function plain(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}
