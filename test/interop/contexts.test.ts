/**
 * Contexts (NNG's nng_ctx) across implementations, over TCP on 127.0.0.1:
 *  - NNG's REQ with 16 contexts, one thread each (test/interop/c/nng_req_ctx.c), against a
 *    nanosp REP serving from 16 contexts that each take 300 ms: the requests are answered side
 *    by side, so all 16 take about 300 ms, not 4.8 s;
 *  - 16 nanosp REQ contexts in flight at once against NNG's REP with 16 contexts that each
 *    sleep 300 ms (test/interop/c/nng_rep_ctx.c);
 *  - nngcat surveyors against a nanosp RESPONDENT whose contexts hold several surveys at once
 *    and answer them in reverse order: each answer goes back to the surveyor that asked;
 *  - nanosp SURVEYOR contexts with overlapping surveys against nngcat and nanosp respondents:
 *    each context gets only its own survey's responses, and a context that surveys again
 *    drops its first survey's responses without touching the other contexts;
 *  - a REQ context that times out alone: the other context and the socket get their own
 *    replies, and the abandoned request's late reply surfaces nowhere;
 *  - context() on the socket types that have contexts, ENOTSUP on the others.
 * nanosp binds port 0; an NNG program that must bind gets a free port and prints "ready".
 */
import { describe, expect, it } from 'vitest';
import { SpError, type SpSocket } from '../../src/index.js';
import { describeC, NNG_REP_CTX, NNG_REQ_CTX, startC, type CProgram } from '../helpers/cprog.js';
import { freeTcpUrl, quoted, whilePeerRuns } from '../helpers/interop.js';
import { describePeer, startPeer, type Peer } from '../helpers/peers.js';
import { next, testSocket } from '../helpers/sockets.js';

const TIMEOUT = 20_000;
const ANY_PORT = 'tcp://127.0.0.1:0';

type Context = ReturnType<SpSocket['context']>;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

const decoder = new TextDecoder();

/** A received body as text (Buffer or plain Uint8Array alike). */
function text(body: Uint8Array): string {
  return decoder.decode(body);
}

function codeOf(err: unknown): string | undefined {
  return err instanceof SpError ? err.code : undefined;
}

/** Waits on `work`, failing as soon as any of `peers` exits. */
function whileAllRun<T>(peers: readonly Peer[], work: Promise<T>): Promise<T> {
  return peers.reduce((w, peer) => whilePeerRuns(peer, w), work);
}

/** Resolves once `sock` has at least `count` pipes. */
async function pipes(sock: SpSocket, count: number, timeoutMs = 10_000): Promise<void> {
  while (sock.pipes.length < count) await next(sock, 'pipe', timeoutMs);
}

/**
 * Serve requests (REP) or surveys (RESPONDENT) on `ctx` with `answer` until the context is
 * closed, and resolve with how many were answered. The receive pending at close must fail
 * with EBADF; any other failure rejects.
 */
async function serve(ctx: Context, answer: (question: string) => string | Promise<string>): Promise<number> {
  let answered = 0;
  for (;;) {
    let body: Uint8Array;
    try {
      body = await ctx.recv();
    } catch (err) {
      if (codeOf(err) === 'EBADF') return answered;
      throw err;
    }
    await ctx.send(await answer(text(body)));
    answered++;
  }
}

/**
 * Start `program` as a listener on a free port (`args(url)`), waiting for its "ready"; tries
 * another port when the one found free was taken before the program could bind it.
 */
async function listeningC(program: CProgram, args: (url: string) => string[]): Promise<{ peer: Peer; url: string }> {
  for (let attempt = 1; ; attempt++) {
    const url = await freeTcpUrl();
    const peer = await startC(program, args(url));
    try {
      await whilePeerRuns(peer, peer.line('ready'));
      return { peer, url };
    } catch (err) {
      if (attempt >= 3 || !/address in use/i.test(peer.stderr)) throw err;
    }
  }
}

