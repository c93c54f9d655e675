/** Assertions shared by the unit tests. */
import { expect } from 'vitest';
import { SpError, type ErrnoName } from '../../src/sp/errors.js';

/** Run `fn`, expect it to throw an SpError with `code` and `errno`, and return the error. */
export function expectSpError(fn: () => unknown, code: ErrnoName, errno: number): SpError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught, `expected ${code}`).toBeInstanceOf(SpError);
  const err = caught as SpError;
  expect(err.code).toBe(code);
  expect(err.errno).toBe(errno);
  return err;
}
