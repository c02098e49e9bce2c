import { OdeintError, show } from './errors';

/** The smallest value of a scalar or per-component tolerance (what a solve of a different state takes from it). */
export function smallestTolerance(tol: number | readonly number[]): number {
  return typeof tol === 'number' ? tol : Math.min(...tol);
}

/** Expands a scalar or per-component tolerance to one value per state component. */
export function expandTolerance(fn: string, name: string, tol: number | readonly number[], n: number): Float64Array {
  if (typeof tol === 'number') return new Float64Array(n).fill(tol);
  if (tol.length !== n) {
    throw new OdeintError(
      `options.${name}`,
      `${fn}: options.${name} = ${show(tol)} has ${tol.length} values but the state has ${n} components. ` +
        `Fix: pass one number, or exactly ${n} (one per component of the flattened state).`,
    );
  }
  return Float64Array.from(tol);
}
