import { createController } from '../controller';
import { SolveError } from '../errors';
import { initialStep } from '../initial-step';
import type { ResolvedOdeintOptions } from '../options';
import type { StiffProblem } from './problem';
import { float64Algebra } from '../float64-algebra';
import { between, leftOf, outputsUpTo } from '../integrate';
import type { KeepableStep } from '../step-interpolant';

/** What one attempted step of a one-step stiff method gives back. */
export type Attempt =
  | {
      readonly ok: true;
      readonly y1: Float64Array;
      /** Error ratio (≤ 1 accepts); NaN when the step produced non-finite values. */
      readonly ratio: number;
      /** The step's dense output at `θ = (t − t0)/h ∈ [0, 1]`. */
      dense(theta: number): Float64Array;
      /** `f(t1, y1)` when the step computed it anyway (FSAL), to start the next one. */
      readonly f1?: Float64Array;
      /**
       * The dense output's error ratio inside the step (≤ 1: within the tolerance), for methods whose step-end error
       * estimate does not bound it (see {@link denseDefectError}); absent: not estimated.
       */
      denseError?(): number;
    }
  /** The implicit stages did not converge: a rejection that shrinks the step. */
  | { readonly ok: false };

/**
 * A one-step method on float64 states as the stiff driver uses it (Rosenbrock, ESDIRK, and the auto switch).
 * `step` may keep state between calls (a Jacobian, an LU); `accepted` tells it which attempt was kept.
 */
export interface OneStepMethod {
  /** Order of the error estimate plus one: the controller's exponent denominator. */
  readonly errorExponent: number;
  /** Step factors in `[1, hold]` leave `h` unchanged, so that an LU of `h`-dependent matrix stays valid. */
  readonly hold?: number;
  /**
   * One attempt from `(t, y)` of size `h`; stages at the step's end evaluate `f` at `tEnd` (just short of a jump when
   * the step lands on one: `atJump`, when stages beyond the end, `c_i > 1`, evaluate there too).
   */
  step(t: number, y: Float64Array, f0: Float64Array, h: number, tEnd: number, atJump: boolean): Attempt;
  /** Called once per accepted step, after `step` returned it. */
  accepted?(t1: number, y1: Float64Array, h: number): void;
}

/**
 * The adaptive loop of the one-step stiff methods on float64 states: step-size control by the shared controller,
 * steps that land exactly on jump/step times and the end, outputs by the method's dense output, convergence failures
 * as rejections. Returns the state at every time in `ts`, or up to the time where `onStep` (events, a dense solution:
 * it sees every accepted step's interpolant) stopped the solve.
 */
export function integrateOneStep(
  p: StiffProblem,
  method: OneStepMethod,
  y0: Float64Array,
  ts: Float64Array,
  direction: 1 | -1,
  opts: ResolvedOdeintOptions,
  onMaxSteps?: (t: number) => string,
  onStep?: (step: KeepableStep<Float64Array>) => number | undefined,
): Float64Array[] {
  const { stats } = p;
  const ys: Float64Array[] = [new Float64Array(y0)];
  if (ts.length === 1) return ys;
  let controller = createController(opts, method.errorExponent);
  const firstStep = (t: number, y: Float64Array, f0: Float64Array) =>
    initialStep(float64Algebra(p.n, p.atol, p.rtol, opts.norm), p.f, t, y, f0, direction, method.errorExponent, () => {});
  const tStart = ts[0];
  const tEnd = ts[ts.length - 1];
  const jumps = new Set(opts.jumpTimes);
  const stops = [...between([...opts.jumpTimes, ...opts.stepTimes], tStart, tEnd, direction), tEnd];
  let stop = 0;
  let t = tStart;
  let y = y0;
  let f0 = p.f(t, y);
  let hAbs = opts.firstStep ?? firstStep(t, y, f0);
  let next = 1;
  let end = ts.length;
  const checkDense = onStep !== undefined || ts.length > 2;
  while (next < end) {
    if (stats.nSteps >= opts.maxSteps) {
      throw new SolveError(
        'max-steps',
        t,
        direction * hAbs,
        `${p.fn}: reached options.maxSteps = ${opts.maxSteps} steps at t = ${t} (of ${tStart} → ${tEnd}; last h = ${stats.lastStep}). ` +
          (onMaxSteps?.(t) ?? 'Fix: raise maxSteps or loosen rtol/atol.'),
      );
    }
    hAbs = Math.max(opts.minStep, Math.min(hAbs, opts.maxStep ?? Number.POSITIVE_INFINITY));
    const atMinStep = opts.minStep > 0 && hAbs <= opts.minStep;
    const { h, t1, tEval, landing } = plannedStep(p.fn, t, hAbs, stops[stop], direction, jumps);
    hAbs = Math.abs(h);
    if (stats.nSteps === 0) stats.firstStep = h;
    const attempt = method.step(t, y, f0, h, tEval, tEval !== t1);
    stats.nSteps++;
    if (!attempt.ok) {
      stats.nRejected++;
      stats.nRejectedConvergence++;
      controller.factor(Number.NaN, false);
      hAbs *= 0.25;
      continue;
    }
    // Where the solve reads the dense output (outputs inside steps, events, a dense solution), its error counts too.
    const ratio = checkDense && attempt.denseError && attempt.ratio <= 1 ? Math.max(attempt.ratio, attempt.denseError()) : attempt.ratio;
    const finite = Number.isFinite(ratio);
    const accepted = finite && (ratio <= 1 || atMinStep || (opts.minStep > 0 && hAbs <= opts.minStep));
    let factor = controller.factor(ratio, accepted);
    if (!accepted) {
      stats.nRejected++;
      stats.nRejectedError++;
      if (!finite && hAbs <= Math.max(opts.minStep, 1e-14 * Math.max(1, Math.abs(t)))) {
        throw new SolveError(
          'non-finite-state',
          t,
          h,
          `${p.fn}: the state became NaN or Inf at t = ${t} (even with h = ${h}). Fix: check f for divisions by zero, logs of negatives or overflow near this time.`,
        );
      }
      hAbs *= factor;
      continue;
    }
    stats.nAccepted++;
    stats.lastStep = h;
    const y1 = attempt.y1;
    const stopAt = onStep?.(oneStepInterpolant(t, t1, h, y, y1, attempt.dense));
    if (stopAt !== undefined) end = outputsUpTo(ts, next, end, stopAt, direction);
    while (next < end && direction * (ts[next] - t1) <= 0) {
      ys.push(ts[next] === t1 ? new Float64Array(y1) : attempt.dense((ts[next] - t) / h));
      next++;
    }
    method.accepted?.(t1, y1, h);
    if (stopAt !== undefined) break;
    if (landing) stop++;
    t = t1;
    y = y1;
    if (next < end) f0 = attempt.f1 && !jumps.has(t1) ? attempt.f1 : p.f(t, y);
    if (landing && jumps.has(t1) && next < end) {
      // A jump in f: start again as at t0 (as bdf restarts), with a new first step and controller history. The old step
      // could be far too long for the new field's transient: rodas5 then accepted one step over it whose dense output
      // swung around the solution (false events, wrong outputs inside the step).
      hAbs = firstStep(t, y, f0);
      controller = createController(opts, method.errorExponent);
      continue;
    }
    if (method.hold !== undefined && factor >= 1 && factor <= method.hold) factor = 1;
    hAbs *= factor;
  }
  return ys;
}

