/**
 * The size the views fit: the output's columns and rows when it is a terminal; otherwise
 * (a pipe, a file, a test) 80 columns, no height limit and no escape codes.
 */

export const DEFAULT_WIDTH = 80;

export interface TerminalSize {
  /** A terminal: the view may redraw in place and dim what is stale. */
  tty: boolean;
  width: number;
  /** Rows the view may use, one less than the terminal's (the cursor's line after it). */
  height: number | undefined;
}

export function terminalSize(out: NodeJS.WritableStream, maxWidth = Number.POSITIVE_INFINITY): TerminalSize {
  const stream = out as { isTTY?: boolean; columns?: number; rows?: number };
  const tty = stream.isTTY === true;
  const columns = tty && stream.columns !== undefined && stream.columns > 0 ? stream.columns : DEFAULT_WIDTH;
  const rows = tty && stream.rows !== undefined && stream.rows > 1 ? stream.rows - 1 : undefined;
  return { tty, width: Math.min(columns, maxWidth), height: rows };
}
