/**
 * The package served the way a web site serves it, for the browser tests: a node:http static
 * server with the package's own files at their package paths (what `files` in package.json
 * ships, plus package.json: `/dist/…`, `/README.md`, `/package.json`) and a blank page at `/`,
 * so a page imports the compiled ES modules of `nanosp/browser` from `/dist/browser/index.js`
 * exactly as it would from a site serving the package. The server is a plain node:http
 * server, so a test can attach nanosp to it (`bind(url, { httpServer: site.server })`) or give
 * it application routes of its own.
 *
 * In the page: `loadNanosp(page, site)` opens the blank page and imports the entry
 * (`openSitePage` starts a site and does both); `inPage(page, fn, arg)` runs
 * `fn(nanosp, arg, kit)` there and resolves with its result, `untilInPage` waits until it is
 * truthy. `fn` travels as source text, so it may use only its parameters and the page's
 * globals; `kit.state` keeps what one call leaves for the next.
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { extname, join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterEach } from 'vitest';
import type { PageWatch } from './chromium.js';
import { listenOnLoopback } from './loopback-server.js';

/** The package root: the directory with package.json. */
export const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The browser entry as a page on the site imports it. */
export const ENTRY_PATH = '/dist/browser/index.js';

/** The blank page served at `/`. */
export const BLANK_PAGE = '<!doctype html>\n<html><head><meta charset="utf-8"><title>nanosp</title></head><body></body></html>\n';

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.ts': 'text/plain; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
};

/** The content type a static server gives a file by its name. */
export function contentTypeOf(path: string): string {
  return CONTENT_TYPES[extname(path)] ?? 'application/octet-stream';
}

/** What the package publishes: package.json's `files` allow-list, and package.json itself. */
function packageFiles(): readonly string[] {
  const manifest = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { files: string[] };
  return ['package.json', ...manifest.files];
}

/** True when `relative` (a normalised path without a leading slash) is inside what the package ships. */
function isPackageFile(relative: string, shipped: readonly string[]): boolean {
  return shipped.some((entry) => relative === entry || relative.startsWith(`${entry}/`));
}

export type Route = (req: IncomingMessage, res: ServerResponse) => void;

export interface SiteOptions {
  /** The application's own routes, by exact path (they win over package files). */
  readonly routes?: Readonly<Record<string, Route>>;
}

export interface BrowserSite {
  /** The node:http server (to attach nanosp to, or to watch). */
  readonly server: Server;
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  readonly port: number;
  /** Every path answered with a file or the page (status 200), in the order the answers went out. */
  readonly served: string[];
  /** A `ws://` URL on the same host and port, at `path`. */
  wsUrl(path: string): string;
  /** Stop listening and end every connection still open (upgraded ones too). */
  close(): Promise<void>;
}

const open = new Set<BrowserSite>();

afterEach(async () => {
  await Promise.all([...open].map((site) => site.close()));
  open.clear();
});

async function serveFile(relative: string, method: string, res: ServerResponse): Promise<boolean> {
  let body: Buffer;
  try {
    body = await readFile(join(PACKAGE_ROOT, relative));
  } catch {
    return false;
  }
  res.writeHead(200, {
    'Content-Type': contentTypeOf(relative),
    'Content-Length': body.length,
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': 'no-store',
  });
  res.end(method === 'HEAD' ? undefined : body);
  return true;
}

function notFound(res: ServerResponse, status = 404, text = 'Not Found'): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
  res.end(`${text}\n`);
}

/** Start the site on a free loopback port; it is closed after the current test. */
export async function startSite(options: SiteOptions = {}): Promise<BrowserSite> {
  const shipped = packageFiles();
  const routes = options.routes ?? {};
  const served: string[] = [];

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://site').pathname;
    const route = routes[path];
    if (route) return route(req, res);
    const method = req.method ?? 'GET';
    if (method !== 'GET' && method !== 'HEAD') return notFound(res, 405, 'Method Not Allowed');
    if (path === '/') {
      served.push(path);
      res.writeHead(200, { 'Content-Type': contentTypeOf('index.html'), 'Cache-Control': 'no-store' });
      return res.end(method === 'HEAD' ? undefined : BLANK_PAGE);
    }
    let relative: string;
    try {
      relative = posix.normalize(decodeURIComponent(path)).replace(/^\/+/, '');
    } catch {
      return notFound(res, 400, 'Bad Request');
    }
    if (relative.startsWith('..') || !isPackageFile(relative, shipped)) return notFound(res);
    serveFile(relative, method, res).then(
      (found) => (found ? served.push(path) : notFound(res)),
      () => notFound(res, 500, 'Internal Server Error'),
    );
  });
  const { port, close } = await listenOnLoopback(server);
  const site: BrowserSite = {
    server,
    origin: `http://127.0.0.1:${port}`,
    port,
    served,
    wsUrl: (path) => `ws://127.0.0.1:${port}${path}`,
    close,
  };
  open.add(site);
  return site;
}

// ---- the page side -----------------------------------------------------------------------

/** The module a page gets from `/dist/browser/index.js` (typed from its source). */
export type Nanosp = typeof import('../../src/browser/index.js');

/** An error as the page saw it, in plain data. */
export interface PageError {
  readonly name: string;
  readonly message: string;
  readonly code: unknown;
  readonly errno: unknown;
  /** `err instanceof SpError` with the page's own SpError class. */
  readonly isSpError: boolean;
}

