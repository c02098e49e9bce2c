import * as tf from '@tensorflow/tfjs-core';
import { OdeintError, SolveError } from '../errors';
import { between, type SolveStats } from '../integrate';
import { initialStep } from '../initial-step';
import { untaped } from '../states-at';
import type { ResolvedOdeintOptions } from '../options';
import type { TensorField } from '../tensor-field';
import { batchedSolve } from './batched-solve';
import { stageTime, type EsdirkTableau } from './esdirk';
import { kvaerno5 } from './kvaerno5';
import { plannedStep } from './one-step';
import { stiffStats, type StiffStats } from './problem';
import { rodas5 } from './rodas5';
import type { RosenbrockCoefficients } from './rosenbrock';

/** What the tensor steppers share: the counted field, the block Jacobian, the error norm and the counters. */
interface TensorProblem {
  readonly batch: number;
  readonly d: number;
  readonly rtol: number;
  readonly atol: number;
  readonly stats: StiffStats;
  field(t: number, y: tf.Tensor): tf.Tensor;
  jacobian(t: number, y: tf.Tensor): tf.Tensor3D;
  /** `‖v / (atol + rtol·max(|a|, |b|))‖` in the solve's norm: one host read. */
  norm(v: tf.Tensor, a: tf.Tensor, b: tf.Tensor): number;
}

/**
 * How Newton went in each implicit stage of an accepted ESDIRK step (stages 1 … s−1): how many iterations, and
 * whether from `z = 0` after the predictor's start failed. A replay runs exactly these iterations, so that it computes
 * the same numbers as the forward solve with no convergence test (and no host read).
 */
export interface NewtonRecord {
  readonly iterations: number;
  readonly fromZero: boolean;
}

/** One accepted step of a tensor stiff solve, as the `checkpoint` gradient mode replays it. */
export interface StiffStepRecord {
  readonly t: number;
  readonly h: number;
  /** The time the step evaluates at its end (exactly the stop it lands on). */
  readonly tEval: number;
  readonly t1: number;
  /** ESDIRK only: per implicit stage, the Newton iterations taken; `null` for Rosenbrock. */
  readonly newton: readonly NewtonRecord[] | null;
}

/** One attempted step on tensors. */
interface TensorAttempt {
  y1: tf.Tensor;
  err: tf.Tensor;
  dense(theta: number): tf.Tensor;
  /** The dense output as a polynomial in θ = (t − t_n)/h: its coefficients `[c_0, c_1, …]` stacked, `y(θ) = Σ c_k θ^k`. */
  coefficients(): tf.Tensor;
  newton: readonly NewtonRecord[] | null;
  /** The dense output's error at the step's midpoint (see {@link denseDefect}), for the driver to bound. */
  denseError(): tf.Tensor;
}

/**
 * The float64 drivers' dense-output bound (`denseDefectError`) on tensors: the interpolant's defect at θ = 1/2,
 * `r = f(t, p) − p′` (`p′` from the polynomial's own derivative: a float32 difference quotient would be noise at tight
 * tolerances), mapped to an error by `solve(r)` = `(I − hγJ)⁻¹ hγ r` with the step's matrix. Off the tape: it only
 * decides whether the step is accepted.
 */
function denseDefect(p: TensorProblem, coefficients: tf.Tensor, t: number, h: number, solve: (r: tf.Tensor) => tf.Tensor): tf.Tensor {
  return untaped(() =>
    tf.tidy(() => {
      const cs = tf.unstack(coefficients, 0);
      const mid = evaluateDense(coefficients, 0.5);
      const slope = tf.addN(cs.slice(1).map((c, k) => tf.mul(c, ((k + 1) * 0.5 ** k) / h)));
      p.stats.nsolve++;
      return solve(tf.sub(p.field(t + 0.5 * h, mid), slope));
    }),
  );
}

