/**
 * nanosp/browser in a real Chromium talking to nanosp on Node over WebSocket.
 *
 *  - PAIR ↔ a nanosp PAIR attached (`bind(url, { httpServer })`) to the very node:http server
 *    that served the page: messages both ways; the server's own routes and files keep
 *    answering (from Node and from the page); closing the nanosp socket detaches it (the
 *    page's reconnects are refused) while the server keeps serving, and a new nanosp socket
 *    bound on the same path takes the page's next reconnect.
 *  - REQ survives its REP server going away: a request in flight when the REP is closed is
 *    resent (resendInterval 300 ms) once a new REP is bound on the same port, and its answer
 *    arrives; the page counted the broken connection and the refused reconnects.
 *  - REQ contexts: four requests in flight at once from one page socket, all held by four REP
 *    contexts on Node before any is answered, each answer reaching its own context.
 *  - Back-pressure: a page PUSH with a small sendBuffer, towards a nanosp PULL that does not
 *    read, fills up (trySend EAGAIN, a send with a timeout ETIMEDOUT); a send then waits until
 *    the PULL reads, and every message arrives, whole and in order.
 */
import { expect, it } from 'vitest';
import type { Endpoint } from '../../src/index.js';
import { eventLines, inPage, openSitePage, untilInPage, type PageEvent } from '../helpers/browser-site.js';
import { describeChromium, useChromium } from '../helpers/chromium.js';
import { next, testSocket } from '../helpers/sockets.js';

const TIMEOUT = 30_000;

