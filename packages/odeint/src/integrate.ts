import type { Field, StateAlgebra } from './algebra';
import { createController } from './controller';
import { denseWeights } from './dense-output';
import { OdeintError } from './errors';
import { initialStep } from './initial-step';
import type { ResolvedOdeintOptions } from './options';
import type { Tableau } from './tableau';

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
}

/** What the generic stepper returns: the state at each requested time and the counters. */
export interface IntegrateResult<S> {
  ys: S[];
  stats: SolveStats;
}

/** Context for error messages (the public function's name). */
interface Ctx {
  fn: string;
}

/** Times in `pts` strictly between `a` and `b` (in direction `d`), sorted in that direction, deduplicated. */
function between(pts: readonly number[], a: number, b: number, d: number): number[] {
  const inside = pts.filter((p) => d * (p - a) > 0 && d * (b - p) > 0).sort((x, y) => d * (x - y));
  return inside.filter((p, i) => i === 0 || p !== inside[i - 1]);
}

/** The float just before `t` in direction `d`: where `f` is evaluated at the end of a step that lands on a jump. */
function leftOf(t: number, d: number): number {
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

/**
 * Integrates `f` from `ts[0]` through every requested time with any tableau on any state algebra: the one
 * stepper behind `odeint` for float64 arrays and tensors, and behind the adjoint's backward solve.
 * `y0` stays owned by the caller; the returned states are new.
 */
export function integrate<S>(
  alg: StateAlgebra<S>,
  f: Field<S>,
  y0: S,
  ts: Float64Array,
  direction: 1 | -1,
  tab: Tableau,
  opts: ResolvedOdeintOptions,
  ctx: Ctx,
): IntegrateResult<S> {
  const stats: SolveStats = { nfe: 0, nAccepted: 0, nRejected: 0, nSteps: 0, firstStep: 0, lastStep: 0 };
  const ys: S[] = [alg.copy(y0)];
  if (ts.length === 1) return { ys, stats };
  return tab.bErr
    ? integrateAdaptive(alg, f, y0, ts, direction, tab, opts, ctx, stats, ys)
    : integrateFixed(alg, f, y0, ts, direction, tab, opts, ctx, stats, ys);
}

/** Frees every stage except the ones still in use. */
function disposeStages<S>(alg: StateAlgebra<S>, ks: readonly S[], keep: readonly (S | null)[]): void {
  for (const k of ks) if (!keep.includes(k)) alg.dispose(k);
}

/** Emits the outputs that fall in `(t, t + h]` by the tableau's dense output. */
function emit<S>(
  alg: StateAlgebra<S>,
  f: Field<S>,
  tab: Tableau,
  ts: Float64Array,
  next: number,
  direction: number,
  t: number,
  h: number,
  t1: number,
  tEval: number,
  y: S,
  y1: S,
  ks: S[],
  f1Ref: { f1: S | null },
  stats: SolveStats,
  ys: S[],
): number {
  while (next < ts.length && direction * (ts[next] - t1) <= 0) {
    const tOut = ts[next];
    if (tOut === t1) {
      ys.push(alg.copy(y1));
    } else {
      const { w, wF1 } = denseWeights(tab, (tOut - t) / h);
      if (wF1 !== 0) {
        if (f1Ref.f1 === null) {
          stats.nfe++;
          f1Ref.f1 = f(tEval, y1);
        }
        ys.push(alg.combine(y, h, [...ks, f1Ref.f1], [...w, wF1]));
      } else {
        ys.push(alg.combine(y, h, ks, w));
      }
    }
    next++;
  }
  return next;
}

function integrateFixed<S>(
  alg: StateAlgebra<S>,
  f: Field<S>,
  y0: S,
  ts: Float64Array,
  direction: 1 | -1,
  tab: Tableau,
  opts: ResolvedOdeintOptions,
  ctx: Ctx,
  stats: SolveStats,
  ys: S[],
): IntegrateResult<S> {
  const tStart = ts[0];
  const tEnd = ts[ts.length - 1];
  let inner: number[];
  if (opts.grid) {
    inner = between(opts.grid, tStart, tEnd, direction);
  } else if (opts.stepSize !== undefined) {
    const n = Math.max(1, Math.ceil(Math.abs(tEnd - tStart) / opts.stepSize - 1e-8));
    inner = [];
    for (let i = 1; i < n; i++) inner.push(tStart + direction * i * opts.stepSize);
  } else {
    inner = Array.from(ts.subarray(1, ts.length - 1));
  }
  const jumps = new Set(opts.jumpTimes);
  const grid = [tStart, ...between([...inner, ...opts.jumpTimes, ...opts.stepTimes], tStart, tEnd, direction), tEnd];
  if (grid.length - 1 > opts.maxSteps) {
    throw new OdeintError(
      'options.maxSteps',
      `${ctx.fn}: the fixed-step grid has ${grid.length - 1} steps, more than options.maxSteps = ${opts.maxSteps}. ` +
        'Fix: raise maxSteps or use a larger stepSize.',
    );
  }
  let y = y0;
  stats.nfe++;
  let k0 = f(tStart, y0);
  let next = 1;
  for (let g = 0; g < grid.length - 1; g++) {
    const t = grid[g];
    const t1 = grid[g + 1];
    const h = t1 - t;
    if (g === 0) stats.firstStep = h;
    const tEval = jumps.has(t1) ? leftOf(t1, direction) : t1;
    const { y1, ks } = rkStep(alg, f, tab, t, y, h, k0, stats, tEval);
    stats.nAccepted++;
    stats.nSteps++;
    stats.lastStep = h;
    const f1Ref = { f1: tab.fsal ? ks[ks.length - 1] : null };
    const before = ys.length;
    next = emit(alg, f, tab, ts, next, direction, t, h, t1, tEval, y, y1, ks, f1Ref, stats, ys);
    // Arrays are checked every step; tensors only at the outputs (a check is a device sync).
    const toCheck = alg.cheapFiniteCheck ? [y1] : ys.slice(before);
    for (const state of toCheck) {
      if (!alg.allFinite(state)) {
        throw new OdeintError(
          'y0',
          `${ctx.fn}: the state became NaN or Inf between t = ${t} and t = ${t1} (h = ${h}). ` +
            'Fix: check f for divisions by zero or overflow, or take smaller steps (stepSize).',
        );
      }
    }
    const last = g === grid.length - 2;
    let nextK0: S | null = null;
    if (!last) {
      if (f1Ref.f1 !== null && !jumps.has(t1)) nextK0 = f1Ref.f1;
      else {
        stats.nfe++;
        nextK0 = f(t1, y1);
      }
    }
    disposeStages(alg, ks, [nextK0]);
    if (f1Ref.f1 !== null && f1Ref.f1 !== nextK0 && !ks.includes(f1Ref.f1)) alg.dispose(f1Ref.f1);
    if (y !== y0) alg.dispose(y);
    y = y1;
    if (nextK0 !== null) k0 = nextK0;
  }
  if (y !== y0) alg.dispose(y);
  return { ys, stats };
}

function integrateAdaptive<S>(
  alg: StateAlgebra<S>,
  f: Field<S>,
  y0: S,
  ts: Float64Array,
  direction: 1 | -1,
  tab: Tableau,
  opts: ResolvedOdeintOptions,
  ctx: Ctx,
  stats: SolveStats,
  ys: S[],
): IntegrateResult<S> {
  const bErr = tab.bErr as readonly number[];
  const k = (tab.embeddedOrder ?? tab.order - 1) + 1;
  const controller = createController(opts, k);
  const tStart = ts[0];
  const tEnd = ts[ts.length - 1];
  const jumps = new Set(opts.jumpTimes);
  const stops = [...between([...opts.jumpTimes, ...opts.stepTimes], tStart, tEnd, direction), tEnd];
  let stop = 0;
  let t = tStart;
  let y = y0;
  stats.nfe++;
  let k0 = f(tStart, y0);
  let hAbs =
    opts.firstStep ??
    initialStep(alg, f, tStart, y0, k0, direction, k, () => {
      stats.nfe++;
    });
  let next = 1;
  while (next < ts.length) {
    if (stats.nSteps >= opts.maxSteps) {
      throw new OdeintError(
        'options.maxSteps',
        `${ctx.fn}: reached options.maxSteps = ${opts.maxSteps} steps at t = ${t} (of ${tStart} → ${tEnd}; last h = ${stats.lastStep}). ` +
          'Fix: raise maxSteps, loosen rtol/atol, or use a stiff-aware formulation if the problem is stiff.',
      );
    }
    hAbs = Math.max(opts.minStep, Math.min(hAbs, opts.maxStep));
    // Land exactly on the next stop (jump, step time or end); stretch by up to 1% to avoid a sliver step.
    const target = stops[stop];
    let landing = false;
    if (Math.abs(target - t) <= hAbs * 1.01) {
      hAbs = Math.abs(target - t);
      landing = true;
    }
    const h = direction * hAbs;
    if (!(hAbs > 4 * Number.EPSILON * Math.max(Math.abs(t), Number.MIN_VALUE))) {
      throw new OdeintError(
        'options.rtol',
        `${ctx.fn}: the step size underflowed at t = ${t} (h = ${h}). ` +
          'Fix: loosen rtol/atol, set minStep, or check f for a singularity near this time.',
      );
    }
    if (stats.nSteps === 0) stats.firstStep = h;
    const t1 = landing ? target : t + h;
    const tEval = landing && jumps.has(t1) ? leftOf(t1, direction) : t1;
    const { y1, ks } = rkStep(alg, f, tab, t, y, h, k0, stats, tEval);
    stats.nSteps++;
    const ratio = alg.errorRatio(h, ks, bErr, y, y1);
    const finite = Number.isFinite(ratio);
    const forced = finite && opts.minStep > 0 && hAbs <= opts.minStep;
    const accepted = finite && (ratio <= 1 || forced);
    const factor = controller.factor(ratio, accepted);
    if (!accepted) {
      stats.nRejected++;
      disposeStages(alg, ks, [k0]);
      alg.dispose(y1);
      if (!finite && hAbs <= Math.max(opts.minStep, 1e-14 * Math.max(1, Math.abs(t)))) {
        throw new OdeintError(
          'y0',
          `${ctx.fn}: the state became NaN or Inf at t = ${t} (even with h = ${h}). ` +
            'Fix: check f for divisions by zero, logs of negatives or overflow near this time.',
        );
      }
      hAbs *= factor;
      continue;
    }
    stats.nAccepted++;
    stats.lastStep = h;
    const f1Ref = { f1: tab.fsal ? ks[ks.length - 1] : null };
    next = emit(alg, f, tab, ts, next, direction, t, h, t1, tEval, y, y1, ks, f1Ref, stats, ys);
    let nextK0: S | null = null;
    if (next < ts.length) {
      if (f1Ref.f1 !== null && !(landing && jumps.has(t1))) nextK0 = f1Ref.f1;
      else {
        stats.nfe++;
        nextK0 = f(t1, y1);
      }
    }
    disposeStages(alg, ks, [nextK0]);
    if (f1Ref.f1 !== null && f1Ref.f1 !== nextK0 && !ks.includes(f1Ref.f1)) alg.dispose(f1Ref.f1);
    if (y !== y0) alg.dispose(y);
    y = y1;
    t = t1;
    if (nextK0 !== null) k0 = nextK0;
    if (landing) stop++;
    hAbs *= factor;
  }
  if (y !== y0) alg.dispose(y);
  return { ys, stats };
}
