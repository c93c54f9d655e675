/**
 * `npm run bench:browser`: the browser entry's size and the round-trip latency from a page
 * in Debian's chromium-headless-shell to an SP REP on the same machine over ws://.
 *
 *   npm run bench:browser -- [--rounds 3] [--roundtrips 2000] [--size 64,1024]
 *
 * Latency cells, interleaved round by round, each REQ awaiting every reply before the next
 * request (the loop a page writes):
 *   page nanosp REQ → nanosp REP   the REP on the node:http server that served the page (httpServer)
 *   page raw WebSocket → same REP   the browser's own WebSocket with the SP header written by hand: the floor
 *   Node nanosp REQ → same REP      the same REP from a Node process
 *   page nanosp REQ → nngcat REP    NNG's REP (`nngcat --rep0 --listen ws://… -D <data>`), when installed
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { cpus, loadavg, release } from 'node:os';
import { extname, join, normalize, resolve } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { socket } from '../../src/index.js';
import { freePort, probe } from '../runner/listening.js';
import { kib, measureEntry } from './size.js';

const CHROMIUM = process.env.NANOSP_CHROMIUM ?? '/usr/bin/chromium-headless-shell';
const ROOT = resolve('.');
/** What the page imports: the package's browser entry, as the site serves it. */
const ENTRY = '/dist/browser/index.js';

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 && process.argv[at + 1] !== undefined ? (process.argv[at + 1] as string) : fallback;
}

const rounds = Number(option('rounds', '3'));
const roundtrips = Number(option('roundtrips', '2000'));
const sizes = option('size', '64,1024').split(',').map(Number);

