import * as tf from '@tensorflow/tfjs-core';
import { integrate, type SolveStats } from './integrate';
import { TABLEAUS } from './methods';
import { float64Algebra } from './float64-algebra';
import type { ResolvedOdeintOptions } from './options';
import { resolvedSettings, type Solver } from './solver';
import { AUTO_SEGMENT_STEPS, type CheckpointGradient } from './gradient';
import { OdeintError } from './errors';
import type { Tableau } from './tableau';
import { checkTimes } from './times';
import { tensorAlgebra, type TensorState } from './tensor-algebra';
import { checkTensorState, readTimes, rowField, type TensorField } from './tensor-field';
import { solveTensor, type TensorSolution } from './odeint-tensor';
import { differentiableSolution, untaped, type StatesAt } from './states-at';
import { denseRecordOf } from './tensor-observers';

/** Counters of a `checkpoint` gradient's backward pass. */
export interface CheckpointStats {
  /** States held as checkpoints at the end of the forward solve, `y0` not counted. */
  checkpoints: number;
  /** Accepted steps between two checkpoints (the last segment may be shorter). */
  stride: number;
  /**
   * Segments replayed under the tape (`checkpoints + 1`); `1` with `recomputedSteps: 0` when a short fixed-step solve
   * ran on the tape as it went (`replay: 'auto'`).
   */
  segments: number;
  /**
   * Steps recomputed in the backward pass: every accepted forward step once under the tape (rejected steps are never
   * replayed) and, for a segment replayed step by step, once more off the tape to restore its states.
   */
  recomputedSteps: number;
  /** Evaluations of `f` in those recomputations. */
  recomputedNfe: number;
  /**
   * Bytes held at the peak of the backward pass: the checkpoint states (`y0` included) plus the largest growth of
   * `tf.memory().numBytes` during a replay and its backpropagation (sampled when a replay's tape is complete, after
   * its backpropagation and after a segment's states are restored).
   */
  peakBytes: number;
}

/** Result of a solve in the `checkpoint` gradient mode: the forward solution, and the backward counters once a gradient ran. */
export interface CheckpointSolution extends TensorSolution {
  /** `null` until a gradient is computed. */
  checkpointStats: CheckpointStats | null;
}

/** Explicit tableaus replayed with fixed steps: the same tableau without its error estimate (never read then). */
const replayTableaus = new Map<string, Tableau>();

function replayTableau(method: string, fn: string): Tableau {
  const tab = (TABLEAUS as Record<string, Tableau | undefined>)[method];
  if (tab === undefined) {
    throw new OdeintError(
      'options.gradient',
      `${fn}: the checkpoint gradient mode replays explicit Runge–Kutta steps; '${method}' is not one. Fix: choose an explicit method such as dopri5, or gradient: 'tape'.`,
    );
  }
  let fixed = replayTableaus.get(method);
  if (!fixed) {
    const { bErr: _bErr, ...rest } = tab;
    fixed = Object.freeze(rest) as Tableau;
    replayTableaus.set(method, fixed);
  }
  return fixed;
}

/**
 * The online checkpoint schedule (explicit and stiff methods alike): keeps the state after every `stride`-th accepted
 * step; when more are held than the limit (`checkpoints`, or with `auto` the stride itself), drops every other one and
 * doubles the stride. With `auto`, about √n states are held and a segment is about √n steps long.
 */
export class CheckpointSchedule {
  stride = 1;
  /** Held states (clones) by the number of accepted steps before them. */
  readonly held = new Map<number, tf.Tensor>();
  constructor(private readonly limit: number | 'auto') {}
  /** The state `y` after `k` accepted steps (kept as a clone if `k` is on the stride). */
  accept(k: number, y: tf.Tensor): void {
    if (k % this.stride !== 0) return;
    this.held.set(k, tf.clone(y));
    while (this.held.size > (this.limit === 'auto' ? this.stride : this.limit)) {
      this.stride *= 2;
      for (const j of [...this.held.keys()]) if (j % this.stride !== 0) this.drop(j);
    }
  }
  drop(k: number): void {
    this.held.get(k)?.dispose();
    this.held.delete(k);
  }
  /** The held step counts, in order. */
  indices(): number[] {
    return [...this.held.keys()].sort((a, b) => a - b);
  }
}

/**
 * Adds a segment's parameter gradients `add` into the running sums `acc` (either may be null: no gradient), disposing
 * the summands; returns the new sums.
 */
