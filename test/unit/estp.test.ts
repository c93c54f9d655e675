/**
 * ESTP records: the spec's examples (spec/diagnostics.md §5.4), nanomsg's verified records byte
 * for byte (§4.3), the forward-compatibility rules, every rejection with its field and offset,
 * and the format → parse round trip.
 */
import { describe, it, expect } from 'vitest';
import {
  formatRecord,
  parseRecord,
  EstpError,
  ESTP_PREFIX,
  ESTP_PART_MAX,
  ESTP_TYPE_LETTERS,
  type EstpRecord,
  type EstpField,
} from '../../src/estp/index.js';
import { SpError } from '../../src/sp/errors.js';

/** Run `fn`, expect an EstpError, and return it. */
function expectEstpError(fn: () => unknown): EstpError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught, 'expected an EstpError').toBeInstanceOf(EstpError);
  const err = caught as EstpError;
  expect(err).toBeInstanceOf(SpError);
  expect(err.code).toBe('EINVAL');
  expect(err.errno).toBe(22);
  return err;
}

/** nanocat --quoted output (as in §4.3) back to the bytes that were published. */
function unquote(quoted: string): string {
  return JSON.parse(quoted) as string;
}

const TS = new Date('2026-11-26T16:29:04Z');

/** A record like nanomsg's socket "pusher" sends, with the fields a test changes. */
function nanomsgRecord(fields: Partial<EstpRecord>): EstpRecord {
  return {
    host: 'myhost',
    application: 'myapp',
    resource: 'socket.pusher',
    metric: 'connect_errors',
    timestamp: TS,
    interval: 10,
    value: 188,
    type: 'counter',
    extensions: [],
    ...fields,
  };
}

// Offsets in BASE: name 0-46, space 47, timestamp 48-67, space 68, interval 69-70, space 71, value 72-76.
const BASE = 'ESTP:myhost:myapp:socket.pusher:connect_errors: 2026-11-26T16:29:04Z 10 188:c';
const NAME = 'ESTP:myhost:myapp:socket.pusher:connect_errors:';

describe('constants', () => {
  it('are the ESTP 1.0 prefix, part limit and type letters', () => {
    expect(ESTP_PREFIX).toBe('ESTP:');
    expect(ESTP_PART_MAX).toBe(63);
    expect(ESTP_TYPE_LETTERS).toEqual({ counter: 'c', derive: 'd', delta: 'a', extension: 'x' });
  });
});

describe('the ESTP 1.0 specification examples (§5.4)', () => {
  it('the padded gauge with an empty resource', () => {
    expect(parseRecord('ESTP:org.example:sys::cpu: 2012-06-02T09:36:45Z 10         7.2')).toStrictEqual({
      host: 'org.example',
      application: 'sys',
      resource: '',
      metric: 'cpu',
      timestamp: new Date('2012-06-02T09:36:45Z'),
      interval: 10,
      value: 7.2,
      type: 'gauge',
      extensions: [],
    });
  });

  it('the counter', () => {
    expect(parseRecord('ESTP:org.example:network:eth0:bytes_written: 2012-06-02T09:36:45Z 10 1000000:c')).toStrictEqual({
      host: 'org.example',
      application: 'network',
      resource: 'eth0',
      metric: 'bytes_written',
      timestamp: new Date('2012-06-02T09:36:45Z'),
      interval: 10,
      value: 1000000,
      type: 'counter',
      extensions: [],
    });
  });

  it('the hourly gauge with a path resource', () => {
    const r = parseRecord('ESTP:org.example.s1:disk.usage:system/root:free.sectors: 2012-06-02T09:36:45Z 3600 123456789');
    expect(r).toMatchObject({
      host: 'org.example.s1',
      application: 'disk.usage',
      resource: 'system/root',
      metric: 'free.sectors',
      interval: 3600,
      value: 123456789,
      type: 'gauge',
    });
    expect(r.timestamp.toISOString()).toBe('2012-06-02T09:36:45.000Z');
  });

  it('formats the examples back in nanomsg spacing (one space between fields)', () => {
    const r = parseRecord('ESTP:org.example:sys::cpu: 2012-06-02T09:36:45Z 10         7.2');
    expect(formatRecord(r)).toBe('ESTP:org.example:sys::cpu: 2012-06-02T09:36:45Z 10 7.2');
  });
});

