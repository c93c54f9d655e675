/**
 * `nanosp cat`'s loops, endings and failures (the cases shared with nanocat, in
 * cat-run-cases.ts), and what it does where nanocat does not: error details, fractional
 * receive timeouts, an empty --file, no stack traces, and PAIR v1 (--pair1), which nanomsg
 * does not have.
 */
import { describe, expect, it } from 'vitest';
import { formatMessage } from '../../src/cli/cat-format.js';
import { whilePeerRuns } from '../helpers/interop.js';
import { testSocket } from '../helpers/sockets.js';
import { exitOf, printed, startCat } from './cat-helpers.js';
import { defineRunCases, freeUrl } from './cat-run-cases.js';

defineRunCases('nanosp cat');

describe('nanosp cat: what nanocat does not do', () => {
  it('-v adds a line saying exactly what was wrong', async () => {
    const cat = startCat('nanosp cat', ['-v', '--pull', '--bind', 'x']);
    expect(await exitOf(cat)).toEqual({ code: 3, signal: null });
    const lines = cat.stderr.split('\n');
    expect(lines[0]).toBe("Can't bind: Invalid argument");
    expect(lines[1]).toMatch(/^nanosp cat: EINVAL \(Invalid argument\): .*"x"/);
  });

  it('a transport nanomsg lacks is explained without -v', async () => {
    const cat = startCat('nanosp cat', ['--pull', '--connect', 'foo://x']);
    expect(await exitOf(cat)).toEqual({ code: 3, signal: null });
    expect(cat.stderr).toMatch(/^Can't connect: Protocol not supported\nnanosp cat: EPROTONOSUPPORT .*"foo"/);
  });

  it('fractions of a second for --recv-timeout are kept (nanocat drops them)', async () => {
    const cat = startCat('nanosp cat', ['--pull', '--bind', await freeUrl(), '--recv-timeout', '0.3']);
    const started = Date.now();
    expect(await exitOf(cat)).toEqual({ code: 0, signal: null });
    // node's own start-up is in there too; nanocat would end at once
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
  });

  it('an empty --file is an empty message (nanocat aborts on it)', async () => {
    const pull = testSocket('pull');
    const ep = await pull.bind('tcp://127.0.0.1:0');
    const cat = startCat('nanosp cat', ['--push', '--connect', ep.url, '-F', '/dev/null']);
    expect(await whilePeerRuns(cat, pull.recv({ timeout: 5000 }))).toEqual(Buffer.alloc(0));
    expect(await exitOf(cat)).toEqual({ code: 0, signal: null });
  });

  it('no stack trace, whatever fails', async () => {
    const cat = startCat('nanosp cat', ['--pair', '--bind', 'tls+tcp://127.0.0.1:0']);
    expect(await exitOf(cat)).toEqual({ code: 3, signal: null });
    expect(cat.stderr).toMatch(/^Can't bind: Invalid argument\nnanosp cat: EINVAL .*certificate/);
    expect(cat.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('nanosp cat --pair1: PAIR v1 (nngcat --pair1)', () => {
  it('with data: sends it every interval to a PAIR v1 peer and prints what the peer sends', async () => {
    const pair = testSocket('pair1');
    const ep = await pair.bind('tcp://127.0.0.1:0');
    const cat = startCat('nanosp cat', ['--pair1', '--connect', ep.url, '-D', 'ping', '-i', '0.1', '-Q']);
    expect(String(await whilePeerRuns(cat, pair.recv({ timeout: 8000 })))).toBe('ping');
    expect(String(await whilePeerRuns(cat, pair.recv({ timeout: 5000 })))).toBe('ping');
    await pair.send('pong');
    await whilePeerRuns(cat, cat.line('"pong"'));
    expect(cat.stderr).toBe('');
  });

  it('without data: prints every message, and ends with status 0 when --recv-timeout passes', async () => {
    const url = await freeUrl();
    const cat = startCat('nanosp cat', ['--pair1', '--bind', url, '--hex', '--recv-timeout', '1']);
    const pair = testSocket('pair1', { sendTimeout: 8000 });
    pair.connect(url);
    await whilePeerRuns(cat, pair.send(Buffer.from([0, 1, 0xff])));
    await pair.send('two');
    expect(await exitOf(cat)).toEqual({ code: 0, signal: null });
    expect(printed(cat)).toEqual(Buffer.concat([formatMessage('hex', Buffer.from([0, 1, 0xff])), formatMessage('hex', Buffer.from('two'))]));
  });

  it('--pair0 is --pair: a PAIR v0 peer hears it', async () => {
    const pair = testSocket('pair');
    const ep = await pair.bind('tcp://127.0.0.1:0');
    const cat = startCat('nanosp cat', ['--pair0', '--connect', ep.url, '-D', 'v0', '-i', '0.1']);
    expect(String(await whilePeerRuns(cat, pair.recv({ timeout: 8000 })))).toBe('v0');
  });
});
