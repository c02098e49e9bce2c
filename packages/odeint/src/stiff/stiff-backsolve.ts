import * as tf from '@tensorflow/tfjs-core';
import type { BacksolveStats } from '../adjoint';
import { nestedGradients } from '../checkpoint';
import { OdeintError } from '../errors';
import type { BacksolveGradient } from '../gradient';
import { resolvedSettings, type Solver } from '../solver';
import type { TensorField } from '../tensor-field';
import { stiffStats, type StiffStats } from './problem';
import { evaluateDense, solveStiffTensor, type StiffStepRecord } from './tensor-stiff';
import { untaped } from '../states-at';

/** Gauss–Legendre on [0, 1], 3 nodes (exact for polynomials of degree 5). */
const GL_NODES = [0.5 - Math.sqrt(15) / 10, 0.5, 0.5 + Math.sqrt(15) / 10];
const GL_WEIGHTS = [5 / 18, 8 / 18, 5 / 18];

/** Result of a stiff solve in the `backsolve` gradient mode; `adjointStats` once a gradient ran. */
export interface StiffBacksolveSolution {
  ys: tf.Tensor;
  stats: StiffStats;
  adjointStats: BacksolveStats | null;
}

/**
 * The `backsolve` gradient of a `rodas5` / `kvaerno5` solve on tensors `[batch, d]`, as an interpolating adjoint
 * (SciMLSensitivity's `InterpolatingAdjoint`): the state is never reconstructed backwards (on a stiff problem the
 * modes that decay fast forwards would grow as fast backwards), so the backsolve `check` / `checkTolerance` settings
 * do not apply.
 * - Forward: the stiff solve off the tape, keeping every accepted step's dense output (its interpolating polynomial):
 *   memory grows with the number of steps (as the `tape` mode's, but one state-sized polynomial per step, not the
 *   step's whole tape).
 * - Backward: the adjoint `a` (`[batch, d]`, rows independent as `f`'s) solved from the last output time to the first
 *   with the backward solver (default: the forward's method and tolerances), its steps landing on the forward steps'
 *   ends (so at least as many steps as forward), the same tensor stiff stepper, on
 *   `da/dt = −aᵀ ∂f/∂y(t, y(t))` with `y(t)` from the forward interpolant; the stepper's block Jacobian of this field
 *   comes from its own `d` vector-Jacobian products (second order through `f`). At each output time `t_i` the
 *   cotangent of `ys[i]` is added to `a`.
 * - Parameters: `dL/dθ = ∫ aᵀ ∂f/∂θ(t, y(t)) dt`, by 3-point Gauss–Legendre over each accepted backward step, `a` from
 *   that step's interpolant and `y` from the forward one (one VJP of `f` per node). `dL/dy0 = a(t0)`.
 * The gradient is the continuous adjoint's: it differs from the `tape` / `checkpoint` gradient (the discrete one) by
 * about the solves' tolerances. `adjointStats` counts the backward solve (its `nfe` includes the quadrature's VJPs);
 * its `reconstructionError` is the forward interpolant's largest relative difference from the forward outputs (round-off:
 * nothing is reconstructed).
 */
