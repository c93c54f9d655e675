import { describe, expect, it } from 'vitest';
import { Message, type SpSocket } from '../../src/index.js';
import { linked, next, testSocket } from '../helpers/sockets.js';

const EFSM_ERRNO = 156384766;
const ETIMEDOUT_ERRNO = 110;

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

/** A SURVEYOR bound on loopback with `n` RESPONDENTs attached (pipes up on both sides). */
async function surveyorWith(n: number, surveyDeadline: number): Promise<{ surveyor: SpSocket; respondents: SpSocket[] }> {
  const surveyor = testSocket('surveyor', { surveyDeadline });
  const ep = await surveyor.bind('tcp://127.0.0.1:0');
  const respondents = Array.from({ length: n }, () => testSocket('respondent'));
  const piped = Promise.all([pipesUp(surveyor, n), ...respondents.map((r) => next(r, 'pipe'))]);
  for (const r of respondents) r.connect(ep.url);
  await piped;
  return { surveyor, respondents };
}

describe('SURVEYOR/RESPONDENT over TCP (nanomsg tests/survey.c)', () => {
  it('SURVEYOR recv before any survey fails with EFSM', async () => {
    const surveyor = testSocket('surveyor');
    await expect(surveyor.recv()).rejects.toMatchObject({ code: 'EFSM', errno: EFSM_ERRNO });
    expect(() => surveyor.tryRecv()).toThrow(expect.objectContaining({ code: 'EFSM', errno: EFSM_ERRNO }));
  });

  it('RESPONDENT send without a survey fails with EFSM, and again after answering', async () => {
    const respondent = testSocket('respondent');
    await expect(respondent.send('x')).rejects.toMatchObject({ code: 'EFSM', errno: EFSM_ERRNO });
    const surveyor = testSocket('surveyor');
    await linked(surveyor, respondent);
    await surveyor.send('Q');
    expect(String(await respondent.recv())).toBe('Q');
    await respondent.send('A');
    await expect(respondent.send('A again')).rejects.toMatchObject({ code: 'EFSM', errno: EFSM_ERRNO });
    expect(String(await surveyor.recv())).toBe('A');
  });

  it('collects both responses, then a blocked recv gets ETIMEDOUT at the 500 ms deadline, then EFSM', async () => {
    const { surveyor, respondents } = await surveyorWith(2, 500);
    const started = Date.now();
    await surveyor.send('ABC');
    for (const r of respondents) {
      expect(String(await r.recv())).toBe('ABC');
      await r.send('DEF');
    }
    expect(String(await surveyor.recv())).toBe('DEF');
    expect(String(await surveyor.recv())).toBe('DEF');
    // nothing more comes: the pending recv is woken by the deadline
    await expect(surveyor.recv()).rejects.toMatchObject({ code: 'ETIMEDOUT', errno: ETIMEDOUT_ERRNO });
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(450);
    expect(elapsed).toBeLessThan(1500);
    await expect(surveyor.recv()).rejects.toMatchObject({ code: 'EFSM', errno: EFSM_ERRNO });
    await expect(surveyor.recv()).rejects.toMatchObject({ code: 'EFSM', errno: EFSM_ERRNO });
  });

  it('a response arriving after the deadline is not delivered (ETIMEDOUT, then EFSM)', async () => {
    const { surveyor, respondents } = await surveyorWith(1, 100);
    const respondent = respondents[0]!;
    await surveyor.send('slow');
    expect(String(await respondent.recv())).toBe('slow');
    await expect(surveyor.recv()).rejects.toMatchObject({ code: 'ETIMEDOUT' });
    await respondent.send('too late');
    await expect(surveyor.recv()).rejects.toMatchObject({ code: 'EFSM' });
    // a new survey does not get the stale response either: it arrived before this one's
    await surveyor.send('next');
    expect(String(await respondent.recv())).toBe('next');
    await respondent.send('fresh');
    expect(String(await surveyor.recv())).toBe('fresh');
  });

  it('a late response to an old survey is never delivered to the next survey', async () => {
    const { surveyor, respondents } = await surveyorWith(1, 200);
    const respondent = respondents[0]!;
    await surveyor.send('survey 1');
    expect(String(await respondent.recv())).toBe('survey 1');
    const started = Date.now();
    await surveyor.send('survey 2');
    // the respondent answers survey 1 only now, while survey 2 runs
    await respondent.send('answer to 1');
    await expect(surveyor.recv()).rejects.toMatchObject({ code: 'ETIMEDOUT' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(180);
    await expect(surveyor.recv()).rejects.toMatchObject({ code: 'EFSM' });
  });

  it('a stale response queued ahead of a fresh one is skipped: the survey gets only its own', async () => {
    const { surveyor, respondents } = await surveyorWith(1, 1000);
    const respondent = respondents[0]!;
    await surveyor.send('survey 1');
    expect(String(await respondent.recv())).toBe('survey 1');
    await surveyor.send('survey 2');
    await respondent.send('answer to 1');
    expect(String(await respondent.recv())).toBe('survey 2');
    await respondent.send('answer to 2');
    // same connection: the stale answer arrived first, so receiving this one proves it was skipped
    expect(String(await surveyor.recv())).toBe('answer to 2');
  });

  it('a survey reaches every respondent, with the same survey id (top bit set)', async () => {
    const { surveyor, respondents } = await surveyorWith(3, 1000);
    await surveyor.send('census');
    const ids: string[] = [];
    for (const [i, r] of respondents.entries()) {
      const m = await r.recvMessage();
      expect(String(m.body)).toBe('census');
      expect(m.header.length).toBe(4);
      expect(m.header.readUInt32BE(0) >>> 31).toBe(1);
      ids.push(m.header.toString('hex'));
      await r.send(`r${i}`);
    }
    expect(new Set(ids).size).toBe(1);
    const got = [String(await surveyor.recv()), String(await surveyor.recv()), String(await surveyor.recv())];
    expect(got.sort()).toEqual(['r0', 'r1', 'r2']);
  });

  it('a new survey gets a new id', async () => {
    const { surveyor, respondents } = await surveyorWith(1, 1000);
    const respondent = respondents[0]!;
    await surveyor.send('one');
    const first = await respondent.recvMessage();
    await surveyor.send('two');
    const second = await respondent.recvMessage();
    expect(String(second.body)).toBe('two');
    expect(second.header.toString('hex')).not.toBe(first.header.toString('hex'));
  });

  it('a response to a surveyor whose pipe has gone is dropped silently: send still resolves', async () => {
    const { surveyor, respondents } = await surveyorWith(1, 1000);
    const respondent = respondents[0]!;
    await surveyor.send('Q');
    expect(String(await respondent.recv())).toBe('Q');
    const removed = next(respondent, 'pipe-removed');
    await surveyor.close();
    await removed;
    await expect(respondent.send('nobody hears this')).resolves.toBeUndefined();
    await expect(respondent.send('again')).rejects.toMatchObject({ code: 'EFSM' });
  });
});

describe('raw SURVEYOR/RESPONDENT headers', () => {
  it('raw RESPONDENT: header is [pipe key][survey id]; sendMessage routes the response back', async () => {
    const surveyor = testSocket('surveyor', { surveyDeadline: 1000 });
    const respondent = testSocket('respondent', { raw: true });
    await linked(respondent, surveyor);
    await surveyor.send('Q');
    const m = await respondent.recvMessage();
    expect(String(m.body)).toBe('Q');
    expect(m.header.length).toBe(8);
    expect(m.header.readUInt32BE(0)).toBe(respondent.pipes[0]?.id);
    expect(m.header.readUInt32BE(0) >>> 31).toBe(0);
    expect(m.header.readUInt32BE(4) >>> 31).toBe(1);
    await respondent.sendMessage(m);
    expect(String(await surveyor.recv())).toBe('Q');
  });

  it('raw SURVEYOR: no deadline and no EFSM; the response header is the 4-byte survey id', async () => {
    const surveyor = testSocket('surveyor', { raw: true });
    const respondent = testSocket('respondent');
    await linked(surveyor, respondent);
    await expect(surveyor.recv({ timeout: 0 })).rejects.toMatchObject({ code: 'EAGAIN' });
    await surveyor.sendMessage(new Message(Buffer.from('Q'), Buffer.from([0x80, 0, 0, 0x42])));
    const survey = await respondent.recvMessage();
    expect(survey.header.toString('hex')).toBe('80000042');
    await respondent.send('A');
    const response = await surveyor.recvMessage();
    expect(response.header.toString('hex')).toBe('80000042');
    expect(String(response.body)).toBe('A');
  });
});
