import { luFactor, luSolve, shiftedMatrix, type LU } from './linalg';
import { denseDefectError, type Attempt, type OneStepMethod } from './one-step';
import type { StiffProblem } from './problem';

/**
 * A stiffly accurate ESDIRK method as data. With `z_i = h f(t + c_i h, Y_i)`, stage `i` is
 * `Y_i = y + Σ_{j<i} a_ij z_j + γ z_i` (stage 0 explicit: `Y_0 = y`); the solution is the last stage, the embedded
 * one stage `embeddedStage`. `predictors[i]` weights earlier `z_j` into the Newton iteration's starting `z_i`.
 */
export interface EsdirkTableau {
  readonly name: string;
  readonly description: string;
  readonly order: number;
  readonly embeddedOrder: number;
  readonly gamma: number;
  readonly c: readonly number[];
  /** Row `i` has `i` entries (the diagonal `γ` is implied). */
  readonly a: readonly (readonly number[])[];
  readonly embeddedStage: number;
  readonly predictors: readonly (readonly number[])[];
  /**
   * The dense output's weights: `y(θ) = y + Σ_i b_i(θ) z_i` with `b_i(θ) = Σ_k dense[i][k] θ^(k+1)`; `b_i(1)` must be
   * the last row of `a` (with `γ`), so that `y(1)` is the step's solution.
   */
  readonly dense: readonly (readonly number[])[];
}

/** Checks the shapes and freezes an ESDIRK tableau. */
export function defineEsdirk(t: EsdirkTableau): EsdirkTableau {
  const s = t.c.length;
  if (t.a.length !== s || t.predictors.length !== s || t.dense.length !== s || t.a.some((row, i) => row.length !== i) || t.predictors.some((row, i) => row.length > i)) {
    throw new Error(`ESDIRK tableau ${t.name}: a (row i with i entries), predictors (at most i) and c must have ${s} stages`);
  }
  t.a.forEach((row, i) => {
    const sum = row.reduce((x, v) => x + v, 0) + (i > 0 ? t.gamma : 0);
    if (Math.abs(sum - t.c[i]) > 1e-12) throw new Error(`ESDIRK tableau ${t.name}: row ${i} sums to ${sum}, c[${i}] = ${t.c[i]}`);
  });
  t.dense.forEach((row, i) => {
    const atOne = row.reduce((x, v) => x + v, 0);
    const weight = i === s - 1 ? t.gamma : (t.a[s - 1][i] ?? 0);
    if (Math.abs(atOne - weight) > 1e-12) throw new Error(`ESDIRK tableau ${t.name}: dense row ${i} sums to ${atOne} at θ = 1, the solution's weight is ${weight}`);
  });
  for (const m of [t.a, t.predictors, t.dense]) for (const row of m) Object.freeze(row);
  for (const v of [t.a, t.predictors, t.dense, t.c]) Object.freeze(v);
  return Object.freeze(t);
}

/** Most Newton iterations per stage before the step counts as not converging. */
const NEWTON_MAX_ITER = 7;
/** A contraction rate above this on an accepted step asks for a new Jacobian at the next step. */
const SLOW_RATE = 0.3;

/**
 * An ESDIRK stepper on a float64 problem with simplified Newton: the Jacobian is kept across stages and steps until
 * convergence slows or fails, the LU of `I − hγJ` until `h` changes (the driver holds `h` for factors in [1, 1.2]).
 * A Newton failure with an old Jacobian retries with a fresh one; with a fresh one it is a rejection.
 */
