/**
 * NANOSP_METRICS=host:port: a node:http server that answers `GET /metrics` with every
 * socket's statistics (OpenMetrics 1.0 when the Accept header asks for
 * `application/openmetrics-text`, else Prometheus text 0.0.4) and 404 elsewhere. It never
 * keeps a process alive: the server and each connection to it are unref()ed. An address
 * that cannot be served is said once on stderr and the application runs on.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { METRICS_CONTENT_TYPE, type MetricsFormat } from './metrics.js';

/** `host:port` (`[v6]:port` for IPv6; an empty host means every interface) to what listen() takes. */
export function parseMetricsAddress(address: string): { host: string | undefined; port: number } {
  const m = /^(?:\[([^\]]*)\]|([^:[\]]*)):(\d{1,5})$/.exec(address);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new Error('expected host:port, e.g. 127.0.0.1:9464 or [::1]:9464');
  const host = m[1] ?? m[2];
  return { host: host === '' ? undefined : host, port };
}

/**
 * Which format an Accept header asks for: OpenMetrics when it lists
 * `application/openmetrics-text` with a q above 0 (as Prometheus' scraper does), else text 0.0.4.
 */
export function negotiateFormat(accept: string | undefined): MetricsFormat {
  for (const range of (accept ?? '').split(',')) {
    const [type, ...params] = range.split(';').map((part) => part.trim().toLowerCase());
    if (type !== 'application/openmetrics-text') continue;
    const q = params.find((p) => p.startsWith('q='));
    if (q === undefined || Number(q.slice(2)) > 0) return 'openmetrics';
  }
  return 'prometheus';
}

/** `address already in use (EADDRINUSE)` from Node's `listen EADDRINUSE: address already in use 127.0.0.1:9464`. */
export function errorText(err: NodeJS.ErrnoException): string {
  if (typeof err.code !== 'string' || typeof err.syscall !== 'string') return err.message;
  const prefix = `${err.syscall} ${err.code}: `;
  const text = err.message.startsWith(prefix) ? err.message.slice(prefix.length).replace(/ \S*:\d+$/, '') : err.message;
  return `${text} (${err.code})`;
}

export class MetricsServer {
  private server: Server | undefined;
  private address: string | undefined;
  private readonly connections = new Set<Socket>();

  /** `onListening` is told the port once the server listens (`nanosp stat --prometheus` says it on stdout). */
  constructor(
    private readonly render: (format: MetricsFormat) => string,
    private readonly onListening?: (port: number) => void,
  ) {}

  /** The address served (or being tried), undefined when none. */
  get serving(): string | undefined {
    return this.address;
  }

  /** Serve on `address` (stopping any other); undefined stops. Problems are written to `stderr`, once. */
  serve(address: string | undefined, stderr: { write(text: string): unknown }): void {
    if (address === this.address) return;
    this.stop();
    if (address === undefined) return;
    this.address = address;
    const fail = (reason: string): void => void stderr.write(`nanosp: cannot serve metrics on ${address}: ${reason}\n`);
    let listen: { host: string | undefined; port: number };
    try {
      listen = parseMetricsAddress(address);
    } catch (err) {
      return fail((err as Error).message);
    }
    const server = createServer((req, res) => this.answer(req, res));
    this.server = server;
    server.on('connection', (socket) => {
      // a scraper's keep-alive connection must not keep the process alive either
      socket.unref();
      this.connections.add(socket);
      socket.once('close', () => this.connections.delete(socket));
    });
    server.once('listening', () => {
      // stopped while the host was being looked up
      if (this.server !== server) return void server.close();
      const port = this.port;
      if (port !== undefined) this.onListening?.(port);
    });
    // `on`, not `once`: a server error must never become an uncaught exception
    server.on('error', (err: NodeJS.ErrnoException) => {
      if (this.server !== server) return; // stopped or replaced meanwhile: nothing to say
      fail(errorText(err));
      // the address stays remembered, so the same setting is not retried (and reported) again
      this.stop(false);
    });
    server.listen({ host: listen.host, port: listen.port });
    server.unref();
  }

  /** The port actually bound (for `host:0`), once listening. */
  get port(): number | undefined {
    const bound = this.server?.address();
    return bound && typeof bound === 'object' ? bound.port : undefined;
  }

  /** Stop serving; `forget` also forgets the address, so that serving it again retries. */
  stop(forget = true): void {
    const server = this.server;
    this.server = undefined;
    if (forget) this.address = undefined;
    if (!server) return;
    if (server.listening) server.close();
    for (const socket of this.connections) socket.destroy();
    this.connections.clear();
  }

  private answer(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/metrics') return this.plain(res, 404, 'Not Found: metrics are at /metrics\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return this.plain(res, 405, 'Method Not Allowed\n');
    }
    const format = negotiateFormat(req.headers.accept);
    let body: string;
    try {
      body = this.render(format);
    } catch (err) {
      return this.plain(res, 500, `nanosp: cannot produce metrics: ${err instanceof Error ? err.message : String(err)}\n`);
    }
    res.writeHead(200, { 'Content-Type': METRICS_CONTENT_TYPE[format], 'Content-Length': Buffer.byteLength(body) });
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  private plain(res: ServerResponse, status: number, text: string): void {
    res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  }
}
