import { SolveError } from '../errors';
import { initialStep } from '../initial-step';
import { float64Algebra } from '../float64-algebra';
import { between, leftOf, outputsUpTo } from '../integrate';
import type { ResolvedOdeintOptions } from '../options';
import { luFactor, luSolve, shiftedMatrix, type LU } from './linalg';
import type { StiffProblem } from './problem';
import type { KeepableStep } from '../step-interpolant';

/**
 * `bdf`: variable-order (1–5), variable-step backward differentiation formulas in the quasi-constant step size
 * form with the NDF modification (Shampine & Reichelt, "The MATLAB ODE Suite", 1997), as scipy's `BDF`: the
 * solution is kept as modified divided differences `D`, rescaled when the step changes; each step solves its
 * implicit equation by at most 4 simplified Newton iterations with the Jacobian kept until Newton fails and the LU of
 * `I − (h/α_k) J` kept while `h` and the order stay; order and step are chosen from the error estimates of orders
 * `k−1`, `k`, `k+1` after `k+1` steps of equal size. Dense output: the interpolating polynomial of the differences.
 */
const MAX_ORDER = 5;
const NEWTON_MAX_ITER = 4;
const KAPPA = [0, -0.185, -1 / 9, -0.0823, -0.0415, 0];
const GAMMA = [0, 1, 1 + 1 / 2, 1 + 1 / 2 + 1 / 3, 1 + 1 / 2 + 1 / 3 + 1 / 4, 1 + 1 / 2 + 1 / 3 + 1 / 4 + 1 / 5];
const ALPHA = KAPPA.map((k, i) => (1 - k) * GAMMA[i]);
const ERROR_CONST = KAPPA.map((k, i) => k * GAMMA[i] + 1 / (i + 1));

/** The `(k+1) × (k+1)` matrix that maps differences at step `h` to step `factor·h` (with `U = R(1)`). */
function computeR(order: number, factor: number): number[][] {
  const m = order + 1;
  const M: number[][] = Array.from({ length: m }, (_, i) => Array.from({ length: m }, (__, j) => (i === 0 ? 1 : j === 0 ? (i - 1) / i : (i - 1 - factor * j) / i)));
  for (let i = 1; i < m; i++) for (let j = 0; j < m; j++) M[i][j] *= M[i - 1][j];
  return M;
}

/** Rescales the differences `D[0..order]` from step `h` to `factor·h` in place. */
function changeD(D: Float64Array[], order: number, factor: number, n: number): void {
  const R = computeR(order, factor);
  const U = computeR(order, 1);
  const m = order + 1;
  // RU = R·U; D[0..order] ← RUᵀ · D[0..order]
  const RU: number[][] = R.map((row) => U[0].map((_, j) => row.reduce((s, v, k) => s + v * U[k][j], 0)));
  const out = Array.from({ length: m }, () => new Float64Array(n));
  for (let i = 0; i < m; i++) for (let k = 0; k < m; k++) if (RU[k][i] !== 0) for (let c = 0; c < n; c++) out[i][c] += RU[k][i] * D[k][c];
  for (let i = 0; i < m; i++) D[i] = out[i];
}

/**
 * Integrates with `bdf`, returning the state at every time in `ts`, or up to the time where `onStep` (events, a dense
 * solution: it sees every accepted step's interpolant) stopped the solve.
 */
