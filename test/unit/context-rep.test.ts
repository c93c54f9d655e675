/**
 * NNG-style contexts on REP and RESPONDENT, against fake pipes: requests (surveys) are shared
 * out to the contexts waiting to receive, first come first served; each context keeps the
 * backtrace and pipe of the request it took and owes exactly one reply, which goes back on
 * that pipe (or is discarded, with success, if the pipe is gone). spec/nng.md §1 (rep.c
 * rep0_ctx_recv/rep0_ctx_send, respond.c).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { attachFake, backtraced, cleanup, openSocket, thrownCode } from '../helpers/fake-pipe.js';
import { settle, track } from '../helpers/track.js';

afterEach(cleanup);

const EFSM_ERRNO = 156384766;

for (const type of ['rep', 'respondent'] as const) {
  const NAME = type.toUpperCase();

  describe(`${NAME} contexts`, () => {
    it('several contexts each receive a different request, the one that started waiting first getting the first', async () => {
      const sock = openSocket(type);
      const pipe = attachFake(sock);
      const [a, b, c] = [sock.context(), sock.context(), sock.context()];
      const rb = track(b.recv());
      const rc = track(c.recv());
      const ra = track(a.recv());
      pipe.deliver(backtraced([], 0x8000_0001, 'first'));
      await settle();
      expect(rb.done).toBe(true);
      expect(rc.done || ra.done).toBe(false);
      pipe.deliver(backtraced([], 0x8000_0002, 'second'));
      pipe.deliver(backtraced([], 0x8000_0003, 'third'));
      await settle();
      expect([String(rb.value), String(rc.value), String(ra.value)]).toEqual(['first', 'second', 'third']);
    });

    it('shares requests that were already queued out one per context', async () => {
      const sock = openSocket(type);
      const pipe = attachFake(sock);
      pipe.deliver(backtraced([], 0x8000_0001, 'one'));
      pipe.deliver(backtraced([], 0x8000_0002, 'two'));
      const [a, b] = [sock.context(), sock.context()];
      expect(String(await a.recv())).toBe('one');
      expect(String(await b.recv())).toBe('two');
      expect(thrownCode(() => sock.tryRecv())).toBe('EAGAIN');
    });

    it("puts the socket's own recv in the same line as the contexts", async () => {
      const sock = openSocket(type);
      const pipe = attachFake(sock);
      const a = sock.context();
      const ra = track(a.recv());
      const rs = track(sock.recv());
      pipe.deliver(backtraced([], 0x8000_0001, 'for a'));
      pipe.deliver(backtraced([], 0x8000_0002, 'for the socket'));
      await settle();
      expect(String(ra.value)).toBe('for a');
      expect(String(rs.value)).toBe('for the socket');
    });

    it('a context whose recv timed out waits at the back of the line when it receives again', async () => {
      vi.useFakeTimers();
      const sock = openSocket(type);
      const pipe = attachFake(sock);
      const [a, b] = [sock.context(), sock.context()];
      const gaveUp = a.recv({ timeout: 10 });
      const expectation = expect(gaveUp).rejects.toMatchObject({ code: 'ETIMEDOUT' });
      await vi.advanceTimersByTimeAsync(10);
      await expectation;
      const rb = track(b.recv()); // b now waits longest
      const ra = track(a.recv());
      pipe.deliver(backtraced([], 0x8000_0001, 'first'));
      await settle();
      expect(rb.done).toBe(true);
      expect(String(rb.value)).toBe('first');
      expect(ra.done).toBe(false);
    });

    it('a request arriving after a context recv timed out is not lost: the next receiver gets it', async () => {
      vi.useFakeTimers();
      const sock = openSocket(type);
      const pipe = attachFake(sock);
      const a = sock.context();
      a.setOption('recvTimeout', 20);
      const gaveUp = a.recv();
      const expectation = expect(gaveUp).rejects.toMatchObject({ code: 'ETIMEDOUT' });
      await vi.advanceTimersByTimeAsync(20);
      await expectation;
      pipe.deliver(backtraced([], 0x8000_0001, 'q'));
      const b = sock.context();
      expect(String(await b.recv())).toBe('q');
    });

    it('each context replies to its own request, with its backtrace, on its pipe, in any order', async () => {
      const sock = openSocket(type);
      const p1 = attachFake(sock);
      const p2 = attachFake(sock);
      const [a, b, c] = [sock.context(), sock.context(), sock.context()];
      const ra = a.recv();
      const rb = b.recv();
      const rc = c.recv();
      p1.deliver(backtraced([0x11], 0x8000_00a1, 'a?'));
      p2.deliver(backtraced([0x22, 0x23], 0x8000_00b2, 'b?'));
      p1.deliver(backtraced([], 0x8000_00c3, 'c?'));
      expect([String(await ra), String(await rb), String(await rc)]).toEqual(['a?', 'b?', 'c?']);

      await c.send('c!');
      await a.send('a!');
      await b.send('b!');
      expect(p1.sentHeaders).toEqual([[0x8000_00c3], [0x11, 0x8000_00a1]]);
      expect(p1.sent.map((m) => m.body.toString())).toEqual(['c!', 'a!']);
      expect(p2.sentHeaders).toEqual([[0x22, 0x23, 0x8000_00b2]]);
      expect(p2.sent.map((m) => m.body.toString())).toEqual(['b!']);
    });

    it("recvMessage on a context gives the request's backtrace and pipe id", async () => {
      const sock = openSocket(type);
      attachFake(sock);
      const p2 = attachFake(sock);
      const a = sock.context();
      const pending = a.recvMessage();
      p2.deliver(backtraced([0x7], 0x8000_0042, 'q'));
      const msg = await pending;
      expect(String(msg.body)).toBe('q');
      expect(msg.pipe).toBe(p2.id);
      await a.send('r');
      expect(p2.sentHeaders).toEqual([[0x7, 0x8000_0042]]);
    });

    it('one context taking a request does not cancel the request another context holds', async () => {
      const sock = openSocket(type);
      const pipe = attachFake(sock);
      const [a, b] = [sock.context(), sock.context()];
      pipe.deliver(backtraced([], 0x8000_0001, 'qa'));
      pipe.deliver(backtraced([], 0x8000_0002, 'qb'));
      expect(String(await a.recv())).toBe('qa');
      expect(String(await b.recv())).toBe('qb');
      const again = track(b.recv()); // b waits for more; a still owes its reply
      await sock.recv({ timeout: 0 }).catch(() => {}); // the socket looking too
      await a.send('ra');
      expect(pipe.sentHeaders).toEqual([[0x8000_0001]]);
      expect(pipe.sent[0]!.body.toString()).toBe('ra');
      expect(again.done).toBe(false);
    });

    it('exactly one send per receive: a second send on the context fails with EFSM', async () => {
      const sock = openSocket(type);
      const pipe = attachFake(sock);
      const a = sock.context();
      pipe.deliver(backtraced([], 0x8000_0001, 'q'));
      await a.recv();
      await a.send('one');
      await expect(a.send('two')).rejects.toMatchObject({ code: 'EFSM', errno: EFSM_ERRNO });
      expect(thrownCode(() => a.trySend('three'))).toBe('EFSM');
      expect(pipe.sent).toHaveLength(1);
    });

    it('send before any receive fails with EFSM, on a fresh context and beside a socket that holds a request', async () => {
      const sock = openSocket(type);
      const pipe = attachFake(sock);
      const a = sock.context();
      await expect(a.send('too soon')).rejects.toMatchObject({ code: 'EFSM', errno: EFSM_ERRNO });
      pipe.deliver(backtraced([], 0x8000_0001, 'for the socket'));
      await sock.recv();
      await expect(a.send('not mine')).rejects.toMatchObject({ code: 'EFSM' });
      await sock.send('socket reply');
      expect(pipe.sent.map((m) => m.body.toString())).toEqual(['socket reply']);
    });

    it('a second concurrent recv on one context fails with EFSM; the first still gets the request', async () => {
      const sock = openSocket(type);
      const pipe = attachFake(sock);
      const a = sock.context();
      const first = track(a.recv());
      await expect(a.recv()).rejects.toMatchObject({ code: 'EFSM', errno: EFSM_ERRNO });
      pipe.deliver(backtraced([], 0x8000_0001, 'q'));
      await settle();
      expect(first.error).toBeUndefined();
      expect(String(first.value)).toBe('q');
      await a.send('r');
      expect(pipe.sent).toHaveLength(1);
    });

    it('a reply whose pipe has gone is discarded and send resolves; other contexts are unaffected', async () => {
      const sock = openSocket(type);
      const p1 = attachFake(sock);
      const p2 = attachFake(sock);
      const [a, b] = [sock.context(), sock.context()];
      const ra = a.recv();
      const rb = b.recv();
      p1.deliver(backtraced([], 0x8000_0001, 'from p1'));
      p2.deliver(backtraced([], 0x8000_0002, 'from p2'));
      await ra;
      await rb;
      p1.hangUp();
      await expect(a.send('nobody listens')).resolves.toBeUndefined();
      expect(p1.sent).toHaveLength(0);
      expect(p2.sent).toHaveLength(0);
      await expect(a.send('twice')).rejects.toMatchObject({ code: 'EFSM' }); // the request is used up
      await b.send('to p2');
      expect(p2.sent.map((m) => m.body.toString())).toEqual(['to p2']);
    });

    it('socket-level recv and send keep working beside open contexts', async () => {
      const sock = openSocket(type);
      const pipe = attachFake(sock);
      const [a, b] = [sock.context(), sock.context()];
      pipe.deliver(backtraced([0x5], 0x8000_0001, 'socket q'));
      expect(String(await sock.recv())).toBe('socket q');
      const ra = a.recv();
      pipe.deliver(backtraced([], 0x8000_0002, 'ctx q'));
      expect(String(await ra)).toBe('ctx q');
      await sock.send('socket r');
      await a.send('ctx r');
      expect(pipe.sentHeaders).toEqual([[0x5, 0x8000_0001], [0x8000_0002]]);
      expect(pipe.sent.map((m) => m.body.toString())).toEqual(['socket r', 'ctx r']);
      await expect(b.send('x')).rejects.toMatchObject({ code: 'EFSM' });
      await expect(sock.send('again')).rejects.toMatchObject({ code: 'EFSM' });
    });
  });

  describe(`${NAME} context options and closing`, () => {
    it('has sendTimeout and recvTimeout, copied from the socket and then its own', () => {
      const sock = openSocket(type, { recvTimeout: 40, sendTimeout: 50 });
      const a = sock.context();
      expect(a.getOption('recvTimeout')).toBe(40);
      expect(a.getOption('sendTimeout')).toBe(50);
      sock.setOption('recvTimeout', 400);
      expect(a.getOption('recvTimeout')).toBe(40);
      a.setOption('sendTimeout', 5);
      expect(sock.getOption('sendTimeout')).toBe(50);
    });

    it.each(['resendInterval', 'surveyDeadline', 'linger', 'maxTtl', 'recvBuffer', 'nonsense'])(`ENOPROTOOPT for %s on a ${NAME} context`, (name) => {
      const a = openSocket(type).context();
      expect(thrownCode(() => a.setOption(name, 100))).toBe('ENOPROTOOPT');
      expect(thrownCode(() => a.getOption(name))).toBe('ENOPROTOOPT');
    });

    it('EINVAL for an out-of-range value; EBADF once closed', async () => {
      const a = openSocket(type).context();
      expect(thrownCode(() => a.setOption('recvTimeout', 2 ** 40))).toBe('EINVAL');
      expect(thrownCode(() => a.setOption('sendTimeout', '1'))).toBe('EINVAL');
      await a.close();
      expect(thrownCode(() => a.setOption('recvTimeout', 1))).toBe('EBADF');
      expect(thrownCode(() => a.getOption('sendTimeout'))).toBe('EBADF');
      expect(thrownCode(() => a.setOption('resendInterval', 1))).toBe('EBADF');
    });

    it('ctx.close() rejects its pending recv with EBADF; the next request goes to another receiver', async () => {
      const sock = openSocket(type);
      const pipe = attachFake(sock);
      const [a, b] = [sock.context(), sock.context()];
      const ra = a.recv();
      const rb = track(b.recv());
      await a.close();
      await expect(ra).rejects.toMatchObject({ code: 'EBADF', errno: 9 });
      await expect(a.recv()).rejects.toMatchObject({ code: 'EBADF' });
      await expect(a.send('x')).rejects.toMatchObject({ code: 'EBADF' });
      pipe.deliver(backtraced([], 0x8000_0001, 'q'));
      await settle();
      expect(String(rb.value)).toBe('q');
      await b.send('r');
      expect(pipe.sent).toHaveLength(1);
      // the socket still works
      pipe.deliver(backtraced([], 0x8000_0002, 'q2'));
      expect(String(await sock.recv())).toBe('q2');
    });

    it('a context closed while holding a request sends nothing for it', async () => {
      const sock = openSocket(type);
      const pipe = attachFake(sock);
      const a = sock.context();
      pipe.deliver(backtraced([], 0x8000_0001, 'q'));
      await a.recv();
      await a.close();
      await expect(a.send('r')).rejects.toMatchObject({ code: 'EBADF' });
      expect(pipe.sent).toHaveLength(0);
    });

    it('socket.close() rejects pending context calls with EBADF and closes the contexts', async () => {
      const sock = openSocket(type);
      attachFake(sock);
      const [a, b] = [sock.context(), sock.context()];
      const ra = a.recv();
      const rb = b.recv({ timeout: 5000 });
      await sock.close();
      await expect(ra).rejects.toMatchObject({ code: 'EBADF' });
      await expect(rb).rejects.toMatchObject({ code: 'EBADF' });
      expect(a.closed && b.closed).toBe(true);
    });

    it('for await over a context ends when it closes', async () => {
      const sock = openSocket(type);
      const pipe = attachFake(sock);
      const a = sock.context();
      const got: string[] = [];
      const loop = (async () => {
        for await (const m of a) {
          got.push(String(m));
          await a.send(`re: ${String(m)}`);
        }
        return 'ended';
      })();
      pipe.deliver(backtraced([], 0x8000_0001, 'one'));
      pipe.deliver(backtraced([], 0x8000_0002, 'two'));
      await settle();
      await a.close();
      await expect(loop).resolves.toBe('ended');
      expect(got).toEqual(['one', 'two']);
      expect(pipe.sent.map((m) => m.body.toString())).toEqual(['re: one', 're: two']);
    });

    it('await using closes the context', async () => {
      const sock = openSocket(type);
      let pending: Promise<unknown> | undefined;
      {
        await using a = sock.context();
        pending = a.recv();
        pending.catch(() => {});
      }
      await expect(pending).rejects.toMatchObject({ code: 'EBADF' });
    });

    it('leaves no timer behind after closing contexts and the socket', async () => {
      vi.useFakeTimers();
      const sock = openSocket(type);
      attachFake(sock);
      const [a, b] = [sock.context(), sock.context()];
      a.setOption('recvTimeout', 1000);
      a.recv().catch(() => {});
      b.recv({ timeout: 2000 }).catch(() => {});
      expect(vi.getTimerCount()).toBe(2);
      await a.close();
      expect(vi.getTimerCount()).toBe(1);
      await sock.close();
      expect(vi.getTimerCount()).toBe(0);
    });
  });
}