/** A one-step stiff method on tensor states `[batch, d]`, as the driver below uses it. */
interface TensorStepper {
  /** Order of the error estimate plus one. */
  readonly errorExponent: number;
  /** At a newly accepted point (and the first): what the attempts from it share (kept until `release`). */
  begin(t: number, y: tf.Tensor): void;
  /**
   * One attempt (inside the driver's `tidy`); null when Newton does not converge. With `plan` (a replay), the Newton
   * iterations of each stage are those recorded, with no convergence test.
   */
  attempt(t: number, y: tf.Tensor, h: number, tEval: number, atJump: boolean, plan?: readonly NewtonRecord[] | null): TensorAttempt | null;
  release(): void;
}

/** Checks a tensor stiff solve's settings and builds its problem (counted field, block Jacobian, norm) and stepper. */
function stiffTensorSetup(fn: string, f: TensorField, y0: tf.Tensor, opts: ResolvedOdeintOptions): { p: TensorProblem; stepper: TensorStepper } {
  if (opts.method !== 'rodas5' && opts.method !== 'kvaerno5') {
    throw new OdeintError(
      'options.method',
      `${fn}: method '${opts.method}' solves float64 array states only (on tensors rodas5 and kvaerno5 run). Fix: pass y0 as an array of numbers, or use rodas5 / kvaerno5 with y0 of shape [batch, d].`,
    );
  }
  if (y0.rank !== 2) {
    throw new OdeintError(
      'y0',
      `${fn}: method '${opts.method}' on tensors needs y0 of shape [batch, d] (rows are independent systems), got ${JSON.stringify(y0.shape)}. Fix: reshape y0 to [batch, d], or pass a float64 array.`,
    );
  }
  if (opts.jacobian) {
    throw new OdeintError('options.jacobian', `${fn}: options.jacobian is for float64 array states; on tensors the Jacobian comes from autodiff. Fix: remove jacobian.`);
  }
  if (typeof opts.atol !== 'number' || typeof opts.rtol !== 'number') {
    throw new OdeintError('options.rtol', `${fn}: method '${opts.method}' on tensors takes scalar rtol and atol. Fix: pass numbers.`);
  }
  if (opts.events.length > 0 || opts.dense) {
    throw new OdeintError(
      opts.events.length > 0 ? 'options.events' : 'options.dense',
      `${fn}: events and dense output are not supported by the stiff methods on tensors yet (they are on float64 arrays). Fix: remove events/dense, solve on a Float64Array, or use an explicit method.`,
    );
  }
  const [batch, d] = y0.shape as [number, number];
  const stats = stiffStats();
  const { atol, rtol } = opts;
  const field = (t: number, y: tf.Tensor): tf.Tensor => {
    stats.nfe++;
    const out = f(tf.scalar(t), y);
    if (!(out instanceof tf.Tensor) || out.shape.length !== 2 || out.shape[0] !== batch || out.shape[1] !== d) {
      throw new OdeintError('f', `${fn}: f(t = ${t}, y) must return a tensor of shape [${batch}, ${d}]. Fix: return dy/dt with the shape of y.`);
    }
    return out;
  };
  const p: TensorProblem = {
    batch,
    d,
    rtol,
    atol,
    stats,
    field,
    jacobian(t, y) {
      stats.njev++;
      return blockJacobian(field, t, y);
    },
    norm: (v, a, b) =>
      tf
        .tidy(() => {
          const r = tf.div(v, tf.add(atol, tf.mul(rtol, tf.maximum(tf.abs(a), tf.abs(b)))));
          return opts.norm === 'rms' ? tf.sqrt(tf.mean(tf.square(r))) : tf.max(tf.abs(r));
        })
        .dataSync()[0],
  };
  const stepper = opts.method === 'rodas5' ? rosenbrockTensor(rodas5, p) : esdirkTensor(kvaerno5, p);
  return { p, stepper };
}


/**
 * The float64 drivers' first step (Hairer, Nørsett & Wanner's estimate, {@link initialStep}) on a tensor state, off
 * the tape: two evaluations of f. A stiff problem's fast initial transient then sets the first step, as in scipy's
 * `Radau` / `BDF`, instead of a fixed fraction of the span that can step over it.
 */