/** The summary line of nng_req_ctx. */
function parseDone(line: string): { ok: number; bad: number; elapsedMs: number } {
  const m = /^done ok=(\d+) bad=(\d+) elapsed_ms=(\d+)$/.exec(line);
  if (!m) throw new Error(`not a summary line: ${JSON.stringify(line)}`);
  return { ok: Number(m[1]), bad: Number(m[2]), elapsedMs: Number(m[3]) };
}

/** nng_rep_ctx's "served <context#> <request>" lines, as [context#, request]. */
function servedLines(peer: Peer): [number, string][] {
  return peer.output.flatMap((line): [number, string][] => {
    const m = /^served (\d+) (.*)$/.exec(line);
    return m ? [[Number(m[1]), m[2]!]] : [];
  });
}

describeC(NNG_REQ_CTX, 'interop contexts: NNG REQ contexts (nng_req_ctx.c) against nanosp REP contexts', () => {
  it(
    "16 NNG contexts' requests are served side by side by 16 nanosp REP contexts taking 300 ms each",
    async () => {
      const rep = testSocket('rep');
      const ep = await rep.bind(ANY_PORT);
      const contexts = Array.from({ length: 16 }, () => rep.context());
      expect(new Set(contexts.map((ctx) => ctx.id)).size).toBe(16);
      const served: { ctx: number; request: string }[] = [];
      const serving = contexts.map((ctx) =>
        serve(ctx, async (request) => {
          served.push({ ctx: ctx.id, request });
          await sleep(300);
          return `echo:${request}`;
        }),
      );
      serving.forEach((s) => s.catch(() => {})); // checked below

      const client = await startC(NNG_REQ_CTX, [ep.url, '16', '1']);
      const exit = await client.exited;
      const summary = parseDone(await client.line((l) => l.startsWith('done '), 2000));
      expect(summary, `nng_req_ctx stderr: ${client.stderr}`).toMatchObject({ ok: 16, bad: 0 });
      expect(exit).toEqual({ code: 0, signal: null });
      expect(summary.elapsedMs).toBeLessThan(2500); // one after the other would be 4.8 s

      // 16 requests at once, each held 300 ms: each context must have taken exactly one
      expect(served.map((s) => s.request).sort()).toEqual(Array.from({ length: 16 }, (_, i) => `req ${i} 0`).sort());
      expect(new Set(served.map((s) => s.ctx)).size).toBe(16);

      // closing the socket closes its contexts: each pending receive fails with EBADF
      await rep.close();
      expect(await Promise.all(serving)).toEqual(Array(16).fill(1));
    },
    TIMEOUT,
  );
});

