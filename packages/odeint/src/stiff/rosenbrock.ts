import { luFactor, luSolve, shiftedMatrix, type LU } from './linalg';
import { denseDefectError, type Attempt, type OneStepMethod } from './one-step';
import type { StiffProblem } from './problem';

/**
 * A Rosenbrock method as data, in Hairer & Wanner's transformed form (*Solving ODEs II*, IV.7 (7.25)): stage `i`
 * solves `(I/(hγ) − J) u_i = f(t + c_i h, y + Σ_{j<i} a_ij u_j) + Σ_{j<i} (C_ij/h) u_j + h d_i ∂f/∂t`; the solution
 * is `y + Σ b_i u_i`, the error estimate `Σ bErr_i u_i`, and the dense output
 * `y(θ) = (1−θ) y0 + θ (y1 + (1−θ)(K_0 + θ (K_1 + θ K_2)))` with `K_r = Σ_i H_ri u_i`.
 */
export interface RosenbrockCoefficients {
  readonly name: string;
  readonly description: string;
  readonly order: number;
  readonly embeddedOrder: number;
  readonly gamma: number;
  /** Row `i` has `i` entries. */
  readonly a: readonly (readonly number[])[];
  readonly C: readonly (readonly number[])[];
  readonly c: readonly number[];
  readonly d: readonly number[];
  readonly b: readonly number[];
  readonly bErr: readonly number[];
  /** Three rows of dense-output weights. */
  readonly H: readonly (readonly number[])[];
}

/** Checks the shapes and freezes a coefficient set. */
export function defineRosenbrock(r: RosenbrockCoefficients): RosenbrockCoefficients {
  const s = r.c.length;
  const rows = [r.a, r.C];
  if ([r.d, r.b, r.bErr, ...r.H].some((v) => v.length !== s) || rows.some((m) => m.length !== s || m.some((row, i) => row.length !== i))) {
    throw new Error(`Rosenbrock method ${r.name}: a, C (row i with i entries), c, d, b, bErr and the rows of H must have ${s} stages`);
  }
  for (const m of [...rows, r.H]) for (const row of m) Object.freeze(row);
  for (const v of [r.a, r.C, r.H, r.c, r.d, r.b, r.bErr]) Object.freeze(v);
  return Object.freeze(r);
}

/**
 * A Rosenbrock stepper on a float64 problem: per step one Jacobian at the step's start (kept through rejections,
 * which restart from the same point), one `∂f/∂t` by a forward difference, one LU of `I/(hγ) − J`, one solve per stage.
 */
export function rosenbrockMethod(rb: RosenbrockCoefficients, p: StiffProblem): OneStepMethod & { jacobianAt(t: number, y: Float64Array): Float64Array | null } {
  const { n, stats } = p;
  const s = rb.c.length;
  let jT = Number.NaN;
  let jY: Float64Array | null = null;
  let J: Float64Array | null = null;
  let dT: Float64Array | null = null;
  return {
    errorExponent: rb.embeddedOrder + 1,
    jacobianAt: (t, y) => (t === jT && y === jY ? J : null),
    step(t, y, f0, h, tEnd): Attempt {
      if (J === null || t !== jT || y !== jY) {
        J = p.jacobian(t, y, f0);
        dT = timeDerivative(p, t, y, f0, h);
        jT = t;
        jY = y;
      }
      const lu: LU = luFactor(shiftedMatrix(J, n, 1 / (h * rb.gamma), 1), n);
      stats.nlu++;
      if (lu.singular) return { ok: false };
      const us: Float64Array[] = [];
      const rhs = new Float64Array(n);
      const yi = new Float64Array(n);
      for (let i = 0; i < s; i++) {
        let fi = f0;
        if (i > 0) {
          const ai = rb.a[i];
          yi.set(y);
          for (let j = 0; j < i; j++) {
            const w = ai[j];
            if (w === 0) continue;
            const u = us[j];
            for (let k = 0; k < n; k++) yi[k] += w * u[k];
          }
          fi = p.f(rb.c[i] === 1 ? tEnd : t + rb.c[i] * h, yi);
        }
        const hd = h * rb.d[i];
        for (let k = 0; k < n; k++) rhs[k] = fi[k] + hd * (dT as Float64Array)[k];
        const Ci = rb.C[i];
        for (let j = 0; j < i; j++) {
          const w = Ci[j] / h;
          const u = us[j];
          for (let k = 0; k < n; k++) rhs[k] += w * u[k];
        }
        us.push(luSolve(lu, rhs));
        stats.nsolve++;
      }
      const y1 = combine(y, us, rb.b, n);
      const err = combine(null, us, rb.bErr, n);
      const ratio = p.weightedNorm(err, y, y1);
      let K: Float64Array[] | null = null;
      const dense = (theta: number) => {
        K ??= rb.H.map((row) => combine(null, us, row, n));
        const out = new Float64Array(n);
        const t1 = 1 - theta;
        for (let k = 0; k < n; k++) out[k] = t1 * y[k] + theta * (y1[k] + t1 * (K[0][k] + theta * (K[1][k] + theta * K[2][k])));
        return out;
      };
      return {
        ok: true,
        y1,
        ratio,
        dense,
        // The LU is of I/(hγ) − J: solving with it gives (I − hγJ)⁻¹ hγ r directly.
        denseError: () => denseDefectError(p, dense, t, h, y, y1, (r) => luSolve(lu, r)),
      };
    },
  };
}

/** `base + Σ w_j u_j` (or `Σ w_j u_j`). */
function combine(base: Float64Array | null, us: readonly Float64Array[], w: readonly number[], n: number): Float64Array {
  const out = base ? new Float64Array(base) : new Float64Array(n);
  for (let j = 0; j < w.length; j++) {
    if (w[j] === 0) continue;
    const u = us[j];
    for (let k = 0; k < n; k++) out[k] += w[j] * u[k];
  }
  return out;
}

/** `∂f/∂t` at `(t, y)` by a forward difference in the direction of integration (one evaluation of `f`). */
function timeDerivative(p: StiffProblem, t: number, y: Float64Array, f0: Float64Array, h: number): Float64Array {
  const delta = Math.sign(h) * Math.sqrt(Number.EPSILON) * Math.max(1, Math.abs(t));
  const tp = t + delta;
  const f1 = p.f(tp, y);
  const out = new Float64Array(p.n);
  const step = tp - t;
  for (let k = 0; k < p.n; k++) out[k] = (f1[k] - f0[k]) / step;
  return out;
}
