import type { Tableau } from './tableau';

/**
 * Weights of a tableau's dense output at `θ = (t − t0)/h ∈ [0, 1]`: `y(θ) = y0 + h (Σ w_i k_i + wF1·f1)`,
 * with `f1 = f(t1, y1)` (only non-zero for non-FSAL tableaus; FSAL ones fold it into the last stage).
 */
export function denseWeights(tab: Tableau, theta: number): { w: number[]; wF1: number } {
  const s = tab.c.length;
  const x = theta;
  const x2 = x * x;
  const x3 = x2 * x;
  const interp = tab.interpolation;
  let w: number[];
  let wF1: number;
  if (interp.kind === 'weights') {
    return { w: interp.b(theta), wF1: 0 };
  } else if (interp.kind === 'extra-stages') {
    // Its weights also cover stages that only a step interpolant evaluates (see step-interpolant.ts).
    throw new Error(`tableau ${tab.name}: an 'extra-stages' dense output needs its extra stages; use RkStepInterpolant`);
  } else if (interp.kind === 'hermite') {
    // y0 + h01 (y1 − y0) + h (h10 f0 + h11 f1) with the cubic Hermite basis.
    const h01 = -2 * x3 + 3 * x2;
    w = tab.b.map((bi) => h01 * bi);
    w[0] += x3 - 2 * x2 + x;
    wF1 = x3 - x2;
  } else {
    // torchdiffeq's quartic through y0, y_mid, y1 with slopes f0, f1, rewritten as stage weights.
    const x4 = x2 * x2;
    const cb = -5 * x2 + 14 * x3 - 8 * x4;
    const cm = 16 * x2 - 32 * x3 + 16 * x4;
    w = tab.b.map((bi, i) => cb * bi + cm * interp.bMid[i]);
    w[0] += x - 4 * x2 + 5 * x3 - 2 * x4;
    wF1 = x2 - 3 * x3 + 2 * x4;
  }
  if (tab.fsal) {
    w[s - 1] += wF1;
    wF1 = 0;
  }
  return { w, wF1 };
}