function firstStepOf(p: TensorProblem, t: number, y: tf.Tensor, direction: 1 | -1, order: number): number {
  return untaped(() =>
    tf.tidy(() => {
      const alg = {
        scaledNorm: (v: tf.Tensor, at: tf.Tensor) => p.norm(v, at, at),
        combine: (base: tf.Tensor | null, h: number, ks: readonly tf.Tensor[], w: readonly number[]) =>
          ks.reduce((acc, k, i) => tf.add(acc, tf.mul(k, h * w[i])), base ?? tf.zerosLike(ks[0])),
        dispose: () => {}, // the tidy disposes
      };
      return initialStep(alg, (ti, yi) => p.field(ti, yi), t, y, p.field(t, y), direction, order, () => {});
    }),
  );
}

/**
 * `rodas5` or `kvaerno5` on a float32 tensor state `[batch, d]` whose rows are independent systems (a batch of small
 * stiff ODEs): the Jacobian is block-diagonal, its `batch` blocks `[batch, d, d]` from `d` vector-Jacobian products,
 * and the linear systems are solved by {@link batchedSolve}. Under the tape every op is recorded (the `tape`
 * gradient mode), the Jacobian's included. One host read per step for the error (per Newton iteration for kvaerno5).
 * `onAccept` sees each accepted step and its end state (owned by the solve: clone it to keep it) and, with
 * `keepDense`, the step's dense output as polynomial coefficients in θ (see {@link evaluateDense}; the caller's to dispose).
 */
export function solveStiffTensor(
  fn: string,
  f: TensorField,
  y0: tf.Tensor,
  ts: Float64Array,
  direction: 1 | -1,
  opts: ResolvedOdeintOptions,
  onAccept?: (step: StiffStepRecord, y1: tf.Tensor, dense: tf.Tensor | null) => void,
  keepDense = false,
): { ys: tf.Tensor; stats: StiffStats } {
  const { p, stepper } = stiffTensorSetup(fn, f, y0, opts);
  const { stats } = p;
  const tStart = ts[0];
  const tEnd = ts[ts.length - 1];
  const jumps = new Set(opts.jumpTimes);
  const stops = [...between([...opts.jumpTimes, ...opts.stepTimes], tStart, tEnd, direction), tEnd];
  const outputs: tf.Tensor[] = [y0];
  let stop = 0;
  let next = 1;
  let t = tStart;
  let y = y0;
  const k = stepper.errorExponent;
  let hAbs = opts.firstStep ?? Math.min(Math.abs(tEnd - tStart), firstStepOf(p, tStart, y0, direction, k));
  let rejectedLast = false;
  let fresh = true;
  const checkDense = ts.length > 2;
  try {
    while (next < ts.length) {
      if (stats.nSteps >= opts.maxSteps) {
        throw new SolveError('max-steps', t, direction * hAbs, `${fn}: reached options.maxSteps = ${opts.maxSteps} steps at t = ${t} (of ${tStart} → ${tEnd}). Fix: raise maxSteps or loosen rtol/atol.`);
      }
      hAbs = Math.max(opts.minStep, Math.min(hAbs, opts.maxStep ?? Number.POSITIVE_INFINITY));
      const { h, t1, tEval, landing } = plannedStep(fn, t, hAbs, stops[stop], direction, jumps);
      hAbs = Math.abs(h);
      if (stats.nSteps === 0) stats.firstStep = h;
      if (fresh) stepper.begin(t, y);
      fresh = false;
      stats.nSteps++;
      let ratio = Number.NaN;
      let converged = true;
      let newton: readonly NewtonRecord[] | null = null;
      const yStep = y;
      // [y1, ...outputs in (t, t1]] of an accepted step; [] for a rejected one.
      const kept: tf.Tensor[] = tf.tidy(() => {
        const a = stepper.attempt(t, yStep, h, tEval, tEval !== t1);
        if (a === null) {
          converged = false;
          return [];
        }
        ratio = p.norm(a.err, yStep, a.y1);
        // Where the solve reads the dense output (outputs inside steps), its error counts too (as on float64 arrays).
        if (checkDense && ratio <= 1) ratio = Math.max(ratio, p.norm(a.denseError(), yStep, a.y1));
        if (!(Number.isFinite(ratio) && (ratio <= 1 || (opts.minStep > 0 && hAbs <= opts.minStep)))) return [];
        newton = a.newton;
        return [a.y1, ...(keepDense ? [a.coefficients()] : []), ...stepOutputs(a, ts, next, direction, t, t1, h)];
      });
      if (kept.length === 0) {
        stats.nRejected++;
        if (!converged) {
          stats.nRejectedConvergence++;
          hAbs *= 0.25;
        } else {
          stats.nRejectedError++;
          const raw = Number.isFinite(ratio) ? opts.safety * ratio ** (-1 / k) : opts.dfactor;
          hAbs *= Math.min(1, Math.max(opts.dfactor, raw));
        }
        rejectedLast = true;
        continue;
      }
      const raw = ratio === 0 ? opts.ifactor : opts.safety * ratio ** (-1 / k);
      const factor = Math.min(rejectedLast ? 1 : opts.ifactor, Math.max(opts.dfactor, raw));
      rejectedLast = false;
      stats.nAccepted++;
      stats.lastStep = h;
      const y1 = kept[0];
      const dense = keepDense ? kept[1] : null;
      const outs = kept.slice(keepDense ? 2 : 1);
      outputs.push(...outs);
      next += outs.length;
      if (landing) stop++;
      onAccept?.({ t, h, tEval, t1, newton }, y1, dense);
      stepper.release();
      fresh = true;
      if (y !== y0) y.dispose();
      t = t1;
      y = y1;
      // After a jump in f, a new first step (as the float64 drivers): the old one can be far too long for the new
      // field's transient.
      hAbs = tEval !== t1 && next < ts.length ? firstStepOf(p, t, y, direction, k) : hAbs * factor;
    }
  } finally {
    stepper.release();
    if (y !== y0) y.dispose();
  }
  const ys = tf.stack(outputs, 0);
  for (const o of outputs) if (o !== y0) o.dispose();
  return { ys, stats };
}

