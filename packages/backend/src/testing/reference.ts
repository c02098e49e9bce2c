// Helpers shared by this package's tests: a seeded generator and the error measure the kernel tests assert on.
// (Not exported from the package.)

/** mulberry32: a small seeded generator of uniform numbers in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `n` uniform values in [-1, 1) as float32. */
export function randomValues(rand: () => number, n: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = 2 * rand() - 1;
  return out;
}

/** An integer in [lo, hi]. */
export function randomInt(rand: () => number, lo: number, hi: number): number {
  return lo + Math.floor(rand() * (hi - lo + 1));
}

/**
 * max_i |actual_i − expected_i| / max_i |expected_i|: the relative error in the max norm (per-element relative
 * error is meaningless for sums that cancel to near zero). 0 when both are all zeros; NaN when any element of
 * either is NaN, so that `expect(relativeError(…)).toBeLessThan(tol)` fails.
 */
export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) return Infinity;
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(actual[i] - expected[i]);
    // A NaN on either side is a failure: return it at once (kept as a running maximum, a later finite element
    // would overwrite it, since every comparison with NaN is false).
    if (Number.isNaN(d)) return Number.NaN;
    if (d > diff) diff = d;
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  return scale === 0 ? diff : diff / scale;
}
