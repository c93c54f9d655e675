/**
 * A real browser for the tests: Debian's chromium-headless-shell, driven by playwright-core.
 * Under CI a missing browser fails the suite; elsewhere those tests are skipped with a notice
 * naming the install line. One browser per test file (`useChromium()`), a fresh page per test.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, it } from 'vitest';

export const CHROMIUM_INSTALL = 'apt-get install -y chromium-headless-shell';

/** Where Debian puts the browser; NANOSP_CHROMIUM overrides it. */
export const CHROMIUM_PATH = process.env.NANOSP_CHROMIUM ?? '/usr/bin/chromium-headless-shell';

export function hasChromium(): boolean {
  return existsSync(CHROMIUM_PATH);
}

/** `describe` for tests that need the browser (same rules as describePeer). */
export function describeChromium(name: string, body: () => void): void {
  if (hasChromium()) {
    describe(name, body);
  } else if (process.env.CI) {
    describe(name, () => {
      it('needs chromium-headless-shell', () => {
        throw new Error(`${CHROMIUM_PATH} is not installed; CI must run: ${CHROMIUM_INSTALL}`);
      });
    });
  } else {
    console.warn(`[nanosp tests] skipping "${name}": ${CHROMIUM_PATH} is not installed (${CHROMIUM_INSTALL})`);
    describe.skip(name, body);
  }
}

export interface PageWatch {
  readonly page: Page;
  /**
   * Uncaught errors and unhandled rejections in the page (console errors are not here: the
   * browser logs every failed WebSocket connection as one, which a reconnect test expects).
   */
  readonly errors: string[];
  /** Every URL the page requested, in order. */
  readonly requests: string[];
  /** Console lines, `type: text`. */
  readonly console: string[];
}

/**
 * Launch the browser once for the enclosing describe block; `open()` gives a new page that
 * records its errors, console and requests. Each page is closed after the test that opened
 * it (with it go its WebSockets and timers); the browser is closed after the block.
 */
export function useChromium(): { open(): Promise<PageWatch>; browser(): Browser } {
  let browser: Browser | undefined;
  const pages = new Set<Page>();
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: ['--no-sandbox'] });
  }, 30_000);
  afterEach(async () => {
    await Promise.all([...pages].map((page) => page.context().close().catch(() => {})));
    pages.clear();
  });
  afterAll(async () => {
    await browser?.close();
    browser = undefined;
  });
  return {
    browser: () => {
      if (!browser) throw new Error('the browser is not running');
      return browser;
    },
    async open(): Promise<PageWatch> {
      if (!browser) throw new Error('the browser is not running');
      const context = await browser.newContext();
      const page = await context.newPage();
      pages.add(page);
      const watch: PageWatch = { page, errors: [], requests: [], console: [] };
      page.on('pageerror', (err) => watch.errors.push(`pageerror: ${err.message}`));
      page.on('console', (msg) => {
        watch.console.push(`${msg.type()}: ${msg.text()}`);
      });
      page.on('request', (req) => watch.requests.push(req.url()));
      page.on('close', () => void context.close().catch(() => {}));
      return watch;
    },
  };
}
