/**
 * What the fuzz properties found, each pinned down by its shrunk counterexample so it cannot
 * come back unnoticed whatever seeds the suite draws.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { EstpError, formatRecord, type EstpRecord } from '../../src/estp/index.js';
import { SpError } from '../../src/sp/errors.js';
import { attachFake, cleanup, openSocket } from '../helpers/fake-pipe.js';

afterEach(cleanup);

const RECORD: EstpRecord = {
  host: 'h',
  application: 'a',
  resource: 'r',
  metric: 'm',
  timestamp: new Date(0),
  interval: 0,
  value: 0,
  type: 'gauge',
  extensions: [],
};

describe('formatRecord on values String() cannot convert (estp.props: "formatRecord refuses a broken record")', () => {
  // counterexample: { ...record, type: [{ __proto__: null }] } threw "TypeError: Cannot convert object to primitive value"
  it.each([
    ['type', [Object.create(null)]],
    ['type', Object.create(null)],
    ['interval', Object.create(null)],
  ])('%s = an object without a prototype is an EstpError naming the field', (key, junk) => {
    let caught: unknown;
    try {
      formatRecord({ ...RECORD, [key]: junk } as EstpRecord);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(EstpError);
    expect((caught as EstpError).field).toBe(key);
  });
});

describe('SUB taking back an empty message on unsubscribe (protocols.props: "SUB delivers what a topic matches")', () => {
  // counterexample: topics [''], before [''], unsubscribe '' → an empty message was still received
  it('leaves nothing to receive once the only held message, an empty one, is unwanted', async () => {
    const sub = openSocket('sub');
    sub.subscribe('');
    const pipe = attachFake(sub);
    pipe.deliver('');
    sub.unsubscribe('');
    await expect(sub.recv({ timeout: 0 })).rejects.toSatisfy((err) => err instanceof SpError && err.code === 'EAGAIN');
    pipe.deliver('after');
    await expect(sub.recv({ timeout: 0 })).rejects.toSatisfy((err) => err instanceof SpError && err.code === 'EAGAIN');
  });

  it('keeps what is still wanted behind a taken-back empty message', async () => {
    const sub = openSocket('sub');
    sub.subscribe('');
    sub.subscribe('x');
    const pipe = attachFake(sub);
    pipe.deliver('');
    pipe.deliver('x1');
    sub.unsubscribe('');
    expect(String(await sub.recv({ timeout: 0 }))).toBe('x1');
    await expect(sub.recv({ timeout: 0 })).rejects.toSatisfy((err) => err instanceof SpError && err.code === 'EAGAIN');
  });
});
