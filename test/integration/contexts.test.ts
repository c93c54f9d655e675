/**
 * NNG-style contexts over real connections (tcp on loopback, inproc): a REP with 16 contexts
 * serves 16 slow requests concurrently; SURVEYOR contexts run overlapping surveys against
 * RESPONDENTs answering from several contexts; the socket-level API keeps working beside
 * open contexts; bad input fails with the right errors and leaves nothing behind.
 * spec/nng.md §1.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { Context, SpError, socket, type SpSocket } from '../../src/index.js';
import { next, testSocket } from '../helpers/sockets.js';

let inprocCount = 0;

/** A fresh address for `transport`: a free loopback port, or a unique inproc name. */
function address(transport: 'tcp' | 'inproc'): string {
  return transport === 'tcp' ? 'tcp://127.0.0.1:0' : `inproc://contexts-${process.pid}-${++inprocCount}`;
}

/** Resolves once `s` has at least `n` live pipes (state-based: safe to call at any time). */
function pipesUp(s: SpSocket, n: number): Promise<void> {
  if (s.pipes.length >= n) return Promise.resolve();
  return new Promise((resolve) => {
    const onPipe = (): void => {
      if (s.pipes.length < n) return;
      s.off('pipe', onPipe);
      resolve();
    };
    s.on('pipe', onPipe);
  });
}

/**
 * Serve requests on `ctx` until it closes: each takes `workMs` of (timer) work, then the reply
 * names the request and the context that answered it.
 */
async function serve(ctx: Context, tag: string, workMs = 0): Promise<number> {
  let served = 0;
  try {
    for await (const request of ctx) {
      if (workMs > 0) await sleep(workMs);
      await ctx.send(`${String(request)} <- ${tag}`);
      served++;
    }
  } catch (err) {
    // the socket or context closed while a reply was being made
    if (!(err instanceof SpError && err.code === 'EBADF')) throw err;
  }
  return served;
}

/** A REP with `n` contexts, each serving with `workMs` of work per request. */
function repWithContexts(rep: SpSocket, n: number, workMs: number): { contexts: Context[]; done: Promise<number[]> } {
  const contexts = Array.from({ length: n }, () => rep.context());
  const done = Promise.all(contexts.map((ctx) => serve(ctx, `rep ctx ${ctx.id}`, workMs)));
  return { contexts, done };
}

const WORK_MS = 300;
const N = 16;