describeC(NNG_REP_CTX, 'interop contexts: nanosp REQ contexts against NNG REP contexts (nng_rep_ctx.c)', () => {
  it(
    '16 nanosp REQ contexts in flight at once are answered by 16 NNG REP contexts sleeping 300 ms',
    async () => {
      const { peer: server, url } = await listeningC(NNG_REP_CTX, (u) => [u, '16', '300']);
      const req = testSocket('req');
      const piped = next(req, 'pipe', 10_000);
      req.connect(url);
      await whilePeerRuns(server, piped);

      const contexts = Array.from({ length: 16 }, () => req.context());
      for (const ctx of contexts) ctx.setOption('recvTimeout', 10_000);
      const began = performance.now();
      const replies = await whilePeerRuns(
        server,
        Promise.all(
          contexts.map(async (ctx, i) => {
            await ctx.send(`req ${i}`);
            return text(await ctx.recv());
          }),
        ),
      );
      const elapsed = performance.now() - began;
      expect(replies).toEqual(contexts.map((_, i) => `echo:req ${i}`));
      expect(elapsed).toBeLessThan(2500); // one after the other would be 4.8 s

      // the server printed each answer after sending it; all 16 of its contexts took one
      await whilePeerRuns(server, server.line(() => servedLines(server).length >= 16));
      const served = servedLines(server);
      expect(served.map(([, r]) => r).sort()).toEqual(contexts.map((_, i) => `req ${i}`).sort());
      expect(new Set(served.map(([c]) => c)).size).toBe(16);
    },
    TIMEOUT,
  );

  it(
    "a REQ context times out alone: the other context and the socket get their own replies, the late one surfaces nowhere",
    async () => {
      // the server answers "sleep=<ms> ..." after <ms>, from 4 contexts side by side
      const { peer: server, url } = await listeningC(NNG_REP_CTX, (u) => [u, '4', '0']);
      const req = testSocket('req');
      const piped = next(req, 'pipe', 10_000);
      req.connect(url);
      await whilePeerRuns(server, piped);

      const a = req.context();
      const b = req.context();
      a.setOption('recvTimeout', 300);
      b.setOption('recvTimeout', 5000);
      expect(a.getOption('recvTimeout')).toBe(300);

      const began = performance.now();
      await a.send('sleep=1000 a'); // answered after 1 s, long after A gave up
      await b.send('sleep=100 b');
      const aOutcome = a.recv().then(
        (body) => `reply ${text(body)}`,
        (err: unknown) => err,
      );
      expect(text(await whilePeerRuns(server, b.recv()))).toBe('echo:sleep=100 b');
      const aError = await aOutcome;
      const aGaveUp = performance.now() - began;
      expect(codeOf(aError), String(aError)).toBe('ETIMEDOUT');
      expect(aGaveUp).toBeGreaterThanOrEqual(250);
      expect(aGaveUp).toBeLessThan(900);

      // B and the socket (its default context) ask for answers that come after A's late reply
      await b.send('sleep=1200 b2');
      await req.send('sleep=1200 s');
      const b2 = b.recv();
      const s = req.recv({ timeout: 5000 });
      b2.catch(() => {});
      s.catch(() => {});
      await whilePeerRuns(server, server.line((l) => l.endsWith(' sleep=1000 a'))); // the late reply went out
      expect(text(await whilePeerRuns(server, b2))).toBe('echo:sleep=1200 b2');
      expect(text(await whilePeerRuns(server, s))).toBe('echo:sleep=1200 s');

      // A's request was given up when its receive timed out (NNG; the socket's own context
      // keeps nanomsg's rule and would still deliver it): a receive on A now has nothing to
      // wait for, EFSM (NNG's ESTATE)
      const again = await a.recv({ timeout: 200 }).then(
        (body) => `reply ${text(body)}`,
        (err: unknown) => err,
      );
      expect(codeOf(again), String(again)).toBe('EFSM');
      expect(() => b.tryRecv()).toThrow(SpError);
      // the server prints each request after its reply went out: wait for the last two lines
      await whilePeerRuns(server, server.line(() => servedLines(server).length >= 4));
      expect(servedLines(server).map(([, r]) => r).sort()).toEqual(['sleep=100 b', 'sleep=1000 a', 'sleep=1200 b2', 'sleep=1200 s']);
    },
    TIMEOUT,
  );
});