/** Serves `/` (a blank page) and the package's dist/ at /dist/. */
async function siteServer(): Promise<{ server: Server; origin: string; port: number }> {
  const server = createServer(async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === '/') return void res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>bench</title>');
    const file = normalize(join(ROOT, path));
    if (!file.startsWith(join(ROOT, 'dist'))) return void res.writeHead(403).end();
    try {
      res.writeHead(200, { 'content-type': extname(file) === '.js' ? 'text/javascript' : 'application/octet-stream' }).end(await readFile(file));
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const port = (server.address() as { port: number }).port;
  return { server, origin: `http://127.0.0.1:${port}`, port };
}

/** Median µs per round trip of `roundtrips` awaited request/reply pairs from the page's nanosp REQ. */
function pageNanosp(page: Page, url: string, size: number): Promise<number> {
  return page.evaluate(
    async ({ url, size, roundtrips, entry }) => {
      const sp = await import(entry);
      const req = sp.socket('req', { recvTimeout: 10_000 });
      req.connect(url);
      const body = new Uint8Array(size).fill(0x61);
      for (let i = 0; i < 200; i++) {
        await req.send(body);
        await req.recv();
      }
      const start = performance.now();
      for (let i = 0; i < roundtrips; i++) {
        await req.send(body);
        await req.recv();
      }
      const us = ((performance.now() - start) * 1000) / roundtrips;
      await req.close();
      return us;
    },
    { url, size, roundtrips, entry: ENTRY },
  );
}

/** The same loop on the browser's bare WebSocket, the REQ header (a request id) written by hand. */
function pageRawWebSocket(page: Page, url: string, size: number): Promise<number> {
  return page.evaluate(
    async ({ url, size, roundtrips }) => {
      const ws = new WebSocket(url, 'rep.sp.nanomsg.org');
      ws.binaryType = 'arraybuffer';
      await new Promise((resolve, reject) => {
        ws.onopen = resolve;
        ws.onerror = reject;
      });
      const frame = new Uint8Array(4 + size).fill(0x61);
      const view = new DataView(frame.buffer);
      let next: ((data: ArrayBuffer) => void) | undefined;
      ws.onmessage = (event) => next?.(event.data as ArrayBuffer);
      const roundtrip = (id: number) =>
        new Promise<ArrayBuffer>((resolve) => {
          next = resolve;
          view.setUint32(0, (0x80000000 | id) >>> 0);
          ws.send(frame);
        });
      for (let i = 0; i < 200; i++) await roundtrip(i);
      const start = performance.now();
      for (let i = 0; i < roundtrips; i++) await roundtrip(1000 + i);
      const us = ((performance.now() - start) * 1000) / roundtrips;
      ws.close();
      return us;
    },
    { url, size, roundtrips },
  );
}

async function nodeNanosp(url: string, size: number): Promise<number> {
  const req = socket('req', { recvTimeout: 10_000 });
  req.connect(url);
  const body = Buffer.alloc(size, 0x61);
  for (let i = 0; i < 200; i++) {
    await req.send(body);
    await req.recv();
  }
  const start = performance.now();
  for (let i = 0; i < roundtrips; i++) {
    await req.send(body);
    await req.recv();
  }
  const us = ((performance.now() - start) * 1000) / roundtrips;
  await req.close();
  return us;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

const hasNngcat = spawnSync('sh', ['-c', 'command -v nngcat'], { stdio: 'ignore' }).status === 0;

async function main(): Promise<void> {
  const size = await measureEntry();
  const { server, origin, port } = await siteServer();
  const rep = socket('rep');
  await rep.bind(`ws://127.0.0.1:${port}/rep`, { httpServer: server });
  void (async () => {
    for await (const msg of rep) await rep.send(msg);
  })().catch(() => {});

  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  const page = await browser.newPage();
  // tsx compiles the functions handed to page.evaluate with esbuild's keepNames helper
  await page.addInitScript('globalThis.__name = (fn) => fn;');
  await page.goto(`${origin}/`);

  const cells = new Map<string, number[]>();
  const record = (name: string, us: number) => cells.set(name, [...(cells.get(name) ?? []), us]);
  for (let round = 0; round < rounds; round++) {
    for (const bytes of sizes) {
      const url = `ws://127.0.0.1:${port}/rep`;
      record(`page nanosp REQ → nanosp REP|${bytes}`, await pageNanosp(page, url, bytes));
      record(`page raw WebSocket → nanosp REP|${bytes}`, await pageRawWebSocket(page, url, bytes));
      record(`Node nanosp REQ → nanosp REP|${bytes}`, await nodeNanosp(url, bytes));
      if (hasNngcat) {
        const nngPort = await freePort();
        const nng = spawn('nngcat', ['--rep0', '--listen', `ws://127.0.0.1:${nngPort}/rep`, '-D', 'a'.repeat(bytes)], { stdio: 'ignore' });
        try {
          await untilListening(`tcp://127.0.0.1:${nngPort}`);
          record(`page nanosp REQ → nngcat REP|${bytes}`, await pageNanosp(page, `ws://127.0.0.1:${nngPort}/rep`, bytes));
        } finally {
          nng.kill('SIGKILL');
        }
      }
    }
  }
  await browser.close();
  await rep.close();
  server.close();

  const machine = `${cpus()[0]?.model ?? 'unknown'}, ${cpus().length} cores, Node ${process.version}, Linux ${release()}, Chromium ${browser.version()}; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`;
  const lines = [
    `Command: \`npm run bench:browser -- --rounds ${rounds} --roundtrips ${roundtrips} --size ${sizes.join(',')}\``,
    '',
    `Machine: ${machine}`,
    '',
    `Browser entry: ${size.modules} modules; served as plain ES modules ${kib(size.served.raw)} raw, ${kib(size.served.minified)} minified, **${kib(size.served.gzipped)} minified + gzipped** (each module on its own); as one esbuild bundle ${kib(size.bundle.minified)} minified, **${kib(size.bundle.gzipped)} gzipped**.`,
    '',
    `| round trip (awaited, ${roundtrips} per round, median of ${rounds}) | ${sizes.map((s) => `${s} B`).join(' | ')} | ratio to raw WebSocket |`,
    `| --- | ${sizes.map(() => '---:').join(' | ')} | ---: |`,
  ];
  const names = [...new Set([...cells.keys()].map((k) => k.split('|')[0] as string))];
  for (const name of names) {
    const values = sizes.map((s) => median(cells.get(`${name}|${s}`) ?? [NaN]));
    const raws = sizes.map((s) => median(cells.get(`page raw WebSocket → nanosp REP|${s}`) ?? [NaN]));
    const ratios = values.map((v, i) => (v / (raws[i] as number)).toFixed(2));
    lines.push(`| ${name} | ${values.map((v) => `${v.toFixed(1)} µs`).join(' | ')} | ${ratios.join(' / ')} |`);
  }
  console.log(lines.join('\n'));
}

/** Until nngcat listens on `url` (it has no line to wait for), for up to 5 s. */
async function untilListening(url: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await probe(url)) return;
    await new Promise((done) => setTimeout(done, 50));
  }
  throw new Error(`nngcat did not listen on ${url}`);
}

await main();