describe("nanomsg's records, byte for byte (§4.3, verified with nanocat --quoted)", () => {
  const counter = '"ESTP:myhost:myapp:socket.pusher:connect_errors: 2026-11-26T16:29:04Z 10 188:c"';
  const level = '"ESTP:myhost:myapp:socket.pusher:current_connections: 2026-11-26T16:29:04Z 10 0"';
  const errors2 =
    '"ESTP:myhost:myapp:socket.pusher:current_ep_errors: 2026-11-26T16:29:04Z 10 2\\n nanomsg: Endpoint 1 [127.0.0.1:1] error: Connection refused\\n nanomsg: Endpoint 2 [/tmp/nndiag/none.sock] error: No such file or directory\\n"';
  const errors0 = '"ESTP:myhost:myapp:socket.2:current_ep_errors: 2026-11-26T16:29:04Z 10 0\\n"';

  const cases: [string, string, EstpRecord][] = [
    ['counter (u64, ":c", no LF)', counter, nanomsgRecord({})],
    ['level (gauge, no suffix, no LF)', level, nanomsgRecord({ metric: 'current_connections', value: 0, type: 'gauge' })],
    [
      'current_ep_errors with two failing endpoints',
      errors2,
      nanomsgRecord({
        metric: 'current_ep_errors',
        value: 2,
        type: 'gauge',
        extensions: [
          ' nanomsg: Endpoint 1 [127.0.0.1:1] error: Connection refused',
          ' nanomsg: Endpoint 2 [/tmp/nndiag/none.sock] error: No such file or directory',
        ],
        trailingNewline: true,
      }),
    ],
    [
      'current_ep_errors with none (the level line plus one LF)',
      errors0,
      nanomsgRecord({ resource: 'socket.2', metric: 'current_ep_errors', value: 0, type: 'gauge', trailingNewline: true }),
    ],
  ];

  it.each(cases)('formats the %s', (_name, quoted, record) => {
    expect(formatRecord(record)).toBe(unquote(quoted));
  });

  it.each(cases)('parses the %s', (_name, quoted, record) => {
    expect(parseRecord(unquote(quoted))).toStrictEqual(record);
  });

  it.each(cases)('parses the %s from the message bytes', (_name, quoted, record) => {
    expect(parseRecord(new TextEncoder().encode(unquote(quoted)))).toStrictEqual(record);
    expect(parseRecord(Buffer.from(unquote(quoted), 'latin1'))).toStrictEqual(record);
  });

  it('the zero-error record ends in exactly one LF, the others in none', () => {
    expect(formatRecord(cases[3]![2])).toMatch(/ 10 0\n$/);
    expect(formatRecord(cases[0]![2]).endsWith('\n')).toBe(false);
    expect(formatRecord(cases[1]![2]).endsWith('\n')).toBe(false);
  });

  it("a level of -1 (current_snd_priority with no pipe left)", () => {
    const text = 'ESTP:myhost:myapp:socket.3:current_snd_priority: 2026-11-26T16:29:04Z 10 -1';
    const record = nanomsgRecord({ resource: 'socket.3', metric: 'current_snd_priority', value: -1, type: 'gauge' });
    expect(parseRecord(text)).toStrictEqual(record);
    expect(formatRecord(record)).toBe(text);
  });

  it('a u64 counter at its maximum is a bigint, both ways', () => {
    const text = `${NAME} 2026-11-26T16:29:04Z 10 18446744073709551615:c`;
    expect(parseRecord(text).value).toBe(18446744073709551615n);
    expect(formatRecord(nanomsgRecord({ value: 2n ** 64n - 1n }))).toBe(text);
  });

  it('the timestamp is UTC, whole seconds, truncated (not rounded)', () => {
    expect(formatRecord(nanomsgRecord({ timestamp: new Date('2026-11-26T16:29:04.999Z') }))).toBe(BASE);
    expect(formatRecord(nanomsgRecord({ timestamp: new Date(Date.UTC(2001, 0, 2, 3, 4, 5)) }))).toContain(' 2001-01-02T03:04:05Z ');
  });
});

