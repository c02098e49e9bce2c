import * as tf from '@tensorflow/tfjs-core';
import { backsolve, checkNoHiddenVariables, checkParams, defaultBackward, type BacksolveStats } from './adjoint';
import { checkpointed, type CheckpointStats } from './checkpoint';
import { OdeintError, show } from './errors';
import { resolvedSettings, type Solver } from './solver';
import { checkTimes } from './times';
import { solveTensor, type TensorSolution } from './odeint-tensor';
import { checkTensorState, readTimes, type TensorField } from './tensor-field';
import { withTimeGradients } from './time-gradient';

/** What gradients reach besides `y0` (and `ts`, when it is a tensor). */
export interface GradientInputs {
  /**
   * The variables `f` reads (e.g. a model's trainable weights). The `tape` mode finds them itself; `checkpoint` and
   * `backsolve` differentiate with respect to these only (they are their custom gradient's inputs), so `f` must read
   * them while it runs: a tensor computed from a variable before the solve is a constant to these modes. Absent there,
   * one taped evaluation of `f` checks that it reads no trainable variable (and names those it does); `[]` says that
   * only `y0` is meant.
   */
  params?: readonly tf.Variable[];
}

/** Counters of the last gradient of a tensor solve, by gradient mode. */
export type GradientStats = ({ mode: 'checkpoint' } & CheckpointStats) | ({ mode: 'backsolve' } & BacksolveStats);

/** Result of `odeint` on tensors: the solution and, once a gradient ran, its counters. */
export interface OdeintTensorSolution extends TensorSolution {
  /** The backward pass's counters (`checkpoint` and `backsolve`); `null` before a gradient and for `tape`. */
  readonly gradientStats: GradientStats | null;
}

/**
 * Solves on tensors with the gradient mode of `s` (`s.gradient`): `tape`, `checkpoint` or `backsolve`. Gradients
 * reach `y0`, the variables `f` reads (`inputs.params` for the last two) and, when `ts` is a tensor, the times.
 */
export function solveInGradientMode(fn: string, f: TensorField, y0: tf.Tensor, ts: ArrayLike<number> | tf.Tensor1D, s: Solver, inputs: GradientInputs = {}): OdeintTensorSolution {
  if (inputs === null || typeof inputs !== 'object' || Array.isArray(inputs)) {
    throw new OdeintError('inputs', `${fn}: the fifth argument = ${show(inputs)} must be { params }. Fix: pass e.g. { params: model.trainableWeights }.`);
  }
  const mode = s.gradient.mode;
  let given = inputs.params;
  if (given !== undefined) checkParams(fn, given);
  if (mode !== 'tape') {
    if (!(y0 instanceof tf.Tensor)) throw new OdeintError('y0', `${fn}: y0 = ${show(y0)} is not a tf.Tensor.`);
    checkTensorState(fn, y0);
    if (given === undefined) {
      checkNoHiddenVariables(fn, f, checkTimes(fn, readTimes(fn, ts)).ts[0], y0);
      given = [];
    }
  }
  const params = given ?? [];
  const times = readTimes(fn, ts);
  const solve = (x0: tf.Tensor): TensorSolution & { gradientStats: () => GradientStats | null } => {
    // Every mode serves events and dense output, differentiable in that mode (see checkpointed and backsolve).
    if (mode === 'checkpoint') {
      const sol = checkpointed(fn, f, x0, times, s, params);
      return { ...extrasOf(sol), gradientStats: () => (sol.checkpointStats ? { mode, ...sol.checkpointStats } : null) };
    }
    if (mode === 'backsolve') {
      const g = s.gradient;
      const backward = g.backward ?? defaultBackwardOf(fn, s);
      const sol = backsolve(fn, f, x0, times, params, { forward: s, backward, norm: g.norm, check: g.check, checkTolerance: g.checkTolerance });
      return { ...extrasOf(sol), gradientStats: () => (sol.adjointStats ? { mode, ...sol.adjointStats } : null) };
    }
    return { ...extrasOf(solveTensor(fn, f, x0, times, resolvedSettings(s))), gradientStats: () => null };
  };
  const inner = ts instanceof tf.Tensor ? withTimeGradients(f, y0, ts, checkTimes(fn, times).ts, solve) : solve(y0);
  return {
    ys: inner.ys,
    stats: inner.stats,
    ...(inner.events && { events: inner.events }),
    ...(inner.dense && { dense: inner.dense, evaluate: inner.evaluate }),
    get gradientStats() {
      return inner.gradientStats();
    },
  };
}

/** A solution's outputs without its mode's counters (whose getters would be read too early by a spread). */
function extrasOf(sol: TensorSolution): TensorSolution {
  const { ys, stats, events, dense, evaluate } = sol;
  return { ys, stats, ...(events && { events }), ...(dense && { dense, evaluate }) };
}

/** The default backward solver of each forward solver (derived once: the solver value is frozen). */
const defaultBackwards = new WeakMap<Solver, Solver>();

function defaultBackwardOf(fn: string, s: Solver): Solver {
  let b = defaultBackwards.get(s);
  if (!b) {
    b = defaultBackward(fn, s);
    defaultBackwards.set(s, b);
  }
  return b;
}
