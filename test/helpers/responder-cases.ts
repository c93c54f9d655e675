/**
 * REP and RESPONDENT behave alike at the socket level (spec/wire.md §3.2 REP, §3.5
 * RESPONDENT): requests (surveys) carry a backtrace of hop words ended by an id with the top
 * bit set, at most maxTtl words; the user gets the body; the reply goes back on the pipe the
 * request came from with the same backtrace, or is dropped if that pipe is gone or full.
 * Raw: the header is [4-byte pipe id][backtrace] and a raw send routes on that pipe id.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Message } from '../../src/index.js';
import { attachFake, backtraced, bytes, cleanup, openSocket, thrownCode, wordBytes, words } from './fake-pipe.js';

export function responderCases(type: 'rep' | 'respondent'): void {
  const NAME = type.toUpperCase();

  afterEach(cleanup);

  describe(`${NAME} (cooked)`, () => {
    it('receives the body only, whatever the backtrace', async () => {
      const sock = openSocket(type);
      const pipe = attachFake(sock);
      pipe.deliver(backtraced([0x2a, 0x17], 0x8000_0001, 'through two devices'));
      expect(bytes(await sock.recv())).toEqual(bytes('through two devices'));
      pipe.deliver(backtraced([], 0x8000_0002, 'direct'));
      expect(bytes(await sock.recv())).toEqual(bytes('direct'));
    });

    it('replies on the pipe the request came from, with the same backtrace', async () => {
      const sock = openSocket(type);
      const a = attachFake(sock);
      const b = attachFake(sock);
      b.deliver(backtraced([0x2a], 0x8000_0009, 'question'));
      await sock.recv();
      await sock.send('answer');
      expect(a.sent).toHaveLength(0);
      expect(b.sentHeaders).toEqual([[0x2a, 0x8000_0009]]);
      expect(b.sent[0]!.body).toEqual(bytes('answer'));
    });

    it('fails a send with EFSM before any request, and a second send after the reply', async () => {
      const sock = openSocket(type);
      const pipe = attachFake(sock);
      expect(thrownCode(() => sock.trySend('too soon'))).toBe('EFSM');
      await expect(sock.send('too soon')).rejects.toMatchObject({ code: 'EFSM' });

      pipe.deliver(backtraced([], 0x8000_0001, 'q'));
      await sock.recv();
      await sock.send('one reply');
      await expect(sock.send('two replies')).rejects.toMatchObject({ code: 'EFSM' });
      expect(pipe.sent).toHaveLength(1);
    });

    it('drops the reply when the requesting pipe went away, and the send still succeeds', async () => {
      const sock = openSocket(type);
      const pipe = attachFake(sock);
      pipe.deliver(backtraced([], 0x8000_0001, 'q'));
      await sock.recv();
      pipe.hangUp();
      await expect(sock.send('nobody listens')).resolves.toBeUndefined();
      expect(pipe.sent).toHaveLength(0);
    });

    it('drops the reply when the requesting pipe is full (nanomsg), and the send still succeeds', async () => {
      const sock = openSocket(type);
      const pipe = attachFake(sock);
      pipe.deliver(backtraced([], 0x8000_0001, 'q'));
      await sock.recv();
      pipe.setWritable(false);
      await expect(sock.send('dropped')).resolves.toBeUndefined();
      pipe.setWritable(true);
      expect(pipe.sent).toHaveLength(0);
    });

    it('drops and counts requests with more than maxTtl words, or with no id word', async () => {
      const sock = openSocket(type, { maxTtl: 2 });
      const pipe = attachFake(sock);
      pipe.deliver(backtraced([1, 2], 0x8000_0001, 'three words')); // 2 hops + id > 2
      expect(sock.stats.droppedMessages).toBe(1);
      pipe.deliver(Buffer.concat([wordBytes(1, 2), bytes('x')])); // runs out before an id
      expect(sock.stats.droppedMessages).toBe(2);
      expect(thrownCode(() => sock.tryRecv())).toBe('EAGAIN');

      pipe.deliver(backtraced([1], 0x8000_0002, 'two words'));
      expect(bytes(sock.tryRecv())).toEqual(bytes('two words'));
      expect(sock.stats.droppedMessages).toBe(2);
    });

    it('accepts 8 words and drops 9 with the default maxTtl', () => {
      const sock = openSocket(type);
      const pipe = attachFake(sock);
      pipe.deliver(backtraced([1, 2, 3, 4, 5, 6, 7, 8], 0x8000_0001, 'nine'));
      pipe.deliver(backtraced([1, 2, 3, 4, 5, 6, 7], 0x8000_0002, 'eight'));
      expect(bytes(sock.tryRecv())).toEqual(bytes('eight'));
      expect(sock.stats.droppedMessages).toBe(1);
    });

    it('forgets an unanswered request on a receive that finds nothing', async () => {
      const sock = openSocket(type);
      const pipe = attachFake(sock);
      pipe.deliver(backtraced([], 0x8000_0001, 'q'));
      await sock.recv();
      expect(thrownCode(() => sock.tryRecv())).toBe('EAGAIN');
      await expect(sock.send('too late')).rejects.toMatchObject({ code: 'EFSM' });
      expect(pipe.sent).toHaveLength(0);
    });

    it('answers the latest request received: an earlier unanswered one is dropped', async () => {
      const sock = openSocket(type);
      const a = attachFake(sock);
      const b = attachFake(sock);
      a.deliver(backtraced([], 0x8000_000a, 'from a'));
      b.deliver(backtraced([], 0x8000_000b, 'from b'));
      const first = await sock.recv();
      const second = await sock.recv();
      expect([first.toString(), second.toString()].sort()).toEqual(['from a', 'from b']);
      await sock.send('reply');
      const [latest, earlier] = second.toString() === 'from b' ? [b, a] : [a, b];
      expect(earlier.sent).toHaveLength(0);
      expect(latest.sent).toHaveLength(1);
    });
  });

  describe(`${NAME} (raw)`, () => {
    it('hands up [pipe id][backtrace] as the header and routes a send on that pipe id', async () => {
      const sock = openSocket(type, { raw: true });
      const a = attachFake(sock);
      const b = attachFake(sock);
      b.deliver(backtraced([0x2a], 0x8000_0005, 'raw q'));
      const msg = await sock.recvMessage();
      expect(words(msg.header)).toEqual([b.id, 0x2a, 0x8000_0005]);
      expect(bytes(msg.body)).toEqual(bytes('raw q'));

      await sock.sendMessage(new Message(Buffer.from('raw r'), msg.header));
      expect(a.sent).toHaveLength(0);
      expect(b.sentHeaders).toEqual([[0x2a, 0x8000_0005]]); // the pipe id is stripped
      expect(b.sent[0]!.body).toEqual(bytes('raw r'));
    });

    it('drops a raw send to an unknown pipe or without a pipe id, and still succeeds', async () => {
      const sock = openSocket(type, { raw: true });
      const pipe = attachFake(sock);
      await expect(sock.sendMessage(new Message(Buffer.from('x'), wordBytes((pipe.id + 1) & 0x7fff_ffff, 0x8000_0001)))).resolves.toBeUndefined();
      await expect(sock.sendMessage(new Message(Buffer.from('y'), Buffer.from([0, 0])))).resolves.toBeUndefined();
      expect(pipe.sent).toHaveLength(0);
    });

    it('applies maxTtl to raw requests too', () => {
      const sock = openSocket(type, { raw: true, maxTtl: 1 });
      const pipe = attachFake(sock);
      pipe.deliver(backtraced([0x2a], 0x8000_0001, 'one hop too many'));
      expect(sock.stats.droppedMessages).toBe(1);
      expect(thrownCode(() => sock.tryRecv())).toBe('EAGAIN');
    });
  });
}
