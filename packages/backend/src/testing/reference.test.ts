import { describe, expect, it } from 'vitest';
import { relativeError } from './reference';

describe('relativeError', () => {
  it('is the max-norm error relative to the largest expected magnitude', () => {
    expect(relativeError([1, 2.5, -4], [1, 2, -4])).toBe(0.5 / 4);
    expect(relativeError([0, 0], [0, 0])).toBe(0);
    expect(relativeError([1, 2], [1])).toBe(Infinity);
  });

  it('keeps a NaN even when finite elements follow it (a NaN kernel output must fail the tolerance check)', () => {
    expect(relativeError([Number.NaN, 1, 2], [1, 1, 2])).toBeNaN();
    expect(relativeError([1, Number.NaN, 2], [1, 1, 2])).toBeNaN();
    expect(relativeError([1, 1, 2], [1, Number.NaN, 2])).toBeNaN();
    expect(relativeError([Number.NaN, 0], [1, 0]) < 1e-5).toBe(false);
  });

  it('reports an infinite element as an infinite error', () => {
    expect(relativeError([Number.POSITIVE_INFINITY, 1], [1, 1])).toBe(Infinity);
  });
});