describe.each(['tcp', 'inproc'] as const)('contexts over %s', (transport) => {
  it(`a REP with ${N} contexts answers ${N} concurrent requests from ${N} REQ contexts on one socket in well under ${N}×${WORK_MS} ms`, async () => {
    const rep = testSocket('rep');
    const req = testSocket('req');
    const ep = await rep.bind(address(transport));
    const piped = Promise.all([next(rep, 'pipe'), next(req, 'pipe')]);
    req.connect(ep.url);
    await piped;
    const server = repWithContexts(rep, N, WORK_MS);

    const reqContexts = Array.from({ length: N }, () => req.context());
    const started = performance.now();
    const answers = await Promise.all(
      reqContexts.map(async (ctx, i) => {
        await ctx.send(`request ${i}`);
        return String(await ctx.recv());
      }),
    );
    const elapsed = performance.now() - started;

    expect(elapsed).toBeLessThan(1500);
    expect(elapsed).toBeGreaterThanOrEqual(WORK_MS - 5); // the work really happened
    const servers = new Set<string>();
    answers.forEach((answer, i) => {
      const match = /^request (\d+) <- (rep ctx \d+)$/.exec(answer);
      expect(match, answer).not.toBeNull();
      expect(match![1]).toBe(String(i));
      servers.add(match![2]!);
    });
    expect(servers.size).toBe(N); // every REP context took one request

    await rep.close();
    expect((await server.done).reduce((a, b) => a + b, 0)).toBe(N);
  });

  it(`the same with ${N} separate REQ sockets`, async () => {
    const rep = testSocket('rep');
    const ep = await rep.bind(address(transport));
    const reqs = Array.from({ length: N }, () => testSocket('req'));
    const piped = Promise.all([pipesUp(rep, N), ...reqs.map((r) => next(r, 'pipe'))]);
    for (const r of reqs) r.connect(ep.url);
    await piped;
    const server = repWithContexts(rep, N, WORK_MS);

    const started = performance.now();
    const answers = await Promise.all(
      reqs.map(async (r, i) => {
        await r.send(`request ${i}`);
        return String(await r.recv());
      }),
    );
    const elapsed = performance.now() - started;

    expect(elapsed).toBeLessThan(1500);
    const servers = new Set<string>();
    answers.forEach((answer, i) => {
      const match = /^request (\d+) <- (rep ctx \d+)$/.exec(answer);
      expect(match, answer).not.toBeNull();
      expect(match![1]).toBe(String(i));
      servers.add(match![2]!);
    });
    expect(servers.size).toBe(N);
    await rep.close();
    await server.done;
  });

  it('SURVEYOR contexts with overlapping surveys each receive exactly their own 3 responses from RESPONDENTs answering from 2 contexts', async () => {
    const surveyor = testSocket('surveyor');
    const ep = await surveyor.bind(address(transport));
    const respondents = Array.from({ length: 3 }, () => testSocket('respondent'));
    const piped = Promise.all([pipesUp(surveyor, 3), ...respondents.map((r) => next(r, 'pipe'))]);
    for (const r of respondents) r.connect(ep.url);
    await piped;
    const answering = respondents.flatMap((r, i) => [r.context(), r.context()].map((ctx) => serve(ctx, `respondent ${i} ctx ${ctx.id}`, 20)));

    const [a, b] = [surveyor.context(), surveyor.context()];
    a.setOption('surveyDeadline', 700);
    b.setOption('surveyDeadline', 700);
    await a.send('survey A');
    await b.send('survey B');

    /** Responses until the deadline (ETIMEDOUT ends the survey). */
    async function collect(ctx: Context): Promise<string[]> {
      const got: string[] = [];
      for (;;) {
        try {
          got.push(String(await ctx.recv()));
        } catch (err) {
          expect(err).toMatchObject({ code: 'ETIMEDOUT' });
          return got.sort();
        }
      }
    }
    const [fromA, fromB] = await Promise.all([collect(a), collect(b)]);

    for (const [got, survey] of [
      [fromA, 'survey A'],
      [fromB, 'survey B'],
    ] as const) {
      expect(got).toHaveLength(3);
      const who = got.map((g) => {
        const match = /^(survey [AB]) <- respondent (\d) ctx (\d+)$/.exec(g);
        expect(match, g).not.toBeNull();
        expect(match![1]).toBe(survey);
        return match![2];
      });
      expect(who.sort()).toEqual(['0', '1', '2']);
    }
    // each respondent answered the two surveys from its two contexts, one each
    for (let i = 0; i < 3; i++) {
      const ctxOf = (got: string[]): string => /ctx (\d+)$/.exec(got.find((g) => g.includes(`respondent ${i} `))!)![1]!;
      expect(ctxOf(fromA)).not.toBe(ctxOf(fromB));
    }
    await expect(a.recv()).rejects.toMatchObject({ code: 'EFSM' });

    await Promise.all(respondents.map((r) => r.close()));
    expect((await Promise.all(answering)).reduce((x, y) => x + y, 0)).toBe(6);
  });

  it('the socket-level API still works beside open contexts on both sides', async () => {
    const rep = testSocket('rep');
    const req = testSocket('req');
    const ep = await rep.bind(address(transport));
    const piped = Promise.all([next(rep, 'pipe'), next(req, 'pipe')]);
    req.connect(ep.url);
    await piped;
    const repCtx = rep.context();
    const idleRepCtx = rep.context();
    const reqCtx = req.context();
    const idleReqCtx = req.context();

    // REQ socket alone, with contexts open but idle
    const repGot = rep.recv();
    await req.send('plain');
    expect(String(await repGot)).toBe('plain');
    await rep.send('plain reply');
    expect(String(await req.recv())).toBe('plain reply');

    // both at once: one exchange through contexts, one through the sockets
    const ctxSide = repCtx.recv();
    const sockSide = rep.recv();
    await reqCtx.send('via context');
    await req.send('via socket');
    const tookByCtx = String(await ctxSide);
    const tookBySocket = String(await sockSide);
    expect([tookByCtx, tookBySocket].sort()).toEqual(['via context', 'via socket']);
    // the socket answers first, then the context
    await rep.send(`answer to ${tookBySocket}`);
    await repCtx.send(`answer to ${tookByCtx}`);
    // each requester gets the answer to its own request, whichever REP side took it
    expect(String(await reqCtx.recv())).toBe('answer to via context');
    expect(String(await req.recv())).toBe('answer to via socket');

    // the idle contexts are still fine
    await expect(idleReqCtx.recv()).rejects.toMatchObject({ code: 'EFSM' });
    await expect(idleRepCtx.send('x')).rejects.toMatchObject({ code: 'EFSM' });
  });
});

