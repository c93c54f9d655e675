/**
 * Text that has to fit a terminal line: what the views write is printable ASCII plus '…', so
 * one code point is one column. Anything that came off the network (names, malformed records)
 * goes through `printable` first, so a publisher cannot move the cursor or clear the screen.
 */

export const ELLIPSIS = '…';

/** Control characters and anything beyond ASCII become '?'. */
export function printable(text: string): string {
  return text.replace(/[^\x20-\x7e…]/g, '?');
}

/** The columns `text` takes. */
export function columnsOf(text: string): number {
  return [...text].length;
}

/** `text` cut to `width` columns, its last one an ellipsis when something was cut. */
export function cut(text: string, width: number): string {
  if (width <= 0) return '';
  const chars = [...text];
  if (chars.length <= width) return text;
  return `${chars.slice(0, width - 1).join('')}${ELLIPSIS}`;
}

/** `text` in exactly `width` columns: cut, then padded on the side `align` leaves free. */
export function cell(text: string, width: number, align: 'left' | 'right'): string {
  const fitted = cut(text, width);
  const pad = ' '.repeat(Math.max(0, width - columnsOf(fitted)));
  return align === 'left' ? fitted + pad : pad + fitted;
}

/**
 * `line` broken at spaces into lines of at most `width` columns; continuation lines get the
 * line's own indentation plus two spaces, and a word longer than a line is cut.
 */
export function wrap(line: string, width: number): string[] {
  if (columnsOf(line) <= width) return [line];
  const ownIndent = /^ */.exec(line)![0];
  const [first = '', ...words] = line.slice(ownIndent.length).split(' ');
  const out: string[] = [];
  let current = `${ownIndent}${first}`;
  for (const word of words) {
    const candidate = `${current} ${word}`;
    if (columnsOf(candidate) <= width) {
      current = candidate;
      continue;
    }
    out.push(current);
    current = `${ownIndent}  ${word}`;
  }
  out.push(current);
  return out.map((l) => cut(l, width));
}

/** Each line of `text` wrapped to `width`, every resulting line ended with LF. */
export function wrapLines(text: string, width: number): string {
  return text
    .split('\n')
    .flatMap((line) => wrap(line, width))
    .map((line) => `${line}\n`)
    .join('');
}

/**
 * A rate or count in at most 5 columns: whole numbers as they are below 10 000, others with
 * one decimal below 100 ("98.5", "0.5") and rounded below 10 000, then k, M, G, T ("12k",
 * "1.3M"), beyond that "1e18". `undefined` (not known yet) is "-".
 */
export function compactNumber(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n)) return '-';
  if (n === 0) return '0';
  const abs = Math.abs(n);
  if (Number.isInteger(n) && abs < 10_000) return String(n);
  if (abs < 100) return n.toFixed(1);
  if (abs < 10_000) return String(Math.round(n));
  for (const [unit, size] of [['k', 1e3], ['M', 1e6], ['G', 1e9], ['T', 1e12]] as const) {
    const scaled = n / size;
    if (Math.abs(scaled) < 999.5) return `${Math.abs(scaled) < 9.95 ? scaled.toFixed(1) : Math.round(scaled)}${unit}`;
  }
  return n.toExponential(0).replace('+', '');
}

/** A line of a view, dimmed on a terminal when it shows something stale. */
export interface ViewLine {
  text: string;
  dim?: boolean;
}

/**
 * The first lines of `lines` that fit `height` (all of them when it is undefined): when some
 * do not, the last one that fits says how many `noun` were left out.
 */
export function limitHeight(lines: ViewLine[], height: number | undefined, noun: string): ViewLine[] {
  if (height === undefined || lines.length <= height) return lines;
  const kept = Math.max(0, height - 1);
  return [...lines.slice(0, kept), { text: `${ELLIPSIS} ${lines.length - kept} more ${noun}` }];
}

/**
 * The view as text: each line printable, cut to `width` and, with `color` (a terminal),
 * dimmed when it asks to be; every line ends with LF.
 */
export function joinLines(lines: ViewLine[], width: number, color: boolean): string {
  return lines
    .map(({ text, dim }) => {
      const fitted = cut(printable(text), width);
      return `${color && dim ? `\x1b[2m${fitted}\x1b[22m` : fitted}\n`;
    })
    .join('');
}