/**
 * The error ratio (weighted norm over the step's `y0`, `y1`) of a step's dense output at its midpoint, from the
 * interpolant's defect `r = f(t, p(θ)) − p′(θ)` at θ = 1/2 (one evaluation of f, `p′` by a central difference of the
 * interpolant, one linear solve): `e = (I − hγJ)⁻¹ hγ r`, with the step's own factorisation (`solveScaled(r)`). On a stiff component (`∂f/∂y ≈ λ`, `|hλ| ≫ 1`) `r ≈ −λ e`
 * and this gives `e`; on a non-stiff one about `hγ r`. A stiffly accurate method's step-end estimate does not see it:
 * on y′ = −1e5 (y − cos t) − sin t at rtol 1e-4, rodas5 accepted steps of 4.9 whose end values were right to 5e-6 and
 * whose dense output missed cos t by 0.12 in between (events 0.03–0.26 late or early).
 */
export function denseDefectError(
  p: StiffProblem,
  dense: (theta: number) => Float64Array,
  t: number,
  h: number,
  y0: Float64Array,
  y1: Float64Array,
  solveScaled: (r: Float64Array) => Float64Array,
): number {
  const mid = dense(0.5);
  const d = 1e-3;
  const ahead = dense(0.5 + d);
  const behind = dense(0.5 - d);
  const fm = p.f(t + 0.5 * h, mid);
  const r = new Float64Array(mid.length);
  for (let k = 0; k < r.length; k++) r[k] = fm[k] - (ahead[k] - behind[k]) / (2 * d * h);
  p.stats.nsolve++;
  return p.weightedNorm(solveScaled(r), y0, y1);
}

/**
 * An accepted step's dense output as an observer's interpolant. The step's states and the arrays its dense output
 * reads are fresh per step and never written again, so keeping it copies nothing.
 */
function oneStepInterpolant(t0: number, t1: number, h: number, y0: Float64Array, y1: Float64Array, dense: (theta: number) => Float64Array): KeepableStep<Float64Array> {
  const step: KeepableStep<Float64Array> = {
    t0,
    t1,
    h,
    y0,
    y1,
    at: (t) => dense((t - t0) / h),
    keep: () => step,
    dispose: () => {},
  };
  return step;
}

/**
 * The next step from `t` of size about `hAbs` toward `target` (the next jump time, step time or end): stretched by up
 * to 1% to land exactly on it rather than leave a sliver; `tEval` is where stages at the step's end evaluate `f`
 * (just left of a jump time). A step too small to change `t` is a {@link SolveError}.
 */
export function plannedStep(
  fn: string,
  t: number,
  hAbs: number,
  target: number,
  direction: 1 | -1,
  jumps: ReadonlySet<number>,
): { h: number; t1: number; tEval: number; landing: boolean } {
  const landing = Math.abs(target - t) <= hAbs * 1.01;
  const h = direction * (landing ? Math.abs(target - t) : hAbs);
  if (!(Math.abs(h) > 4 * Number.EPSILON * Math.max(Math.abs(t), Number.MIN_VALUE))) {
    throw new SolveError(
      'step-underflow',
      t,
      h,
      `${fn}: the step size underflowed at t = ${t} (h = ${h}). Fix: loosen rtol/atol, set minStep, or check f for a singularity near this time.`,
    );
  }
  const t1 = landing ? target : t + h;
  return { h, t1, tEval: landing && jumps.has(t1) ? leftOf(t1, direction) : t1, landing };
}
