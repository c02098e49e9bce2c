import type { Field, StateAlgebra } from './algebra';

/**
 * The standard initial step estimate (Hairer, Nørsett & Wanner, *Solving ODEs I*, II.4): one extra
 * evaluation of `f`. Returns `|h|`; `order` is the error estimate's order plus one.
 */
export function initialStep<S>(
  alg: Pick<StateAlgebra<S>, 'scaledNorm' | 'combine' | 'dispose'>,
  f: Field<S>,
  t0: number,
  y0: S,
  f0: S,
  direction: number,
  order: number,
  countEval: () => void,
): number {
  const d0 = alg.scaledNorm(y0, y0);
  const d1 = alg.scaledNorm(f0, y0);
  const h0 = d0 < 1e-5 || d1 < 1e-5 ? 1e-6 : 0.01 * (d0 / d1);
  const y1 = alg.combine(y0, direction * h0, [f0], [1]);
  countEval();
  const f1 = f(t0 + direction * h0, y1);
  const diff = alg.combine(f1, 1, [f0], [-1]);
  const d2 = alg.scaledNorm(diff, y0) / h0;
  alg.dispose(y1);
  alg.dispose(f1);
  alg.dispose(diff);
  const dmax = Math.max(d1, d2);
  const h1 = dmax <= 1e-15 ? Math.max(1e-6, h0 * 1e-3) : (0.01 / dmax) ** (1 / order);
  const h = Math.min(100 * h0, h1);
  return Number.isFinite(h) && h > 0 ? h : 1e-6;
}