export function integrateBdf(
  p: StiffProblem,
  y0: Float64Array,
  ts: Float64Array,
  direction: 1 | -1,
  opts: ResolvedOdeintOptions,
  onStep?: (step: KeepableStep<Float64Array>) => number | undefined,
): Float64Array[] {
  const { n, stats } = p;
  const ys: Float64Array[] = [new Float64Array(y0)];
  if (ts.length === 1) return ys;
  const tStart = ts[0];
  const tEnd = ts[ts.length - 1];
  const jumps = new Set(opts.jumpTimes);
  const stops = [...between([...opts.jumpTimes, ...opts.stepTimes], tStart, tEnd, direction), tEnd];
  const maxStep = opts.maxStep ?? Number.POSITIVE_INFINITY;
  const rtolMin = Math.min(...p.rtol);
  const newtonTol = Math.max((10 * Number.EPSILON) / rtolMin, Math.min(0.03, Math.sqrt(rtolMin)));
  const scaleOf = (y: Float64Array): Float64Array => {
    const s = new Float64Array(n);
    for (let i = 0; i < n; i++) s[i] = p.atol[i] + p.rtol[i] * Math.abs(y[i]);
    return s;
  };
  const rms = (v: Float64Array, scale: Float64Array): number => {
    let acc = 0;
    for (let i = 0; i < n; i++) {
      const x = v[i] / scale[i];
      acc = opts.norm === 'rms' ? acc + x * x : Math.max(acc, Math.abs(x));
    }
    return opts.norm === 'rms' ? Math.sqrt(acc / n) : acc;
  };

  let t = tStart;
  let y: Float64Array = new Float64Array(y0);
  let f = p.f(t, y);
  let hAbs = Math.min(
    maxStep,
    opts.firstStep ?? initialStep(float64Algebra(n, p.atol, p.rtol, opts.norm), p.f, t, y, f, direction, 2, () => {}),
  );
  let D: Float64Array[] = [];
  let order = 1;
  let nEqual = 0;
  const restart = (): void => {
    D = Array.from({ length: MAX_ORDER + 3 }, () => new Float64Array(n));
    D[0].set(y);
    for (let i = 0; i < n; i++) D[1][i] = f[i] * hAbs * direction;
    order = 1;
    nEqual = 0;
  };
  restart();
  let J = p.jacobian(t, y, f);
  let lu: LU | null = null;
  let stop = 0;
  let next = 1;

  let end = ts.length;
  while (next < end) {
    if (hAbs > maxStep) {
      changeD(D, order, maxStep / hAbs, n);
      hAbs = maxStep;
      nEqual = 0;
      lu = null;
    }
    let currentJac = false;
    let accepted = false;
    let tNew = t;
    let yNew: Float64Array = y;
    let d: Float64Array = new Float64Array(n);
    let scale: Float64Array = y;
    let landing = false;
    let safety = opts.safety;
    while (!accepted) {
      if (stats.nSteps >= opts.maxSteps) {
        throw new SolveError(
          'max-steps',
          t,
          direction * hAbs,
          `${p.fn}: reached options.maxSteps = ${opts.maxSteps} steps at t = ${t} (of ${tStart} → ${tEnd}; last h = ${stats.lastStep}). Fix: raise maxSteps or loosen rtol/atol.`,
        );
      }
      const minStep = 10 * Math.max(Math.abs(t) * Number.EPSILON, Number.MIN_VALUE);
      if (hAbs < minStep) {
        throw new SolveError(
          'step-underflow',
          t,
          direction * hAbs,
          `${p.fn}: the step size underflowed at t = ${t} (h = ${direction * hAbs}). Fix: loosen rtol/atol, or check f for a singularity near this time.`,
        );
      }
      const target = stops[stop];
      landing = false;
      if (direction * (t + direction * hAbs - target) >= 0) {
        // Land exactly on the next stop: rescale the differences to the shortened step.
        const factor = Math.abs(target - t) / hAbs;
        if (factor !== 1) {
          changeD(D, order, factor, n);
          nEqual = 0;
          lu = null;
        }
        hAbs = Math.abs(target - t);
        landing = true;
      }
      const h = direction * hAbs;
      tNew = landing ? target : t + h;
      const tEval = landing && jumps.has(tNew) ? leftOf(tNew, direction) : tNew;
      if (stats.nSteps === 0) stats.firstStep = h;
      stats.nSteps++;

      const yPredict = new Float64Array(n);
      for (let k = 0; k <= order; k++) for (let i = 0; i < n; i++) yPredict[i] += D[k][i];
      scale = scaleOf(yPredict);
      const psi = new Float64Array(n);
      for (let k = 1; k <= order; k++) for (let i = 0; i < n; i++) psi[i] += (D[k][i] * GAMMA[k]) / ALPHA[order];
      const c = h / ALPHA[order];

      let converged = false;
      let iterations = 0;
      for (;;) {
        if (lu === null) {
          lu = luFactor(shiftedMatrix(J, n, 1, c), n);
          stats.nlu++;
        }
        // Simplified Newton for d = y − y_pred:  (I − cJ) Δ = c f(t, y) − psi − d.
        yNew = new Float64Array(yPredict);
        d = new Float64Array(n);
        let prev = Number.NaN;
        converged = false;
        iterations = 0;
        for (let it = 0; it < NEWTON_MAX_ITER; it++) {
          iterations = it + 1;
          const fy = p.f(tEval, yNew);
          stats.nNewton++;
          let finite = true;
          for (let i = 0; i < n; i++) if (!Number.isFinite(fy[i])) finite = false;
          if (!finite) break;
          const rhs = new Float64Array(n);
          for (let i = 0; i < n; i++) rhs[i] = c * fy[i] - psi[i] - d[i];
          const dy = lu.singular ? null : luSolve(lu, rhs);
          if (dy === null) break;
          stats.nsolve++;
          const dyNorm = rms(dy, scale);
          const rate = Number.isNaN(prev) ? Number.NaN : dyNorm / prev;
          if (!Number.isNaN(rate) && (rate >= 1 || (rate ** (NEWTON_MAX_ITER - it) / (1 - rate)) * dyNorm > newtonTol)) break;
          for (let i = 0; i < n; i++) {
            yNew[i] += dy[i];
            d[i] += dy[i];
          }
          if (dyNorm === 0 || (!Number.isNaN(rate) && (rate / (1 - rate)) * dyNorm < newtonTol)) {
            converged = true;
            break;
          }
          prev = dyNorm;
        }
        if (converged || currentJac) break;
        J = p.jacobian(tEval, yPredict, p.f(tEval, yPredict));
        currentJac = true;
        lu = null;
      }
      if (!converged) {
        stats.nRejected++;
        stats.nRejectedConvergence++;
        hAbs *= 0.5;
        changeD(D, order, 0.5, n);
        nEqual = 0;
        lu = null;
        continue;
      }
      safety = (opts.safety * (2 * NEWTON_MAX_ITER + 1)) / (2 * NEWTON_MAX_ITER + iterations);
      scale = scaleOf(yNew);
      const err = new Float64Array(n);
      for (let i = 0; i < n; i++) err[i] = ERROR_CONST[order] * d[i];
      const errorNorm = rms(err, scale);
      if (errorNorm > 1 && !(opts.minStep > 0 && hAbs <= opts.minStep)) {
        const factor = Math.max(opts.dfactor, safety * errorNorm ** (-1 / (order + 1)));
        stats.nRejected++;
        stats.nRejectedError++;
        hAbs *= factor;
        changeD(D, order, factor, n);
        nEqual = 0;
        // As scipy: Newton converged, so the LU (of the previous h) is kept for the retry.
        continue;
      }
      accepted = true;
    }

    stats.nAccepted++;
    const h = direction * hAbs;
    stats.lastStep = h;
    nEqual++;
    // D^{j+1} y_n = D^j y_n − D^j y_{n−1}: the new differences from d = D^{k+1} y_n.
    for (let i = 0; i < n; i++) D[order + 2][i] = d[i] - D[order + 1][i];
    D[order + 1] = new Float64Array(d);
    for (let k = order; k >= 0; k--) for (let i = 0; i < n; i++) D[k][i] += D[k + 1][i];

    const stopAt = onStep?.(bdfStep(t, tNew, h, y, yNew, D.slice(0, order + 1), order, n));
    if (stopAt !== undefined) end = outputsUpTo(ts, next, end, stopAt, direction);
    while (next < end && direction * (ts[next] - tNew) <= 0) {
      ys.push(ts[next] === tNew ? new Float64Array(yNew) : interpolate(D, order, tNew, h, ts[next], n));
      next++;
    }
    if (stopAt !== undefined) break;
    t = tNew;
    y = yNew;
    if (landing) {
      stop++;
      if (jumps.has(t) && next < end) {
        // After a jump in f the differences describe the old field: start again at order 1.
        f = p.f(t, y);
        restart();
        lu = null;
        continue;
      }
    }
    if (nEqual < order + 1) continue;

    const errM = order > 1 ? rms(scaled(D[order], ERROR_CONST[order - 1], n), scale) : Number.POSITIVE_INFINITY;
    const errP = order < MAX_ORDER ? rms(scaled(D[order + 2], ERROR_CONST[order + 1], n), scale) : Number.POSITIVE_INFINITY;
    const errK = rms(scaled(D[order + 1], ERROR_CONST[order], n), scale);
    const factors = [errM, errK, errP].map((e, i) => e ** (-1 / (order + i)));
    let best = 0;
    for (let i = 1; i < 3; i++) if (factors[i] > factors[best]) best = i;
    order += best - 1;
    const factor = Math.min(opts.ifactor, safety * factors[best]);
    hAbs *= factor;
    changeD(D, order, factor, n);
    nEqual = 0;
    lu = null;
  }
  return ys;
}

