/**
 * examples/browser, as the README tells a newcomer to run it: `node examples/browser/server.mjs`
 * serves the page, the package's browser modules and two SP sockets on one port; the page in a
 * real Chromium shows the feed for the chosen topic and gets an answer to a request.
 */
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { describeChromium, useChromium } from '../helpers/chromium.js';
import { startPeer } from '../helpers/peers.js';

const SERVER = fileURLToPath(new URL('../../examples/browser/server.mjs', import.meta.url));

describeChromium('examples/browser', () => {
  const chromium = useChromium();

  it('the page follows the live feed on its topic and gets its request answered, loading only its own origin', async () => {
    const server = startPeer(process.execPath, [SERVER, '0']);
    const line = await server.line((l) => l.startsWith('serving '));
    const origin = /^serving (http:\/\/127\.0\.0\.1:\d+)\//.exec(line)![1]!;
    const { page, errors, requests } = await chromium.open();
    try {
      await page.goto(`${origin}/`);
      // subscribed to "time " by default: the first tick shows, and no "load " line ever does
      await page.waitForFunction("document.querySelector('#feed').textContent.includes('time ')", undefined, { timeout: 10_000 });
      expect(await page.textContent('#feed')).not.toContain('load ');

      await page.selectOption('#topic', 'load ');
      await page.waitForFunction("/load \\d/.test(document.querySelector('#feed').textContent)", undefined, { timeout: 10_000 });

      await page.fill('#question', 'is anyone there');
      await page.click('#send');
      await page.waitForFunction("document.querySelector('#answer').textContent !== ''", undefined, { timeout: 10_000 });
      expect(await page.textContent('#answer')).toBe('#1: IS ANYONE THERE');

      expect(errors).toEqual([]);
      for (const url of requests) expect(url.startsWith(`${origin}/`), url).toBe(true);
      expect(requests.some((url) => url.endsWith('/nanosp/browser/index.js'))).toBe(true);
    } finally {
      await page.close();
      server.child.kill('SIGTERM');
      expect(await server.exited).toEqual({ code: 0, signal: null });
    }
  });
});
