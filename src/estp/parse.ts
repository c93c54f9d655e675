/**
 * ESTP text → EstpRecord, following the ESTP 1.0 grammar and its forward-compatibility rules
 * (spec/diagnostics.md §5.2, §5.4): any run of spaces or tabs between fields, annotations after
 * ',' or ';' in the value ignored, fields after the value ignored, type parameters kept but
 * not interpreted. Everything else that is off is an EstpError with the byte offset.
 *
 * The result is canonical: optional keys are present only when they carry something, so
 * `parseRecord(formatRecord(r))` gives back `r` for records written that way.
 */
import {
  ESTP_NAME_PARTS,
  ESTP_PART_MAX,
  ESTP_PREFIX,
  ESTP_TYPE_BY_LETTER,
  EstpError,
  isFrameByte,
  isNameByte,
  quote,
  type EstpRecord,
  type EstpType,
} from './record.js';

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z$/;
/** Digits with at most one decimal point, at least one digit, optionally negative. */
const NUMBER = /^-?(?:\d+(?:\.\d*)?|\.\d+)$/;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

export function parseRecord(text: string | Uint8Array): EstpRecord {
  const s = frameText(text);
  const nl = s.indexOf('\n');
  const line = new Line(s, nl < 0 ? s.length : nl);

  if (!s.startsWith(ESTP_PREFIX)) {
    const later = /^ESTP\d+:/.test(s) ? ', a later ESTP version this parser cannot read' : '';
    throw new EstpError('prefix', 0, `expected ${quote(ESTP_PREFIX)}, got ${quote(s.slice(0, s.indexOf(':') + 1 || 5))}${later}`);
  }
  line.pos = ESTP_PREFIX.length;
  const names = ESTP_NAME_PARTS.map((part) => line.namePart(part));
  if (!line.atEnd() && !line.atBlank()) {
    // A fifth ':'-separated part: the full name must end at the metric's colon.
    throw new EstpError('metric', line.pos, `expected whitespace after the full name, got ${quote(line.peekToken())}`);
  }

  // Each field is checked as it is read, so the first problem in the line is the one reported.
  const [host, application, resource, metric] = names as [string, string, string, string];
  const timestamp = line.token('timestamp', 'the timestamp YYYY-MM-DDTHH:MM:SSZ');
  const record: EstpRecord = {
    host,
    application,
    resource,
    metric,
    timestamp: parseTimestamp(timestamp.text, timestamp.at),
    interval: 0,
    value: 0,
    type: 'gauge',
    extensions: [],
  };
  const interval = line.token('interval', 'the interval in seconds');
  record.interval = parseInterval(interval.text, interval.at);
  const value = line.token('value', 'the value');
  // Anything after the value is a future field (§5.4).
  parseValue(value.text, value.at, record);
  if (nl >= 0) parseExtensions(s, nl + 1, record);
  return record;
}

/** The input as a string whose character offsets are byte offsets: printable ASCII, tab, LF. */
function frameText(text: string | Uint8Array): string {
  if (typeof text === 'string') {
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      // Everything before i is ASCII, so i is also the byte offset.
      if (!isFrameByte(code)) throw new EstpError('frame', i, `expected printable ASCII, tab or LF, got ${describeChar(code)}`);
    }
    return text;
  }
  if (!(text instanceof Uint8Array)) {
    throw new EstpError('frame', 0, `expected a string or Uint8Array, got ${text === null ? 'null' : typeof text}`);
  }
  for (let i = 0; i < text.length; i++) {
    const byte = text[i] as number;
    if (!isFrameByte(byte)) throw new EstpError('frame', i, `expected printable ASCII, tab or LF, got byte 0x${byte.toString(16).padStart(2, '0')}`);
  }
  return new TextDecoder('ascii').decode(text);
}