/** The outputs of an accepted step from `t` to `t1`: those at `ts[next …]` up to `t1`, by the step's dense output. */
function stepOutputs(a: TensorAttempt, ts: Float64Array, next: number, direction: 1 | -1, t: number, t1: number, h: number): tf.Tensor[] {
  const outs: tf.Tensor[] = [];
  for (let q = next; q < ts.length && direction * (ts[q] - t1) <= 0; q++) outs.push(ts[q] === t1 ? tf.clone(a.y1) : a.dense((ts[q] - t) / h));
  return outs;
}

/**
 * Replays recorded accepted steps from `y` (the state at `steps[0].t`) with no step-size or Newton decisions: the
 * same operations on the same numbers as the solve that recorded them, so that under the tape they give its gradient.
 * Returns the state after each step (`states[k]` after `steps[k]`) and the outputs at the times `ts[q]` inside
 * `(steps[0].t, last t1]`, in order, with their indices. Nothing is disposed: the caller tidies (under a tape the
 * intermediates are the tape's).
 */
export function replayStiffSteps(
  fn: string,
  f: TensorField,
  y: tf.Tensor,
  steps: readonly StiffStepRecord[],
  ts: Float64Array,
  direction: 1 | -1,
  opts: ResolvedOdeintOptions,
): { states: tf.Tensor[]; outputs: { index: number; y: tf.Tensor }[]; stats: StiffStats } {
  const { p, stepper } = stiffTensorSetup(fn, f, y, opts);
  const states: tf.Tensor[] = [];
  const outputs: { index: number; y: tf.Tensor }[] = [];
  let next = 0;
  while (next < ts.length && direction * (ts[next] - steps[0].t) <= 0) next++;
  let yk = y;
  for (const step of steps) {
    stepper.begin(step.t, yk);
    const a = stepper.attempt(step.t, yk, step.h, step.tEval, step.tEval !== step.t1, step.newton);
    if (a === null) throw new Error(`${fn}: a replayed step did not run (a bug: replays take the recorded Newton iterations)`);
    for (const out of stepOutputs(a, ts, next, direction, step.t, step.t1, step.h)) outputs.push({ index: next++, y: out });
    stepper.release();
    p.stats.nAccepted++;
    p.stats.nSteps++;
    states.push(a.y1);
    yk = a.y1;
  }
  return { states, outputs, stats: p.stats };
}

