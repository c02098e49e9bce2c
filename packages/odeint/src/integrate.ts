import type { Field, StateAlgebra } from './algebra';
import { createController } from './controller';
import { OdeintError, SolveError } from './errors';
import { initialStep } from './initial-step';
import { STIFF_THRESHOLD, stiffAdvice, stiffnessIndicator } from './stiffness';
import type { ResolvedOdeintOptions } from './options';
import type { Tableau } from './tableau';
import { RkStepInterpolant } from './step-interpolant';

/** Counters of one solve. */
export interface SolveStats {
  /** Evaluations of the vector field `f` (including the initial step estimate). */
  nfe: number;
  /** Accepted steps. */
  nAccepted: number;
  /** Rejected steps (adaptive methods). */
  nRejected: number;
  /** Attempted steps: `nAccepted + nRejected`. */
  nSteps: number;
  /** Size of the first step taken (signed). */
  firstStep: number;
  /** Size of the last accepted step (signed). */
  lastStep: number;
  /** Stiff methods: Jacobian evaluations (a finite-difference one also adds `n` to `nfe`). */
  njev?: number;
  /** Stiff methods: LU factorisations. */
  nlu?: number;
  /** Stiff methods: linear solves with those factors. */
  nsolve?: number;
  /** Implicit methods (`kvaerno5`, `bdf`): Newton iterations. */
  nNewton?: number;
  /** Stiff methods: rejections because the error estimate was too large. */
  nRejectedError?: number;
  /** Implicit methods: rejections because the Newton iteration did not converge. */
  nRejectedConvergence?: number;
  /** `auto`: accepted steps taken by the stiff method (the others by tsit5). */
  nStiffSteps?: number;
  /** `auto`: switches between tsit5 and rodas5. */
  nSwitches?: number;
}

/** What the generic stepper returns: the state at each requested time and the counters. */
export interface IntegrateResult<S> {
  ys: S[];
  stats: SolveStats;
}

/** Context of a solve: the public function's name (for error messages) and an optional step observer. */
interface Ctx<S = unknown> {
  fn: string;
  /**
   * Called after each accepted step from `t0` to `t1` with the new state (owned by the stepper: copy it to keep
   * it). The `checkpoint` gradient mode records the steps and some states with it, to replay them exactly.
   */
  onAccept?: (t0: number, t1: number, y1: S) => void;
  /**
   * Called after each accepted step (after `onAccept`) with its dense output, valid during the call only (`keep` a
   * copy to use it later). Events and dense solutions observe the solve through it. Returning a time in
   * `[t0, t1]` of the step stops the solve there (a terminal event): outputs after that time are not produced,
   * so `ys` is shorter than `ts`.
   */
  onStep?: (step: RkStepInterpolant<S>) => number | undefined;
}

/**
 * How many outputs a solve that an observer stopped at `stopAt` produces: the index past the last of `ts[next …end)`
 * at or before `stopAt` (in direction `d`).
 */
export function outputsUpTo(ts: ArrayLike<number>, next: number, end: number, stopAt: number, d: number): number {
  let k = next;
  while (k < end && d * (ts[k] - stopAt) <= 0) k++;
  return k;
}

/** Times in `pts` strictly between `a` and `b` (in direction `d`), sorted in that direction, deduplicated. */
export function between(pts: readonly number[], a: number, b: number, d: number): number[] {
  const inside = pts.filter((p) => d * (p - a) > 0 && d * (b - p) > 0).sort((x, y) => d * (x - y));
  return inside.filter((p, i) => i === 0 || p !== inside[i - 1]);
}

/** The float just before `t` in direction `d`: where `f` is evaluated at the end of a step that lands on a jump. */
export function leftOf(t: number, d: number): number {
  return t - d * Math.max(Math.abs(t) * Number.EPSILON, Number.MIN_VALUE);
}

/**
 * One explicit Runge–Kutta step from `(t, y)` with first stage `k0 = f(t, y)`. Returns `y1` and all stages;
 * the caller owns (and frees) them.
 */
function rkStep<S>(
  alg: StateAlgebra<S>,
  f: Field<S>,
  tab: Tableau,
  t: number,
  y: S,
  h: number,
  k0: S,
  stats: SolveStats,
  tEnd: number,
): { y1: S; ks: S[] } {
  const s = tab.c.length;
  const ks: S[] = [k0];
  let y1: S | null = null;
  for (let i = 1; i < s; i++) {
    const yi = alg.combine(y, h, ks, tab.a[i]);
    const ti = tab.c[i] === 1 ? tEnd : t + tab.c[i] * h;
    stats.nfe++;
    ks.push(f(ti, yi));
    if (tab.fsal && i === s - 1) y1 = yi;
    else alg.dispose(yi);
  }
  if (y1 === null) y1 = alg.combine(y, h, ks, tab.b);
  return { y1, ks };
}