export function backsolveStiff(
  fn: string,
  f: TensorField,
  y0: tf.Tensor,
  times: Float64Array,
  direction: 1 | -1,
  s: Solver,
  backward: Solver,
  params: readonly tf.Variable[],
): StiffBacksolveSolution {
  if (backward.method !== 'rodas5' && backward.method !== 'kvaerno5') {
    const gradient = s.gradient as BacksolveGradient;
    throw new OdeintError(
      'options.gradient.backward',
      `${fn}: the backward solver's method '${backward.method}' cannot solve the adjoint of the stiff method '${s.method}' (gradient backsolve${gradient.backward ? ', backward given' : ''}): the adjoint is as stiff as the forward solve. Fix: use backward: { method: 'rodas5' } or 'kvaerno5', or leave backward out (the forward's method).`,
    );
  }
  const opts = resolvedSettings(s);
  const bopts = resolvedSettings(backward);
  const atol = opts.atol as number;
  const solution: StiffBacksolveSolution = { ys: undefined as unknown as tf.Tensor, stats: undefined as unknown as StiffStats, adjointStats: null };
  const op = tf.customGrad((...args: unknown[]) => {
    const save = args[args.length - 1] as (ts: tf.Tensor[]) => void;
    const x0 = args[0] as tf.Tensor;
    const steps: StiffStepRecord[] = [];
    const dense: tf.Tensor[] = [];
    let reconstruction = { error: 0, at: times[0] };
    const fwd = untaped(() => {
      if (!tf.tidy(() => tf.all(tf.isFinite(x0))).dataSync()[0]) {
        throw new OdeintError('y0', `${fn}: y0 holds NaN or Inf values. Fix: pass a finite initial state (check what produced it).`);
      }
      const r = solveStiffTensor(fn, f, x0, times, direction, opts, (step, _y1, c) => {
        steps.push(step);
        dense.push(c!);
      }, true);
      reconstruction = interpolantError(r.ys, times, direction, steps, dense, atol);
      return r;
    });
    solution.stats = fwd.stats;
    save([x0, ...dense]);
    return {
      value: fwd.ys,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const stats: BacksolveStats = { ...stiffStats(), reconstructionError: reconstruction.error, reconstructionErrorAt: reconstruction.at };
        try {
          return untaped(() => adjointBackward(fn, f, dy as tf.Tensor, steps, saved.slice(1), times, direction, bopts, params, stats));
        } finally {
          for (const c of saved.slice(1)) c.dispose();
          solution.adjointStats = stats;
        }
      },
    };
  });
  solution.ys = op(y0, ...params) as tf.Tensor;
  return solution;
}

/** The forward interpolant `y(t)`: the dense output of the accepted step holding `t`. */
function interpolant(steps: readonly StiffStepRecord[], dense: readonly tf.Tensor[], direction: 1 | -1): (t: number) => tf.Tensor {
  return (t) => {
    // The last step starting at or before t (in the direction of the solve).
    let lo = 0;
    let hi = steps.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (direction * (t - steps[mid].t) >= 0) lo = mid;
      else hi = mid - 1;
    }
    const step = steps[lo];
    return evaluateDense(dense[lo], Math.min(1, Math.max(0, (t - step.t) / step.h)));
  };
}

/** The largest `‖y(t_i) − ys[i]‖ / (‖ys[i]‖ + atol)` (RMS) of the interpolant over the output times before the last. */
function interpolantError(ys: tf.Tensor, times: Float64Array, direction: 1 | -1, steps: readonly StiffStepRecord[], dense: readonly tf.Tensor[], atol: number): { error: number; at: number } {
  const yAt = interpolant(steps, dense, direction);
  let worst = { error: 0, at: times[0] };
  for (let i = 0; i < times.length - 1; i++) {
    const e = tf
      .tidy(() => {
        const yi = tf.squeeze(tf.slice(ys, [i], [1]), [0]);
        const rms = (x: tf.Tensor) => tf.sqrt(tf.mean(tf.square(x)));
        return tf.div(rms(tf.sub(yAt(times[i]), yi)), tf.add(rms(yi), atol));
      })
      .dataSync()[0];
    if (!(e <= worst.error)) worst = { error: e, at: times[i] };
  }
  return worst;
}