/** Rosenbrock on tensors: `f(t, y)`, the Jacobian blocks and `∂f/∂t` (central difference) per accepted point. */
function rosenbrockTensor(rb: RosenbrockCoefficients, p: TensorProblem): TensorStepper {
  const s = rb.c.length;
  let f0: tf.Tensor | null = null;
  let J: tf.Tensor3D | null = null;
  let dT: tf.Tensor | null = null;
  return {
    errorExponent: rb.embeddedOrder + 1,
    begin(t, y) {
      [f0, J, dT] = tf.tidy(() => {
        const delta = Math.cbrt(2 ** -23) * Math.max(1, Math.abs(t));
        return [p.field(t, y), p.jacobian(t, y), tf.div(tf.sub(p.field(t + delta, y), p.field(t - delta, y)), 2 * delta)];
      }) as [tf.Tensor, tf.Tensor3D, tf.Tensor];
    },
    attempt(t, y, h, tEval) {
      p.stats.nlu++; // batchedSolve factorises W once; the stages reuse the factors
      const W = tf.sub(tf.mul(tf.expandDims(tf.eye(p.d), 0), 1 / (h * rb.gamma)), J as tf.Tensor3D) as tf.Tensor3D;
      const us: tf.Tensor[] = [];
      for (let i = 0; i < s; i++) {
        let fi = f0 as tf.Tensor;
        if (i > 0) {
          let yi = y;
          for (let j = 0; j < i; j++) if (rb.a[i][j] !== 0) yi = tf.add(yi, tf.mul(us[j], rb.a[i][j]));
          fi = p.field(rb.c[i] === 1 ? tEval : t + rb.c[i] * h, yi);
        }
        let rhs = tf.add(fi, tf.mul(dT as tf.Tensor, h * rb.d[i]));
        for (let j = 0; j < i; j++) if (rb.C[i][j] !== 0) rhs = tf.add(rhs, tf.mul(us[j], rb.C[i][j] / h));
        us.push(batchedSolve(W, rhs));
        p.stats.nsolve++;
      }
      const combine = (base: tf.Tensor, w: readonly number[]) => w.reduce((acc: tf.Tensor, c, j) => (c === 0 ? acc : tf.add(acc, tf.mul(us[j], c))), base);
      const y1 = combine(y, rb.b);
      let K: tf.Tensor[] | null = null;
      return {
        y1,
        newton: null,
        err: combine(tf.zerosLike(y), rb.bErr),
        dense(theta) {
          // (1−θ) y0 + θ (y1 + (1−θ)(K0 + θ (K1 + θ K2))), K_r = Σ_i H_ri u_i
          K ??= rb.H.map((row) => combine(tf.zerosLike(y), row));
          const inner = tf.add(K[0], tf.mul(tf.add(K[1], tf.mul(K[2], theta)), theta));
          return tf.add(tf.mul(y, 1 - theta), tf.mul(tf.add(y1, tf.mul(inner, 1 - theta)), theta));
        },
        coefficients() {
          // The same polynomial expanded: y0 + θ(y1 − y0 + K0) + θ²(K1 − K0) + θ³(K2 − K1) − θ⁴K2.
          K ??= rb.H.map((row) => combine(tf.zerosLike(y), row));
          return tf.stack([y, tf.add(tf.sub(y1, y), K[0]), tf.sub(K[1], K[0]), tf.sub(K[2], K[1]), tf.neg(K[2])], 0);
        },
        // W = I/(hγ) − J: solving with it gives (I − hγJ)⁻¹ hγ r.
        denseError() {
          return denseDefect(p, this.coefficients(), t, h, (r) => batchedSolve(W, r));
        },
      };
    },
    release() {
      for (const x of [f0, J, dT]) if (x && !x.isDisposed) x.dispose();
      f0 = J = dT = null;
    },
  };
}