/** Everything one solve shares between its steps. */
interface Run<S> {
  alg: StateAlgebra<S>;
  f: Field<S>;
  tab: Tableau;
  ts: Float64Array;
  direction: 1 | -1;
  opts: ResolvedOdeintOptions;
  fn: string;
  onAccept?: (t0: number, t1: number, y1: S) => void;
  onStep?: (step: RkStepInterpolant<S>) => number | undefined;
  /** Outputs to produce: `ts.length`, or fewer once an observer stopped the solve. */
  end: number;
  stats: SolveStats;
  /** Outputs so far (`ys[i]` is the state at `ts[i]`). */
  ys: S[];
  /** Jump times: `f` is re-evaluated after landing on one. */
  jumps: ReadonlySet<number>;
  /** The caller's initial state (never freed here). */
  y0: S;
}

/** Shared by every solve without jump times (most of them): one allocation less per call. */
const NO_JUMPS: ReadonlySet<number> = new Set<number>();

/** The state between steps: time, state and its first stage `f(t, y)`. */
interface Position<S> {
  t: number;
  y: S;
  k0: S;
}

/**
 * Integrates `f` from `ts[0]` through every requested time with any tableau on any state algebra: the one
 * stepper behind `odeint` for float64 arrays and tensors, and behind the adjoint's backward solve.
 * `y0` stays owned by the caller; the returned states are new.
 * @param alg - the operations on states `S` (float64 arrays or tensor lists), with the tolerances and norm.
 * @param rawF - the vector field; its failures become `SolveError`s that say where the solve stopped.
 * @param y0 - the initial state at `ts[0]`, owned by the caller (never freed here).
 * @param ts - the requested times, strictly monotone in `direction`; `ts[0]` is the start.
 * @param direction - `1` for increasing times, `-1` for a backward solve.
 * @param tab - the explicit Runge–Kutta tableau; one with `bErr` is stepped adaptively, one without at a fixed step.
 * @param opts - the resolved options (tolerances, step size or grid, max steps, jump times, …).
 * @param ctx - `fn` (the caller named in errors) and the optional observers `onAccept` and `onStep`.
 */
export function integrate<S>(
  alg: StateAlgebra<S>,
  rawF: Field<S>,
  y0: S,
  ts: Float64Array,
  direction: 1 | -1,
  tab: Tableau,
  opts: ResolvedOdeintOptions,
  ctx: Ctx<S>,
): IntegrateResult<S> {
  const stats: SolveStats = { nfe: 0, nAccepted: 0, nRejected: 0, nSteps: 0, firstStep: 0, lastStep: 0 };
  const f = guardField(rawF, ctx.fn, stats);
  const run: Run<S> = { alg, f, tab, ts, direction, opts, fn: ctx.fn, onAccept: ctx.onAccept, onStep: ctx.onStep, end: ts.length, stats, ys: [alg.copy(y0)], jumps: opts.jumpTimes.length ? new Set(opts.jumpTimes) : NO_JUMPS, y0 };
  if (ts.length === 1) return { ys: run.ys, stats };
  stats.nfe++;
  const start: Position<S> = { t: ts[0], y: y0, k0: f(ts[0], y0) };
  const end = tab.bErr ? integrateAdaptive(run, start, tab.bErr) : integrateFixed(run, start);
  if (end.y !== y0) alg.dispose(end.y);
  return { ys: run.ys, stats };
}

/**
 * `f` with its failures reported as a {@link SolveError} that says when (`t`) and in which step (`h`, the last
 * accepted step's size): an exception of the user's `f` otherwise surfaces with no time attached.
 */
export function guardField<S>(f: Field<S>, fn: string, stats: SolveStats): Field<S> {
  return (t, y) => {
    try {
      return f(t, y);
    } catch (err) {
      if (err instanceof OdeintError || err instanceof SolveError) throw err;
      const why = err instanceof Error ? err.message : String(err);
      throw new SolveError('f-threw', t, stats.lastStep, `${fn}: f threw at t = ${t} (after ${stats.nAccepted} accepted steps): ${why}`, { cause: err });
    }
  };
}

/** Frees every stage except the ones still in use. */
function disposeStages<S>(alg: StateAlgebra<S>, ks: readonly S[], keep: readonly (S | null)[]): void {
  for (const k of ks) if (!keep.includes(k)) alg.dispose(k);
}

