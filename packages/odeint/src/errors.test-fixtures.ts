// Shared by the tests (not a test file itself).
import { expect } from 'vitest';
import { OdeintError } from './errors';

/** The `OdeintError` that `fn` throws (fails the test when it throws nothing or something else). */
export function thrownOdeintError(fn: () => unknown): OdeintError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(OdeintError);
    return e as OdeintError;
  }
  throw new Error('expected an OdeintError');
}
