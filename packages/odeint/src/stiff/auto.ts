import { denseWeights } from '../dense-output';
import { float64Algebra } from '../float64-algebra';
import { stiffnessIndicator } from '../stiffness';
import type { Tableau } from '../tableau';
import type { Attempt, OneStepMethod } from './one-step';
import type { StiffProblem } from './problem';

/**
 * Threshold on `|h|ρ` above which a tsit5 step counts as held by stability (Hairer uses 3.25 for dopri5; the
 * stage-based estimate runs low, and accepted steps at tsit5's limit sit near 3, so a margin).
 */
const EXPLICIT_LIMIT = 2.5;
/** Accepted explicit steps at the limit (without 6 in a row below it) before switching to the stiff method. */
const TO_STIFF = 15;
/**
 * Every this many accepted explicit steps, `|h|ρ` is also measured by power iteration on `f` (6 evaluations): the
 * stage-based test sees only the direction the step moved in, and misses stiff components already damped out
 * (Robertson at tight tolerances). Two such measurements above the limit in a row switch.
 */
const PROBE_EVERY = 20;
/** Below this `|h|ρ(J)` the explicit method would be stable with the stiff method's step. */
const BACK_LIMIT = 2;
/** Accepted stiff steps in a row below `BACK_LIMIT` before switching back. */
const TO_EXPLICIT = 10;

/**
 * `auto`: an explicit pair (tsit5) with Hairer's stiffness test from its last two stages, which share `c = 1`:
 * `ρ ≈ ‖k_7 − k_6‖ / ‖y_1 − Y_6‖`. After {@link TO_STIFF} accepted steps held at the stability limit it switches to
 * the stiff method (rodas5); there, `ρ(J)` by power iteration on its Jacobian tells when the explicit method could
 * take the same steps, and after {@link TO_EXPLICIT} such steps it switches back (as OrdinaryDiffEq's
 * `AutoTsit5(Rodas5P())`). Both methods estimate errors of order 4, so one controller serves both.
 */
export function autoMethod(
  explicit: Tableau,
  stiff: OneStepMethod & { jacobianAt(t: number, y: Float64Array): Float64Array | null },
  p: StiffProblem,
): OneStepMethod {
  const { n, stats } = p;
  const s = explicit.c.length;
  const bErr = explicit.bErr as readonly number[];
  let mode: 'explicit' | 'stiff' = 'explicit';
  let lastHRho = 0;
  let atLimit = 0;
  let below = 0;
  let startT = Number.NaN;
  let startY: Float64Array | null = null;
  let lastF1: Float64Array | null = null;
  let sinceProbe = 0;
  let probesAbove = 0;
  const alg = float64Algebra(n, p.atol, p.rtol, 'rms');

  function explicitStep(t: number, y: Float64Array, f0: Float64Array, h: number, tEnd: number): Attempt {
    const ks: Float64Array[] = [f0];
    let yLast = y;
    let yPrev = y;
    for (let i = 1; i < s; i++) {
      const yi = new Float64Array(y);
      const ai = explicit.a[i];
      for (let j = 0; j < i; j++) if (ai[j] !== 0) for (let k = 0; k < n; k++) yi[k] += h * ai[j] * ks[j][k];
      ks.push(p.f(explicit.c[i] === 1 ? tEnd : t + explicit.c[i] * h, yi));
      yPrev = yLast;
      yLast = yi;
    }
    // FSAL: the last stage is evaluated at y1.
    const y1 = yLast;
    const err = new Float64Array(n);
    for (let j = 0; j < s; j++) if (bErr[j] !== 0) for (let k = 0; k < n; k++) err[k] += h * bErr[j] * ks[j][k];
    let num = 0;
    let den = 0;
    for (let k = 0; k < n; k++) {
      num += (ks[s - 1][k] - ks[s - 2][k]) ** 2;
      den += (y1[k] - yPrev[k]) ** 2;
    }
    lastHRho = den > 0 ? Math.abs(h) * Math.sqrt(num / den) : 0;
    lastF1 = ks[s - 1];
    return {
      ok: true,
      y1,
      ratio: p.weightedNorm(err, y, y1),
      f1: ks[s - 1],
      dense(theta) {
        const { w } = denseWeights(explicit, theta);
        const out = new Float64Array(y);
        for (let j = 0; j < w.length; j++) if (w[j] !== 0) for (let k = 0; k < n; k++) out[k] += h * w[j] * ks[j][k];
        return out;
      },
    };
  }

  return {
    errorExponent: (explicit.embeddedOrder ?? explicit.order - 1) + 1,
    step(t, y, f0, h, tEnd, atJump) {
      startT = t;
      startY = y;
      return mode === 'explicit' ? explicitStep(t, y, f0, h, tEnd) : stiff.step(t, y, f0, h, tEnd, atJump);
    },
    accepted(t1, y1, h) {
      if (mode === 'explicit') {
        if (lastHRho > EXPLICIT_LIMIT) {
          atLimit++;
          below = 0;
        } else if (++below >= 6) atLimit = 0;
        if (++sinceProbe >= PROBE_EVERY) {
          sinceProbe = 0;
          const probed = stiffnessIndicator(alg, p.f, t1, y1, lastF1 as Float64Array, h, 6);
          probesAbove = probed > EXPLICIT_LIMIT ? probesAbove + 1 : 0;
        }
        if (atLimit >= TO_STIFF || probesAbove >= 2) {
          probesAbove = 0;
          sinceProbe = 0;
          mode = 'stiff';
          stats.nSwitches = (stats.nSwitches ?? 0) + 1;
          atLimit = 0;
          below = 0;
        }
        return;
      }
      stats.nStiffSteps = (stats.nStiffSteps ?? 0) + 1;
      // The Jacobian the stiff step used was taken at the step's start: close enough to judge the next step.
      const J = startY && stiff.jacobianAt(startT, startY);
      const hRho = J ? Math.abs(h) * spectralRadius(J, n) : Number.POSITIVE_INFINITY;
      below = hRho < BACK_LIMIT ? below + 1 : 0;
      if (below >= TO_EXPLICIT) {
        mode = 'explicit';
        stats.nSwitches = (stats.nSwitches ?? 0) + 1;
        below = 0;
        atLimit = 0;
      }
    },
  };
}

/** `ρ(J)` estimated by 12 steps of power iteration from a fixed start (enough to tell 1 from 1000). */
function spectralRadius(J: Float64Array, n: number): number {
  let v = new Float64Array(n).fill(1 / Math.sqrt(n));
  let rho = 0;
  for (let it = 0; it < 12; it++) {
    const w = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let acc = 0;
      for (let j = 0; j < n; j++) acc += J[i * n + j] * v[j];
      w[i] = acc;
    }
    const norm = Math.hypot(...w);
    if (!(norm > 0)) return 0;
    rho = norm;
    for (let i = 0; i < n; i++) w[i] /= norm;
    v = w;
  }
  return rho;
}
