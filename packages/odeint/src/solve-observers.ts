import type { StateAlgebra } from './algebra';
import { DenseRecord } from './dense-solution';
import { EventFinder, type EventReader, type SolveEvent } from './events';
import type { ResolvedOdeintOptions } from './options';
import type { KeepableStep } from './step-interpolant';

/** What watches a solve's steps: its events and its dense output, as the settings ask. */
export interface SolveObservers<S, Y> {
  /** The stepper's observer (absent when there is nothing to watch: the stepper then builds no interpolant copies). */
  onStep?: (step: KeepableStep<S>) => number | undefined;
  events: EventFinder<S, Y> | null;
  dense: DenseRecord<S> | null;
}

/** The observers that `opts.events` and `opts.dense` ask for, over the solve that starts at `(t0, y0)`. */
export function solveObservers<S, Y>(
  fn: string,
  opts: ResolvedOdeintOptions,
  alg: StateAlgebra<S>,
  direction: 1 | -1,
  t0: number,
  y0: S,
  reader: EventReader<S, Y>,
): SolveObservers<S, Y> {
  const events = opts.events.length > 0 ? new EventFinder(fn, opts.events, alg, reader, direction, t0, y0) : null;
  const dense = opts.dense ? new DenseRecord(fn, alg, direction, t0, alg.copy(y0)) : null;
  if (!events && !dense) return { events, dense };
  return {
    events,
    dense,
    onStep(step) {
      dense?.onStep(step);
      const stop = events?.onStep(step);
      if (stop !== undefined) dense?.stopAt(stop);
      return stop;
    },
  };
}

/** The dense output of a float64 solve (`solver({ dense: true })`). */
export interface Float64Dense {
  /** The solved span `[t0, t1]` (`t1`: where a terminal event stopped the solve, if one did). */
  readonly span: readonly [number, number];
  /** Accepted steps held (memory: about `stages + 2` states per step). */
  readonly steps: number;
  /** The accepted steps' boundaries, `t0` first (where the state is the step's own, not interpolated). */
  readonly times: readonly number[];
  /**
   * The state at `t` in the span, by the method's dense output.
   * @param t - the time, inside `span` (outside it the last or first step extrapolates).
   */
  evaluate(t: number): Float64Array;
  /**
   * The states at each of `ts`.
   * @param ts - the times, each inside `span`, in any order; one new state per time.
   */
  evaluate(ts: ArrayLike<number>): Float64Array[];
  /** Drops the kept steps. */
  dispose(): void;
}

/** What a float64 solution carries besides `ys` and `stats` when events or a dense output were asked for. */
export interface Float64Extras {
  /** `solver({ events })`: the events found, in time order (a terminal one last). */
  events?: SolveEvent<Float64Array>[];
  /** `solver({ dense: true })`: the kept dense output. */
  dense?: Float64Dense;
  /** `solver({ dense: true })`: the state at `t` (or at each of `ts`) anywhere in the solved span (`dense.evaluate`). */
  evaluate?: Float64Dense['evaluate'];
}

/** The extra fields of a float64 solution with events or a dense output. */
export function float64Extras(obs: SolveObservers<Float64Array, Float64Array>): Pick<Float64Extras, 'events' | 'dense' | 'evaluate'> {
  const out: Float64Extras = {};
  if (obs.events) out.events = obs.events.found;
  const record = obs.dense;
  if (record) {
    function evaluate(t: number): Float64Array;
    function evaluate(ts: ArrayLike<number>): Float64Array[];
    function evaluate(t: number | ArrayLike<number>): Float64Array | Float64Array[] {
      if (typeof t === 'number' || t == null || typeof t.length !== 'number') return record!.at(t as number);
      return Array.from({ length: t.length }, (_, i) => record!.at(t[i], `ts[${i}]`));
    }
    out.dense = denseView(record, evaluate);
    out.evaluate = evaluate;
  }
  return out;
}

/** The dense output a solution hands out (either state kind): the record's span, steps and times, and `evaluate`. */
export function denseView<S, E>(record: DenseRecord<S>, evaluate: E): { readonly span: [number, number]; readonly steps: number; readonly times: readonly number[]; evaluate: E; dispose(): void } {
  return {
    get span() {
      return record.span;
    },
    get steps() {
      return record.size;
    },
    get times() {
      return record.times;
    },
    evaluate,
    dispose: () => record.dispose(),
  };
}

/** Reads `g` on float64 states. */
export const float64EventReader: EventReader<Float64Array, Float64Array> = {
  value: (g, t, y) => g(t, y) as number,
  output: (y) => new Float64Array(y),
};
