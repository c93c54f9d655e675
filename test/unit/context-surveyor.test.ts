/**
 * NNG-style contexts on SURVEYOR, against fake pipes: each context runs its own survey, with
 * its own id, deadline (surveyDeadline) and queue of responses; a new survey cancels only its
 * own context's survey. spec/nng.md §1 (survey.c surv0_ctx_send, surv0_ctx_recv, surv0_ctx_abort).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { attachFake, cleanup, openSocket, replyTo, thrownCode, words, type FakePipe } from '../helpers/fake-pipe.js';
import { settle, track } from '../helpers/track.js';

afterEach(cleanup);

const EFSM_ERRNO = 156384766;

/** The header of the survey whose body is `body`, as sent on `pipe`. */
function surveyHeader(pipe: FakePipe, body: string): Buffer {
  const found = pipe.sent.find((m) => m.body.toString() === body);
  if (!found) throw new Error(`no survey ${JSON.stringify(body)} was sent on the pipe`);
  return found.header;
}

describe('SURVEYOR contexts', () => {
  it('gives each context its own survey id, sent to every pipe', async () => {
    const sock = openSocket('surveyor');
    const p1 = attachFake(sock);
    const p2 = attachFake(sock);
    const [a, b] = [sock.context(), sock.context()];
    await a.send('sa');
    await b.send('sb');
    await sock.send('ss');
    for (const pipe of [p1, p2]) expect(pipe.sent.map((m) => m.body.toString())).toEqual(['sa', 'sb', 'ss']);
    const ids = p1.sent.map((m) => words(m.header)[0]!);
    expect(new Set(ids).size).toBe(3);
    for (const id of ids) expect(id & 0x8000_0000).not.toBe(0);
    expect(p2.sent.map((m) => words(m.header)[0])).toEqual(ids);
  });

  it('overlapping surveys on two contexts: each gets only its own responses, each from its own queue', async () => {
    const sock = openSocket('surveyor');
    const p1 = attachFake(sock);
    const p2 = attachFake(sock);
    const [a, b] = [sock.context(), sock.context()];
    await a.send('sa');
    await b.send('sb');
    const ra = track(a.recv());
    p1.deliver(replyTo(surveyHeader(p1, 'sb'), 'b from p1'));
    await settle();
    expect(ra.done).toBe(false); // b's response does not wake a
    p2.deliver(replyTo(surveyHeader(p2, 'sa'), 'a from p2'));
    p2.deliver(replyTo(surveyHeader(p2, 'sb'), 'b from p2'));
    p1.deliver(replyTo(surveyHeader(p1, 'sa'), 'a from p1'));
    await settle();
    expect(String(ra.value)).toBe('a from p2');
    expect(String(a.tryRecv())).toBe('a from p1');
    expect(thrownCode(() => a.tryRecv())).toBe('EAGAIN');
    expect(String(b.tryRecv())).toBe('b from p1');
    expect(String(b.tryRecv())).toBe('b from p2');
    expect(thrownCode(() => b.tryRecv())).toBe('EAGAIN');
    // the socket ran no survey: none of it reached the socket
    expect(thrownCode(() => sock.tryRecv())).toBe('EFSM');
  });

  it("the socket's own survey and a context's run side by side", async () => {
    const sock = openSocket('surveyor');
    const pipe = attachFake(sock);
    const a = sock.context();
    await sock.send('ss');
    await a.send('sa');
    const rs = track(sock.recv());
    pipe.deliver(replyTo(surveyHeader(pipe, 'sa'), 'for a'));
    await settle();
    expect(rs.done).toBe(false);
    pipe.deliver(replyTo(surveyHeader(pipe, 'ss'), 'for the socket'));
    await settle();
    expect(String(rs.value)).toBe('for the socket');
    expect(String(a.tryRecv())).toBe('for a');
  });

  it('recvMessage on a context gives the pipe id and the survey id header', async () => {
    const sock = openSocket('surveyor');
    attachFake(sock);
    const p2 = attachFake(sock);
    const a = sock.context();
    await a.send('s');
    p2.deliver(replyTo(surveyHeader(p2, 's'), 'r'));
    const msg = await a.recvMessage();
    expect(msg.pipe).toBe(p2.id);
    expect(words(msg.header)).toEqual(words(surveyHeader(p2, 's')));
  });

  it('a new survey on a context cancels only its own: its pending recv rejects ECANCELED; the other continues', async () => {
    vi.useFakeTimers();
    const sock = openSocket('surveyor', { surveyDeadline: 1000 });
    const pipe = attachFake(sock);
    const [a, b] = [sock.context(), sock.context()];
    await a.send('a1');
    await b.send('b1');
    const a1 = surveyHeader(pipe, 'a1');
    pipe.deliver(replyTo(a1, 'queued for a1')); // already queued: dropped with the survey
    const ra = a.recv({ timeout: 0 }).then(String);
    await expect(ra).resolves.toBe('queued for a1');
    pipe.deliver(replyTo(a1, 'queued again for a1'));
    await vi.advanceTimersByTimeAsync(600);

    const waitingB = track(b.recv());
    const second = a.recv({ timeout: -1 });
    // a takes its queued response first; make a really wait, then replace the survey
    expect(String(await second)).toBe('queued again for a1');
    const pendingA = track(a.recv());
    await a.send('a2');
    await settle();
    expect(pendingA.error).toMatchObject({ code: 'ECANCELED', errno: 125 });
    expect(waitingB.done).toBe(false);

    pipe.deliver(replyTo(a1, 'late for a1')); // the cancelled survey's: dropped
    expect(thrownCode(() => a.tryRecv())).toBe('EAGAIN');
    pipe.deliver(replyTo(surveyHeader(pipe, 'b1'), 'for b1'));
    await settle();
    expect(String(waitingB.value)).toBe('for b1');

    // a2 has a fresh deadline (t = 600 + 1000); b1 still expires at t = 1000
    await vi.advanceTimersByTimeAsync(400);
    expect(thrownCode(() => b.tryRecv())).toBe('ETIMEDOUT');
    expect(thrownCode(() => a.tryRecv())).toBe('EAGAIN');
    pipe.deliver(replyTo(surveyHeader(pipe, 'a2'), 'for a2'));
    expect(String(a.tryRecv())).toBe('for a2');
    await vi.advanceTimersByTimeAsync(600);
    expect(thrownCode(() => a.tryRecv())).toBe('ETIMEDOUT');
  });

  it('responses queued for the replaced survey are not received after the new one starts', async () => {
    const sock = openSocket('surveyor');
    const pipe = attachFake(sock);
    const a = sock.context();
    await a.send('s1');
    pipe.deliver(replyTo(surveyHeader(pipe, 's1'), 'old'));
    await a.send('s2');
    expect(thrownCode(() => a.tryRecv())).toBe('EAGAIN');
  });

  it('after its own deadline a pending recv rejects ETIMEDOUT, then EFSM; another context with a longer deadline goes on', async () => {
    vi.useFakeTimers();
    const sock = openSocket('surveyor'); // socket deadline 1000
    const pipe = attachFake(sock);
    const [a, b] = [sock.context(), sock.context()];
    a.setOption('surveyDeadline', 100);
    b.setOption('surveyDeadline', 3000);
    await a.send('sa');
    await b.send('sb');
    const ra = track(a.recv());
    const rb = track(b.recv());
    await vi.advanceTimersByTimeAsync(99);
    expect(ra.done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(ra.error).toMatchObject({ code: 'ETIMEDOUT', errno: 110 });
    await expect(a.recv()).rejects.toMatchObject({ code: 'EFSM', errno: EFSM_ERRNO });
    pipe.deliver(replyTo(surveyHeader(pipe, 'sa'), 'too late for a'));
    await expect(a.recv()).rejects.toMatchObject({ code: 'EFSM' });

    await vi.advanceTimersByTimeAsync(1900); // t = 2000: past the socket's deadline, not b's
    expect(rb.done).toBe(false);
    pipe.deliver(replyTo(surveyHeader(pipe, 'sb'), 'for b'));
    await settle();
    expect(String(rb.value)).toBe('for b');
    const rb2 = track(b.recv());
    await vi.advanceTimersByTimeAsync(1000); // t = 3000
    expect(rb2.error).toMatchObject({ code: 'ETIMEDOUT' });
    expect(thrownCode(() => b.tryRecv())).toBe('EFSM');
  });

  it('a response queued before the deadline is not received after it (ETIMEDOUT first)', async () => {
    vi.useFakeTimers();
    const sock = openSocket('surveyor');
    const pipe = attachFake(sock);
    const a = sock.context();
    a.setOption('surveyDeadline', 50);
    await a.send('s');
    pipe.deliver(replyTo(surveyHeader(pipe, 's'), 'unread'));
    await vi.advanceTimersByTimeAsync(50);
    expect(thrownCode(() => a.tryRecv())).toBe('ETIMEDOUT');
    expect(thrownCode(() => a.tryRecv())).toBe('EFSM');
  });

  it('recv with no survey is EFSM; a second concurrent recv is EFSM and the first keeps waiting', async () => {
    const sock = openSocket('surveyor');
    const pipe = attachFake(sock);
    const a = sock.context();
    await expect(a.recv()).rejects.toMatchObject({ code: 'EFSM', errno: EFSM_ERRNO });
    await a.send('s');
    const first = track(a.recv());
    await expect(a.recv()).rejects.toMatchObject({ code: 'EFSM' });
    pipe.deliver(replyTo(surveyHeader(pipe, 's'), 'r'));
    await settle();
    expect(String(first.value)).toBe('r');
  });
});

describe('SURVEYOR context options and closing', () => {
  it('copies surveyDeadline, sendTimeout and recvTimeout when it opens; later changes stay on their side', () => {
    const sock = openSocket('surveyor', { surveyDeadline: 250, recvTimeout: 70, sendTimeout: 80 });
    const a = sock.context();
    expect(a.getOption('surveyDeadline')).toBe(250);
    expect(a.getOption('recvTimeout')).toBe(70);
    expect(a.getOption('sendTimeout')).toBe(80);
    sock.setOption('surveyDeadline', 900);
    expect(a.getOption('surveyDeadline')).toBe(250);
    a.setOption('surveyDeadline', 10);
    expect(sock.getOption('surveyDeadline')).toBe(900);
    expect(sock.context().getOption('surveyDeadline')).toBe(900);
  });

  it("the socket's surveyDeadline changed after the context opened does not govern the context's survey", async () => {
    vi.useFakeTimers();
    const sock = openSocket('surveyor', { surveyDeadline: 100 });
    attachFake(sock);
    const a = sock.context();
    sock.setOption('surveyDeadline', 5000);
    await a.send('s');
    await vi.advanceTimersByTimeAsync(100);
    expect(thrownCode(() => a.tryRecv())).toBe('ETIMEDOUT');
  });

  it.each(['resendInterval', 'linger', 'maxTtl', 'recvBuffer', 'nonsense'])('ENOPROTOOPT for %s on a SURVEYOR context', (name) => {
    const a = openSocket('surveyor').context();
    expect(thrownCode(() => a.setOption(name, 1))).toBe('ENOPROTOOPT');
    expect(thrownCode(() => a.getOption(name))).toBe('ENOPROTOOPT');
  });

  it('EINVAL for an out-of-range surveyDeadline, EBADF once closed', async () => {
    const a = openSocket('surveyor').context();
    expect(thrownCode(() => a.setOption('surveyDeadline', -1))).toBe('EINVAL');
    expect(thrownCode(() => a.setOption('surveyDeadline', 'soon'))).toBe('EINVAL');
    expect(a.getOption('surveyDeadline')).toBe(1000);
    await a.close();
    expect(thrownCode(() => a.getOption('surveyDeadline'))).toBe('EBADF');
    expect(thrownCode(() => a.setOption('surveyDeadline', 10))).toBe('EBADF');
  });

  it('ctx.close() rejects its pending recv with EBADF, drops its survey and timer, leaves the others working', async () => {
    vi.useFakeTimers();
    const sock = openSocket('surveyor');
    const pipe = attachFake(sock);
    const [a, b] = [sock.context(), sock.context()];
    await a.send('sa');
    await b.send('sb');
    const ra = a.recv();
    const rb = track(b.recv());
    expect(vi.getTimerCount()).toBe(2);
    await a.close();
    await expect(ra).rejects.toMatchObject({ code: 'EBADF', errno: 9 });
    expect(vi.getTimerCount()).toBe(1);
    await expect(a.send('again')).rejects.toMatchObject({ code: 'EBADF' });
    expect(pipe.sent).toHaveLength(2);
    pipe.deliver(replyTo(surveyHeader(pipe, 'sa'), 'for closed a'));
    pipe.deliver(replyTo(surveyHeader(pipe, 'sb'), 'for b'));
    await settle();
    expect(String(rb.value)).toBe('for b');
    await sock.send('ss');
    pipe.deliver(replyTo(surveyHeader(pipe, 'ss'), 'for the socket'));
    expect(String(await sock.recv())).toBe('for the socket');
  });

  it('socket.close() closes the contexts: pending recvs reject EBADF, no timer left', async () => {
    vi.useFakeTimers();
    const sock = openSocket('surveyor');
    attachFake(sock);
    const [a, b] = [sock.context(), sock.context()];
    await a.send('sa');
    await b.send('sb');
    await sock.send('ss');
    const ra = a.recv();
    const rb = b.recv({ timeout: 500 });
    await sock.close();
    await expect(ra).rejects.toMatchObject({ code: 'EBADF' });
    await expect(rb).rejects.toMatchObject({ code: 'EBADF' });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('an expired context leaves no timer behind and can survey again', async () => {
    vi.useFakeTimers();
    const sock = openSocket('surveyor');
    const pipe = attachFake(sock);
    const a = sock.context();
    a.setOption('surveyDeadline', 10);
    await a.send('s1');
    await vi.advanceTimersByTimeAsync(10);
    expect(vi.getTimerCount()).toBe(0);
    await a.send('s2');
    pipe.deliver(replyTo(surveyHeader(pipe, 's2'), 'r2'));
    expect(String(await a.recv())).toBe('r2');
  });

  it('for await over a context ends when it closes', async () => {
    const sock = openSocket('surveyor');
    const pipe = attachFake(sock);
    const a = sock.context();
    await a.send('s');
    const got: string[] = [];
    const loop = (async () => {
      for await (const m of a) got.push(String(m));
      return 'ended';
    })();
    pipe.deliver(replyTo(surveyHeader(pipe, 's'), 'one'));
    pipe.deliver(replyTo(surveyHeader(pipe, 's'), 'two'));
    await settle();
    await a.close();
    await expect(loop).resolves.toBe('ended');
    expect(got).toEqual(['one', 'two']);
  });

  it('await using closes the context and its survey timer', async () => {
    vi.useFakeTimers();
    const sock = openSocket('surveyor');
    attachFake(sock);
    {
      await using a = sock.context();
      await a.send('s');
      expect(vi.getTimerCount()).toBe(1);
    }
    expect(vi.getTimerCount()).toBe(0);
  });
});
