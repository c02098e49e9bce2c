import { float64Algebra } from './float64-algebra';
import { guardField, integrate, type SolveStats } from './integrate';
import { TABLEAUS } from './methods';
import { isStiffMethod } from './stiff/registry';
import { integrateStiff } from './stiff/solve';
import { stiffStats } from './stiff/problem';
import type { OdeintOptions } from './options';
import { resolvedSettings, solver, type Solver } from './solver';
import { OdeintError, show } from './errors';
import { checkTimes } from './times';
import { expandTolerance } from './tolerances';
import { float64EventReader, float64Extras, solveObservers, type Float64Extras } from './solve-observers';

/** A vector field on float64 states: returns `dy/dt` at `(t, y)` as a new array. */
export type Float64Field = (t: number, y: Float64Array) => Float64Array | number[];

/** Result of solving on float64 states (with `events`, `dense` and `evaluate` when the solver asks for them). */
export interface Float64Solution extends Float64Extras {
  /**
   * The state at each requested time; `ys[0]` equals `y0`. A terminal event stops the solve: `ys` then holds the
   * requested times up to the event's only (`ys.length < ts.length`).
   */
  ys: Float64Array[];
  /** Counters of the solve. */
  stats: SolveStats;
}

/**
 * Solves `dy/dt = f(t, y)` on float64 arrays. Used by `odeint` when `y0` is not a tensor.
 * @param f - the vector field `(t, y) => dy/dt` on `Float64Array` states; it may return a `Float64Array` or a number
 *   array of `y`'s length.
 * @param y0 - the initial state at `ts[0]`, an array of finite numbers.
 * @param ts - the times to report, strictly increasing or strictly decreasing; `ts[0]` is the start.
 * @param options - a `Solver` from `solver()` or its settings (method, tolerances, step size, events, dense, …);
 *   absent: the library defaults (`dopri5`).
 */
export function odeintFloat64(f: Float64Field, y0: ArrayLike<number>, ts: ArrayLike<number>, options?: OdeintOptions | Solver): Float64Solution {
  const fn = 'odeint';
  if (typeof f !== 'function') {
    throw new OdeintError('f', `${fn}: f = ${show(f)} is not a function. Fix: pass (t, y) => dydt.`);
  }
  const opts = resolvedSettings(solver(options, fn));
  if (y0 == null || typeof (y0 as ArrayLike<number>).length !== 'number' || y0.length === 0) {
    throw new OdeintError('y0', `${fn}: y0 = ${show(y0)} must be a non-empty array of numbers (or a tf.Tensor). Fix: pass e.g. [1, 0].`);
  }
  const n = y0.length;
  const y = Float64Array.from(y0);
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(y[i])) {
      throw new OdeintError('y0', `${fn}: y0[${i}] = ${show(y0[i])} is not finite. Fix: pass a finite initial state.`);
    }
  }
  const times = checkTimes(fn, ts);
  const atol = expandTolerance(fn, 'atol', opts.atol, n);
  const rtol = expandTolerance(fn, 'rtol', opts.rtol, n);
  const alg = float64Algebra(n, atol, rtol, opts.norm);
  const field = (t: number, state: Float64Array): Float64Array => {
    const out = f(t, state);
    if (out == null || out.length !== n) {
      throw new OdeintError(
        'f',
        `${fn}: f(t = ${t}, y) returned ${show(out)} (length ${out?.length}) but the state has ${n} components. ` +
          `Fix: return an array of ${n} numbers.`,
      );
    }
    // Copy: the caller may reuse its output buffer between calls. (An explicit loop: constructing a
    // Float64Array from a plain array goes through the generic iterable path.)
    const copy = new Float64Array(n);
    for (let i = 0; i < n; i++) copy[i] = out[i];
    return copy;
  };
  const observers = solveObservers(fn, opts, alg, times.direction, times.ts[0], y, float64EventReader);
  if (isStiffMethod(opts.method)) {
    const stats = stiffStats();
    const { ys } = integrateStiff(opts.method, guardField(field, fn, stats), y, times.ts, times.direction, opts, atol, rtol, fn, stats, observers.onStep);
    return { ys, stats, ...float64Extras(observers) };
  }
  const { ys, stats } = integrate(alg, field, y, times.ts, times.direction, TABLEAUS[opts.method], opts, { fn, onStep: observers.onStep });
  return { ys, stats, ...float64Extras(observers) };
}