describePeer('nngcat', 'interop contexts: nngcat (NNG 1.5.2) surveyors and respondents with nanosp SURVEYOR/RESPONDENT contexts', () => {
  it(
    "a nanosp RESPONDENT's contexts hold four nngcat surveys at once and answer in reverse order, each to its own surveyor",
    async () => {
      const resp = testSocket('respondent');
      const ep = await resp.bind(ANY_PORT);
      const contexts = Array.from({ length: 6 }, () => resp.context());
      const held: { ctx: number; question: string }[] = [];
      let allHeld!: () => void;
      const gathered = new Promise<void>((resolve) => (allHeld = resolve));
      const serving = contexts.map((ctx) =>
        serve(ctx, async (question) => {
          const position = held.push({ ctx: ctx.id, question }) - 1;
          if (held.length === 4) allHeld();
          await gathered;
          await sleep((3 - position) * 60); // the last to arrive answers first
          return `${question} from context ${ctx.id}`;
        }),
      );
      serving.forEach((s) => s.catch(() => {}));

      // each surveyor surveys once (-C 1) and collects responses for its 1 s survey time (-i 1)
      const surveyors = [0, 1, 2, 3].map((k) => startPeer('nngcat', ['--surveyor0', '--dial', ep.url, '-Q', '-D', `q${k}`, '-C', '1', '-i', '1']));
      const exits = await Promise.all(surveyors.map((p) => p.exited));

      expect(held).toHaveLength(4);
      expect(new Set(held.map((h) => h.ctx)).size).toBe(4); // one survey per context at a time
      surveyors.forEach((peer, k) => {
        const holder = held.find((h) => h.question === `q${k}`);
        expect(holder, `q${k} reached no context`).toBeDefined();
        expect(exits[k], peer.stderr).toEqual({ code: 0, signal: null });
        expect(peer.output).toEqual([quoted(`q${k} from context ${holder!.ctx}`)]);
      });

      await resp.close();
      expect((await Promise.all(serving)).reduce((x, y) => x + y, 0)).toBe(4);
    },
    TIMEOUT,
  );

  it(
    'nanosp SURVEYOR contexts survey side by side: each gets only its own responses from nngcat and nanosp respondents',
    async () => {
      const sur = testSocket('surveyor');
      const ep = await sur.bind(ANY_PORT);
      const attached = pipes(sur, 4);
      attached.catch(() => {});

      // two nngcat respondents answer at once with fixed data; two nanosp respondents answer
      // from 6 contexts each (one per survey below), after 200 ms, with the question and who they are
      const cats = ['A', 'B'].map((n) => startPeer('nngcat', ['--respondent0', '--dial', ep.url, '-Q', '-D', `yes-${n}`]));
      const serving: Promise<number>[] = [];
      const respondents: SpSocket[] = [];
      for (const n of [1, 2]) {
        const resp = testSocket('respondent');
        respondents.push(resp);
        resp.connect(ep.url);
        for (let i = 0; i < 6; i++) {
          serving.push(
            serve(resp.context(), async (question) => {
              await sleep(200);
              return `${question}@r${n}`;
            }),
          );
        }
      }
      serving.forEach((s) => s.catch(() => {}));
      await whileAllRun(cats, attached);

      /** Everything `ctx` receives until its survey's deadline passes. */
      async function collect(ctx: Context): Promise<string[]> {
        const got: string[] = [];
        for (;;) {
          try {
            got.push(text(await ctx.recv({ timeout: 5000 })));
          } catch (err) {
            if (codeOf(err) === 'ETIMEDOUT') return got.sort();
            throw err;
          }
        }
      }
      const expected = (question: string) => [`${question}@r1`, `${question}@r2`, 'yes-A', 'yes-B'].sort();

      const contexts = Array.from({ length: 5 }, () => sur.context());
      for (const ctx of contexts) ctx.setOption('surveyDeadline', 1000);
      expect(contexts[0]!.getOption('surveyDeadline')).toBe(1000);
      const results = await whileAllRun(
        cats,
        Promise.all(
          contexts.map(async (ctx, i) => {
            if (i === 4) {
              // surveys, and surveys again before reading: only the second survey's responses
              await ctx.send('first');
              await sleep(100); // the cats' answers to "first" are in; nanosp's are not yet
              await ctx.send('second');
              return collect(ctx);
            }
            await sleep(i * 50); // overlapping, not simultaneous
            await ctx.send(`survey ${i}`);
            return collect(ctx);
          }),
        ),
      );
      expect(results).toEqual([...[0, 1, 2, 3].map((i) => expected(`survey ${i}`)), expected('second')]);

      // each respondent saw every survey; the nanosp ones answered them all
      const questions = ['first', 'second', ...[0, 1, 2, 3].map((i) => `survey ${i}`)].sort();
      for (const cat of cats) {
        await whilePeerRuns(cat, cat.line(() => cat.output.length >= 6));
        expect([...cat.output].sort()).toEqual(questions.map(quoted));
      }
      // closing the respondents ends their contexts' pending receives with EBADF
      await Promise.all(respondents.map((r) => r.close()));
      expect((await Promise.all(serving)).reduce((x, y) => x + y, 0)).toBe(12); // 6 surveys × 2
    },
    TIMEOUT,
  );
});