describe('value types', () => {
  it.each([
    ['7', 'gauge'],
    ['7:c', 'counter'],
    ['7:d', 'derive'],
    ['7:a', 'delta'],
    ['7:x', 'extension'],
  ] as const)('%s is a %s', (value, type) => {
    const r = parseRecord(`${NAME} 2026-11-26T16:29:04Z 10 ${value}`);
    expect(r.type).toBe(type);
    expect(r.value).toBe(7);
    expect(r).not.toHaveProperty('typeName');
    expect(r).not.toHaveProperty('typeParams');
    expect(formatRecord(r)).toBe(`${NAME} 2026-11-26T16:29:04Z 10 ${value}`);
  });

  it.each([
    ['1:x-my-type', '-my-type'],
    ['1:xfoo', 'foo'],
    ['1:xfoo:bar=1', 'foo:bar=1'],
    ['1:x-my-type,units', '-my-type'],
    ['1:x-my-type;units', '-my-type'],
  ])('%s is an extension type named %j', (value, typeName) => {
    const r = parseRecord(`${NAME} 2026-11-26T16:29:04Z 10 ${value}`);
    expect(r.type).toBe('extension');
    expect(r.typeName).toBe(typeName);
    expect(r).not.toHaveProperty('typeParams');
  });

  it('keeps type parameters after c, d and a without interpreting them', () => {
    const r = parseRecord(`${NAME} 2026-11-26T16:29:04Z 10 5:cwrap=64`);
    expect(r).toMatchObject({ value: 5, type: 'counter', typeParams: 'wrap=64' });
    expect(r).not.toHaveProperty('typeName');
    expect(parseRecord(`${NAME} 2026-11-26T16:29:04Z 10 5:d:p`)).toMatchObject({ type: 'derive', typeParams: ':p' });
    expect(formatRecord(r)).toBe(`${NAME} 2026-11-26T16:29:04Z 10 5:cwrap=64`);
  });

  it.each([
    ['0', 0],
    ['-1', -1],
    ['7.2', 7.2],
    ['-0.5', -0.5],
    ['7.', 7],
    ['.5', 0.5],
    ['007', 7],
    ['9007199254740991', Number.MAX_SAFE_INTEGER],
    ['9007199254740992', 9007199254740992n],
    ['-9007199254740992', -9007199254740992n],
    ['18446744073709551615', 18446744073709551615n],
    ['18446744073709551615.0', 18446744073709551615],
  ] as const)('the number %s is %s', (text, value) => {
    expect(parseRecord(`${NAME} 2026-11-26T16:29:04Z 10 ${text}`).value).toBe(value);
  });
});

describe('forward compatibility (§5.4)', () => {
  it.each([
    ['7.2,percent', 7.2, 'gauge'],
    ['7.2;unit=%', 7.2, 'gauge'],
    ['188:c,bytes', 188, 'counter'],
    ['188:c;per=s', 188, 'counter'],
    ['188,bytes:q', 188, 'gauge'], // the annotation hides what would be an unknown type
    ['5,', 5, 'gauge'],
  ] as const)('ignores the annotation in %s', (value, number, type) => {
    const r = parseRecord(`${NAME} 2026-11-26T16:29:04Z 10 ${value}`);
    expect(r.value).toBe(number);
    expect(r.type).toBe(type);
    expect(r).not.toHaveProperty('typeParams');
  });

  it('ignores fields after the value, and trailing blanks', () => {
    expect(parseRecord(`${BASE} future 1.5 more:x`)).toStrictEqual(nanomsgRecord({}));
    expect(parseRecord(`${BASE}   \t`)).toStrictEqual(nanomsgRecord({}));
    expect(parseRecord(`${BASE} future\n ext`)).toStrictEqual(nanomsgRecord({ extensions: [' ext'] }));
  });

  it('accepts any run of spaces and tabs between fields', () => {
    expect(parseRecord(`${NAME}\t2026-11-26T16:29:04Z \t 10\t\t188:c`)).toStrictEqual(nanomsgRecord({}));
  });

  it('keeps extension lines exactly, official and unofficial, with their leading spaces', () => {
    const r = parseRecord(`${BASE}\n :collectd: type=cpu\n   indented\tand tabbed\n `);
    expect(r.extensions).toEqual([' :collectd: type=cpu', '   indented\tand tabbed', ' ']);
    expect(r).not.toHaveProperty('trailingNewline');
  });

  it('accepts a leap second, a leap day, and years 0000 and 9999', () => {
    expect(parseRecord(`${NAME} 2016-12-31T23:59:60Z 10 1`).timestamp.toISOString()).toBe('2017-01-01T00:00:00.000Z');
    expect(parseRecord(`${NAME} 2024-02-29T00:00:00Z 10 1`).timestamp.toISOString()).toBe('2024-02-29T00:00:00.000Z');
    expect(parseRecord(`${NAME} 2000-02-29T00:00:00Z 10 1`).timestamp.toISOString()).toBe('2000-02-29T00:00:00.000Z');
    expect(parseRecord(`${NAME} 0000-01-01T00:00:00Z 10 1`).timestamp.getUTCFullYear()).toBe(0);
    expect(parseRecord(`${NAME} 0099-12-31T23:59:59Z 10 1`).timestamp.getUTCFullYear()).toBe(99);
    expect(parseRecord(`${NAME} 9999-12-31T23:59:59Z 10 1`).timestamp.toISOString()).toBe('9999-12-31T23:59:59.000Z');
  });

  it('accepts 63-byte name parts and empty ones', () => {
    const p = 'p'.repeat(63);
    const r = parseRecord(`ESTP:${p}:${p}:${p}:${p}: 2026-11-26T16:29:04Z 10 1`);
    expect([r.host, r.application, r.resource, r.metric]).toEqual([p, p, p, p]);
    expect(parseRecord('ESTP::::: 2026-11-26T16:29:04Z 10 1')).toMatchObject({ host: '', application: '', resource: '', metric: '' });
  });
});

