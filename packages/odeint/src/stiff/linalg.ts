/**
 * Dense LU factorisation with partial pivoting on a row-major `n × n` Float64Array: what the stiff methods solve
 * their linear systems with (the systems they meet are small and dense; no library is needed for that).
 */
export interface LU {
  readonly n: number;
  /** `L` (unit diagonal, below) and `U` (on and above the diagonal), row-major, rows in pivoted order. */
  readonly lu: Float64Array;
  /** Row `i` of `LU` is row `piv[i]` of the matrix. */
  readonly piv: Int32Array;
  /** Whether a zero pivot was met (the matrix is singular to working precision). */
  readonly singular: boolean;
}

/** Factorises `a` (row-major, `n × n`; not modified) as `P a = L U`. */
export function luFactor(a: Float64Array, n: number): LU {
  const lu = new Float64Array(a);
  const piv = new Int32Array(n);
  for (let i = 0; i < n; i++) piv[i] = i;
  let singular = false;
  for (let k = 0; k < n; k++) {
    let p = k;
    let big = Math.abs(lu[k * n + k]);
    for (let i = k + 1; i < n; i++) {
      const v = Math.abs(lu[i * n + k]);
      if (v > big) {
        big = v;
        p = i;
      }
    }
    if (p !== k) {
      for (let j = 0; j < n; j++) {
        const tmp = lu[k * n + j];
        lu[k * n + j] = lu[p * n + j];
        lu[p * n + j] = tmp;
      }
      const tp = piv[k];
      piv[k] = piv[p];
      piv[p] = tp;
    }
    const d = lu[k * n + k];
    if (d === 0 || !Number.isFinite(d)) {
      singular = true;
      continue;
    }
    for (let i = k + 1; i < n; i++) {
      const m = (lu[i * n + k] /= d);
      if (m === 0) continue;
      for (let j = k + 1; j < n; j++) lu[i * n + j] -= m * lu[k * n + j];
    }
  }
  return { n, lu, piv, singular };
}

/** Solves `a x = b` with the factors of `a`; returns a new array. */
export function luSolve(f: LU, b: ArrayLike<number>): Float64Array {
  const { n, lu, piv } = f;
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = b[piv[i]];
    for (let j = 0; j < i; j++) s -= lu[i * n + j] * x[j];
    x[i] = s;
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = x[i];
    for (let j = i + 1; j < n; j++) s -= lu[i * n + j] * x[j];
    x[i] = s / lu[i * n + i];
  }
  return x;
}

/** `scale · I − c · J` for a row-major Jacobian `J`: the iteration matrix of the implicit methods. */
export function shiftedMatrix(jac: Float64Array, n: number, scale: number, c: number): Float64Array {
  const m = new Float64Array(n * n);
  for (let i = 0; i < n * n; i++) m[i] = -c * jac[i];
  for (let i = 0; i < n; i++) m[i * n + i] += scale;
  return m;
}
