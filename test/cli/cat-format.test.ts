/**
 * `nanosp cat`'s output formats (src/cli/cat-format.ts): the bytes for known messages, as
 * nanocat's source prints them, then — where nanocat is installed — the bytes the real
 * nanocat prints for a set of awkward messages (empty, quotes, backslashes, newlines, every
 * byte value, UTF-8, msgpack's length boundaries), captured in this run, compared with the
 * formatter and with a running `nanosp cat` fed the same messages.
 */
import { describe, expect, it } from 'vitest';
import { formatMessage } from '../../src/cli/cat-format.js';
import { describePeer } from '../helpers/peers.js';
import { catPrints, hexOf, nanocatPrints, PRINTING_FORMATS } from './cat-helpers.js';

const b = (text: string) => Buffer.from(text, 'latin1');
const fmt = (format: Parameters<typeof formatMessage>[0], message: Buffer) => formatMessage(format, message).toString('latin1');

const TRICKY = b('a"b\\c\nd\re\tf\0g\x7f\x80\xff ~');
const EVERY_BYTE = Buffer.from(Array.from({ length: 256 }, (_, i) => i));

describe('nanosp cat output formats', () => {
  it('an empty message', () => {
    expect(fmt('no', b(''))).toBe('');
    expect(fmt('raw', b(''))).toBe('');
    expect(fmt('ascii', b(''))).toBe('\n');
    expect(fmt('quoted', b(''))).toBe('""\n');
    expect(fmt('msgpack', b(''))).toBe('\xc4\x00');
    expect(fmt('hex', b(''))).toBe('""\n');
  });

  it('no prints nothing and raw the bytes unchanged', () => {
    expect(fmt('no', TRICKY)).toBe('');
    expect(formatMessage('raw', TRICKY)).toEqual(TRICKY);
  });

  it('ascii: printable ASCII (0x20-0x7e) kept, every other byte a dot, then a newline', () => {
    expect(fmt('ascii', TRICKY)).toBe('a"b\\c.d.e.f.g... ~\n');
    expect(fmt('ascii', Buffer.from('€ é', 'utf8'))).toBe('... ..\n');
    expect(fmt('ascii', EVERY_BYTE)).toBe(`${'.'.repeat(32)}${EVERY_BYTE.subarray(32, 127).toString('latin1')}${'.'.repeat(129)}\n`);
  });

  it('quoted: \\n \\r \\\\ \\" escaped, other unprintables (tab too) as \\xNN in lower case', () => {
    expect(fmt('quoted', TRICKY)).toBe('"a\\"b\\\\c\\nd\\re\\x09f\\x00g\\x7f\\x80\\xff ~"\n');
    expect(fmt('quoted', b("it's"))).toBe('"it\'s"\n');
    expect(fmt('quoted', Buffer.from('€', 'utf8'))).toBe('"\\xe2\\x82\\xac"\n');
  });

  it('hex: every byte as \\xNN between double quotes, then a newline', () => {
    expect(fmt('hex', b('AZ\n'))).toBe('"\\x41\\x5a\\x0a"\n');
    expect(fmt('hex', EVERY_BYTE)).toBe(`"${[...EVERY_BYTE].map((n) => `\\x${n.toString(16).padStart(2, '0')}`).join('')}"\n`);
  });

  it('msgpack: a bin 8, 16 or 32 header by length, big-endian, then the bytes', () => {
    const header = (n: number) => formatMessage('msgpack', Buffer.alloc(n, 0x61)).subarray(0, n < 256 ? 2 : n < 65536 ? 3 : 5);
    expect(hexOf(header(1))).toBe('c401');
    expect(hexOf(header(255))).toBe('c4ff');
    expect(hexOf(header(256))).toBe('c50100');
    expect(hexOf(header(65535))).toBe('c5ffff');
    expect(hexOf(header(65536))).toBe('c600010000');
    expect(hexOf(header(70000))).toBe('c600011170');
    expect(formatMessage('msgpack', TRICKY)).toEqual(Buffer.concat([Buffer.from([0xc4, TRICKY.length]), TRICKY]));
    expect(formatMessage('msgpack', Buffer.alloc(70000, 0x62)).length).toBe(70005);
  });
});

/** Awkward messages, each a separate message on the wire. */
const MESSAGES: readonly Buffer[] = [
  b(''),
  TRICKY,
  EVERY_BYTE,
  Buffer.from('grüße, 東京, 😀', 'utf8'),
  b('two\nlines\n'),
  b('"\\"'),
  b('\n'),
  Buffer.alloc(255, 0x2a),
  Buffer.alloc(256, 0x0a),
  Buffer.alloc(65535, 0x5c),
  Buffer.alloc(65536, 0x22),
  Buffer.alloc(70000, 0xfe),
];

describePeer('nanocat', 'nanosp cat output formats: the bytes the real nanocat prints', () => {
  for (const format of PRINTING_FORMATS) {
    it(`--${format}: nanocat's bytes for ${MESSAGES.length} awkward messages = the formatter's = a running nanosp cat's`, async () => {
      const theirs = await nanocatPrints(format, MESSAGES);
      const expected = Buffer.concat(MESSAGES.map((m) => formatMessage(format, m)));
      expect(theirs.length).toBe(expected.length);
      expect(hexOf(theirs)).toBe(hexOf(expected));
      const ours = await catPrints('nanosp cat', format, MESSAGES);
      expect(ours.length).toBe(theirs.length);
      expect(hexOf(ours)).toBe(hexOf(theirs));
    });
  }
});
