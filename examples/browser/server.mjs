// One node:http server for a page and its SP sockets: it serves the page, the nanosp browser
// modules, a PUB feed at /feed and a REP at /ask, all on one port.
//
//   npm run build              (npm install has done it already)
//   node examples/browser/server.mjs [port]      then open http://127.0.0.1:8080/
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { dirname, extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { socket } from 'nanosp';

const here = dirname(fileURLToPath(import.meta.url));
const browserModules = join(here, '../../dist');
const port = Number(process.argv[2] ?? process.env.PORT ?? 8080);
const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css' };

/** `/` and `/app.js` from this folder; `/nanosp/…` from the package's compiled modules. */
async function serveFile(req, res) {
  const path = new URL(req.url, 'http://x').pathname;
  const file = path.startsWith('/nanosp/')
    ? normalize(join(browserModules, path.slice('/nanosp/'.length)))
    : normalize(join(here, path === '/' ? 'index.html' : path));
  if (!file.startsWith(browserModules) && !file.startsWith(here)) return void res.writeHead(403).end();
  try {
    const body = await readFile(file);
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(body);
  } catch {
    res.writeHead(404).end('not found');
  }
}

const server = createServer((req, res) => void serveFile(req, res));
await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
const { port: actual } = server.address();

// the live feed: a tick a second on two topics, which the page picks between
const feed = socket('pub', { socketName: 'feed' });
await feed.bind(`ws://127.0.0.1:${actual}/feed`, { httpServer: server });
let tick = 0;
const ticker = setInterval(() => {
  tick++;
  feed.trySend(`time ${new Date().toISOString()}`);
  feed.trySend(`load ${(Math.sin(tick / 5) * 50 + 50).toFixed(1)}%`);
}, 1000);

// requests: the server answers each with its text upper-cased, and counts them
const ask = socket('rep', { socketName: 'ask' });
await ask.bind(`ws://127.0.0.1:${actual}/ask`, { httpServer: server });
let answered = 0;
void (async () => {
  for await (const question of ask) {
    answered++;
    await ask.send(`#${answered}: ${String(question).toUpperCase()}`);
  }
})().catch(() => {});

console.log(`serving http://127.0.0.1:${actual}/ (SP at ws://127.0.0.1:${actual}/feed and /ask)`);

async function stop() {
  clearInterval(ticker);
  await Promise.all([feed.close(), ask.close()]);
  server.close();
}
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
