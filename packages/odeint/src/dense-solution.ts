import type { StateAlgebra } from './algebra';
import { OdeintError, show } from './errors';
import type { KeepableStep } from './step-interpolant';

/**
 * A solve's dense output (`solver({ dense: true })`): every accepted step's interpolant, kept (its start and end
 * states and stages: memory proportional to the number of steps), so that the state can be evaluated anywhere in
 * the solved span. DOP853's extra stages are evaluated only for the steps that an evaluation falls in.
 */
export class DenseRecord<S> {
  private readonly steps: KeepableStep<S>[] = [];
  /** Where the solved span ends: the last step's end, or the time of a terminal event. */
  private end: number;
  private disposed = false;

  constructor(
    private readonly fn: string,
    private readonly alg: StateAlgebra<S>,
    private readonly direction: 1 | -1,
    readonly t0: number,
    private readonly y0: S,
  ) {
    this.end = t0;
  }

  /** The stepper's observer: keeps a copy of the step's interpolant. */
  onStep(step: KeepableStep<S>): void {
    this.steps.push(step.keep());
    this.end = step.t1;
  }

  /** The solve stopped at `t` (a terminal event) inside the last step. */
  stopAt(t: number): void {
    this.end = t;
  }

  /** The span `[t0, t1]` (in the direction of the solve) that `at` serves. */
  get span(): [number, number] {
    return [this.t0, this.end];
  }

  /** The step boundaries `[t0, t1 of step 1, …]` (the last one is the span's end unless an event stopped it). */
  get times(): number[] {
    return [this.t0, ...this.steps.map((s) => s.t1)];
  }

  /**
   * The state at the start of each kept step (owned by the record, valid until {@link DenseRecord.dispose}): the
   * `checkpoint` gradient mode replays the steps from them.
   */
  get stepStarts(): S[] {
    return this.steps.map((s) => s.y0);
  }

  /** Number of steps held. */
  get size(): number {
    return this.steps.length;
  }

  /** The state at `t` (a new state the caller owns). */
  at(t: number, argument = 't'): S {
    if (this.disposed) throw new OdeintError('evaluate', `${this.fn}: sol.evaluate was called after sol.dense.dispose(). Fix: evaluate before disposing the dense output.`);
    const d = this.direction;
    if (typeof t !== 'number' || !Number.isFinite(t) || d * (t - this.t0) < 0 || d * (t - this.end) > 0) {
      throw new OdeintError(
        argument,
        `${this.fn}: sol.evaluate(${argument} = ${show(t)}) is outside the solved span [${Math.min(this.t0, this.end)}, ${Math.max(this.t0, this.end)}]. ` +
          'Fix: evaluate inside the span (solve further, or pass the times in ts).',
      );
    }
    if (t === this.t0 || this.steps.length === 0) return this.alg.copy(this.y0);
    // The first step whose end is at or beyond t.
    let lo = 0;
    let hi = this.steps.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (d * (this.steps[mid].t1 - t) >= 0) hi = mid;
      else lo = mid + 1;
    }
    const step = this.steps[lo];
    return t === step.t1 ? this.alg.copy(step.y1) : step.at(t);
  }

  /** Frees the kept states (tensors; a no-op on arrays beyond dropping them). */
  dispose(): void {
    if (this.disposed) return;
    for (const s of this.steps) s.dispose();
    this.steps.length = 0;
    this.disposed = true;
  }
}