/** The backward pass: the adjoint from the last output time to the first, interval by interval. Returns `[dL/dy0, ...dL/dθ]`. */
function adjointBackward(
  fn: string,
  f: TensorField,
  dy: tf.Tensor,
  steps: readonly StiffStepRecord[],
  dense: readonly tf.Tensor[],
  times: Float64Array,
  direction: 1 | -1,
  bopts: ReturnType<typeof resolvedSettings>,
  params: readonly tf.Variable[],
  stats: BacksolveStats,
): tf.Tensor[] {
  const bfn = `${fn} (backsolve adjoint)`;
  const yAt = interpolant(steps, dense, direction);
  const N = times.length;
  const row = (i: number) => tf.squeeze(tf.slice(dy, [i], [1]), [0]);
  // da/dt = −aᵀ ∂f/∂y(t, y(t)), row by row; differentiable in `a` (the stepper's block Jacobian differentiates it).
  const g: TensorField = (tt, a) => {
    const t = tt.dataSync()[0];
    const y = yAt(t);
    return tf.neg(tf.grad((v: tf.Tensor) => tf.sum(tf.mul(f(tt, v), a)))(y));
  };
  let a = row(N - 1);
  let paramGrads: tf.Tensor[] = params.map((p) => tf.zerosLike(p));
  let first = true;
  try {
    for (let i = N - 1; i >= 1; i--) {
      const span = Float64Array.of(times[i], times[i - 1]);
      // The backward steps land on the forward steps' ends: each lies inside one forward step, where y(t) is one
      // polynomial. Otherwise the backward error control, which sees `a` only, stepped over OREGO's spikes (88 backward
      // steps for 255 forward ones, dL/dθ −2.7 against checkpoint's −66.2; landing: 1392 steps, −66.3).
      const inside = steps.map((st) => st.t1).filter((t) => direction * (t - times[i - 1]) > 0 && direction * (t - times[i]) < 0);
      const iopts = { ...bopts, stepTimes: [...bopts.stepTimes, ...inside] };
      const r = solveStiffTensor(
        bfn,
        g,
        a,
        span,
        (-direction) as 1 | -1,
        iopts,
        (step, _a1, c) => {
          try {
            if (params.length > 0) paramGrads = quadrature(f, yAt, step, c!, params, paramGrads, stats);
          } finally {
            c!.dispose();
          }
        },
        true,
      );
      const aNext = tf.tidy(() => tf.add(tf.squeeze(tf.slice(r.ys, [1], [1]), [0]), row(i - 1)));
      r.ys.dispose();
      a.dispose();
      a = aNext;
      for (const k of ['nfe', 'nAccepted', 'nRejected', 'nSteps', 'njev', 'nlu', 'nsolve', 'nNewton', 'nRejectedError', 'nRejectedConvergence'] as const) stats[k]! += r.stats[k] ?? 0;
      if (first) stats.firstStep = r.stats.firstStep;
      first = false;
      stats.lastStep = r.stats.lastStep;
    }
    const out = [a, ...paramGrads];
    a = null as unknown as tf.Tensor;
    paramGrads = [];
    return out;
  } finally {
    a?.dispose();
    tf.dispose(paramGrads);
  }
}

/** Adds `∫ aᵀ ∂f/∂θ dt` over one accepted backward step (3-point Gauss–Legendre) to `acc` (disposed); returns the sums. */
function quadrature(
  f: TensorField,
  yAt: (t: number) => tf.Tensor,
  step: StiffStepRecord,
  coefficients: tf.Tensor,
  params: readonly tf.Variable[],
  acc: tf.Tensor[],
  stats: BacksolveStats,
): tf.Tensor[] {
  const next = tf.tidy(() => {
    let sums = acc;
    GL_NODES.forEach((theta, k) => {
      const t = step.t + theta * step.h;
      const a = evaluateDense(coefficients, theta);
      const y = yAt(t);
      const { value, grads } = nestedGradients(() => f(tf.scalar(t), y), [...params], a);
      value.dispose();
      stats.nfe++;
      // The backward step runs from t to t + h: ∫ over the forward direction is −h Σ w_k (…).
      sums = sums.map((s, j) => (grads[j] ? tf.add(s, tf.mul(grads[j]!, -step.h * GL_WEIGHTS[k])) : s));
    });
    return sums;
  });
  tf.dispose(acc.filter((x, j) => x !== next[j]));
  return next;
}
