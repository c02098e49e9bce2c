import type { Field, StateAlgebra } from './algebra';

/**
 * `|h|·ρ` with `ρ` an estimate of the spectral radius of `∂f/∂y` at `(t, y)`, by a few steps of power iteration on
 * finite differences of `f` (Shampine's test): an explicit method whose steps are held near its stability boundary
 * (`|h|ρ` of order 1 to 4) is limited by stability, not accuracy; the problem is stiff there. Costs `iterations`
 * evaluations of `f`; used only once a solve has failed, to say what to do instead. NaN when it cannot tell.
 */
export function stiffnessIndicator<S>(alg: StateAlgebra<S>, f: Field<S>, t: number, y: S, f0: S, h: number, iterations = 8): number {
  let v = alg.copy(f0);
  let rho = Number.NaN;
  const yNorm = Math.max(1, alg.scaledNorm(y, y));
  try {
    for (let i = 0; i < iterations; i++) {
      const vNorm = alg.scaledNorm(v, y);
      if (!(vNorm > 0) || !Number.isFinite(vNorm)) break;
      const eps = (Math.sqrt(Number.EPSILON) * yNorm) / vNorm;
      const yp = alg.combine(y, eps, [v], [1]);
      const fp = f(t, yp);
      // w = (f(y + εv) − f(y)) / ε ≈ J v
      const w = alg.combine(null, 1 / eps, [fp, f0], [1, -1]);
      alg.dispose(yp);
      alg.dispose(fp);
      alg.dispose(v);
      v = w;
      rho = alg.scaledNorm(w, y) / vNorm;
    }
  } finally {
    alg.dispose(v);
  }
  return Math.abs(h) * rho;
}

/** Above this `|h|ρ` the last steps of an explicit method were held by its stability region: the problem is stiff. */
export const STIFF_THRESHOLD = 1.5;

/** What a failed explicit solve says when the problem looks stiff. */
export function stiffAdvice(hRho: number): string {
  return (
    `The problem looks stiff here: the steps are held by the method's stability limit (|h|·ρ(∂f/∂y) ≈ ${hRho.toPrecision(2)}), not by accuracy. ` +
    "Fix: use a stiff method: method: 'rodas5' (or 'kvaerno5'), or method: 'auto' to switch between tsit5 and rodas5 as needed (float64 array states)."
  );
}
