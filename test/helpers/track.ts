/** Watching promises in tests without awaiting them: their outcome, once settled. */
import type { SpError } from '../../src/index.js';

/** Lets already-settled promises run their reactions (no timers involved). */
export async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

export interface Tracked<T> {
  done: boolean;
  value?: T;
  error?: SpError;
}

/** Watch a promise without awaiting it (and without an unhandled rejection). */
export function track<T>(promise: Promise<T>): Tracked<T> {
  const t: Tracked<T> = { done: false };
  promise.then(
    (value) => {
      t.done = true;
      t.value = value;
    },
    (error: SpError) => {
      t.done = true;
      t.error = error;
    },
  );
  return t;
}
