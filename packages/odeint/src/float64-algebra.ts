import type { StateAlgebra } from './algebra';

/**
 * {@link StateAlgebra} on `Float64Array` with plain loops. `atol`/`rtol` are per component (already
 * expanded to the state's length); `norm` is `rms` or `max`.
 * @param n - length of the states.
 * @param atol - absolute tolerance of each component, length `n`.
 * @param rtol - relative tolerance of each component, length `n`.
 * @param norm - `rms` (root mean square over the components) or `max` (largest component) for the error ratio.
 */
export function float64Algebra(n: number, atol: Float64Array, rtol: Float64Array, norm: 'rms' | 'max'): StateAlgebra<Float64Array> {
  const reduce = (acc: number, v: number): number => (norm === 'rms' ? acc + v * v : Math.max(acc, Math.abs(v)));
  const finish = (acc: number): number => (norm === 'rms' ? Math.sqrt(acc / n) : acc);
  return {
    combine(y, h, ks, w) {
      // Not y.slice(): TypedArray#slice looks up the species constructor and costs more than the whole loop here.
      const out = new Float64Array(n);
      if (y !== null) for (let i = 0; i < n; i++) out[i] = y[i];
      for (let j = 0; j < w.length; j++) {
        const c = h * w[j];
        if (c === 0) continue;
        const k = ks[j];
        for (let i = 0; i < n; i++) out[i] += c * k[i];
      }
      return out;
    },
    errorRatio(h, ks, bErr, y0, y1) {
      let acc = 0;
      const m = bErr.length;
      for (let i = 0; i < n; i++) {
        let e = 0;
        for (let j = 0; j < m; j++) if (bErr[j] !== 0) e += bErr[j] * ks[j][i];
        const a = Math.abs(y0[i]);
        const b = Math.abs(y1[i]);
        const v = (h * e) / (atol[i] + rtol[i] * (a > b ? a : b));
        // NaN must win over max(): it marks a non-finite step.
        if (v !== v) return NaN;
        acc = reduce(acc, v);
      }
      // Tolerances far below the error (atol = 1e-200) make v² overflow: the ratio is then huge, not NaN.
      return acc === Infinity && norm === 'rms' ? rescaledRms(n, (i) => (h * errorAt(bErr, ks, i)) / (atol[i] + rtol[i] * Math.max(Math.abs(y0[i]), Math.abs(y1[i])))) : finish(acc);
    },
    scaledNorm(v, y) {
      let acc = 0;
      for (let i = 0; i < n; i++) acc = reduce(acc, v[i] / (atol[i] + rtol[i] * Math.abs(y[i])));
      return finish(acc);
    },
    allFinite(y) {
      for (let i = 0; i < n; i++) if (!Number.isFinite(y[i])) return false;
      return true;
    },
    cheapFiniteCheck: true,
    copy: (y) => new Float64Array(y),
    dispose() {},
  };
}

function errorAt(bErr: readonly number[], ks: readonly Float64Array[], i: number): number {
  let e = 0;
  for (let j = 0; j < bErr.length; j++) if (bErr[j] !== 0) e += bErr[j] * ks[j][i];
  return e;
}

/** RMS of `n` values scaled by their largest magnitude before squaring, so that it overflows only when that does. */
export function rescaledRms(n: number, value: (i: number) => number): number {
  let max = 0;
  for (let i = 0; i < n; i++) max = Math.max(max, Math.abs(value(i)));
  if (max === 0 || !Number.isFinite(max)) return max;
  let acc = 0;
  for (let i = 0; i < n; i++) {
    const r = value(i) / max;
    acc += r * r;
  }
  return max * Math.sqrt(acc / n);
}
