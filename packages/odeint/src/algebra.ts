/**
 * The few operations the generic stepper needs on a state `S`. Implemented once with plain loops on
 * `Float64Array` and once on lists of tfjs tensors (stage combinations fused into few ops, one host read per
 * adaptive step). Times and step sizes are always JS numbers.
 */
export interface StateAlgebra<S> {
  /**
   * `y + h Σ_j w[j] ks[j]` (or `h Σ_j w[j] ks[j]` when `y` is null). Zero weights are skipped; `w` may be
   * shorter than `ks`' usual length but never longer.
   * @param y - the base state, or `null` for the sum alone.
   * @param h - the step size (signed), a JS number.
   * @param ks - the stages (or any states) to combine.
   * @param w - a weight per state of `ks`, e.g. a tableau row `a[i]` or `b`; may be shorter than `ks`, never longer.
   */
  combine(y: S | null, h: number, ks: readonly S[], w: readonly number[]): S;
  /**
   * `y + h Σ_j ws[i][j] ks[j]` for every row `i` of `ws` at once (the dense outputs inside one step); absent: one
   * `combine` each. Tensors: one matrix product instead of a chain of ops per output.
   * @param y - the base state (the step's start).
   * @param h - the step size (signed), a JS number.
   * @param ks - the stages to combine.
   * @param ws - one row of weights per output (e.g. the dense-output weights at each requested time); one state out per
   *   row.
   */
  combineMany?(y: S, h: number, ks: readonly S[], ws: readonly (readonly number[])[]): S[];
  /**
   * The step's error ratio `‖h Σ bErr_j k_j / (atol + rtol·max(|y0|, |y1|))‖` (≤ 1 accepts). One host read.
   * Not a number when the step produced non-finite values.
   * @param h - the step size (signed), a JS number.
   * @param ks - the step's stages.
   * @param bErr - the tableau's error weights `b − b̂`, one per stage.
   * @param y0 - the state at the start of the step.
   * @param y1 - the proposed state at the end of the step.
   */
  errorRatio(h: number, ks: readonly S[], bErr: readonly number[], y0: S, y1: S): number;
  /**
   * `‖v / (atol + rtol·|y|)‖`: used by the initial step estimate.
   * @param v - the state-shaped quantity to measure (e.g. `y0` or `f(t0, y0)`).
   * @param y - the state that scales the relative tolerance.
   */
  scaledNorm(v: S, y: S): number;
  /**
   * Whether every component of `y` is finite (one host read).
   * @param y - the state to check.
   */
  allFinite(y: S): boolean;
  /**
   * A copy that the stepper hands out (outputs must not alias states it frees).
   * @param y - the state to copy; it stays owned by the caller.
   */
  copy(y: S): S;
  /** Whether `allFinite` is cheap enough to run after every fixed step (no device sync). */
  readonly cheapFiniteCheck: boolean;
  /**
   * Frees a state the stepper no longer uses (a no-op for arrays).
   * @param y - the state to free; it must not be used afterwards.
   */
  dispose(y: S): void;
}

/** A vector field on states `S`, with time as a JS number. */
export type Field<S> = (t: number, y: S) => S;
