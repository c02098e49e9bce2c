import type { Field, StateAlgebra } from './algebra';
import { denseWeights } from './dense-output';
import type { Tableau } from './tableau';

/**
 * The dense output of one accepted explicit Runge–Kutta step from `t0` to `t1 = t0 + h`: the state anywhere in
 * the step from the step's stages, by the tableau's interpolation. `f(t1, y1)` (non-FSAL tableaus) and the extra
 * stages of an `extra-stages` interpolation (dopri8's and dop853's) are evaluated on first use only, so a step in which no
 * output, event or dense evaluation falls costs nothing more.
 */
export interface StepInterpolant<S> {
  readonly t0: number;
  readonly t1: number;
  readonly h: number;
  /** The state at the start of the step (owned by the interpolant). */
  readonly y0: S;
  /** The state at the end of the step (owned by the interpolant). */
  readonly y1: S;
  /**
   * The state at `t` (in the step; extrapolates outside it): a new state that the caller owns.
   * @param t - the time, normally in `[t0, t1]`; outside the step the interpolation extrapolates.
   */
  at(t: number): S;
}

/**
 * A step interpolant that an observer can keep beyond the step (a dense solution holds one per step): the explicit
 * steppers' {@link RkStepInterpolant} and the stiff one-step methods' (whose dense output owns its states already).
 */
export interface KeepableStep<S> extends StepInterpolant<S> {
  /** A copy that outlives the step. */
  keep(): KeepableStep<S>;
  /** Frees a kept copy. */
  dispose(): void;
}

/** Counts evaluations of `f` made for the dense output (they go into the solve's `nfe`). */
export interface EvaluationCounter {
  nfe: number;
}

/**
 * A step's interpolant over the stepper's own stages. While the step is current the stepper owns the states; an
 * observer that wants the interpolant later calls {@link RkStepInterpolant.keep}, which copies what it reads.
 */
export class RkStepInterpolant<S> implements KeepableStep<S> {
  readonly t1: number;
  private f1: S | null;
  /** `f(t1, y1)` computed here (not a stage of the step): freed by `release` unless handed on. */
  private f1Computed = false;
  /** Extra stages (three, for dopri8 and dop853), computed on first use. */
  private extra: S[] | null = null;

  constructor(
    private readonly alg: StateAlgebra<S>,
    private readonly f: Field<S>,
    private readonly tab: Tableau,
    readonly t0: number,
    readonly h: number,
    readonly y0: S,
    private readonly ks: readonly S[],
    /** Where the step's last stage was evaluated (just before `t1` when it lands on a jump). */
    private readonly tEval: number,
    readonly y1: S,
    private readonly counter: EvaluationCounter,
    t1?: number,
  ) {
    this.t1 = t1 ?? t0 + h;
    this.f1 = tab.fsal ? ks[ks.length - 1] : null;
  }

  /** `f(t1, y1)` if it is already known (FSAL stage, or computed for an output): the stepper reuses it. */
  knownF1(): S | null {
    return this.f1;
  }

  private needF1(): S {
    if (this.f1 === null) {
      this.counter.nfe++;
      this.f1 = this.f(this.tEval, this.y1);
      this.f1Computed = true;
    }
    return this.f1;
  }

  private extraStages(): S[] {
    const interp = this.tab.interpolation;
    if (interp.kind !== 'extra-stages') return [];
    if (this.extra === null) {
      const all: S[] = [...this.ks];
      if (!this.tab.fsal) all.push(this.needF1());
      const extra: S[] = [];
      for (let i = 0; i < interp.c.length; i++) {
        const yi = this.alg.combine(this.y0, this.h, all, interp.a[i]);
        this.counter.nfe++;
        const k = this.f(this.t0 + interp.c[i] * this.h, yi);
        this.alg.dispose(yi);
        extra.push(k);
        all.push(k);
      }
      this.extra = extra;
    }
    return this.extra;
  }

  at(t: number): S {
    const theta = (t - this.t0) / this.h;
    const interp = this.tab.interpolation;
    if (interp.kind === 'extra-stages') {
      const extra = this.extraStages();
      const stages = this.tab.fsal ? [...this.ks, ...extra] : [...this.ks, this.needF1(), ...extra];
      return this.alg.combine(this.y0, this.h, stages, interp.b(theta));
    }
    const { w, wF1 } = denseWeights(this.tab, theta);
    if (wF1 !== 0) return this.alg.combine(this.y0, this.h, [...this.ks, this.needF1()], [...w, wF1]);
    return this.alg.combine(this.y0, this.h, this.ks, w);
  }

  /** The states at several times of the step at once (`alg.combineMany` when the algebra has it). */
  atMany(times: readonly number[]): S[] {
    if (times.length < 2 || !this.alg.combineMany) return times.map((t) => this.at(t));
    const interp = this.tab.interpolation;
    if (interp.kind === 'extra-stages') {
      const extra = this.extraStages();
      const stages = this.tab.fsal ? [...this.ks, ...extra] : [...this.ks, this.needF1(), ...extra];
      return this.alg.combineMany(this.y0, this.h, stages, times.map((t) => interp.b((t - this.t0) / this.h)));
    }
    const weights = times.map((t) => denseWeights(this.tab, (t - this.t0) / this.h));
    if (weights.every((w) => w.wF1 === 0)) return this.alg.combineMany(this.y0, this.h, this.ks, weights.map((w) => w.w));
    return this.alg.combineMany(this.y0, this.h, [...this.ks, this.needF1()], weights.map((w) => [...w.w, ...new Array<number>(this.ks.length - w.w.length).fill(0), w.wF1]));
  }

  /**
   * A copy that outlives the step (for a dense solution): `y0`, `y1`, the stages and `f(t1, y1)` when the
   * interpolation reads it (evaluated now if needed: the stepper then reuses it as the next first stage).
   */
  keep(): RkStepInterpolant<S> {
    const { alg, tab } = this;
    const interp = tab.interpolation;
    const readsF1 = !tab.fsal && interp.kind !== 'weights';
    if (readsF1) this.needF1();
    const copy = new RkStepInterpolant(alg, this.f, tab, this.t0, this.h, alg.copy(this.y0), this.ks.map((k) => alg.copy(k)), this.tEval, alg.copy(this.y1), this.counter, this.t1);
    if (this.f1 !== null && !tab.fsal) {
      copy.f1 = alg.copy(this.f1);
      copy.f1Computed = true;
    }
    if (this.extra !== null) copy.extra = this.extra.map((k) => alg.copy(k));
    return copy;
  }

  /**
   * Frees what the stepper no longer needs after the step: the stages, a computed `f(t1, y1)` and the extra stages,
   * except the states in `keep` (the next step's first stage). `y0` and `y1` are the stepper's to free.
   */
  release(keep: readonly (S | null)[]): void {
    for (const k of this.ks) if (!keep.includes(k)) this.alg.dispose(k);
    if (this.f1Computed && this.f1 !== null && !keep.includes(this.f1)) this.alg.dispose(this.f1);
    for (const k of this.extra ?? []) this.alg.dispose(k);
  }

  /** Frees a kept copy entirely (states included). */
  dispose(): void {
    this.release([]);
    this.alg.dispose(this.y0);
    this.alg.dispose(this.y1);
  }
}
