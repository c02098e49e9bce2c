import * as tf from '@tensorflow/tfjs-core';
import { integrate, type SolveStats } from './integrate';
import { tableauOf } from './methods';
import { isStiffMethod } from './stiff/registry';
import { solveStiffTensor } from './stiff/tensor-stiff';
import { solveStiffInGradientMode } from './stiff/stiff-gradients';
import type { ResolvedOdeintOptions } from './options';
import { solver, type Solver, type SolverInput } from './solver';
import { solveInGradientMode, type GradientInputs, type OdeintTensorSolution } from './gradient-modes';
import { OdeintError, show } from './errors';
import { checkTimes } from './times';
import { expandTolerance } from './tolerances';
import { tensorAlgebra, type ComponentTolerance, type TensorAlgebraOptions, type TensorState } from './tensor-algebra';
import { checkTensorState, readTimes, rowField, stackRows, type TensorField } from './tensor-field';
import { solveObservers } from './solve-observers';
import { tensorEventReader, tensorExtras, type TensorExtras } from './tensor-observers';
import { isPerSample, solvePerSample, type PerSampleTimes } from './per-sample';

/** Result of solving on tensor states (with `events`, `dense` and `evaluate` when the solver asks for them). */
export interface TensorSolution extends TensorExtras {
  /**
   * The states at the requested times, shape `[ts.length, ...y0.shape]`; `ys[0]` equals `y0`. A terminal event stops
   * the solve: `ys` then holds the requested times up to the event's only (`[k, ...y0.shape]`, `k < ts.length`).
   */
  ys: tf.Tensor;
  /** Counters of the solve. */
  stats: SolveStats;
}

/** A scalar tolerance stays a number; a per-component one becomes a `[1, n]` tensor (caller disposes it). */
export function toleranceRow(fn: string, name: string, tol: number | readonly number[], n: number): ComponentTolerance {
  return typeof tol === 'number' ? tol : tf.tensor2d(Float32Array.from(expandTolerance(fn, name, tol, n)), [1, n], "float32");
}

/** Disposes per-component tolerance tensors. */
export function disposeTolerances(tols: ComponentTolerance[]): void {
  for (const t of tols) if (typeof t !== 'number') t.dispose();
}

/** Solves with already parsed options; shared by `odeint` and `odeintAdjoint`'s forward pass. */
export function solveTensor(
  fn: string,
  f: TensorField,
  y0: tf.Tensor,
  ts: ArrayLike<number> | tf.Tensor,
  opts: ResolvedOdeintOptions,
  extra: Pick<TensorAlgebraOptions, 'onHostRead'> = {},
  onAccept?: (t0: number, t1: number, y1: TensorState) => void,
): TensorSolution {
  if (typeof f !== 'function') throw new OdeintError('f', `${fn}: f = ${show(f)} is not a function. Fix: pass (t, y) => dydt.`);
  const { shape, n } = checkTensorState(fn, y0);
  const times = checkTimes(fn, readTimes(fn, ts));
  const atol = [toleranceRow(fn, 'atol', opts.atol, n)];
  const rtol = [toleranceRow(fn, 'rtol', opts.rtol, n)];
  const alg = tensorAlgebra({ atol, rtol, norm: opts.norm, ...extra });
  const y0Row = tf.reshape(y0, [1, n]) as tf.Tensor2D;
  try {
    // One host read per solve: a NaN in y0 would otherwise surface only once the step has shrunk to nothing.
    if (!alg.allFinite([y0Row])) {
      throw new OdeintError('y0', `${fn}: y0 holds NaN or Inf values. Fix: pass a finite initial state (check what produced it).`);
    }
    // rodas5 / kvaerno5 on a batch of independent systems [batch, d]: their own stepper (block Jacobian, batched solves).
    if (isStiffMethod(opts.method)) return solveStiffTensor(fn, f, y0, times.ts, times.direction, opts);
    const observers = solveObservers(fn, opts, alg, times.direction, times.ts[0], [y0Row], tensorEventReader(fn, shape));
    const { ys, stats } = integrate(alg, rowField(fn, f, shape, n), [y0Row], times.ts, times.direction, tableauOf(opts.method, fn), opts, { fn, onAccept, onStep: observers.onStep });
    return { ys: stackRows(ys.map((y) => y[0]), shape), stats, ...tensorExtras(observers, shape) };
  } finally {
    y0Row.dispose();
    disposeTolerances(atol);
    disposeTolerances(rtol);
  }
}

/**
 * Solves `dy/dt = f(t, y)` on a float32 tensor state, differentiable in the solver's gradient mode
 * (`solver({ ..., gradient })`): `tape` (default: every op is recorded by tfjs's tape), `checkpoint` or `backsolve`.
 * Gradients reach `y0`, the variables `f` reads (`inputs.params` for `checkpoint` and `backsolve`) and, when `ts` is a
 * 1-D tensor, the times. Per-sample times: `ts` shaped `[batch, T]` (a 2-D tensor or rows of numbers, every row from
 * the same start time) with `y0` shaped `[batch, ...]` gives `ys` shaped `[batch, T, ...]` (see `solvePerSample`).
 * @param f - the vector field `(t, y) => dy/dt`, `t` a scalar tensor, returning a tensor of `y`'s shape.
 * @param y0 - the initial state at the first time, a float32 tensor of any shape (`[batch, ...]` with per-sample
 *   times).
 * @param ts - the times to report, strictly monotone: numbers, a 1-D tensor (then the times get gradients too) or
 *   per-sample rows `[batch, T]`.
 * @param options - a `Solver` from `solver()` or its settings, gradient mode included; absent: the library defaults
 *   (`dopri5`, gradient `tape`).
 * @param inputs - `params`: the variables `f` reads, which the `checkpoint` and `backsolve` modes differentiate; absent
 *   there, one taped evaluation of `f` checks that it reads none.
 */
export function odeintTensor(
  f: TensorField,
  y0: tf.Tensor,
  ts: ArrayLike<number> | tf.Tensor1D | PerSampleTimes,
  options?: SolverInput | Solver,
  inputs?: GradientInputs,
): OdeintTensorSolution {
  const s = solver(options, 'odeint');
  if (ts instanceof tf.Tensor && ts.rank === 1 && s.events.some((e) => e.terminal !== false)) {
    // The time gradients expect one output per requested time; a terminal event may end ys early.
    throw new OdeintError(
      'options.events',
      "odeint: a terminal event with ts given as a tensor (differentiable times) is not supported yet. Fix: pass ts as an array of numbers, or make the events non-terminal.",
    );
  }
  // rodas5 / kvaerno5 replay their own steps (Jacobians, Newton iterations) for checkpoint; the tape needs nothing more.
  const inMode = isStiffMethod(s.method) && s.gradient.mode !== 'tape' ? solveStiffInGradientMode : solveInGradientMode;
  if (isPerSample(ts)) return solvePerSample('odeint', f, y0, ts, (x0, times) => inMode('odeint', f, x0, times, s, inputs));
  return inMode('odeint', f, y0, ts as ArrayLike<number> | tf.Tensor1D, s, inputs);
}