describe('parseRecord rejects malformed records with the field and byte offset', () => {
  const h64 = 'h'.repeat(64);
  const cases: [string, string | Uint8Array, EstpField, number][] = [
    ['empty input', '', 'prefix', 0],
    ['a missing prefix', BASE.slice(5), 'prefix', 0],
    ['ESTP2:', `ESTP2:${BASE.slice(5)}`, 'prefix', 0],
    ['a lowercase prefix', `estp:${BASE.slice(5)}`, 'prefix', 0],
    ['a 64-byte host', `ESTP:${h64}:myapp:r:m: 2026-11-26T16:29:04Z 10 1`, 'host', 68],
    ['a 64-byte metric', `ESTP:a:b:c:${h64}: 2026-11-26T16:29:04Z 10 1`, 'metric', 74],
    ['a space in the application', BASE.replace('myapp', 'my app'), 'application', 14],
    ['a tab in the resource', BASE.replace('socket.pusher', 'socket\tpusher'), 'resource', 24],
    ['too few parts', 'ESTP:myhost:myapp: 2026-11-26T16:29:04Z 10 1', 'resource', 18],
    ['a missing final colon', BASE.replace('connect_errors:', 'connect_errors'), 'metric', 46],
    ['a fifth name part', 'ESTP:a:b:c:d:e: 2026-11-26T16:29:04Z 10 1', 'metric', 13],
    ['a name that ends the line', NAME, 'timestamp', 47],
    ['a name then only blanks', `${NAME}  `, 'timestamp', 49],
    ['a timestamp without Z', BASE.replace('04Z', '04'), 'timestamp', 48],
    ['a lowercase z', BASE.replace('04Z', '04z'), 'timestamp', 48],
    ['a timestamp with milliseconds', BASE.replace('04Z', '04.5Z'), 'timestamp', 48],
    ['a timestamp with an offset', BASE.replace('04Z', '04+00:00'), 'timestamp', 48],
    ['a basic-format timestamp', BASE.replace('2026-11-26T16:29:04Z', '20261126T162904Z'), 'timestamp', 48],
    ['month 13', BASE.replace('2026-11-26', '2026-13-26'), 'timestamp', 53],
    ['month 00', BASE.replace('2026-11-26', '2026-00-26'), 'timestamp', 53],
    ['day 00', BASE.replace('2026-11-26', '2026-11-00'), 'timestamp', 56],
    ['Feb 30 in a leap year', BASE.replace('2026-11-26', '2024-02-30'), 'timestamp', 56],
    ['Feb 29 in a non-leap year', BASE.replace('2026-11-26', '2025-02-29'), 'timestamp', 56],
    ['Feb 29 in 2100', BASE.replace('2026-11-26', '2100-02-29'), 'timestamp', 56],
    ['April 31', BASE.replace('2026-11-26', '2026-04-31'), 'timestamp', 56],
    ['hour 24', BASE.replace('T16:', 'T24:'), 'timestamp', 59],
    ['minute 60', BASE.replace(':29:', ':60:'), 'timestamp', 62],
    ['second 61', BASE.replace(':04Z', ':61Z'), 'timestamp', 65],
    ['a missing interval (line ends)', `${NAME} 2026-11-26T16:29:04Z`, 'interval', 68],
    ['a missing interval (value in its place)', `${NAME} 2026-11-26T16:29:04Z 188:c`, 'interval', 69],
    ['a fractional interval', BASE.replace(' 10 ', ' 10.5 '), 'interval', 69],
    ['a negative interval', BASE.replace(' 10 ', ' -10 '), 'interval', 69],
    ['a missing value', `${NAME} 2026-11-26T16:29:04Z 10`, 'value', 71],
    ['a missing value after blanks', `${NAME} 2026-11-26T16:29:04Z 10 \n x`, 'value', 72],
    ['a non-numeric value', BASE.replace('188:c', 'abc:c'), 'value', 72],
    ['a non-numeric gauge', BASE.replace('188:c', 'NaN'), 'value', 72],
    ['an exponent', BASE.replace('188:c', '1e5'), 'value', 72],
    ['two decimal points', BASE.replace('188:c', '1.2.3'), 'value', 72],
    ['a plus sign', BASE.replace('188:c', '+188'), 'value', 72],
    ['a lone minus', BASE.replace('188:c', '-:c'), 'value', 72],
    ['only an annotation', BASE.replace('188:c', ',bytes'), 'value', 72],
    ['only a type', BASE.replace('188:c', ':c'), 'value', 72],
    ['a non-numeric :x value (1ab4:x-my-type)', BASE.replace('188:c', '1ab4:x-my-type'), 'value', 72],
    ['a double beyond range', BASE.replace('188:c', `1${'0'.repeat(400)}.5`), 'value', 72],
    ['an unknown type letter', BASE.replace('188:c', '188:q'), 'type', 76],
    ['an uppercase type letter', BASE.replace('188:c', '188:C'), 'type', 76],
    ['a pre-1.0 marker after the colon', BASE.replace('188:c', "188:'"), 'type', 76],
    ['a colon without a letter', BASE.replace('188:c', '188:'), 'type', 76],
    ['a colon then an annotation', BASE.replace('188:c', '188:,c'), 'type', 76],
    ['an extension line without a leading space', `${BASE}\nnanomsg: Endpoint 1`, 'extension', 78],
    ['a second extension line without one', `${BASE}\n ok\nbad`, 'extension', 82],
    ['an empty line between extension lines', `${BASE}\n\n ok`, 'extension', 78],
    ['two final LFs', `${BASE}\n\n`, 'extension', 78],
    ['an extension line starting with a tab', `${BASE}\n\tx`, 'extension', 78],
    ['a non-ASCII character in the host', BASE.replace('myhost', 'myhöst'), 'frame', 8],
    ['a non-ASCII byte', Uint8Array.from([...new TextEncoder().encode(`${BASE}\n caf`), 0xc3, 0xa9]), 'frame', 82],
    ['a CR before the LF', `${BASE}\r\n`, 'frame', 77],
    ['a NUL terminator', `${BASE}\0`, 'frame', 77],
    ['a DEL byte', Uint8Array.from([0x45, 0x53, 0x54, 0x50, 0x3a, 0x7f]), 'frame', 5],
  ];

  it.each(cases)('%s', (_name, input, field, offset) => {
    const err = expectEstpError(() => parseRecord(input));
    expect({ field: err.field, offset: err.offset }).toEqual({ field, offset });
    expect(err.message).toMatch(new RegExp(`^EINVAL \\(Invalid argument\\): ESTP ${field} at offset ${offset}: `));
  });

  it('says what was expected and what was found', () => {
    const err = expectEstpError(() => parseRecord(BASE.replace('2026-11-26T16:29:04Z', '2012-06-02T09:36:45')));
    expect(err.message).toBe(
      'EINVAL (Invalid argument): ESTP timestamp at offset 48: expected YYYY-MM-DDTHH:MM:SSZ, got "2012-06-02T09:36:45"',
    );
    expect(expectEstpError(() => parseRecord(BASE.replace('188:c', '188:q'))).message).toContain('got "q"');
    expect(expectEstpError(() => parseRecord(BASE.replace('2026-11-26', '2025-02-29'))).message).toContain('day');
    expect(expectEstpError(() => parseRecord(`ESTP2:${BASE.slice(5)}`)).message).toContain('later ESTP version');
    expect(expectEstpError(() => parseRecord(BASE.replace('04Z', '04z'))).message).toContain('uppercase');
    expect(expectEstpError(() => parseRecord(Uint8Array.of(0x45, 0xff))).message).toContain('byte 0xff');
  });

  it('rejects input that is neither a string nor bytes', () => {
    expect(expectEstpError(() => parseRecord(42 as unknown as string)).field).toBe('frame');
  });
});

