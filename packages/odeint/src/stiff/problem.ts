import type { SolveStats } from '../integrate';
import { OdeintError, show } from '../errors';

/**
 * A user-supplied Jacobian `∂f/∂y` at `(t, y)` for float64 states: an array of `n` rows of `n` numbers, or one
 * row-major array of `n·n` numbers. Entry `[i][j]` is `∂f_i/∂y_j`.
 */
export type Float64Jacobian = (t: number, y: Float64Array) => ArrayLike<ArrayLike<number>> | ArrayLike<number>;

/** The counters the stiff methods add to {@link SolveStats}, all present (zero when unused). */
export type StiffStats = SolveStats & Required<Pick<SolveStats, 'njev' | 'nlu' | 'nsolve' | 'nNewton' | 'nRejectedError' | 'nRejectedConvergence'>>;

/** Starts the counters of a stiff solve. */
export function stiffStats(): StiffStats {
  return { nfe: 0, nAccepted: 0, nRejected: 0, nSteps: 0, firstStep: 0, lastStep: 0, njev: 0, nlu: 0, nsolve: 0, nNewton: 0, nRejectedError: 0, nRejectedConvergence: 0 };
}

/**
 * A float64 problem as the stiff steppers see it: `f` (counting evaluations), the Jacobian (the user's, or finite
 * differences costing `n` evaluations), the error weights and the counters.
 */
export interface StiffProblem {
  readonly n: number;
  readonly fn: string;
  /** `f(t, y)`, counted in `stats.nfe`. */
  f(t: number, y: Float64Array): Float64Array;
  /** `∂f/∂y` at `(t, y)` row-major (`f0 = f(t, y)` lets finite differences save an evaluation). Counted in `njev`. */
  jacobian(t: number, y: Float64Array, f0: Float64Array): Float64Array;
  /** `‖v / (atol + rtol·max(|a|, |b|))‖` in the solve's norm (`rms` or `max`). */
  weightedNorm(v: Float64Array, a: Float64Array, b: Float64Array): number;
  readonly rtol: Float64Array;
  readonly atol: Float64Array;
  readonly stats: StiffStats;
}

/** Builds the {@link StiffProblem} of a float64 solve. `f` must already return fresh arrays of length `n`. */
export function stiffProblem(
  fn: string,
  n: number,
  f: (t: number, y: Float64Array) => Float64Array,
  userJacobian: Float64Jacobian | undefined,
  atol: Float64Array,
  rtol: Float64Array,
  norm: 'rms' | 'max',
  stats: StiffStats,
): StiffProblem {
  const count = (t: number, y: Float64Array): Float64Array => {
    stats.nfe++;
    return f(t, y);
  };
  const jacobian = userJacobian
    ? (t: number, y: Float64Array): Float64Array => {
        stats.njev++;
        return readJacobian(fn, userJacobian(t, new Float64Array(y)), n, t);
      }
    : (t: number, y: Float64Array, f0: Float64Array): Float64Array => {
        stats.njev++;
        return finiteDifferenceJacobian(count, t, y, f0);
      };
  return {
    n,
    fn,
    f: count,
    jacobian,
    weightedNorm(v, a, b) {
      let acc = 0;
      for (let i = 0; i < n; i++) {
        const s = Math.abs(a[i]) > Math.abs(b[i]) ? Math.abs(a[i]) : Math.abs(b[i]);
        const x = v[i] / (atol[i] + rtol[i] * s);
        if (x !== x) return NaN;
        acc = norm === 'rms' ? acc + x * x : Math.max(acc, Math.abs(x));
      }
      return norm === 'rms' ? Math.sqrt(acc / n) : acc;
    },
    atol,
    rtol,
    stats,
  };
}

/**
 * Forward differences, one evaluation of `f` per column, with Hairer's increment `√(ε·max(1e-5, |y_j|))` (RADAU5):
 * large enough for components that start at 0, small against those of order 1.
 */
export function finiteDifferenceJacobian(f: (t: number, y: Float64Array) => Float64Array, t: number, y: Float64Array, f0: Float64Array): Float64Array {
  const n = y.length;
  const jac = new Float64Array(n * n);
  const yp = new Float64Array(y);
  for (let j = 0; j < n; j++) {
    const delta = Math.sqrt(Number.EPSILON * Math.max(1e-5, Math.abs(y[j])));
    yp[j] = y[j] + delta;
    const step = yp[j] - y[j]; // the increment actually representable
    const fj = f(t, yp);
    for (let i = 0; i < n; i++) jac[i * n + j] = (fj[i] - f0[i]) / step;
    yp[j] = y[j];
  }
  return jac;
}

/** A user Jacobian as a row-major `n × n` Float64Array, checked. */
function readJacobian(fn: string, out: ArrayLike<ArrayLike<number>> | ArrayLike<number>, n: number, t: number): Float64Array {
  const jac = new Float64Array(n * n);
  const bad = (why: string): OdeintError =>
    new OdeintError(
      'options.jacobian',
      `${fn}: options.jacobian(t = ${t}, y) returned ${show(out)}: ${why}. Fix: return ${n} rows of ${n} numbers (∂f_i/∂y_j at [i][j]), or one array of ${n * n} numbers row by row.`,
    );
  if (out == null || typeof out.length !== 'number') throw bad('not an array');
  if (out.length === n * n && (n === 1 || typeof out[0] === 'number')) {
    for (let k = 0; k < n * n; k++) jac[k] = (out as ArrayLike<number>)[k];
  } else if (out.length === n) {
    for (let i = 0; i < n; i++) {
      const row = (out as ArrayLike<ArrayLike<number>>)[i];
      if (row == null || typeof row !== 'object' || row.length !== n) throw bad(`row ${i} is not an array of ${n} numbers`);
      for (let j = 0; j < n; j++) jac[i * n + j] = row[j];
    }
  } else throw bad(`it has ${out.length} entries`);
  for (let k = 0; k < n * n; k++) {
    if (!Number.isFinite(jac[k])) throw bad(`entry [${Math.floor(k / n)}][${k % n}] = ${jac[k]} is not finite`);
  }
  return jac;
}
