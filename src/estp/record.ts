/**
 * One ESTP 1.0 record (spec/diagnostics.md §5): the metric line's fields, the value's type and
 * the extension lines after it, plus the constants and character rules that the formatter and
 * the parser must agree on. An `EstpError` names the field that was wrong and where.
 */
import { SpError } from '../sp/errors.js';

/** Every record starts with this; an incompatible ESTP would use another (`ESTP2:`). */
export const ESTP_PREFIX = 'ESTP:';

/** Each of the four name parts is at most this many bytes (§5.2). */
export const ESTP_PART_MAX = 63;

/** The name parts in wire order: `ESTP:{host}:{application}:{resource}:{metric}:`. */
export const ESTP_NAME_PARTS = ['host', 'application', 'resource', 'metric'] as const;
export type EstpNamePart = (typeof ESTP_NAME_PARTS)[number];

/** A bare number is a gauge; the other types follow the value as `:` plus one letter. */
export type EstpType = 'gauge' | 'counter' | 'derive' | 'delta' | 'extension';

/** The type letter of each suffixed type (§5.3). */
export const ESTP_TYPE_LETTERS = {
  counter: 'c',
  derive: 'd',
  delta: 'a',
  extension: 'x',
} as const satisfies Record<Exclude<EstpType, 'gauge'>, string>;

/** Letter → type; a letter missing here makes the value undefined (§5.4), so it is rejected. */
export const ESTP_TYPE_BY_LETTER: ReadonlyMap<string, Exclude<EstpType, 'gauge'>> = new Map(
  (Object.keys(ESTP_TYPE_LETTERS) as Exclude<EstpType, 'gauge'>[]).map((type) => [ESTP_TYPE_LETTERS[type], type]),
);

export interface EstpRecord {
  /** Each name part: 0..63 bytes of printable ASCII, no whitespace, no ':'. */
  host: string;
  application: string;
  resource: string;
  metric: string;
  /** UTC, whole seconds; the formatter truncates milliseconds. */
  timestamp: Date;
  /** Whole seconds between reports. */
  interval: number;
  /** An integer beyond Number.MAX_SAFE_INTEGER (nanomsg counters are u64) is a bigint. */
  value: number | bigint;
  type: EstpType;
  /** For 'extension': the text after ':x' (`'-my-type'` for `:x-my-type`). */
  typeName?: string;
  /** For counter, derive and delta: text after the type letter, reserved and ignored by consumers. */
  typeParams?: string;
  /** The lines after the first LF, each exactly as sent (leading space(s) kept), without the LF. */
  extensions: string[];
  /**
   * The metric line and every extension line end with LF, as nanomsg's current_ep_errors
   * record does; without it the lines are only joined by LF.
   */
  trailingNewline?: boolean;
}

/** What an EstpError can be about. */
export type EstpField = 'prefix' | EstpNamePart | 'timestamp' | 'interval' | 'value' | 'type' | 'extension' | 'frame';

/**
 * A record that breaks ESTP, from formatRecord (offset is -1, or the offset inside the field)
 * or from parseRecord (offset is the byte offset in the input).
 */
export class EstpError extends SpError {
  readonly field: EstpField;
  readonly offset: number;

  constructor(field: EstpField, offset: number, detail: string) {
    super('EINVAL', `ESTP ${field}${offset >= 0 ? ` at offset ${offset}` : ''}: ${detail}`);
    this.field = field;
    this.offset = offset;
  }
}

/** A byte allowed in a name part: printable ASCII except space and ':'. */
export function isNameByte(code: number): boolean {
  return code > 0x20 && code < 0x7f && code !== 0x3a;
}

/** A byte allowed anywhere in a frame: printable ASCII, tab and LF (§5.2). */
export function isFrameByte(code: number): boolean {
  return (code >= 0x20 && code < 0x7f) || code === 0x09 || code === 0x0a;
}

/** A byte allowed in a type name or type parameters: printable ASCII except whitespace, ',' and ';' (those end the value). */
export function isTypeTextByte(code: number): boolean {
  return code > 0x20 && code < 0x7f && code !== 0x2c && code !== 0x3b;
}

/** How messages show a found piece of text: quoted, and cut when long. */
export function quote(text: string): string {
  return JSON.stringify(text.length > 48 ? `${text.slice(0, 45)}...` : text);
}
