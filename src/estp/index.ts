/**
 * ESTP 1.0 records (spec/diagnostics.md §4.3, §5): what nanomsg's NN_STATISTICS_SOCKET
 * publishes and `nanosp stat` reads. Pure text in, text out; no I/O.
 */
export {
  ESTP_PREFIX,
  ESTP_PART_MAX,
  ESTP_NAME_PARTS,
  ESTP_TYPE_LETTERS,
  ESTP_TYPE_BY_LETTER,
  EstpError,
  type EstpRecord,
  type EstpType,
  type EstpField,
  type EstpNamePart,
} from './record.js';
export { formatRecord } from './format.js';
export { parseRecord } from './parse.js';
