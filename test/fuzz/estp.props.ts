/**
 * ESTP records (src/estp): whatever formatRecord writes, parseRecord reads back as the same
 * record; whatever parseRecord accepts, formatted and parsed again, is the same record; and
 * anything else, text or bytes or a broken record object, is an EstpError, never a throw of
 * another kind.
 */
import { deepStrictEqual, ok } from 'node:assert/strict';
import fc from 'fast-check';
import { EstpError, formatRecord, parseRecord, type EstpRecord } from '../../src/estp/index.js';
import { pure, type FuzzProperty } from './harness/property.js';

/** Printable ASCII without whitespace and ':' (an ESTP name part), 0..63 of them. */
const namePartArb = fc.stringMatching(/^[!-9;-~]{0,63}$/);
/** Printable ASCII without whitespace, ',' and ';' (type names and parameters). */
const typeTextArb = fc.stringMatching(/^[!-+\--:<-~]{1,12}$/);
const extensionArb = fc.stringMatching(/^ [ -~\t]{0,30}$/);

/** Whole seconds from year 0000 to 9999. */
const timestampArb = fc.integer({ min: -62_167_219_200, max: 253_402_300_799 }).map((s) => new Date(s * 1000));

/** A number as the parser gives it back: finite doubles and safe integers, bigints only beyond. */
const valueArb: fc.Arbitrary<number | bigint> = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).filter((n) => n > BigInt(Number.MAX_SAFE_INTEGER) || n < BigInt(Number.MIN_SAFE_INTEGER)),
);

const typedArb = fc.oneof(
  fc.constant({ type: 'gauge' as const }),
  fc.tuple(fc.constantFrom('counter' as const, 'derive' as const, 'delta' as const), fc.option(typeTextArb, { nil: undefined })).map(([type, typeParams]) => (typeParams === undefined ? { type } : { type, typeParams })),
  fc.option(typeTextArb, { nil: undefined }).map((typeName) => (typeName === undefined ? { type: 'extension' as const } : { type: 'extension' as const, typeName })),
);

/** A record in the parser's canonical form: optional keys only when they carry something. */
export const recordArb: fc.Arbitrary<EstpRecord> = fc
  .tuple(namePartArb, namePartArb, namePartArb, namePartArb, timestampArb, fc.maxSafeNat(), valueArb, typedArb, fc.array(extensionArb, { maxLength: 3 }), fc.boolean())
  .map(([host, application, resource, metric, timestamp, interval, value, typed, extensions, trailingNewline]) => ({
    host,
    application,
    resource,
    metric,
    timestamp,
    interval,
    value,
    ...typed,
    extensions,
    ...(trailingNewline ? { trailingNewline } : {}),
  }));

/** Text that is often nearly a record: a formatted one with a few characters changed, or noise. */
const textArb: fc.Arbitrary<string> = fc.oneof(
  fc.tuple(recordArb, fc.array(fc.tuple(fc.nat(), fc.constantFrom(' ', '\t', ':', '\n', '.', '-', ',', ';', 'x', 'c', '0', '9', 'Z', '')), { maxLength: 4 })).map(([record, edits]) => {
    let text = formatRecord(record);
    for (const [at, ch] of edits) {
      const i = at % (text.length + 1);
      text = text.slice(0, i) + ch + text.slice(i + 1);
    }
    return text;
  }),
  fc.string({ maxLength: 80 }).map((s) => `ESTP:${s}`),
  fc.string({ unit: 'binary', maxLength: 80 }),
);

/** Throws only EstpErrors; anything else is a failure. */
function onlyEstpErrors<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch (err) {
    ok(err instanceof EstpError, `not an EstpError: ${String(err)}`);
    return undefined;
  }
}

export const estpProperties: readonly FuzzProperty[] = [
  pure('formatRecord then parseRecord gives back the same record', 1000, () =>
    fc.property(recordArb, (record) => {
      deepStrictEqual(parseRecord(formatRecord(record)), record);
      deepStrictEqual(parseRecord(Buffer.from(formatRecord(record), 'ascii')), record);
    }),
  ),

  pure('whatever parseRecord accepts, formatRecord writes so that it parses to the same record; the rest is an EstpError', 1000, () =>
    fc.property(textArb, fc.boolean(), (text, asBytes) => {
      const record = onlyEstpErrors(() => parseRecord(asBytes ? Buffer.from(text, 'utf8') : text));
      if (record) deepStrictEqual(parseRecord(formatRecord(record)), record);
    }),
  ),

  pure('formatRecord refuses a broken record with an EstpError, whatever is broken', 1000, () =>
    fc.property(recordArb, fc.constantFrom('host', 'application', 'resource', 'metric', 'timestamp', 'interval', 'value', 'type', 'typeName', 'typeParams', 'extensions', 'trailingNewline'), fc.anything({ withBigInt: true, withDate: true, withNullPrototype: true, withBoxedValues: true, withSparseArray: true, withTypedArray: true, withMap: true, withSet: true }), (record, key, junk) => {
      const text = onlyEstpErrors(() => formatRecord({ ...record, [key]: junk } as EstpRecord));
      if (text !== undefined) onlyEstpErrors(() => parseRecord(text));
    }),
  ),
];
