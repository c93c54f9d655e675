/**
 * SUB at the socket level, against fake pipes (spec/wire.md §3.3): messages are kept when
 * their body starts with a subscribed topic, as they arrive; publishers are fair-queued;
 * nothing is ever written toward a PUB.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { attachFake, bytes, cleanup, openSocket, thrownCode } from '../helpers/fake-pipe.js';
import type { SpSocket } from '../../src/index.js';

afterEach(cleanup);

/** Everything receivable now, as strings. */
function drain(sock: SpSocket): string[] {
  const got: string[] = [];
  while (thrownCode(() => got.push(sock.tryRecv().toString())) === undefined);
  return got;
}

describe('SUB', () => {
  it('delivers only messages starting with a subscribed topic', () => {
    const sub = openSocket('sub');
    const pipe = attachFake(sub);
    sub.subscribe('a');
    sub.subscribe(Buffer.from('ch'));
    for (const m of ['apple', 'banana', 'avocado', 'cherry', 'Apple', '']) pipe.deliver(m);
    expect(drain(sub)).toEqual(['apple', 'avocado', 'cherry']);
  });

  it('delivers nothing without a subscription, and everything with the empty topic', () => {
    const sub = openSocket('sub');
    const pipe = attachFake(sub);
    pipe.deliver('before');
    expect(drain(sub)).toEqual([]);
    sub.subscribe('');
    pipe.deliver('x');
    pipe.deliver('');
    pipe.deliver(Buffer.from([0xff, 0]));
    expect(drain(sub)).toEqual(['x', '', Buffer.from([0xff, 0]).toString()]);
  });

  it('filters as messages arrive: a later subscription does not bring back dropped ones', () => {
    const sub = openSocket('sub');
    const pipe = attachFake(sub);
    sub.subscribe('keep');
    pipe.deliver('other 1');
    sub.subscribe('other');
    pipe.deliver('other 2');
    expect(drain(sub)).toEqual(['other 2']);
  });

  it('fails to unsubscribe an unknown topic with EINVAL; a known one stops matching', () => {
    const sub = openSocket('sub');
    const pipe = attachFake(sub);
    expect(thrownCode(() => sub.unsubscribe('never'))).toBe('EINVAL');
    sub.subscribe('t');
    sub.unsubscribe('t');
    expect(thrownCode(() => sub.unsubscribe('t'))).toBe('EINVAL');
    pipe.deliver('t1');
    expect(drain(sub)).toEqual([]);
  });

  it('counts subscriptions: subscribing twice needs two unsubscribes (nanomsg)', () => {
    const sub = openSocket('sub');
    const pipe = attachFake(sub);
    sub.subscribe('t');
    sub.subscribe('t');
    sub.unsubscribe('t');
    pipe.deliver('t1');
    expect(drain(sub)).toEqual(['t1']);
  });

  it('fair-queues messages from several publishers, one from each in turn', () => {
    const sub = openSocket('sub');
    const a = attachFake(sub);
    const b = attachFake(sub);
    sub.subscribe('');
    for (const m of ['a1', 'a2', 'a3']) a.deliver(m);
    for (const m of ['b1', 'b2']) b.deliver(m);
    expect(drain(sub)).toEqual(['a1', 'b1', 'a2', 'b2', 'a3']);
  });

  it('wakes a waiting receive when a matching message arrives', async () => {
    const sub = openSocket('sub');
    const pipe = attachFake(sub);
    sub.subscribe('yes');
    const pending = sub.recv();
    pipe.deliver('no');
    pipe.deliver('yes!');
    expect(bytes(await pending)).toEqual(bytes('yes!'));
  });

  it('keeps what a publisher sent before it went away', () => {
    const sub = openSocket('sub');
    const pipe = attachFake(sub);
    sub.subscribe('');
    pipe.deliver('last words');
    pipe.hangUp();
    expect(drain(sub)).toEqual(['last words']);
  });

  it('pauses a publisher whose messages fill recvBuffer, and resumes it once they are taken', () => {
    const sub = openSocket('sub', { recvBuffer: 10 });
    const pipe = attachFake(sub);
    sub.subscribe('');
    pipe.deliver('0123456789');
    expect(pipe.pauses).toBe(1);
    expect(pipe.resumes).toBe(0);
    expect(drain(sub)).toEqual(['0123456789']);
    expect(pipe.resumes).toBe(1);
  });

  it('never sends anything toward a publisher, and cannot send', () => {
    const sub = openSocket('sub');
    const pipe = attachFake(sub);
    sub.subscribe('t');
    sub.unsubscribe('t');
    expect(pipe.sent).toEqual([]);
    expect(thrownCode(() => sub.trySend('x'))).toBe('ENOTSUP');
  });
});
