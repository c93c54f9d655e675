/**
 * EstpRecord → ESTP text, in nanomsg's exact layout (spec/diagnostics.md §4.3): one space
 * between fields, the timestamp as `YYYY-MM-DDTHH:MM:SSZ`. nanomsg checks nothing and can
 * publish broken lines; here every field is checked first, so whatever formatRecord returns,
 * parseRecord reads back as the same record.
 */
import {
  ESTP_NAME_PARTS,
  ESTP_PART_MAX,
  ESTP_PREFIX,
  ESTP_TYPE_LETTERS,
  EstpError,
  isFrameByte,
  isNameByte,
  isTypeTextByte,
  quote,
  type EstpNamePart,
  type EstpRecord,
  type EstpType,
} from './record.js';

export function formatRecord(record: EstpRecord): string {
  const name = ESTP_NAME_PARTS.map((part) => checkName(part, record[part])).join(':');
  const line = `${ESTP_PREFIX}${name}: ${formatTimestamp(record.timestamp)} ${formatInterval(record.interval)} ${formatValue(record)}`;
  const extensions = checkExtensions(record.extensions ?? []);
  // current_ep_errors: every line, the metric line included, ends with LF.
  if (record.trailingNewline === true) return `${line}\n${extensions.map((ext) => `${ext}\n`).join('')}`;
  return extensions.length === 0 ? line : `${line}\n${extensions.join('\n')}`;
}

function checkName(part: EstpNamePart, text: unknown): string {
  if (typeof text !== 'string') throw new EstpError(part, -1, `expected a string, got ${typeof text}`);
  for (let i = 0; i < text.length; i++) {
    if (!isNameByte(text.charCodeAt(i))) {
      throw new EstpError(part, i, `a name part is printable ASCII without whitespace or ":", got ${quote(text.charAt(i))} in ${quote(text)}`);
    }
  }
  // ASCII only from here on, so characters are bytes.
  if (text.length > ESTP_PART_MAX) {
    throw new EstpError(part, ESTP_PART_MAX, `a name part is at most ${ESTP_PART_MAX} bytes, got ${text.length}: ${quote(text)}`);
  }
  return text;
}

/** gmtime + `%Y-%m-%dT%H:%M:%S` + `Z`: whole seconds, truncated, four-digit year. */
function formatTimestamp(timestamp: unknown): string {
  if (!(timestamp instanceof Date) || Number.isNaN(timestamp.getTime())) {
    throw new EstpError('timestamp', -1, `expected a valid Date, got ${timestamp instanceof Date ? 'an invalid Date' : typeof timestamp}`);
  }
  const year = timestamp.getUTCFullYear();
  if (year < 0 || year > 9999) throw new EstpError('timestamp', -1, `the year must have four digits (0000-9999), got ${year}`);
  return `${timestamp.toISOString().slice(0, 19)}Z`;
}

/** A wrong value as an error message shows it: String() itself throws on an object without a prototype. */
function shown(value: unknown): string {
  if (typeof value !== 'object' || value === null) return String(value);
  return Array.isArray(value) ? 'an array' : 'an object';
}

function formatInterval(interval: unknown): string {
  if (typeof interval !== 'number' || !Number.isSafeInteger(interval) || interval < 0) {
    throw new EstpError('interval', -1, `expected a whole number of seconds >= 0, got ${shown(interval)}`);
  }
  return String(interval);
}

function formatValue(record: EstpRecord): string {
  return `${formatNumber(record.value)}${formatType(record.type, record.typeName, record.typeParams)}`;
}

/**
 * The value as ESTP digits. Numbers never use exponents, and an integral number beyond
 * MAX_SAFE_INTEGER gets `.0`, so it reads back as the double it is rather than as a bigint.
 */
function formatNumber(value: unknown): string {
  if (typeof value === 'bigint') return value.toString();
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new EstpError('value', -1, `expected a finite number or a bigint, got ${typeof value === 'number' ? String(value) : typeof value}`);
  }
  if (Object.is(value, -0)) return '-0';
  const text = plainDecimal(value);
  return Number.isInteger(value) && !Number.isSafeInteger(value) ? `${text}.0` : text;
}

/** String(value) with any exponent (`1e-7`, `1.5e+21`) written out as plain digits. */
function plainDecimal(value: number): string {
  const text = String(value);
  const e = text.indexOf('e');
  if (e < 0) return text;
  const sign = text.startsWith('-') ? '-' : '';
  const mantissa = text.slice(sign.length, e);
  const point = mantissa.indexOf('.');
  const digits = mantissa.replace('.', '');
  // Where the decimal point falls in `digits` once the exponent is applied.
  const whole = (point < 0 ? mantissa.length : point) + Number(text.slice(e + 1));
  if (whole <= 0) return `${sign}0.${'0'.repeat(-whole)}${digits}`;
  if (whole >= digits.length) return `${sign}${digits}${'0'.repeat(whole - digits.length)}`;
  return `${sign}${digits.slice(0, whole)}.${digits.slice(whole)}`;
}

function formatType(type: EstpType, typeName: string | undefined, typeParams: string | undefined): string {
  const name = typeName ?? '';
  const params = typeParams ?? '';
  if (type === 'gauge') {
    if (name !== '' || params !== '') throw new EstpError('type', -1, 'a gauge has no type letter, so it takes no typeName or typeParams');
    return '';
  }
  // a non-string key would be converted first, which throws for some objects
  if (typeof type !== 'string' || !Object.hasOwn(ESTP_TYPE_LETTERS, type)) {
    throw new EstpError('type', -1, `expected gauge, counter, derive, delta or extension, got ${quote(shown(type))}`);
  }
  if (type === 'extension') {
    if (params !== '') throw new EstpError('type', -1, 'an extension type takes no typeParams: everything after ":x" is its typeName');
    return `:x${checkTypeText('typeName', name)}`;
  }
  if (name !== '') throw new EstpError('type', -1, `only an extension type has a typeName, got one for a ${type}`);
  return `:${ESTP_TYPE_LETTERS[type]}${checkTypeText('typeParams', params)}`;
}

/** Whitespace, ',' or ';' would end the value field early, so none may appear. */
function checkTypeText(what: string, text: unknown): string {
  if (typeof text !== 'string') throw new EstpError('type', -1, `expected ${what} to be a string, got ${typeof text}`);
  for (let i = 0; i < text.length; i++) {
    if (!isTypeTextByte(text.charCodeAt(i))) {
      throw new EstpError('type', i, `${what} is printable ASCII without whitespace, "," or ";", got ${quote(text.charAt(i))} in ${quote(text)}`);
    }
  }
  return text;
}

function checkExtensions(extensions: unknown): string[] {
  if (!Array.isArray(extensions)) throw new EstpError('extension', -1, `expected an array of lines, got ${typeof extensions}`);
  extensions.forEach((line: unknown, index) => {
    if (typeof line !== 'string') throw new EstpError('extension', -1, `line ${index} must be a string, got ${typeof line}`);
    if (!line.startsWith(' ')) throw new EstpError('extension', 0, `line ${index} must start with a space, got ${quote(line)}`);
    for (let i = 0; i < line.length; i++) {
      const code = line.charCodeAt(i);
      if (!isFrameByte(code) || code === 0x0a) {
        throw new EstpError('extension', i, `line ${index} must be printable ASCII or tab without LF, got ${quote(line.charAt(i))}`);
      }
    }
  });
  return extensions as string[];
}