describe('formatRecord validates before formatting', () => {
  const cases: [string, Partial<EstpRecord>, EstpField, number][] = [
    ['a 64-byte host', { host: 'h'.repeat(64) }, 'host', 63],
    ['a 64-byte resource (socket. + a 57-byte name)', { resource: `socket.${'n'.repeat(57)}` }, 'resource', 63],
    ['a colon in the application', { application: 'my:app' }, 'application', 2],
    ['a space in the resource', { resource: 'socket pusher' }, 'resource', 6],
    ['a tab in the metric', { metric: 'a\tb' }, 'metric', 1],
    ['an LF in the host', { host: 'a\nb' }, 'host', 1],
    ['a non-ASCII host', { host: 'höst' }, 'host', 1],
    ['a host that is not a string', { host: 7 as unknown as string }, 'host', -1],
    ['an invalid date', { timestamp: new Date(Number.NaN) }, 'timestamp', -1],
    ['a five-digit year', { timestamp: new Date('+010000-01-01T00:00:00Z') }, 'timestamp', -1],
    ['a negative year', { timestamp: new Date('-000001-01-01T00:00:00Z') }, 'timestamp', -1],
    ['a timestamp that is not a Date', { timestamp: '2026-11-26T16:29:04Z' as unknown as Date }, 'timestamp', -1],
    ['a negative interval', { interval: -1 }, 'interval', -1],
    ['a fractional interval', { interval: 1.5 }, 'interval', -1],
    ['a NaN interval', { interval: Number.NaN }, 'interval', -1],
    ['a NaN value', { value: Number.NaN }, 'value', -1],
    ['an infinite value', { value: Number.POSITIVE_INFINITY }, 'value', -1],
    ['a string value', { value: '5' as unknown as number }, 'value', -1],
    ['an unknown type', { type: 'histogram' as unknown as 'gauge' }, 'type', -1],
    ['typeParams on a gauge', { type: 'gauge', typeParams: 'p' }, 'type', -1],
    ['typeName on a counter', { typeName: 'n' }, 'type', -1],
    ['typeParams on an extension', { type: 'extension', typeName: 'n', typeParams: 'p' }, 'type', -1],
    ['a space in a typeName', { type: 'extension', typeName: 'my type' }, 'type', 2],
    ['a comma in typeParams', { typeParams: 'a,b' }, 'type', 1],
    ['an extension line without a leading space', { extensions: [' ok', 'bad'] }, 'extension', 0],
    ['an empty extension line', { extensions: [''] }, 'extension', 0],
    ['an LF inside an extension line', { extensions: [' a\n b'] }, 'extension', 2],
    ['a CR in an extension line', { extensions: [' a\r'] }, 'extension', 2],
    ['a non-ASCII extension line', { extensions: [' café'] }, 'extension', 4],
    ['extensions that are not an array', { extensions: ' a' as unknown as string[] }, 'extension', -1],
  ];

  it.each(cases)('%s', (_name, fields, field, offset) => {
    const err = expectEstpError(() => formatRecord(nanomsgRecord(fields)));
    expect({ field: err.field, offset: err.offset }).toEqual({ field, offset });
  });

  it('names the field without an offset when the whole value is wrong', () => {
    expect(expectEstpError(() => formatRecord(nanomsgRecord({ interval: -1 }))).message).toBe(
      'EINVAL (Invalid argument): ESTP interval: expected a whole number of seconds >= 0, got -1',
    );
  });

  it('joins extension lines with LF and no final LF unless trailingNewline', () => {
    const record = nanomsgRecord({ extensions: [' a', '  b'] });
    expect(formatRecord(record)).toBe(`${BASE}\n a\n  b`);
    expect(formatRecord({ ...record, trailingNewline: true })).toBe(`${BASE}\n a\n  b\n`);
    expect(formatRecord({ ...record, extensions: [], trailingNewline: false })).toBe(BASE);
  });

  it.each([
    [1e-7, '0.0000001'],
    [-1.5e-10, '-0.00000000015'],
    [0.1 + 0.2, '0.30000000000000004'],
    [123.456, '123.456'],
    [1e21, '1000000000000000000000.0'],
    [2 ** 60, '1152921504606847000.0'],
    [Number.MAX_SAFE_INTEGER, '9007199254740991'],
    [-0, '-0'],
    [5n, '5'],
    [-(2n ** 63n), '-9223372036854775808'],
  ] as const)('writes the value %s as %s, without exponents', (value, text) => {
    const line = formatRecord(nanomsgRecord({ value, type: 'gauge' }));
    expect(line).toBe(`${NAME} 2026-11-26T16:29:04Z 10 ${text}`);
  });
});