function scaled(v: Float64Array, c: number, n: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = c * v[i];
  return out;
}

/**
 * An accepted step's interpolant for an observer: the polynomial of the differences `D[0..order]` (the array
 * references taken at the step: the solver replaces or updates them in place afterwards, so `keep` copies them).
 */
function bdfStep(t0: number, t1: number, h: number, y0: Float64Array, y1: Float64Array, D: Float64Array[], order: number, n: number): KeepableStep<Float64Array> {
  const step = (diffs: Float64Array[]): KeepableStep<Float64Array> => ({
    t0,
    t1,
    h,
    y0,
    y1,
    at: (tq) => interpolate(diffs, order, t1, h, tq, n),
    keep: () => step(diffs.map((d) => new Float64Array(d))),
    dispose: () => {},
  });
  return step(D);
}

/** The interpolating polynomial of the differences at `tq` (scipy's `BdfDenseOutput`). */
function interpolate(D: Float64Array[], order: number, t: number, h: number, tq: number, n: number): Float64Array {
  const out = new Float64Array(D[0]);
  let prod = 1;
  for (let j = 0; j < order; j++) {
    prod *= (tq - (t - h * j)) / (h * (1 + j));
    for (let i = 0; i < n; i++) out[i] += D[j + 1][i] * prod;
  }
  return out;
}