/**
 * ESDIRK on tensors: simplified Newton per stage on `z = h f(t_i, base + γ z)` with `I − hγJ` (the Jacobian blocks
 * at the step's start), from the predictor and, if that fails, from `z = 0`; one host read per iteration for the
 * convergence test (scipy's rate test, tolerance as on float64 with a float32 round-off floor).
 */
function esdirkTensor(tab: EsdirkTableau, p: TensorProblem): TensorStepper {
  const s = tab.c.length;
  const maxIter = 7;
  const newtonTol = Math.max((10 * 2 ** -23) / p.rtol, 0.01 * Math.min(0.03, Math.sqrt(p.rtol)));
  let f0: tf.Tensor | null = null;
  let J: tf.Tensor3D | null = null;
  return {
    errorExponent: tab.embeddedOrder + 1,
    begin(t, y) {
      [f0, J] = tf.tidy(() => [p.field(t, y), p.jacobian(t, y)]) as [tf.Tensor, tf.Tensor3D];
    },
    attempt(t, y, h, tEval, atJump, plan) {
      p.stats.nlu++;
      const M = tf.sub(tf.expandDims(tf.eye(p.d), 0), tf.mul(J as tf.Tensor3D, h * tab.gamma)) as tf.Tensor3D;
      const scale = tf.add(p.atol, tf.mul(p.rtol, tf.abs(y)));
      const records: NewtonRecord[] = [];
      // Simplified Newton from `start`; with `iterations` (a replay) exactly that many, untested. Records what it took.
      const newton = (base: tf.Tensor, ti: number, start: tf.Tensor, fromZero: boolean, iterations?: number): tf.Tensor | null => {
        let z = start;
        let prev = 0;
        let eta = 1;
        for (let it = 0; it < (iterations ?? maxIter); it++) {
          const r = tf.sub(tf.mul(p.field(ti, tf.add(base, tf.mul(z, tab.gamma))), h), z);
          p.stats.nNewton++;
          const dz = batchedSolve(M, r);
          p.stats.nsolve++;
          z = tf.add(z, dz);
          if (iterations !== undefined) continue;
          const ndz = tf.sqrt(tf.mean(tf.square(tf.div(dz, scale)))).dataSync()[0];
          if (!Number.isFinite(ndz)) return null;
          if (it > 0) {
            const rate = ndz / prev;
            if (rate >= 1 || (rate ** (maxIter - it) / (1 - rate)) * ndz > newtonTol) return null;
            eta = rate / (1 - rate);
          }
          if (ndz === 0 || (it > 0 && eta * ndz < newtonTol)) {
            records.push({ iterations: it + 1, fromZero });
            return z;
          }
          prev = ndz;
        }
        return iterations !== undefined ? z : null;
      };
      const zs: tf.Tensor[] = [tf.mul(f0 as tf.Tensor, h)];
      let Y = y;
      let Yhat = y;
      for (let i = 1; i < s; i++) {
        const base = tab.a[i].reduce((acc: tf.Tensor, c, j) => (c === 0 ? acc : tf.add(acc, tf.mul(zs[j], c))), y);
        const ti = stageTime(tab.c[i], t, h, tEval, atJump);
        const guess = tab.predictors[i].reduce((acc: tf.Tensor, c, j) => (c === 0 ? acc : tf.add(acc, tf.mul(zs[j], c))), tf.zerosLike(y));
        const planned = plan?.[i - 1];
        // The iterations off the tape: the stage's value only (differentiating through them is wrong, see below).
        const zStar = untaped(() =>
          planned
            ? newton(base, ti, planned.fromZero ? tf.zerosLike(y) : guess, planned.fromZero, planned.iterations)
            : (newton(base, ti, guess, false) ?? (tab.predictors[i].length > 0 ? newton(base, ti, tf.zerosLike(y), true) : null)),
        );
        if (zStar === null) return null;
        // One full Newton step from the converged z* (a constant to the tape) with the Jacobian at the stage, whose
        // derivative is the implicit function's: dz = (I − hγJ(Y_i))⁻¹ h (∂f/∂θ + J(Y_i) d base). The tape through
        // simplified Newton's iterations (with the step's first Jacobian) does not converge to it where J changes
        // within the step: on OREGO at rtol 1e-6 it gave dL/dθ = 9.8e13 where float32 differences give −60.5.
        const Ystar = tf.add(base, tf.mul(zStar, tab.gamma));
        const Mi = untaped(() => tf.sub(tf.expandDims(tf.eye(p.d), 0), tf.mul(p.jacobian(ti, Ystar), h * tab.gamma)) as tf.Tensor3D);
        p.stats.nlu++;
        const z = tf.add(zStar, batchedSolve(Mi, tf.sub(tf.mul(p.field(ti, Ystar), h), zStar)));
        p.stats.nsolve++;
        zs.push(z);
        const Yi = tf.add(base, tf.mul(z, tab.gamma));
        if (i === tab.embeddedStage) Yhat = Yi;
        if (i === s - 1) Y = Yi;
      }
      // The order-4 dense output over the stages (kvaerno5.ts): c_0 = y, c_k = Σ_i dense[i][k − 1] z_i.
      const coefficients = () =>
        tf.tidy(() => tf.stack([y, ...tab.dense[0].map((_, k) => tf.addN(zs.map((z, i) => tf.mul(z, tab.dense[i][k]))))], 0));
      return {
        y1: Y,
        newton: plan ?? records,
        err: tf.sub(Y, Yhat),
        dense: (x) => tf.tidy(() => evaluateDense(coefficients(), x)),
        coefficients,
        denseError: () => denseDefect(p, coefficients(), t, h, (r) => batchedSolve(M, tf.mul(r, h * tab.gamma))),
      };
    },
    release() {
      for (const x of [f0, J]) if (x && !x.isDisposed) x.dispose();
      f0 = J = null;
    },
  };
}