/**
 * After an accepted step from `p` to `(t1, y1)`: lets the observer see the step (it may stop the solve), emits the
 * outputs in `(t, t1]` by the step's dense output, finds the next first stage (the FSAL stage, the `f(t1, y1)` the
 * dense output needed, or a new evaluation; always new after a jump) and frees what is no longer used. Returns the
 * new position and the next output index.
 */
function advance<S>(run: Run<S>, p: Position<S>, h: number, t1: number, tEval: number, y1: S, ks: S[], next: number): { p: Position<S>; next: number } {
  const { alg, f, ts, direction, stats, ys } = run;
  const step = new RkStepInterpolant(alg, f, run.tab, p.t, h, p.y, ks, tEval, y1, stats, t1);
  const stopAt = run.onStep?.(step);
  if (stopAt !== undefined) run.end = outputsUpTo(ts, next, run.end, stopAt, direction);
  let last = next;
  while (last < run.end && direction * (ts[last] - t1) <= 0) last++;
  const inside = step.atMany(Array.from(ts.subarray(next, last)).filter((t) => t !== t1));
  for (let k = 0; next < last; next++) ys.push(ts[next] === t1 ? alg.copy(y1) : inside[k++]);
  let k0: S | null = null;
  if (next < run.end) {
    const f1 = step.knownF1();
    if (f1 !== null && !run.jumps.has(t1)) k0 = f1;
    else {
      stats.nfe++;
      k0 = f(t1, y1);
    }
  }
  step.release([k0]);
  if (p.y !== run.y0) alg.dispose(p.y);
  // k0 is null only when every output is written: the loop stops, `k0` is never read again.
  return { p: { t: t1, y: y1, k0: k0 as S }, next };
}

function tooManyFixedSteps(fn: string, n: number, maxSteps: number): OdeintError {
  return new OdeintError(
    'options.maxSteps',
    `${fn}: the fixed-step grid has ${n} steps, more than options.maxSteps = ${maxSteps}. Fix: raise maxSteps or use a larger stepSize.`,
  );
}

function integrateFixed<S>(run: Run<S>, start: Position<S>): Position<S> {
  const { alg, tab, ts, direction, opts, stats, ys } = run;
  const tStart = ts[0];
  const tEnd = ts[ts.length - 1];
  let inner: number[];
  if (opts.grid) {
    const g = opts.grid;
    const lo = Math.min(g[0], g[g.length - 1]);
    const hi = Math.max(g[0], g[g.length - 1]);
    if (Math.min(tStart, tEnd) < lo || Math.max(tStart, tEnd) > hi) {
      throw new OdeintError(
        'options.grid',
        `${run.fn}: options.grid spans [${lo}, ${hi}] but ts spans [${Math.min(tStart, tEnd)}, ${Math.max(tStart, tEnd)}]: ` +
          'outside the grid there would be one long step. Fix: extend the grid to cover every time in ts.',
      );
    }
    inner = between(g, tStart, tEnd, direction);
  } else if (opts.stepSize !== undefined) {
    const n = Math.max(1, Math.ceil(Math.abs(tEnd - tStart) / opts.stepSize - 1e-8));
    // Checked before the grid is built: a tiny step would otherwise allocate it whole first.
    if (n > opts.maxSteps) throw tooManyFixedSteps(run.fn, n, opts.maxSteps);
    inner = [];
    for (let i = 1; i < n; i++) inner.push(tStart + direction * i * opts.stepSize);
  } else {
    inner = Array.from(ts.subarray(1, ts.length - 1));
  }
  const grid = [tStart, ...between([...inner, ...opts.jumpTimes, ...opts.stepTimes], tStart, tEnd, direction), tEnd];
  if (grid.length - 1 > opts.maxSteps) throw tooManyFixedSteps(run.fn, grid.length - 1, opts.maxSteps);
  let p = start;
  let next = 1;
  let lastFinite = tStart; // latest time at which the state was checked finite
  for (let g = 0; g < grid.length - 1; g++) {
    const t1 = grid[g + 1];
    const h = t1 - p.t;
    if (g === 0) stats.firstStep = h;
    const tEval = run.jumps.has(t1) ? leftOf(t1, direction) : t1;
    const { y1, ks } = rkStep(alg, run.f, tab, p.t, p.y, h, p.k0, stats, tEval);
    stats.nAccepted++;
    stats.nSteps++;
    stats.lastStep = h;
    run.onAccept?.(p.t, t1, y1);
    const before = ys.length;
    ({ p, next } = advance(run, p, h, t1, tEval, y1, ks, next));
    // Arrays are checked every step; tensors only at the outputs (a check is a device sync).
    const toCheck = alg.cheapFiniteCheck ? [y1] : ys.slice(before);
    for (const state of toCheck) {
      if (!alg.allFinite(state)) {
        throw new SolveError(
          'non-finite-state',
          t1,
          h,
          `${run.fn}: the state became NaN or Inf between t = ${lastFinite} and t = ${t1} (step h = ${h}). ` +
            'Fix: check f for divisions by zero or overflow, or take smaller steps (stepSize).',
        );
      }
    }
    if (toCheck.length > 0) lastFinite = t1;
    if (next >= run.end) break;
  }
  return p;
}

