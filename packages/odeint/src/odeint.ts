import * as tf from '@tensorflow/tfjs-core';
import { odeintFloat64, type Float64Field, type Float64Solution } from './odeint-float64';
import { odeintTensor } from './odeint-tensor';
import type { GradientInputs, OdeintTensorSolution } from './gradient-modes';
import type { TensorField } from './tensor-field';
import type { PerSampleTimes } from './per-sample';
import type { OdeintOptions } from './options';
import type { Solver, SolverInput } from './solver';

/**
 * Solves the initial value problem `dy/dt = f(t, y)`, `y(ts[0]) = y0`, returning the state at every time in
 * `ts` (strictly increasing or strictly decreasing).
 *
 * - With a float64 state (`y0` an array): `f(t: number, y: Float64Array)` returns `Float64Array | number[]`;
 *   `ys` is `Float64Array[]`.
 * - Per-sample times (tensors): `ts` shaped `[batch, T]` (each row from the same start time) with `y0` shaped
 *   `[batch, ...]`: `ys` is `[batch, T, ...]`, one batched solve through the union of the rows' times.
 * - With a tensor state (`y0` a `tf.Tensor`): `f(t: tf.Scalar, y: tf.Tensor)` returns a tensor of `y`'s shape;
 *   `ys` is one tensor `[ts.length, ...y0.shape]`, differentiable in the solver's gradient mode
 *   (`solver({ ..., gradient: 'tape' | 'checkpoint' | 'backsolve' })`, `tape` by default). `inputs.params`: the
 *   variables `f` reads, for `checkpoint` and `backsolve` (the tape finds them itself).
 *
 * @param f - the right-hand side `f(t, y)`: `(t: number, y: Float64Array) => ArrayLike<number>` for a float64 state,
 *   `(t: tf.Scalar, y: tf.Tensor) => tf.Tensor` (same shape as `y`) for a tensor state; pure, reading variables only
 *   inside.
 * @param y0 - the initial state at `ts[0]`: an array of numbers (solved in float64) or a `tf.Tensor` of any shape
 *   (solved in its dtype, differentiable).
 * @param ts - the output times, strictly increasing or strictly decreasing, starting at the initial time; `ys[i]` is
 *   the state at `ts[i]`. For a tensor state also a `Tensor1D`, or per-sample times `[batch, T]`.
 * @param options - a `Solver` from `solver({...})` (used as it is), or its settings inline (validated on each call):
 *   `method`, `rtol`/`atol` or `stepSize`/`grid`, controller, events, `dense`, `gradient`; the table below lists
 *   them. Default: dopri5 at rtol 1e-7, atol 1e-9.
 * @param inputs - tensor states only: `params`, the variables `f` reads, which the `checkpoint` and `backsolve`
 *   gradient modes differentiate (the tape finds them itself).
 *
 * @example
 * const sol = odeint((t, y) => [y[1], -y[0]], [1, 0], [0, Math.PI], { rtol: 1e-8, atol: 1e-10 });
 * sol.ys[1]; // ≈ [-1, 0]
 */
export function odeint(f: Float64Field, y0: ArrayLike<number>, ts: ArrayLike<number>, options?: OdeintOptions | Solver): Float64Solution;
export function odeint(
  f: TensorField,
  y0: tf.Tensor,
  ts: ArrayLike<number> | tf.Tensor1D | PerSampleTimes,
  options?: SolverInput | Solver,
  inputs?: GradientInputs,
): OdeintTensorSolution;
export function odeint(
  f: Float64Field | TensorField,
  y0: ArrayLike<number> | tf.Tensor,
  ts: ArrayLike<number> | tf.Tensor1D | PerSampleTimes,
  options?: SolverInput | Solver,
  inputs?: GradientInputs,
): Float64Solution | OdeintTensorSolution {
  if (y0 instanceof tf.Tensor) return odeintTensor(f as TensorField, y0, ts, options, inputs);
  if (ts instanceof tf.Tensor) return odeintFloat64(f as Float64Field, y0, ts.dataSync(), options);
  return odeintFloat64(f as Float64Field, y0, ts as ArrayLike<number>, options);
}
