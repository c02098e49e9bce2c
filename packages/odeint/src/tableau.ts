/**
 * How a method evaluates its solution between the two ends of a step (dense output).
 *
 * - `hermite`: the cubic Hermite polynomial through `y0`, `y1`, `f(t0, y0)` and `f(t1, y1)` (3rd order).
 * - `quartic`: the quartic through `y0`, `y1`, a midpoint value `y0 + h Σ bMid_i k_i`, `f0` and `f1`
 *   (torchdiffeq's fit; 4th order for dopri5 with Shampine's midpoint weights).
 * - `weights`: the method's own continuous extension `y(θ) = y0 + h Σ b_i(θ) k_i` (e.g. tsit5).
 * - `extra-stages`: a continuous extension that needs more stages than the step, evaluated only when a state inside
 *   the step is asked for (three each for DOP853 and dopri8: `k_j = f(t0 + c_j h, y0 + h Σ a_j[i] K_i)` over the
 *   step's stages, then `f(t1, y1)` if not FSAL, then the earlier extra ones); `b(θ)` weighs all of them. `order` is
 *   the interpolant's.
 */
export type Interpolation =
  | { readonly kind: 'hermite' }
  | { readonly kind: 'quartic'; readonly bMid: readonly number[] }
  | { readonly kind: 'weights'; readonly b: (theta: number) => number[] }
  | {
      readonly kind: 'extra-stages';
      readonly order: number;
      readonly c: readonly number[];
      readonly a: readonly (readonly number[])[];
      readonly b: (theta: number) => number[];
    };

/**
 * An explicit Runge–Kutta method as data: the Butcher tableau plus what the stepper needs to know.
 *
 * Stage `i` is `k_i = f(t + c_i h, y + h Σ_{j<i} a_i[j] k_j)`; the solution is `y + h Σ b_i k_i`
 * and, for adaptive pairs, the error estimate is `h Σ bErr_i k_i` (`bErr = b − b̂`).
 */
export interface Tableau {
  /** Registry name (`dopri5`). */
  readonly name: string;
  /** One-line description for docs and the CLI. */
  readonly description: string;
  /** Nodes `c_i` (`c_0 = 0`). */
  readonly c: readonly number[];
  /** Lower-triangular coupling coefficients; row `i` has `i` entries. */
  readonly a: readonly (readonly number[])[];
  /** Weights of the propagated solution. */
  readonly b: readonly number[];
  /** `b − b̂`: weights of the local error estimate; absent for fixed-step methods. */
  readonly bErr?: readonly number[];
  /** Order of the propagated solution. */
  readonly order: number;
  /** Order of the embedded solution `b̂` (adaptive pairs only). */
  readonly embeddedOrder?: number;
  /** First Same As Last: the last stage is `f(t1, y1)` and is reused as the next step's first stage. */
  readonly fsal: boolean;
  /** Dense output used for requested times inside a step. */
  readonly interpolation: Interpolation;
}

/**
 * Freezes a tableau deeply so a registry entry cannot be changed by a caller.
 * @param t - the tableau; throws unless `a`, `b` and `bErr` have one entry per stage of `c` and row `a[i]` has `i`
 *   entries.
 */
export function defineTableau(t: Tableau): Tableau {
  const stages = t.c.length;
  if (t.a.length !== stages || t.b.length !== stages || (t.bErr && t.bErr.length !== stages)) {
    throw new Error(`tableau ${t.name}: c, a, b and bErr must all have ${stages} stages`);
  }
  t.a.forEach((row, i) => {
    if (row.length !== i) throw new Error(`tableau ${t.name}: row a[${i}] must have ${i} entries, has ${row.length}`);
  });
  for (const row of t.a) Object.freeze(row);
  for (const v of [t.c, t.a, t.b, t.bErr]) if (v) Object.freeze(v);
  if (t.interpolation.kind === 'quartic') Object.freeze(t.interpolation.bMid);
  if (t.interpolation.kind === 'extra-stages') for (const v of [t.interpolation.c, t.interpolation.a, ...t.interpolation.a]) Object.freeze(v);
  Object.freeze(t.interpolation);
  return Object.freeze(t);
}
