/**
 * Errors as the npm `nanomsg` package shows them: a plain `Error` whose message is
 * nn_strerror's text alone ("Invalid argument", "Address already in use"). nanosp's detailed
 * SpError stays reachable as `cause`, and the errno name and number ride along as `code` and
 * `errno` (the old package set neither; reading them is an addition, not a change).
 */
import { SpError, strerror, errnoOf, type ErrnoName } from '../sp/errors.js';

/** An Error carrying nanomsg's errno. */
export interface NanomsgError extends Error {
  /** The errno name, such as 'EADDRINUSE'. */
  code?: ErrnoName;
  /** The errno number libnanomsg reports on Linux. */
  errno?: number;
}

/** The errno name behind any failure from the stack (EINVAL when it is not an SpError). */
export function codeOf(err: unknown): ErrnoName {
  return err instanceof SpError ? err.code : 'EINVAL';
}

/** `Error(strerror + suffix)` with code, errno and the original error as cause. */
export function nnError(err: unknown, suffix = ''): NanomsgError {
  const code = codeOf(err);
  const error: NanomsgError = new Error(strerror(code) + suffix, { cause: err });
  error.code = code;
  error.errno = errnoOf(code);
  return error;
}

/** The message `nn_device` failures carry in the old package: `lib err: <errno>\n<text>`. */
export function deviceError(err: unknown): NanomsgError {
  const code = codeOf(err);
  const error: NanomsgError = new Error(`lib err: ${errnoOf(code)}\n${strerror(code)}`, { cause: err });
  error.code = code;
  error.errno = errnoOf(code);
  return error;
}
