/**
 * nanosp/browser in a real Chromium, loaded from a static server as a site would serve the
 * package (test/helpers/browser-site.ts): what loading the entry fetches, and the errors a
 * page sees.
 *
 *  - Importing `/dist/browser/index.js` fetches only the package's own compiled modules, all
 *    same-origin under /dist/browser/ and /dist/sp/, each as JavaScript; none of them imports
 *    a `node:` module, uses `Buffer` or `process`, and every module they import was fetched
 *    (nothing outside the package is needed, nothing of the Node layer comes along).
 *  - Errors in the page are SpErrors with the code and errno the Node API gives: `tcp://` and
 *    `ipc://` are EPROTONOSUPPORT, an unknown socket type EINVAL, a receive timeout (per call
 *    and from the recvTimeout option) ETIMEDOUT, `bind` ENOTSUP, and a URL the browser cannot
 *    dial EINVAL — none of them thrown uncaught.
 */
import { expect, it } from 'vitest';
import { errnoOf, SpError } from '../../src/index.js';
import { ENTRY_PATH, inPage, loadNanosp, openSitePage, startSite, type PageError } from '../helpers/browser-site.js';
import { describeChromium, useChromium } from '../helpers/chromium.js';
import { testSocket } from '../helpers/sockets.js';

const TIMEOUT = 20_000;

/** Code outside comments: what a module does, not what its prose mentions. */
function withoutComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
}