/** A connection event of a page socket, as `kit.events` records it. */
export interface PageEvent {
  readonly event: 'pipe' | 'pipe-removed' | 'connect-failed' | 'pipe-broken';
  /** The errno name of the failure (connect-failed, pipe-broken); the reason for pipe-removed. */
  readonly code?: string;
  readonly message?: string;
}

/** Events as `event code` lines, for comparing logs: `pipe-broken ECONNRESET`. */
export function eventLines(events: readonly PageEvent[]): string[] {
  return events.map((e) => (e.code === undefined ? e.event : `${e.event} ${e.code}`));
}

type PageSocket = InstanceType<Nanosp['SpSocket']>;

/** What test code in the page gets besides the module and its argument. */
export interface PageKit {
  /** Kept on the page between `inPage` calls: sockets, promises still pending, event logs. */
  readonly state: Record<string, any>;
  /** Plain data about `err` (an SpError crosses into Node only as text otherwise). */
  error(err: unknown): PageError;
  /** UTF-8 text of a received message. */
  text(body: Uint8Array): string;
  /** From now on, log `sock`'s pipes and connection failures into the returned array. */
  events(sock: PageSocket): PageEvent[];
  /** Resolves once `sock` has at least `count` pipes; rejects after `timeoutMs`. */
  piped(sock: PageSocket, count?: number, timeoutMs?: number): Promise<void>;
}

export type PageFunction<A, R> = (nanosp: Nanosp, arg: A, kit: PageKit) => R | Promise<R>;

interface PageGlobals {
  nanosp?: Nanosp;
  nanospKit?: PageKit;
  /** Runs a PageFunction given as source text. */
  nanospRun?: (source: string, arg: unknown) => unknown;
}

/** Installed in the page by loadNanosp (it runs there, so it is self-contained). */
function installKit(): void {
  const g = globalThis as unknown as PageGlobals;
  const nanosp = g.nanosp as Nanosp;
  const decoder = new TextDecoder();
  const kit: PageKit = {
    state: {},
    error(err) {
      const e = err as { name?: unknown; message?: unknown; code?: unknown; errno?: unknown } | null;
      return { name: String(e?.name), message: String(e?.message), code: e?.code, errno: e?.errno, isSpError: err instanceof nanosp.SpError };
    },
    text: (body) => decoder.decode(body),
    events(sock) {
      const log: PageEvent[] = [];
      sock.on('pipe', () => log.push({ event: 'pipe' }));
      sock.on('pipe-removed', (_pipe, reason) => log.push({ event: 'pipe-removed', code: reason }));
      sock.on('connect-failed', ({ error }) => log.push({ event: 'connect-failed', code: error.code, message: error.message }));
      sock.on('pipe-broken', ({ error }) => log.push({ event: 'pipe-broken', code: error.code, message: error.message }));
      return log;
    },
    piped(sock, count = 1, timeoutMs = 10_000) {
      return new Promise<void>((resolve, reject) => {
        if (sock.pipes.length >= count) return resolve();
        const timer = setTimeout(() => {
          sock.off('pipe', check);
          reject(new Error(`the ${sock.type} socket has ${sock.pipes.length} pipes after ${timeoutMs} ms, expected ${count}`));
        }, timeoutMs);
        function check(): void {
          if (sock.pipes.length < count) return;
          clearTimeout(timer);
          sock.off('pipe', check);
          resolve();
        }
        sock.on('pipe', check);
      });
    },
  };
  g.nanospKit = kit;
  g.nanospRun = (source, arg) => {
    const fn = (0, eval)(`(${source})`) as PageFunction<unknown, unknown>;
    return fn(nanosp, arg, kit);
  };
}

/**
 * Open the site's blank page in `page` and import the browser entry there, as a page's
 * `import { socket } from '/dist/browser/index.js'` would.
 */
export async function loadNanosp(page: Page, site: BrowserSite): Promise<void> {
  await page.goto(`${site.origin}/`);
  await page.evaluate(`import(${JSON.stringify(ENTRY_PATH)}).then((m) => { globalThis.nanosp = m; })`);
  await page.evaluate(installKit);
}

function runner([source, arg]: readonly [string, unknown]): unknown {
  const run = (globalThis as unknown as PageGlobals).nanospRun;
  if (!run) throw new Error('nanosp/browser is not loaded in this page (loadNanosp first)');
  return run(source, arg);
}

/** A fresh site, and a new page (`useChromium().open`) with nanosp/browser loaded from it. */
export async function openSitePage(open: () => Promise<PageWatch>, options?: SiteOptions): Promise<{ site: BrowserSite; watch: PageWatch }> {
  const site = await startSite(options);
  const watch = await open();
  await loadNanosp(watch.page, site);
  return { site, watch };
}

/**
 * Run `fn(nanosp, arg, kit)` in the page and resolve with what it returns (structured-clone
 * data). `fn` is sent as source text: it may use only its parameters and the page's globals.
 */
export function inPage<R, A = undefined>(page: Page, fn: PageFunction<A, R>, arg?: A): Promise<R> {
  return page.evaluate(runner, [fn.toString(), arg] as const) as Promise<R>;
}

/** Resolves once `fn(nanosp, arg, kit)` is truthy in the page (polled every 20 ms). */
export async function untilInPage<A = undefined>(page: Page, fn: PageFunction<A, unknown>, arg?: A, timeoutMs = 10_000): Promise<void> {
  await page.waitForFunction(runner, [fn.toString(), arg] as const, { timeout: timeoutMs, polling: 20 });
}
