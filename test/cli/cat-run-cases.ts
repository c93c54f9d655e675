/**
 * What `nanosp cat` does and how it ends, written once and run against `nanosp cat` and the
 * real `nanocat` (cat-run.test.ts and cat-run-nanocat.test.ts, so that they run in parallel)
 * with the same command lines and the same expectations: output, stderr and exit status. The
 * other end is an in-process nanosp socket. nanocat cannot take fractions of a second for
 * --recv-timeout (it truncates them), so these cases use whole seconds.
 */
import { describe, expect, it } from 'vitest';
import { whilePeerRuns } from '../helpers/interop.js';
import { describePeer, freePort } from '../helpers/peers.js';
import { next, testSocket } from '../helpers/sockets.js';
import { exitOf, printed, startCat, type CatCommand } from './cat-helpers.js';

export async function freeUrl(): Promise<string> {
  return `tcp://127.0.0.1:${await freePort()}`;
}

export function defineRunCases(command: CatCommand): void {
  const describeFor = command === 'nanocat' ? (name: string, body: () => void) => describePeer('nanocat', name, body) : describe;

  describeFor(`${command}: loops, endings and failures`, () => {
    it('PULL prints each message and ends with status 0 when --recv-timeout passes without one', async () => {
      const url = await freeUrl();
      const cat = startCat(command, ['--pull', '--bind', url, '-Q', '--recv-timeout', '1']);
      const push = testSocket('push', { sendTimeout: 5000 });
      push.connect(url);
      await whilePeerRuns(cat, push.send('one'));
      await push.send('two');
      await whilePeerRuns(cat, cat.line('"two"'));
      expect(await exitOf(cat)).toEqual({ code: 0, signal: null });
      expect(cat.output).toEqual(['"one"', '"two"']);
      expect(cat.stderr).toBe('');
    });

    it('--recv-timeout 0: a receive that cannot complete at once times out, and PULL ends with status 0', async () => {
      const url = await freeUrl();
      const cat = startCat(command, ['--pull', '--bind', url, '-Q', '--recv-timeout', '0']);
      expect(await exitOf(cat)).toEqual({ code: 0, signal: null });
      expect(cat.output).toEqual([]);
    });

    it("--send-timeout 0 with no peer: \"Can't send: Connection timed out\" and status 3", async () => {
      const url = await freeUrl();
      const cat = startCat(command, ['--push', '--connect', url, '-D', 'x', '--send-timeout', '0']);
      expect(await exitOf(cat)).toEqual({ code: 3, signal: null });
      expect(cat.stderr).toBe("Can't send: Connection timed out\n");
    });

    it('without a format nothing is printed', async () => {
      const url = await freeUrl();
      const cat = startCat(command, ['--pull', '--bind', url, '--recv-timeout', '1']);
      const push = testSocket('push', { sendTimeout: 5000 });
      push.connect(url);
      await whilePeerRuns(cat, push.send('unseen'));
      expect(await exitOf(cat)).toEqual({ code: 0, signal: null });
      expect(printed(cat).length).toBe(0);
    });

    it('REQ sends its request, prints the reply and ends with status 0', async () => {
      const rep = testSocket('rep');
      const ep = await rep.bind('tcp://127.0.0.1:0');
      const cat = startCat(command, ['--req', '--connect', ep.url, '-D', 'ping', '-Q']);
      expect(String(await whilePeerRuns(cat, rep.recv({ timeout: 5000 })))).toBe('ping');
      await rep.send('pong');
      expect(await exitOf(cat)).toEqual({ code: 0, signal: null });
      expect(cat.output).toEqual(['"pong"']);
    });

    it('REP with data answers every request with it; without data it only prints', async () => {
      const url = await freeUrl();
      const cat = startCat(command, ['--rep', '--bind', url, '-A', '-D', 'pong']);
      const req = testSocket('req');
      req.connect(url);
      for (const request of ['a', 'b']) {
        await req.send(request);
        expect(String(await whilePeerRuns(cat, req.recv({ timeout: 5000 })))).toBe('pong');
      }
      // printed before the reply went out, but its own pipe may be read later
      await whilePeerRuns(cat, cat.line('b'));
      expect(cat.output).toEqual(['a', 'b']);

      const url2 = await freeUrl();
      const silent = startCat(command, ['--rep', '--bind', url2, '-A']);
      const req2 = testSocket('req');
      req2.connect(url2);
      await req2.send('unanswered');
      await whilePeerRuns(silent, silent.line('unanswered'));
      await expect(req2.recv({ timeout: 300 })).rejects.toMatchObject({ code: 'ETIMEDOUT' });
    });

    it("REP with data fails with status 3 when --recv-timeout passes: Can't recv", async () => {
      const cat = startCat(command, ['--rep', '--bind', await freeUrl(), '-D', 'x', '--recv-timeout', '1']);
      expect(await exitOf(cat)).toEqual({ code: 3, signal: null });
      expect(cat.stderr).toBe("Can't recv: Connection timed out\n");
    });

    it("PUSH with nobody to take the message fails with status 3 after --send-timeout: Can't send", async () => {
      const cat = startCat(command, ['--push', '--bind', await freeUrl(), '-D', 'x', '--send-timeout', '0.5']);
      expect(await exitOf(cat)).toEqual({ code: 3, signal: null });
      expect(cat.stderr).toBe("Can't send: Connection timed out\n");
    });

    it('SURVEYOR prints the responses and ends with status 0 at the deadline', async () => {
      const respondent = testSocket('respondent');
      const ep = await respondent.bind('tcp://127.0.0.1:0');
      // -d: the survey goes out once the connection is up, else nobody would get it
      const cat = startCat(command, ['--surveyor', '--connect', ep.url, '-D', 'q', '-Q', '-d', '0.5']);
      expect(String(await whilePeerRuns(cat, respondent.recv({ timeout: 5000 })))).toBe('q');
      await respondent.send('yes');
      expect(await exitOf(cat)).toEqual({ code: 0, signal: null });
      expect(cat.output).toEqual(['"yes"']);
    });

    it('SUB takes only its --subscribe prefixes; without one, everything', async () => {
      for (const subscriptions of [['--subscribe', 'a', '--subscribe', 'b'], []]) {
        const url = await freeUrl();
        const cat = startCat(command, ['--sub', '--bind', url, '-A', ...subscriptions]);
        const pub = testSocket('pub');
        const piped = next(pub, 'pipe', 8000);
        pub.connect(url);
        await whilePeerRuns(cat, piped);
        // the SUB side may attach a moment after the PUB side: send until the last line shows
        const timer = setInterval(() => void pub.send('b-end'), 100);
        try {
          for (const message of ['x1', 'a1', 'c1', 'b1']) await pub.send(message);
          await whilePeerRuns(cat, cat.line('b-end'));
        } finally {
          clearInterval(timer);
        }
        const seen = cat.output.slice(0, cat.output.indexOf('b-end'));
        const all = ['x1', 'a1', 'c1', 'b1'];
        const expected = subscriptions.length > 0 ? ['a1', 'b1'] : all;
        // whatever arrived of the four, in order, filtered
        expect(expected.filter((m) => seen.includes(m))).toEqual(seen);
        expect(seen.every((m) => expected.includes(m))).toBe(true);
        expect(seen.at(-1)).toBe(expected.at(-1));
        await cat.kill();
      }
    });

    it('-F - sends what standard input holds', async () => {
      const pull = testSocket('pull');
      const ep = await pull.bind('tcp://127.0.0.1:0');
      const cat = startCat(command, ['--push', '--connect', ep.url, '-F', '-']);
      cat.child.stdin.end(Buffer.from('from\nstdin\0'));
      expect(await whilePeerRuns(cat, pull.recv({ timeout: 5000 }))).toEqual(Buffer.from('from\nstdin\0'));
      expect(await exitOf(cat)).toEqual({ code: 0, signal: null });
    });

    it("a taken port, a malformed address, a name too long: status 3 and nanocat's line", async () => {
      const taken = testSocket('pull');
      const ep = await taken.bind('tcp://127.0.0.1:0');
      const cases: [string[], string][] = [
        [['--pull', '--bind', ep.url], "Can't bind: Address already in use\n"],
        [['--pull', '--bind', 'x'], "Can't bind: Invalid argument\n"],
        [['--pull', '--connect', 'tcp://no-port'], "Can't connect: Invalid argument\n"],
        [['--pull', '--connect', ep.url, '--socket-name', 'n'.repeat(64)], "Can't set socket name: Invalid argument\n"],
      ];
      const cats = cases.map(([args]) => startCat(command, args));
      const statuses = await Promise.all(cats.map((cat) => exitOf(cat)));
      cases.forEach(([args, stderr], i) => {
        expect(statuses[i], args.join(' ')).toEqual({ code: 3, signal: null });
        expect(cats[i]?.stderr, args.join(' ')).toBe(stderr);
      });
    });

    it("an unknown transport: status 3, Can't connect: Protocol not supported", async () => {
      const cat = startCat(command, ['--pull', '--connect', 'foo://x']);
      expect(await exitOf(cat)).toEqual({ code: 3, signal: null });
      expect(cat.stderr.split('\n')[0]).toBe("Can't connect: Protocol not supported");
    });

    it('standard output closed: the cat stops (nanocat dies of SIGPIPE, nanosp cat exits 141)', async () => {
      const url = await freeUrl();
      const cat = startCat(command, ['--pull', '--bind', url, '-Q']);
      cat.child.stdout.destroy();
      const push = testSocket('push', { sendTimeout: 200 });
      push.connect(url);
      const sending = setInterval(() => void push.send('x').catch(() => {}), 20);
      try {
        const status = await exitOf(cat);
        expect(status).toEqual(command === 'nanocat' ? { code: null, signal: 'SIGPIPE' } : { code: 141, signal: null });
      } finally {
        clearInterval(sending);
      }
      expect(cat.stderr).toBe('');
    });
  });
}