function integrateAdaptive<S>(run: Run<S>, start: Position<S>, bErr: readonly number[]): Position<S> {
  const { alg, f, tab, ts, direction, opts, stats } = run;
  const k = (tab.embeddedOrder ?? tab.order - 1) + 1;
  const controller = createController(opts, k);
  const tStart = ts[0];
  const tEnd = ts[ts.length - 1];
  const stops = [...between([...opts.jumpTimes, ...opts.stepTimes], tStart, tEnd, direction), tEnd];
  let stop = 0;
  let p = start;
  let hAbs =
    opts.firstStep ??
    initialStep(alg, f, tStart, start.y, start.k0, direction, k, () => {
      stats.nfe++;
    });
  let next = 1;
  while (next < run.end) {
    if (stats.nSteps >= opts.maxSteps) {
      // Worth a few evaluations of f on the way out: a stiff problem needs another method, not more steps.
      let hRho = Number.NaN;
      try {
        hRho = stiffnessIndicator(alg, f, p.t, p.y, p.k0, stats.lastStep);
      } catch {
        // the message goes out without the diagnosis
      }
      throw new SolveError(
        'max-steps',
        p.t,
        direction * hAbs,
        `${run.fn}: reached options.maxSteps = ${opts.maxSteps} steps at t = ${p.t} (of ${tStart} → ${tEnd}; last h = ${stats.lastStep}). ` +
          (hRho > STIFF_THRESHOLD ? stiffAdvice(hRho) : 'Fix: raise maxSteps or loosen rtol/atol.'),
      );
    }
    hAbs = Math.max(opts.minStep, Math.min(hAbs, opts.maxStep ?? Number.POSITIVE_INFINITY));
    // Taken before the landing stretch: a step at minStep stretched by up to 1% onto a stop cannot shrink, since the
    // clamp and the stretch would give the same step again (rejected forever until maxSteps).
    const atMinStep = opts.minStep > 0 && hAbs <= opts.minStep;
    // Land exactly on the next stop (jump, step time or end); stretch by up to 1% to avoid a sliver step.
    const target = stops[stop];
    let landing = false;
    if (Math.abs(target - p.t) <= hAbs * 1.01) {
      hAbs = Math.abs(target - p.t);
      landing = true;
    }
    const h = direction * hAbs;
    if (!(hAbs > 4 * Number.EPSILON * Math.max(Math.abs(p.t), Number.MIN_VALUE))) {
      throw new SolveError(
        'step-underflow',
        p.t,
        h,
        `${run.fn}: the step size underflowed at t = ${p.t} (h = ${h}). ` +
          'Fix: loosen rtol/atol, set minStep, or check f for a singularity near this time.',
      );
    }
    if (stats.nSteps === 0) stats.firstStep = h;
    const t1 = landing ? target : p.t + h;
    const tEval = landing && run.jumps.has(t1) ? leftOf(t1, direction) : t1;
    const { y1, ks } = rkStep(alg, f, tab, p.t, p.y, h, p.k0, stats, tEval);
    stats.nSteps++;
    const ratio = alg.errorRatio(h, ks, bErr, p.y, y1);
    const finite = Number.isFinite(ratio);
    const forced = finite && (atMinStep || (opts.minStep > 0 && hAbs <= opts.minStep));
    const accepted = finite && (ratio <= 1 || forced);
    const factor = controller.factor(ratio, accepted);
    if (!accepted) {
      stats.nRejected++;
      disposeStages(alg, ks, [p.k0]);
      alg.dispose(y1);
      if (!finite && hAbs <= Math.max(opts.minStep, 1e-14 * Math.max(1, Math.abs(p.t)))) {
        throw new SolveError(
          'non-finite-state',
          p.t,
          h,
          `${run.fn}: the state became NaN or Inf at t = ${p.t} (even with h = ${h}). ` +
            'Fix: check f for divisions by zero, logs of negatives or overflow near this time.',
        );
      }
      hAbs *= factor;
      continue;
    }
    stats.nAccepted++;
    stats.lastStep = h;
    run.onAccept?.(p.t, t1, y1);
    ({ p, next } = advance(run, p, h, t1, tEval, y1, ks, next));
    if (landing) stop++;
    hAbs *= factor;
  }
  return p;
}