function describeChar(code: number): string {
  const hex = `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  return code < 0x20 || code === 0x7f ? hex : `${JSON.stringify(String.fromCharCode(code))} (${hex})`;
}

/** A cursor over the metric line (the text before the first LF). */
class Line {
  pos = 0;
  constructor(private readonly s: string, private readonly end: number) {}

  atEnd(): boolean {
    return this.pos >= this.end;
  }

  atBlank(): boolean {
    const c = this.s.charCodeAt(this.pos);
    return c === 0x20 || c === 0x09;
  }

  /** The run of non-blank characters at the cursor, without moving it. */
  peekToken(): string {
    let i = this.pos;
    while (i < this.end && this.s[i] !== ' ' && this.s[i] !== '\t') i++;
    return this.s.slice(this.pos, i);
  }

  /** One name part and the ':' after it. */
  namePart(part: (typeof ESTP_NAME_PARTS)[number]): string {
    const start = this.pos;
    while (this.pos < this.end && isNameByte(this.s.charCodeAt(this.pos))) this.pos++;
    if (this.pos - start > ESTP_PART_MAX) {
      throw new EstpError(part, start + ESTP_PART_MAX, `a name part is at most ${ESTP_PART_MAX} bytes, got ${this.pos - start}: ${quote(this.s.slice(start, this.pos))}`);
    }
    if (this.atEnd() || this.s[this.pos] !== ':') {
      const found = this.atEnd() ? 'end of line' : quote(this.s.charAt(this.pos));
      const after = part === 'metric' ? 'the full name ends with ":" after the metric' : `expected ":" after the ${part}`;
      throw new EstpError(part, this.pos, `${after} (name parts have no whitespace), got ${found}`);
    }
    const name = this.s.slice(start, this.pos);
    this.pos++;
    return name;
  }

  /** Skip blanks, then take the next field, which must be there. */
  token(field: 'timestamp' | 'interval' | 'value', what: string): { text: string; at: number } {
    while (!this.atEnd() && this.atBlank()) this.pos++;
    if (this.atEnd()) throw new EstpError(field, this.pos, `expected ${what}, got end of line`);
    const at = this.pos;
    const text = this.peekToken();
    this.pos += text.length;
    return { text, at };
  }
}

function parseTimestamp(text: string, at: number): Date {
  const m = TIMESTAMP.exec(text);
  if (!m) {
    let hint = '';
    if (/^\d{8}T\d{6}Z?$/i.test(text)) hint = ' (the basic ISO 8601 form is not allowed, only the extended one)';
    else if (text.endsWith('z')) hint = ' (the Z must be uppercase)';
    throw new EstpError('timestamp', at, `expected YYYY-MM-DDTHH:MM:SSZ, got ${quote(text)}${hint}`);
  }
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const range = (value: number, min: number, max: number, what: string, offset: number): void => {
    if (value < min || value > max) throw new EstpError('timestamp', at + offset, `the ${what} must be ${min}-${max}, got ${quote(text)}`);
  };
  range(month, 1, 12, 'month', 5);
  range(day, 1, month === 2 && leap ? 29 : (DAYS_IN_MONTH[month - 1] as number), `day of ${year}-${m[2]}`, 8);
  range(hour, 0, 23, 'hour', 11);
  range(minute, 0, 59, 'minute', 14);
  range(second, 0, 60, 'second', 17); // 60: a leap second, which Date folds into the next minute
  // Not Date.UTC: it maps years 0-99 to 1900-1999.
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, 0);
  return date;
}

function parseInterval(text: string, at: number): number {
  const seconds = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(seconds)) {
    throw new EstpError('interval', at, `expected a whole number of seconds (digits), got ${quote(text)}`);
  }
  return seconds;
}

/** `number[:letter[params]][,annotation|;annotation]` into value, type, typeName, typeParams. */
function parseValue(text: string, at: number, record: EstpRecord): void {
  const annotation = text.search(/[,;]/);
  const body = annotation < 0 ? text : text.slice(0, annotation);
  const colon = body.indexOf(':');
  const digits = colon < 0 ? body : body.slice(0, colon);
  const letter = colon < 0 ? undefined : body.charAt(colon + 1);

  if (!NUMBER.test(digits)) {
    const hint = letter === 'x' ? '; nanosp defines no :x type whose value is not a number' : '';
    throw new EstpError('value', at, `expected a number (digits with at most one ".", optionally "-"), got ${quote(digits)}${hint}`);
  }
  record.value = parseNumber(digits, at);

  if (letter === undefined) return;
  const type: EstpType | undefined = ESTP_TYPE_BY_LETTER.get(letter);
  if (type === undefined) {
    const found = letter === '' ? 'nothing' : quote(letter);
    throw new EstpError('type', at + colon + 1, `expected a type letter c, d, a or x after ":", got ${found} (an unknown type leaves the value undefined)`);
  }
  record.type = type;
  const rest = body.slice(colon + 2);
  if (rest === '') return;
  if (type === 'extension') record.typeName = rest;
  else record.typeParams = rest;
}

/** A decimal is a double; an integer is a number while exact, a bigint beyond that. */
function parseNumber(digits: string, at: number): number | bigint {
  const value = Number(digits);
  if (digits.includes('.')) {
    if (!Number.isFinite(value)) throw new EstpError('value', at, `the number ${quote(digits)} is beyond the range of a double`);
    return value;
  }
  return Number.isSafeInteger(value) ? value : BigInt(digits);
}

/** The lines after the first LF: each starts with a space; a final LF sets trailingNewline. */
function parseExtensions(s: string, start: number, record: EstpRecord): void {
  const lines = s.slice(start).split('\n');
  if (lines[lines.length - 1] === '') {
    lines.pop();
    record.trailingNewline = true;
  }
  let at = start;
  for (const line of lines) {
    if (!line.startsWith(' ')) {
      throw new EstpError('extension', at, `an extension line starts with a space, got ${line === '' ? 'an empty line' : quote(line)}`);
    }
    at += line.length + 1;
  }
  record.extensions = lines;
}