/** A step's dense output at `theta` from its coefficients `[c_0, c_1, …]` (stacked on axis 0): `Σ c_k θ^k` (Horner). */
export function evaluateDense(coefficients: tf.Tensor, theta: number): tf.Tensor {
  return tf.tidy(() => {
    const cs = tf.unstack(coefficients, 0);
    let acc = cs[cs.length - 1];
    for (let k = cs.length - 2; k >= 0; k--) acc = tf.add(tf.mul(acc, theta), cs[k]);
    return acc;
  });
}

/**
 * The Jacobian blocks `[batch, d, d]` of a field whose rows are independent systems, by `d` vector-Jacobian products:
 * row `i` of every block is the gradient of `Σ_b f(t, y)[b, i]` with respect to `y` (rows do not mix, so the sum
 * separates them). `d` evaluations of `f`, each with its backward pass.
 */
export function blockJacobian(f: (t: number, y: tf.Tensor) => tf.Tensor, t: number, y: tf.Tensor): tf.Tensor3D {
  const [batch, d] = y.shape as [number, number];
  return onOwnTape(() =>
    tf.tidy(() => {
      const rows: tf.Tensor[] = [];
      for (let i = 0; i < d; i++) rows.push(tf.grad((v: tf.Tensor) => tf.sum(tf.slice(f(t, v), [0, i], [batch, 1])))(y));
      return tf.stack(rows, 1) as tf.Tensor3D;
    }),
  );
}

/**
 * Under an active tape (the `tape` gradient mode, a checkpoint replay), runs `body` on a tape of its own whose nodes
 * are then appended to the outer one, so the outer gradient still reaches through them (second order, through the
 * Jacobian). tfjs's `tf.grad` inside a tape searches the whole active tape for the path from `x` to `y`: with the
 * solve's tape growing step by step, the Jacobians made the tape mode quadratic in the number of steps (Robertson to
 * 1e5 with kvaerno5: 716 s forward for 266 steps; with this, as fast as off the tape).
 */
function onOwnTape<T>(body: () => T): T {
  const state = (tf.engine() as unknown as { state: { activeTape: unknown[] | null; gradientDepth: number; kernelDepth: number } }).state;
  const outer = state.activeTape;
  if (outer === null || state.gradientDepth === 0 || state.kernelDepth > 0) return body();
  state.activeTape = [];
  try {
    const out = body();
    for (const node of state.activeTape) outer.push(node);
    return out;
  } finally {
    state.activeTape = outer;
  }
}