export function addGradients(acc: readonly (tf.Tensor | null)[], add: readonly (tf.Tensor | null)[]): (tf.Tensor | null)[] {
  return acc.map((g, i) => {
    const a = add[i];
    if (!a) return g;
    if (!g) return a;
    const sum = tf.add(g, a);
    tf.dispose([g, a]);
    return sum;
  });
}

/**
 * Solves on tensors in the `checkpoint` gradient mode: the forward solve runs off the tape and records its accepted
 * steps and some states; the backward pass replays each segment between two checkpoints under the tape with exactly
 * those steps (no step-size decisions) and backpropagates through it, last segment first. The gradient is the tape's
 * (the same operations on the same numbers), the memory that of the checkpoints plus one segment's tape. Gradients
 * reach `y0` and `params`.
 *
 * Events and dense output: the events are located in the forward solve; their states are outputs of the same replay
 * as `ys` (their times added to the replay's output times, one backward pass for both), and their `time` follows
 * from the state by the implicit function theorem. With `dense: true` every accepted step is kept anyway (memory ∝
 * steps), so the kept steps' start states serve as the checkpoints (one step per segment, no schedule), and
 * `evaluate` reads the kept interpolants off the tape; each `evaluate` call's gradient replays the steps from the
 * start to its latest time once more under the tape, one step at a time (a forward solve's worth of `f` evaluations
 * and its backpropagation, per call).
 */
export function checkpointed(fn: string, f: TensorField, y0: tf.Tensor, ts: ArrayLike<number> | tf.Tensor1D, s: Solver, params: readonly tf.Variable[]): CheckpointSolution {
  const gradient = s.gradient as CheckpointGradient;
  const opts = resolvedSettings(s);
  const tab = replayTableau(s.method, fn);
  const { shape, n } = checkTensorState(fn, y0);
  const { ts: times, direction } = checkTimes(fn, readTimes(fn, ts));
  if (gradient.replay === 'auto' && s.stepping === 'fixed') {
    const steps = fixedStepCount(fn, times, direction, opts);
    if (steps <= AUTO_SEGMENT_STEPS) return tapedShortSolve(fn, f, y0, times, opts, steps);
  }
  // With a dense output every step is kept: its start states are the checkpoints.
  const schedule = opts.dense ? null : new CheckpointSchedule(gradient.checkpoints);
  // Step end times: scheduleTimes[k] is the time of the state after k accepted steps.
  const scheduleTimes = [times[0]];
  const onAccept = (_t0: number, t1: number, y1: TensorState) => {
    scheduleTimes.push(t1);
    schedule!.accept(scheduleTimes.length - 1, y1[0]);
  };
  const fwd = untaped(() => solveTensor(fn, f, y0, times, opts, {}, schedule ? onAccept : undefined));
  const solution: CheckpointSolution = { ys: fwd.ys, stats: fwd.stats, checkpointStats: null };
  let stepTimes: number[];
  let starts: number[];
  let states: tf.Tensor2D[];
  let stride: number;
  if (schedule) {
    stepTimes = scheduleTimes;
    // The final state's cotangent is the last output's: it is never a segment's start.
    schedule.drop(stepTimes.length - 1);
    starts = [0, ...schedule.indices()];
    states = starts.slice(1).map((k) => schedule.held.get(k)! as tf.Tensor2D);
    stride = schedule.stride;
  } else {
    const record = denseRecordOf(fwd.dense!);
    stepTimes = record.times;
    starts = Array.from({ length: Math.max(1, stepTimes.length - 1) }, (_, k) => k);
    states = record.stepStarts.slice(1).map((y) => y[0]);
    stride = 1;
  }
  const statesAt: StatesAt = (outTimes, values) => {
    const op = tf.customGrad((...args: unknown[]) => {
      const save = args[args.length - 1] as (ts: tf.Tensor[]) => void;
      // Kept by the engine until the gradient is taken (and freed by it if none is).
      save([args[0] as tf.Tensor, ...states]);
      return {
        value: tf.clone(values),
        gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
          const stats: CheckpointStats = { checkpoints: starts.length - 1, stride, segments: 0, recomputedSteps: 0, recomputedNfe: 0, peakBytes: 0 };
          const grads = backward(fn, f, dy as tf.Tensor, saved, starts, stepTimes, outTimes, direction, shape, n, params, tab, opts, gradient.replay, stats);
          solution.checkpointStats = stats;
          return grads;
        },
      };
    });
    return op(y0, ...params) as tf.Tensor2D;
  };
  const out = differentiableSolution(fwd, times, direction, shape, opts.events, statesAt);
  // The engine holds its own references to the checkpoints it needs (the dense output's stay with it).
  if (schedule) tf.dispose(states);
  return Object.assign(solution, out);
}