describe('round trip: parseRecord(formatRecord(r)) is r', () => {
  /** A small deterministic PRNG (mulberry32), so a failure names a reproducible seed. */
  function rng(seed: number): () => number {
    let a = seed >>> 0;
    return () => {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  function randomRecord(seed: number): EstpRecord {
    const rand = rng(seed);
    const int = (n: number): number => Math.floor(rand() * n);
    const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;
    const nameChars = '!"#$%&\'()*+,-./0123456789;<=>?@ABCXYZ[\\]^_`abcxyz{|}~';
    const typeChars = nameChars.replace(/[,;]/g, '') + ':';
    const text = (chars: string, max: number): string => Array.from({ length: int(max + 1) }, () => pick([...chars])).join('');
    const type = pick(['gauge', 'counter', 'derive', 'delta', 'extension'] as const);
    const record: EstpRecord = {
      host: text(nameChars, 63),
      application: text(nameChars, 8),
      resource: text(nameChars, 63),
      metric: text(nameChars, 20),
      timestamp: new Date(int(253402300800) * 1000), // 1970 … 9999-12-31T23:59:59Z
      interval: int(4) === 0 ? int(2 ** 40) : int(3601),
      value: pick([
        () => int(2 ** 31) - 2 ** 30,
        () => (rand() - 0.5) * 10 ** (int(40) - 20),
        () => BigInt(Number.MAX_SAFE_INTEGER) + 1n + BigInt(int(2 ** 52)) * 4096n,
        () => -(2n ** 64n) + BigInt(int(1000)),
        () => Number.MAX_SAFE_INTEGER,
      ])(),
      type,
      extensions: Array.from({ length: int(4) }, () => ' '.repeat(1 + int(3)) + text(`${nameChars} \t`, 40)),
    };
    const suffix = text(typeChars, 6);
    if (type === 'extension' && suffix !== '') record.typeName = suffix;
    if (type !== 'extension' && type !== 'gauge' && suffix !== '') record.typeParams = suffix;
    if (int(2) === 0) record.trailingNewline = true;
    return record;
  }

  it('holds for 2000 random records of every shape', () => {
    for (let seed = 1; seed <= 2000; seed++) {
      const record = randomRecord(seed);
      const text = formatRecord(record);
      expect(parseRecord(text), `seed ${seed}: ${JSON.stringify(text)}`).toStrictEqual(record);
      expect(formatRecord(parseRecord(text)), `seed ${seed}`).toBe(text);
    }
  });

  it('holds for the edge values', () => {
    for (const value of [0, -0, -1, 1e-7, 1e21, 2 ** 60, 1.7976931348623157e308, 5e-324, 2n ** 64n - 1n]) {
      const record = nanomsgRecord({ value, type: 'gauge' });
      expect(parseRecord(formatRecord(record)).value).toBe(value);
    }
  });

  it('normalizes the equivalent forms to what parseRecord returns', () => {
    const text = formatRecord(
      nanomsgRecord({
        timestamp: new Date('2026-11-26T16:29:04.750Z'),
        value: 188n,
        typeParams: '',
        trailingNewline: false,
      }),
    );
    expect(text).toBe(BASE);
    expect(parseRecord(text)).toStrictEqual(nanomsgRecord({}));
    expect(parseRecord(formatRecord(nanomsgRecord({ type: 'extension', typeName: '' })))).not.toHaveProperty('typeName');
  });
});