export function esdirkMethod(tab: EsdirkTableau, p: StiffProblem): OneStepMethod {
  const { n, stats } = p;
  const s = tab.c.length;
  const rtolMin = Math.min(...p.rtol);
  // scipy's Radau tolerance min(0.03, √rtol) scaled by 1/100: looser ones gave wrong answers at rtol 1e-4 (Robertson
  // off by 2e-2, Van der Pol's phase by 1e-1) from stages converged too roughly; this costs ~30% more iterations.
  const newtonTol = Math.max((10 * Number.EPSILON) / rtolMin, 0.01 * Math.min(0.03, Math.sqrt(rtolMin)));
  let J: Float64Array | null = null;
  let jT = Number.NaN;
  let jY: Float64Array | null = null;
  let refresh = false;
  let lu: LU | null = null;
  let luH = Number.NaN;
  let eta = 1;
  let slowest = 0;
  const scale = new Float64Array(n);
  const norm = (v: Float64Array): number => {
    let acc = 0;
    for (let k = 0; k < n; k++) acc += (v[k] / scale[k]) ** 2;
    return Math.sqrt(acc / n);
  };

  /** The predictor's starting `z`: a combination of the earlier stages' `z`. */
  function predict(weights: readonly number[], zs: readonly Float64Array[]): Float64Array {
    const z = new Float64Array(n);
    for (let j = 0; j < weights.length; j++) if (weights[j] !== 0) for (let k = 0; k < n; k++) z[k] += weights[j] * zs[j][k];
    return z;
  }

  /** Simplified Newton for `z = h f(ti, base + γ z)` from `z` (updated in place); null when it does not converge. */
  function newton(base: Float64Array, ti: number, h: number, z: Float64Array): Float64Array | null {
    const Yi = new Float64Array(n);
    let prev = 0;
    for (let it = 0; it < NEWTON_MAX_ITER; it++) {
      for (let k = 0; k < n; k++) Yi[k] = base[k] + tab.gamma * z[k];
      const fY = p.f(ti, Yi);
      stats.nNewton++;
      const r = new Float64Array(n);
      for (let k = 0; k < n; k++) r[k] = h * fY[k] - z[k];
      const dz = luSolve(lu as LU, r);
      stats.nsolve++;
      const ndz = norm(dz);
      if (!Number.isFinite(ndz)) return null;
      for (let k = 0; k < n; k++) z[k] += dz[k];
      if (it > 0) {
        const rate = ndz / prev;
        slowest = Math.max(slowest, rate);
        // Diverging, or too slow to reach the tolerance in the iterations left (scipy's test).
        if (rate >= 1 || (rate ** (NEWTON_MAX_ITER - it) / (1 - rate)) * ndz > newtonTol) return null;
        eta = rate / (1 - rate);
      } else eta = Math.max(eta, Number.EPSILON) ** 0.8;
      if (ndz === 0 || eta * ndz < newtonTol) return z;
      prev = ndz;
    }
    return null;
  }

  /** The stages with the current LU; null when Newton fails. */
  function stages(t: number, y: Float64Array, f0: Float64Array, h: number, tEnd: number, atJump: boolean): { zs: Float64Array[]; Y: Float64Array; Yhat: Float64Array } | null {
    const zs: Float64Array[] = [new Float64Array(n)];
    for (let k = 0; k < n; k++) zs[0][k] = h * f0[k];
    let Y = y;
    let Yhat = y;
    for (let i = 1; i < s; i++) {
      const base = new Float64Array(y);
      const ai = tab.a[i];
      for (let j = 0; j < i; j++) if (ai[j] !== 0) for (let k = 0; k < n; k++) base[k] += ai[j] * zs[j][k];
      const ti = stageTime(tab.c[i], t, h, tEnd, atJump);
      // From the predictor first; if that fails, once more from z = 0 (the predictor extrapolates the earlier stages,
      // beyond the step for c_i > 1, and can start Newton outside its basin: Robertson at large steps).
      const z = newton(base, ti, h, predict(tab.predictors[i], zs)) ?? (tab.predictors[i].length > 0 ? newton(base, ti, h, new Float64Array(n)) : null);
      if (z === null) return null;
      const Yi = new Float64Array(n);
      for (let k = 0; k < n; k++) Yi[k] = base[k] + tab.gamma * z[k];
      zs.push(z);
      if (i === tab.embeddedStage) Yhat = new Float64Array(Yi);
      if (i === s - 1) Y = new Float64Array(Yi);
    }
    return { zs, Y, Yhat };
  }

  return {
    errorExponent: tab.embeddedOrder + 1,
    hold: 1.2,
    step(t, y, f0, h, tEnd, atJump): Attempt {
      for (let k = 0; k < n; k++) scale[k] = p.atol[k] + p.rtol[k] * Math.abs(y[k]);
      let fresh = t === jT && y === jY;
      if (J === null || (refresh && !fresh)) {
        J = p.jacobian(t, y, f0);
        jT = t;
        jY = y;
        fresh = true;
        refresh = false;
        lu = null;
      }
      slowest = 0;
      for (;;) {
        if (lu === null || luH !== h) {
          lu = luFactor(shiftedMatrix(J, n, 1, h * tab.gamma), n);
          luH = h;
          stats.nlu++;
        }
        const res = lu.singular ? null : stages(t, y, f0, h, tEnd, atJump);
        if (res !== null) {
          const { zs, Y, Yhat } = res;
          // The plain difference of the two stiffly accurate solutions. (Filtering it by (I − hγJ)⁻¹ as RADAU5 does
          // underestimated the error on Van der Pol's fast transitions: wrong phase at rtol 1e-4 and 1e-6.)
          const err = new Float64Array(n);
          for (let k = 0; k < n; k++) err[k] = Y[k] - Yhat[k];
          const factors = lu;
          const dense = (theta: number) => esdirkDense(tab, y, zs, theta);
          return {
            ok: true,
            y1: Y,
            ratio: p.weightedNorm(err, y, Y),
            dense,
            // The LU is of I − hγJ (J possibly from an earlier step: an estimate either way).
            denseError: () => denseDefectError(p, dense, t, h, y, Y, (r) => luSolve(factors, r.map((v) => v * h * tab.gamma))),
          };
        }
        if (fresh) {
          refresh = true;
          return { ok: false };
        }
        J = p.jacobian(t, y, f0);
        jT = t;
        jY = y;
        fresh = true;
        lu = null;
      }
    },
    accepted() {
      if (slowest > SLOW_RATE) refresh = true;
    },
  };
}

/**
 * Where stage `c` of a step from `t` evaluates `f`: `t + c h`, but at `tEnd` for `c = 1`, and for `c > 1` (kvaerno5's
 * third stage, 1.23) when the step lands on a jump: `f` is then never evaluated past the discontinuity (Newton on the
 * other side's field failed until the step underflowed).
 */
export function stageTime(c: number, t: number, h: number, tEnd: number, atJump: boolean): number {
  return c === 1 || (c > 1 && atJump) ? tEnd : t + c * h;
}

/** The step's dense output at `θ`: `y + Σ_i b_i(θ) z_i` with the tableau's `dense` weights. */
function esdirkDense(tab: EsdirkTableau, y: Float64Array, zs: readonly Float64Array[], theta: number): Float64Array {
  const out = new Float64Array(y);
  tab.dense.forEach((row, i) => {
    const w = row.reduceRight((acc, v) => (acc + v) * theta, 0);
    if (w !== 0) for (let k = 0; k < y.length; k++) out[k] += w * zs[i][k];
  });
  return out;
}