describe('interop contexts: the API', () => {
  it('context() exists on the cooked socket types that have contexts', () => {
    for (const type of ['req', 'rep', 'surveyor', 'respondent', 'sub'] as const) {
      const sock = testSocket(type);
      expect(typeof sock.context().id).toBe('number');
    }
    let err: unknown;
    try {
      testSocket('push').context();
    } catch (e) {
      err = e;
    }
    expect(codeOf(err)).toBe('ENOTSUP');
  });
});

describePeer('nanocat', 'interop contexts: nanocat (libnanomsg 1.1.5) REQ and REP with nanosp REQ/REP contexts', () => {
  it(
    "four nanocat REQs are held by four nanosp REP contexts at once, and each prints its own context's answer",
    async () => {
      const rep = testSocket('rep');
      const ep = await rep.bind(ANY_PORT);
      const contexts = Array.from({ length: 4 }, () => rep.context());
      let held = 0;
      let allHeld!: () => void;
      const gathered = new Promise<void>((resolve) => (allHeld = resolve));
      const serving = contexts.map((ctx) =>
        serve(ctx, async (question) => {
          if (++held === 4) allHeld();
          await gathered; // all four requests are in before any is answered
          return `${question} from context ${ctx.id}`;
        }),
      );
      serving.forEach((s) => s.catch(() => {}));
      // without --interval nanocat's REQ asks once, prints the reply and exits
      const cats = [0, 1, 2, 3].map((k) => startPeer('nanocat', ['--req', '--connect', ep.url, '-Q', '-D', `q${k}`]));
      const exits = await Promise.all(cats.map((p) => p.exited));
      expect(exits.map((e) => e.code)).toEqual([0, 0, 0, 0]);
      const answers = cats.map((p) => p.output);
      answers.forEach((lines, k) => {
        expect(lines).toHaveLength(1);
        expect(lines[0]).toMatch(new RegExp(`^"q${k} from context \\d+"$`));
      });
      const ids = answers.map((lines) => Number(/context (\d+)/.exec(lines[0] as string)?.[1]));
      expect(new Set(ids)).toEqual(new Set(contexts.map((c) => c.id)));
      for (const ctx of contexts) await ctx.close();
      expect(await Promise.all(serving)).toEqual([1, 1, 1, 1]);
    },
    TIMEOUT,
  );

  it(
    "four nanosp REQ contexts in flight at once through nanocat's REP each get their reply, routed by request id",
    async () => {
      const url = await freeTcpUrl();
      const cat = startPeer('nanocat', ['--rep', '--bind', url, '-Q', '-D', 'pong']);
      const req = testSocket('req');
      req.connect(url);
      const contexts = Array.from({ length: 4 }, () => req.context());
      const replies = await whilePeerRuns(
        cat,
        Promise.all(
          contexts.map(async (ctx, k) => {
            await ctx.send(`ping ${k}`);
            return text(await ctx.recv({ timeout: 10_000 }));
          }),
        ),
      );
      expect(replies).toEqual(['pong', 'pong', 'pong', 'pong']);
      // libnanomsg's REP took the four requests one after another, each exactly once
      await whilePeerRuns(cat, cat.line(quoted('ping 3')));
      await whilePeerRuns(cat, Promise.all([0, 1, 2].map((k) => cat.line(quoted(`ping ${k}`)))));
      expect([...cat.output].sort()).toEqual([0, 1, 2, 3].map((k) => quoted(`ping ${k}`)));
      expect(req.stats.messagesReceived).toBe(4);
    },
    TIMEOUT,
  );
});