/**
 * The number of steps a fixed-step solve takes (its grid, jump and stop times), found by running the stepper on a
 * one-element float64 state: the grid does not depend on the state.
 */
function fixedStepCount(fn: string, times: Float64Array, direction: 1 | -1, opts: ResolvedOdeintOptions): number {
  const zero = new Float64Array(1);
  const one = Float64Array.of(1);
  return integrate(float64Algebra(1, one, one, 'rms'), () => zero, zero, times, direction, TABLEAUS.euler, opts, { fn }).stats.nAccepted;
}

/**
 * `replay: 'auto'` on a fixed-step solve of at most {@link AUTO_SEGMENT_STEPS} steps: the forward solve runs on the
 * tape, since its tape is no larger than the one segment `auto` would replay under the tape, and nothing is recomputed.
 * The stats say so (`segments: 1`, `recomputedSteps: 0`; `peakBytes`: the bytes the taped solve left allocated).
 */
function tapedShortSolve(fn: string, f: TensorField, y0: tf.Tensor, times: Float64Array, opts: ResolvedOdeintOptions, steps: number): CheckpointSolution {
  const before = tf.memory().numBytes;
  const fwd = solveTensor(fn, f, y0, times, opts);
  const stats: CheckpointStats = { checkpoints: 0, stride: steps, segments: 1, recomputedSteps: 0, recomputedNfe: 0, peakBytes: tf.memory().numBytes - before };
  // Events and dense output ride on the same tape (their gradients are the tape's, as the replay's would be).
  const solution: CheckpointSolution = { ...fwd, checkpointStats: null };
  // An identity whose gradient marks that the backward pass ran (the stats are null until then, as in the other cases).
  const mark = tf.customGrad((...args: unknown[]) => ({
    value: tf.clone(args[0] as tf.Tensor),
    gradFunc: (dy: tf.Tensor | tf.Tensor[]) => {
      solution.checkpointStats = stats;
      return [tf.clone(dy as tf.Tensor)];
    },
  }));
  solution.ys = mark(fwd.ys) as tf.Tensor;
  fwd.ys.dispose();
  return solution;
}

/**
 * The backward pass: segments from last to first. With `replay: 'segment'` each is replayed under a nested tape at
 * once; with `'step'` its states are first recomputed off the tape and then each step is replayed under the tape alone;
 * `'auto'` picks by the segment's length.
 * Returns the gradients for `[y0, ...params]`.
 */
