/**
 * Single key presses from a terminal (stdin in raw mode), for the live views. In raw mode
 * Ctrl-C reaches us as the character \x03 instead of a SIGINT, so callers treat it as quit.
 */

export const CTRL_C = '\x03';

/**
 * Calls `onKey` with each key typed until the returned function is called, which gives the
 * terminal back as it was. Undefined when `input` is not a terminal (no keys to read).
 */
export function watchKeys(onKey: (key: string) => void, input: NodeJS.ReadStream = process.stdin): (() => void) | undefined {
  if (!input.isTTY) return undefined;
  const wasRaw = input.isRaw;
  input.setRawMode(true);
  input.setEncoding('utf8');
  const onData = (chunk: string) => {
    for (const key of chunk) onKey(key);
  };
  input.on('data', onData);
  input.resume();
  return () => {
    input.off('data', onData);
    input.setRawMode(wasRaw);
    // paused, stdin no longer keeps the process alive
    input.pause();
  };
}