describe('contexts: bad input over real sockets', () => {
  it('context on a PUB is ENOTSUP; recv on a REQ context with nothing sent is EFSM; send on a closed context is EBADF; an unknown option is ENOPROTOOPT; nothing is left behind', async () => {
    const timersBefore = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

    const pub = socket('pub', { linger: 0 });
    const req = socket('req', { linger: 0 });
    const rep = socket('rep', { linger: 0 });
    const ep = await rep.bind('tcp://127.0.0.1:0');
    const piped = Promise.all([next(rep, 'pipe'), next(req, 'pipe')]);
    req.connect(ep.url);
    await piped;

    expect(() => pub.context()).toThrow(expect.objectContaining({ code: 'ENOTSUP', errno: 95 }));
    const ctx = req.context();
    await expect(ctx.recv()).rejects.toMatchObject({ code: 'EFSM', errno: 156384766 });
    expect(() => ctx.setOption('nonsense', 1)).toThrow(expect.objectContaining({ code: 'ENOPROTOOPT', errno: 92 }));
    expect(() => ctx.getOption('nonsense')).toThrow(expect.objectContaining({ code: 'ENOPROTOOPT' }));
    expect(() => rep.context().setOption('nonsense', 1)).toThrow(expect.objectContaining({ code: 'ENOPROTOOPT' }));

    // a request in flight with its resend timer and a pending recv, then closed
    const busy = req.context();
    busy.setOption('recvTimeout', 60_000);
    await busy.send('never answered');
    const pending = busy.recv();
    await busy.close();
    await expect(pending).rejects.toMatchObject({ code: 'EBADF', errno: 9 });
    await expect(busy.send('x')).rejects.toMatchObject({ code: 'EBADF', errno: 9 });
    await ctx.close();
    await expect(ctx.send('x')).rejects.toMatchObject({ code: 'EBADF', errno: 9 });

    await Promise.all([pub.close(), req.close(), rep.close()]);
    const timersAfter = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    expect(timersAfter).toBeLessThanOrEqual(timersBefore);
  });

  it('closing the socket ends pending context calls on both sides of a live connection', async () => {
    const rep = testSocket('rep');
    const req = testSocket('req');
    const ep = await rep.bind('tcp://127.0.0.1:0');
    const piped = Promise.all([next(rep, 'pipe'), next(req, 'pipe')]);
    req.connect(ep.url);
    await piped;
    const repCtx = rep.context();
    const repPending = repCtx.recv();
    const reqCtx = req.context();
    await reqCtx.send('q');
    expect(String(await repPending)).toBe('q');
    const reqPending = expect(reqCtx.recv()).rejects.toMatchObject({ code: 'EBADF' });
    const repNext = expect(rep.context().recv()).rejects.toMatchObject({ code: 'EBADF' });
    await Promise.all([req.close(), rep.close()]);
    await reqPending;
    await repNext;
    await expect(repCtx.send('late')).rejects.toMatchObject({ code: 'EBADF' });
  });
});