describeChromium('nanosp/browser with nanosp on Node', () => {
  const chromium = useChromium();

  it(
    'PAIR ↔ a nanosp PAIR on the node:http server that served the page: both ways, the routes still answer, close detaches',
    async () => {
      const { site, watch } = await openSitePage(chromium.open, {
        routes: {
          '/api/hello': (_req, res) => {
            res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
            res.end('hello from the app');
          },
        },
      });
      const upgradeListeners = site.server.listenerCount('upgrade');
      const pair = testSocket('pair');
      const ep = await pair.bind(site.wsUrl('/sp'), { httpServer: site.server });
      expect(ep.url).toBe(site.wsUrl('/sp'));
      expect(site.server.listenerCount('upgrade')).toBe(upgradeListeners + 1);

      const [, first] = await Promise.all([
        next(pair, 'pipe', 10_000),
        inPage(watch.page, async (sp, _arg, kit) => {
          const pair = sp.socket('pair', { reconnectInterval: 50, recvTimeout: 5000, sendTimeout: 5000 });
          kit.state.pair = pair;
          kit.state.events = kit.events(pair);
          // the page's own origin, as a page talking to its server writes it
          const { origin } = (globalThis as unknown as { location: { origin: string } }).location;
          pair.connect(`${origin.replace(/^http/, 'ws')}/sp`);
          await pair.send('from the page');
          return pair.endpoints[0]!.url;
        }),
      ]);
      expect(first).toBe(site.wsUrl('/sp'));
      expect((await pair.recv({ timeout: 5000 })).toString()).toBe('from the page');
      await pair.send('from node', { timeout: 5000 });
      expect(await inPage(watch.page, async (_sp, _arg, kit) => kit.text(await kit.state.pair.recv()))).toBe('from node');

      // the application's routes and the package's files, from Node and from the page
      const appRoute = async () => {
        const response = await fetch(`${site.origin}/api/hello`);
        return `${response.status} ${await response.text()}`;
      };
      const fromPage = () =>
        inPage(watch.page, async () => {
          const [route, file] = await Promise.all([fetch('/api/hello'), fetch('/package.json')]);
          return [`${route.status} ${await route.text()}`, `${file.status} ${(JSON.parse(await file.text()) as { name: string }).name}`];
        });
      expect(await appRoute()).toBe('200 hello from the app');
      expect(await fromPage()).toEqual(['200 hello from the app', '200 nanosp']);

      // closing the nanosp socket detaches it: the page's pipe breaks, its redials are refused
      await pair.close();
      expect(site.server.listening).toBe(true);
      expect(site.server.listenerCount('upgrade')).toBe(upgradeListeners);
      await untilInPage(watch.page, (_sp, _arg, kit) => kit.state.events.some((e: { event: string }) => e.event === 'connect-failed'));
      const events = eventLines(await inPage(watch.page, (_sp, _arg, kit): PageEvent[] => kit.state.events));
      expect(events.slice(0, 3)).toEqual(['pipe', 'pipe-removed broken', 'pipe-broken ECONNRESET']);
      expect(new Set(events.slice(3))).toEqual(new Set(['connect-failed ECONNREFUSED']));
      // the server itself is as it was
      expect(await appRoute()).toBe('200 hello from the app');
      expect(await fromPage()).toEqual(['200 hello from the app', '200 nanosp']);

      // attach again on the same path: the page's next redial lands there
      const again = testSocket('pair');
      await Promise.all([next(again, 'pipe', 10_000), again.bind(site.wsUrl('/sp'), { httpServer: site.server })]);
      await inPage(watch.page, (_sp, _arg, kit) => kit.state.pair.send('back again'));
      expect((await again.recv({ timeout: 5000 })).toString()).toBe('back again');
      await inPage(watch.page, (_sp, _arg, kit) => kit.state.pair.close());
      expect(watch.errors).toEqual([]);
    },
    TIMEOUT,
  );

  it(
    'REQ survives its REP being closed with a request in flight: resent to the REP bound again on the same port, answered',
    async () => {
      const first = testSocket('rep');
      const ep: Endpoint = await first.bind('ws://127.0.0.1:0/rr');
      const { watch } = await openSitePage(chromium.open);

      await inPage(
        watch.page,
        async (sp, url, kit) => {
          const req = sp.socket('req', { resendInterval: 300, reconnectInterval: 50, recvTimeout: 15_000 });
          kit.state.req = req;
          kit.state.events = kit.events(req);
          req.connect(url);
          await req.send('still there?');
          kit.state.reply = req.recv().then(kit.text, kit.error);
        },
        ep.url,
      );
      // the REP has the request and goes away without answering
      expect((await first.recv({ timeout: 10_000 })).toString()).toBe('still there?');
      await first.close();
      // the page noticed, and its redials are refused while nobody listens
      await untilInPage(watch.page, (_sp, _arg, kit) => kit.state.events.some((e: { event: string }) => e.event === 'connect-failed'));

      const second = testSocket('rep');
      expect((await second.bind(ep.url)).url).toBe(ep.url);
      expect((await second.recv({ timeout: 10_000 })).toString()).toBe('still there?');
      await second.send('yes, again');
      const outcome = await inPage(watch.page, async (_sp, _arg, kit) => {
        const reply = await kit.state.reply;
        const stats = kit.state.req.stats;
        return { reply, broken: stats.brokenConnections, established: stats.establishedConnections, events: kit.state.events };
      });
      expect(outcome.reply).toBe('yes, again');
      expect(outcome.broken).toBe(1);
      expect(outcome.established).toBe(2);
      // connected, broken by the close, refused while nobody listened, connected again
      const events = eventLines(outcome.events as PageEvent[]);
      expect(events.slice(0, 3)).toEqual(['pipe', 'pipe-removed broken', 'pipe-broken ECONNRESET']);
      expect(new Set(events.slice(3, -1))).toEqual(new Set(['connect-failed ECONNREFUSED']));
      expect(events.at(-1)).toBe('pipe');
      expect(watch.errors).toEqual([]);
    },
    TIMEOUT,
  );

  it(
    'REQ contexts: four requests in flight at once from one page socket, each answer to its own context',
    async () => {
      const rep = testSocket('rep');
      const ep = await rep.bind('ws://127.0.0.1:0/contexts');
      const { watch } = await openSitePage(chromium.open);
      const COUNT = 4;

      await inPage(
        watch.page,
        (sp, [url, count], kit) => {
          const req = sp.socket('req', { recvTimeout: 10_000, sendTimeout: 10_000 });
          kit.state.req = req;
          req.connect(url);
          const finished: number[] = [];
          kit.state.finished = finished;
          kit.state.replies = Promise.all(
            Array.from({ length: count }, async (_, i) => {
              const ctx = req.context();
              await ctx.send(`job ${i}`);
              const reply = kit.text(await ctx.recv());
              finished.push(i);
              return reply;
            }),
          );
        },
        [ep.url, COUNT] as const,
      );
      // every request is held on Node before any is answered: all four are in flight together
      const contexts = Array.from({ length: COUNT }, () => rep.context());
      const jobs = (await Promise.all(contexts.map((ctx) => ctx.recv({ timeout: 10_000 })))).map((body) => body.toString());
      expect([...jobs].sort()).toEqual(['job 0', 'job 1', 'job 2', 'job 3']);
      expect(await inPage(watch.page, (_sp, _arg, kit) => kit.state.finished.length)).toBe(0);
      // answered last-first
      for (let i = COUNT - 1; i >= 0; i--) await contexts[i]!.send(`done ${jobs[i]}`);
      const { replies, finished } = await inPage(watch.page, async (_sp, _arg, kit) => ({ replies: await kit.state.replies, finished: kit.state.finished }));
      expect(replies).toEqual(['done job 0', 'done job 1', 'done job 2', 'done job 3']);
      const jobNumber = (job: string) => Number(job.slice('job '.length));
      expect(finished).toEqual([...jobs].reverse().map(jobNumber));
      await inPage(watch.page, (_sp, _arg, kit) => kit.state.req.close());
      expect(watch.errors).toEqual([]);
    },
    TIMEOUT,
  );

  it(
    'back-pressure: a page PUSH fills up towards a PULL that does not read, then every message arrives in order',
    async () => {
      const pull = testSocket('pull');
      const ep = await pull.bind('ws://127.0.0.1:0/bp');
      const { watch } = await openSitePage(chromium.open);
      const SIZE = 256 * 1024;

      const filled = await inPage(
        watch.page,
        async (sp, [url, size], kit) => {
          const push = sp.socket('push', { sendBuffer: 64 * 1024 });
          kit.state.push = push;
          push.connect(url);
          await kit.piped(push);
          const message = (seq: number) => {
            const body = new Uint8Array(size);
            new DataView(body.buffer).setUint32(0, seq);
            body.fill(seq & 0xff, 4);
            return body;
          };
          // trySend refuses while the browser's buffer is over sendBuffer, which happens at once
          // (it drains asynchronously); a send then waits for room, which comes back until the
          // kernel's and the browser's buffers are full; then a send with a timeout times out.
          // No more than 400 × 256 KiB: they are full long before.
          let sent = 0;
          let refused = 0;
          let timedOut: unknown;
          while (sent < 400 && timedOut === undefined) {
            try {
              push.trySend(message(sent));
              sent++;
              continue;
            } catch (err) {
              if (kit.error(err).code !== 'EAGAIN') throw err;
              refused++;
            }
            try {
              await push.send(message(sent), { timeout: 500 });
              sent++;
            } catch (err) {
              timedOut = kit.error(err).code;
            }
          }
          // this one waits for room
          kit.state.last = push.send(message(sent)).then(() => 'sent', (err: unknown) => kit.error(err).code);
          return { sent, refused, timedOut };
        },
        [ep.url, SIZE] as const,
      );
      expect(filled.refused).toBeGreaterThan(0);
      expect(filled.timedOut).toBe('ETIMEDOUT');
      expect(filled.sent).toBeGreaterThan(0);
      expect(filled.sent).toBeLessThan(400);

      // the PULL reads now: everything that was accepted, and the waiting send's message, in order
      for (let seq = 0; seq <= filled.sent; seq++) {
        const body = await pull.recv({ timeout: 10_000 });
        expect(body.length).toBe(SIZE);
        expect(body.readUInt32BE(0)).toBe(seq);
        expect(body.subarray(4).every((byte) => byte === (seq & 0xff)), `message ${seq}`).toBe(true);
      }
      expect(await inPage(watch.page, (_sp, _arg, kit) => kit.state.last)).toBe('sent');
      await expect(pull.recv({ timeout: 200 })).rejects.toMatchObject({ code: 'ETIMEDOUT' });
      await inPage(watch.page, (_sp, _arg, kit) => kit.state.push.close());
      expect(watch.errors).toEqual([]);
    },
    TIMEOUT,
  );
});