/** The specifiers of a module's static imports and re-exports, and of its dynamic imports. */
function importsOf(source: string): string[] {
  const specifiers: string[] = [];
  for (const match of source.matchAll(/\b(?:import|export)\s[^'";]*?\bfrom\s*(['"])([^'"]+)\1|\bimport\s*\(\s*(['"])([^'"]+)\3\s*\)|\bimport\s*(['"])([^'"]+)\5/g)) {
    specifiers.push((match[2] ?? match[4] ?? match[6]) as string);
  }
  return specifiers;
}

type ErrorIdentity = Omit<PageError, 'message'>;

/** An error's name, code, errno and class, as the page reports them. */
function identity(err: PageError | string): ErrorIdentity | string {
  if (typeof err === 'string') return err;
  const { name, code, errno, isSpError } = err;
  return { name, code, errno, isSpError };
}

/** The same for what `work` throws on Node. */
async function nodeError(work: () => unknown): Promise<ErrorIdentity | string> {
  try {
    await work();
    return 'no error';
  } catch (err) {
    const e = err as SpError;
    return { name: e.name, code: e.code, errno: e.errno, isSpError: err instanceof SpError };
  }
}

describeChromium('nanosp/browser: loading the entry from a static site', () => {
  const chromium = useChromium();

  it(
    'fetches only the package\'s own modules, same-origin, as JavaScript, with no Node imports, Buffer or process',
    async () => {
      const site = await startSite();
      const watch = await chromium.open();
      const bodies = new Map<string, Promise<{ status: number; type: string; text: string }>>();
      watch.page.on('response', (response) => {
        bodies.set(
          response.url(),
          response.text().then((text) => ({ status: response.status(), type: response.headers()['content-type'] ?? '', text })),
        );
      });
      await loadNanosp(watch.page, site);
      // the module works once loaded: a socket, a message over inproc, closed
      const echoed = await inPage(watch.page, async (sp, _arg, kit) => {
        const a = sp.socket('pair');
        const b = sp.socket('pair');
        try {
          await a.bind('inproc://loading');
          b.connect('inproc://loading');
          await b.send('over inproc', { timeout: 5000 });
          return kit.text(await a.recv({ timeout: 5000 }));
        } finally {
          await Promise.all([a.close(), b.close()]);
        }
      });
      expect(echoed).toBe('over inproc');

      const [page, ...modules] = watch.requests;
      expect(page).toBe(`${site.origin}/`);
      expect(modules[0]).toBe(`${site.origin}${ENTRY_PATH}`);
      expect(new Set(modules).size).toBe(modules.length); // each module once
      const paths = modules.map((url) => {
        const parsed = new URL(url);
        expect(parsed.origin, url).toBe(site.origin);
        return parsed.pathname;
      });
      for (const path of paths) expect(path, path).toMatch(/^\/dist\/(browser|sp)\/[\w/-]+\.js$/);
      // the browser layer and the protocols came; nothing of the Node layer did
      expect(paths).toEqual(expect.arrayContaining(['/dist/browser/ws-transport.js', '/dist/browser/ws-pipe.js', '/dist/sp/socket.js', '/dist/sp/protocol/req.js']));
      expect(paths.filter((path) => path.startsWith('/dist/node/') || path === '/dist/index.js')).toEqual([]);
      // the server served exactly these (the page, then the modules, in whatever order reads finished)
      expect([...site.served].sort()).toEqual(['/', ...paths].sort());

      for (const path of paths) {
        const url = `${site.origin}${path}`;
        const response = await bodies.get(url);
        expect(response, url).toBeDefined();
        expect(response!.status, url).toBe(200);
        expect(response!.type, url).toBe('text/javascript; charset=utf-8');
        const code = withoutComments(response!.text);
        expect(code.length, url).toBeGreaterThan(0);
        expect(code, url).not.toMatch(/\bBuffer\b/);
        expect(code, url).not.toMatch(/\bprocess\s*\./);
        expect(code, url).not.toMatch(/\brequire\s*\(/);
        for (const specifier of importsOf(code)) {
          expect(specifier, `${path} imports ${specifier}`).toMatch(/^\.\.?\//);
          // every import resolves to a module the page fetched
          const target = new URL(specifier, url).pathname;
          expect(paths, `${path} imports ${specifier}`).toContain(target);
        }
      }
      // the import scan is not vacuous: the entry's own imports were found
      expect(importsOf(withoutComments((await bodies.get(`${site.origin}${ENTRY_PATH}`))!.text))).toEqual(
        expect.arrayContaining(['../sp/transport/index.js', './ws-transport.js', '../sp/public.js']),
      );
      // the public API (shared with the Node entry) is one step further: the socket is among its imports
      expect(importsOf(withoutComments((await bodies.get(`${site.origin}/dist/sp/public.js`))!.text))).toEqual(expect.arrayContaining(['./socket.js']));
      expect(watch.errors).toEqual([]);
    },
    TIMEOUT,
  );

  it(
    'reports errors as the Node API does: EPROTONOSUPPORT, EINVAL, ETIMEDOUT, ENOTSUP, each an SpError with code and errno',
    async () => {
      const { site, watch } = await openSitePage(chromium.open);
      const seen = await inPage(watch.page, async (sp, wsUrl, kit) => {
        const caught = async (work: () => unknown): Promise<PageError | string> => {
          try {
            await work();
            return 'no error';
          } catch (err) {
            return kit.error(err);
          }
        };
        const req = sp.socket('req');
        const pull = sp.socket('pull');
        const timed = sp.socket('pull', { recvTimeout: 30 });
        try {
          return {
            tcp: await caught(() => req.connect('tcp://127.0.0.1:5555')),
            ipc: await caught(() => req.connect('ipc:///tmp/nanosp-browser.ipc')),
            socketType: await caught(() => sp.socket('sideways' as never)),
            recvTimeout: await caught(() => pull.recv({ timeout: 30 })),
            recvTimeoutOption: await caught(() => timed.recv()),
            tryRecv: await caught(() => pull.tryRecv()),
            bind: await caught(() => req.bind(wsUrl)),
            bindWss: await caught(() => req.bind('wss://127.0.0.1:0/sp')),
            // a WebSocket URL may not have a fragment
            badUrl: await caught(() => req.connect(`${wsUrl}#top`)),
            endpoints: req.endpoints.length,
          };
        } finally {
          await Promise.all([req.close(), pull.close(), timed.close()]);
        }
      }, site.wsUrl('/sp'));

      const CODES = {
        EPROTONOSUPPORT: errnoOf('EPROTONOSUPPORT'),
        EINVAL: errnoOf('EINVAL'),
        ETIMEDOUT: errnoOf('ETIMEDOUT'),
        EAGAIN: errnoOf('EAGAIN'),
        ENOTSUP: errnoOf('ENOTSUP'),
      } as const;
      expect(CODES).toEqual({ EPROTONOSUPPORT: 93, EINVAL: 22, ETIMEDOUT: 110, EAGAIN: 11, ENOTSUP: 95 });
      const expectError = (got: PageError | string, code: keyof typeof CODES, text?: RegExp) => {
        expect(got).toMatchObject({ name: 'SpError', code, errno: CODES[code], isSpError: true });
        expect((got as PageError).message.startsWith(`${code} (`)).toBe(true);
        if (text) expect((got as PageError).message).toMatch(text);
      };
      expectError(seen.tcp, 'EPROTONOSUPPORT', /tcp/);
      expectError(seen.ipc, 'EPROTONOSUPPORT', /ipc/);
      expectError(seen.socketType, 'EINVAL', /sideways/);
      expectError(seen.recvTimeout, 'ETIMEDOUT');
      expectError(seen.recvTimeoutOption, 'ETIMEDOUT');
      expectError(seen.tryRecv, 'EAGAIN');
      expectError(seen.bind, 'ENOTSUP', /cannot listen/);
      expectError(seen.bindWss, 'ENOTSUP');
      expectError(seen.badUrl, 'EINVAL');
      expect(seen.endpoints).toBe(0); // nothing failed halfway into an endpoint

      // the same calls on Node give the same name, code and errno
      const pull = testSocket('pull');
      expect(await nodeError(() => testSocket('sideways' as never))).toEqual(identity(seen.socketType));
      expect(await nodeError(() => pull.recv({ timeout: 30 }))).toEqual(identity(seen.recvTimeout));
      expect(await nodeError(() => pull.tryRecv())).toEqual(identity(seen.tryRecv));
      expect(watch.errors).toEqual([]);
    },
    TIMEOUT,
  );
});