function backward(
  fn: string,
  f: TensorField,
  dy: tf.Tensor,
  saved: tf.Tensor[],
  starts: number[],
  stepTimes: number[],
  times: Float64Array,
  direction: 1 | -1,
  shape: number[],
  n: number,
  params: readonly tf.Variable[],
  tab: Tableau,
  opts: ResolvedOdeintOptions,
  replay: CheckpointGradient['replay'],
  stats: CheckpointStats,
): tf.Tensor[] {
  const N = times.length;
  const base = tf.memory().numBytes;
  const held = saved.reduce((sum, t) => sum + t.size * 4, 0);
  let growth = 0;
  const sample = () => {
    growth = Math.max(growth, tf.memory().numBytes - base);
  };
  const dyRows = tf.reshape(dy, [N, n]) as tf.Tensor2D;
  const row = (i: number) => tf.slice(dyRows, [i, 0], [1, n]) as tf.Tensor2D;
  const field = rowField(fn, f, shape, n);
  const alg = tensorAlgebra({ atol: [1], rtol: [1], norm: 'rms' });
  const ctx = { fn: `${fn} (checkpoint replay)` };
  const last = stepTimes.length - 1;
  // Cotangent of the state at the end of the span being replayed (typed wide: it is assigned in the closures below).
  let adjoint = null as tf.Tensor2D | null;
  let paramGrads: (tf.Tensor | null)[] = params.map(() => null);
  // Exactly the recorded steps a → b, as a fixed-step solve on their grid.
  const stepsOf = (a: number, b: number): ResolvedOdeintOptions => ({ ...opts, grid: stepTimes.slice(a, b + 1), stepSize: undefined, maxSteps: b - a + 1 });

  /** Backpropagates through the steps a → b from `yStart` (the state after step a), replayed under a nested tape. */
  const backpropagate = (yStart: tf.Tensor2D, a: number, b: number): void => {
    const tA = stepTimes[a];
    const tB = stepTimes[b];
    // Outputs in (tA, tB]: those strictly inside are the replay's outputs, one at tB adds to the end's cotangent.
    const inside: number[] = [];
    let atEnd = -1;
    for (let i = 1; i < N; i++) {
      if (direction * (times[i] - tA) > 0 && direction * (times[i] - tB) < 0) inside.push(i);
      else if (times[i] === tB) atEnd = i;
    }
    const cotangent = tf.tidy(() => {
      const end = adjoint && atEnd >= 0 ? tf.add(adjoint, row(atEnd)) : (adjoint ?? (atEnd >= 0 ? row(atEnd) : tf.zeros([1, n])));
      return tf.concat([...inside.map(row), end as tf.Tensor2D], 0);
    });
    const spanTimes = Float64Array.from([tA, ...inside.map((i) => times[i]), tB]);
    let spanStats: SolveStats | null = null;
    const { value, grads } = nestedGradients(
      () => {
        const res = integrate(alg, field, [yStart], spanTimes, direction, tab, stepsOf(a, b), ctx);
        spanStats = res.stats;
        const out = tf.concat(res.ys.slice(1).map((y) => y[0]), 0);
        sample(); // the span's tape is complete
        return out;
      },
      [yStart, ...params],
      cotangent,
    );
    sample();
    tf.dispose([value, cotangent]);
    adjoint?.dispose();
    adjoint = grads[0] as tf.Tensor2D;
    paramGrads = addGradients(paramGrads, grads.slice(1));
    stats.recomputedSteps += spanStats!.nAccepted;
    stats.recomputedNfe += spanStats!.nfe;
  };

  /** The states after steps a+1 … b−1, recomputed off the tape (the backward pass records nothing). */
  const restore = (yStart: tf.Tensor2D, a: number, b: number): tf.Tensor2D[] => {
    const states: tf.Tensor2D[] = [];
    const res = integrate(alg, field, [yStart], Float64Array.of(stepTimes[a], stepTimes[b - 1]), direction, tab, stepsOf(a, b - 1), {
      ...ctx,
      onAccept: (_t0, _t1, y1) => states.push(tf.clone(y1[0])),
    });
    for (const y of res.ys) alg.dispose(y);
    stats.recomputedSteps += res.stats.nAccepted;
    stats.recomputedNfe += res.stats.nfe;
    sample();
    return states;
  };

  try {
    for (let j = starts.length - 1; j >= 0; j--) {
      const a = starts[j];
      const b = j + 1 < starts.length ? starts[j + 1] : last;
      // A segment that starts at or after the last output has nothing to propagate (e.g. `evaluate` at early times).
      if (b === a || direction * (stepTimes[a] - times[N - 1]) >= 0) {
        if (j > 0) saved[j].dispose();
        continue;
      }
      const yStart = tf.reshape(saved[j], [1, n]) as tf.Tensor2D;
      if (replay === 'segment' || b - a === 1 || (replay === 'auto' && b - a <= AUTO_SEGMENT_STEPS)) backpropagate(yStart, a, b);
      else {
        const states = [yStart, ...restore(yStart, a, b)];
        for (let k = b - 1; k >= a; k--) {
          backpropagate(states[k - a], k, k + 1);
          if (k > a) states[k - a].dispose();
        }
      }
      yStart.dispose();
      // The checkpoint is no longer needed (the engine's later dispose of it is a no-op).
      if (j > 0) saved[j].dispose();
      stats.segments++;
    }
    stats.peakBytes = held + growth;
    const y0Grad = tf.tidy(() => tf.reshape(adjoint ? tf.add(adjoint, row(0)) : row(0), shape));
    return [y0Grad, ...params.map((p, i) => paramGrads[i] ?? tf.zerosLike(p))];
  } finally {
    adjoint?.dispose();
    dyRows.dispose();
  }
}

/**
 * `tf.engine().gradients` called from inside another gradient's backward pass: tfjs would reset and then null the
 * outer tape (`gradients()` assumes no nesting at depth 0), so the outer tape is kept and put back afterwards.
 */
export function nestedGradients(f: () => tf.Tensor, xs: tf.Tensor[], dy: tf.Tensor): { value: tf.Tensor; grads: (tf.Tensor | null)[] } {
  const engine = tf.engine() as unknown as { state: { activeTape: unknown } };
  const outerTape = engine.state.activeTape;
  try {
    return tf.engine().gradients(f, xs, dy, true) as { value: tf.Tensor; grads: (tf.Tensor | null)[] };
  } finally {
    engine.state.activeTape = outerTape;
  }
}
