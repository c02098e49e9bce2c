import * as tf from '@tensorflow/tfjs-core';
import { checkNoHiddenVariables, checkParams } from '../adjoint';
import { addGradients, CheckpointSchedule, nestedGradients, type CheckpointStats } from '../checkpoint';
import { OdeintError, show } from '../errors';
import { AUTO_SEGMENT_STEPS, type CheckpointGradient } from '../gradient';
import type { GradientInputs, GradientStats, OdeintTensorSolution } from '../gradient-modes';
import type { ResolvedOdeintOptions } from '../options';
import { resolvedSettings, type Solver } from '../solver';
import { checkTensorState, readTimes, type TensorField } from '../tensor-field';
import { withTimeGradients } from '../time-gradient';
import { checkTimes } from '../times';
import type { StiffStats } from './problem';
import { backsolveStiff } from './stiff-backsolve';
import { replayStiffSteps, solveStiffTensor, type StiffStepRecord } from './tensor-stiff';
import { untaped } from '../states-at';

/**
 * `rodas5` / `kvaerno5` on tensors in the `checkpoint` gradient mode (the `tape` mode needs nothing of its own: every
 * op of the stiff stepper is recorded, the Jacobian's included) or the `backsolve` mode, as an interpolating adjoint
 * (see {@link backsolveStiff}: the state is never reconstructed backwards, so `check` / `checkTolerance` do not apply).
 * Checks `inputs` as the explicit methods' modes do, and gives gradients with respect to `ts` when it is a tensor.
 */
export function solveStiffInGradientMode(fn: string, f: TensorField, y0: tf.Tensor, ts: ArrayLike<number> | tf.Tensor1D, s: Solver, inputs: GradientInputs = {}): OdeintTensorSolution {
  const gradient = s.gradient;
  if (inputs === null || typeof inputs !== 'object' || Array.isArray(inputs)) {
    throw new OdeintError('inputs', `${fn}: the fifth argument = ${show(inputs)} must be { params }. Fix: pass e.g. { params: model.trainableWeights }.`);
  }
  if (!(y0 instanceof tf.Tensor)) throw new OdeintError('y0', `${fn}: y0 = ${show(y0)} is not a tf.Tensor.`);
  checkTensorState(fn, y0);
  const { ts: times, direction } = checkTimes(fn, readTimes(fn, ts));
  if (inputs.params !== undefined) checkParams(fn, inputs.params);
  else checkNoHiddenVariables(fn, f, times[0], y0);
  const params = inputs.params ?? [];
  const solve = (x0: tf.Tensor) => {
    if (gradient.mode === 'backsolve') {
      const sol = backsolveStiff(fn, f, x0, times, direction, s, gradient.backward ?? s, params);
      return { ys: sol.ys, stats: sol.stats, gradientStats: (): GradientStats | null => (sol.adjointStats ? { mode: 'backsolve', ...sol.adjointStats } : null) };
    }
    const sol = checkpointedStiff(fn, f, x0, times, direction, s, params);
    return { ys: sol.ys, stats: sol.stats, gradientStats: (): GradientStats | null => (sol.checkpointStats ? { mode: 'checkpoint', ...sol.checkpointStats } : null) };
  };
  const inner = ts instanceof tf.Tensor ? withTimeGradients(f, y0, ts, times, solve) : solve(y0);
  return {
    ys: inner.ys,
    stats: inner.stats,
    get gradientStats() {
      return inner.gradientStats();
    },
  };
}

/** Result of a stiff solve in the `checkpoint` gradient mode; `checkpointStats` once a gradient ran. */
export interface StiffCheckpointSolution {
  ys: tf.Tensor;
  stats: StiffStats;
  checkpointStats: CheckpointStats | null;
}

/**
 * The `checkpoint` gradient of a stiff solve on tensors `[batch, d]`: the forward solve runs off the tape (inside a
 * `tf.customGrad`) and records every accepted step (`t`, `h`, the end time it evaluates at and, for kvaerno5, the
 * Newton iterations of each stage) and the state at checkpoints (the online √n schedule of the explicit methods: a
 * state every `stride` steps, the stride doubling when too many are held). The backward pass replays the steps of each
 * segment between two checkpoints under the tape, last segment first, with the recorded step sizes and Newton
 * iterations, and backpropagates through them: the same operations on the same numbers as the `tape` mode's accepted
 * steps (rejected attempts never reach the output), so the same gradient, at the memory of the checkpoints plus one
 * segment's (or, with `replay: 'step'`, one step's) tape.
 */
export function checkpointedStiff(
  fn: string,
  f: TensorField,
  y0: tf.Tensor,
  times: Float64Array,
  direction: 1 | -1,
  s: Solver,
  params: readonly tf.Variable[],
): StiffCheckpointSolution {
  const gradient = s.gradient as CheckpointGradient;
  const opts = resolvedSettings(s);
  const solution: StiffCheckpointSolution = { ys: undefined as unknown as tf.Tensor, stats: undefined as unknown as StiffStats, checkpointStats: null };
  const op = tf.customGrad((...args: unknown[]) => {
    const save = args[args.length - 1] as (ts: tf.Tensor[]) => void;
    const x0 = args[0] as tf.Tensor;
    const steps: StiffStepRecord[] = [];
    const schedule = new CheckpointSchedule(gradient.checkpoints);
    const fwd = untaped(() => {
      if (!tf.tidy(() => tf.all(tf.isFinite(x0))).dataSync()[0]) {
        throw new OdeintError('y0', `${fn}: y0 holds NaN or Inf values. Fix: pass a finite initial state (check what produced it).`);
      }
      return solveStiffTensor(fn, f, x0, times, direction, opts, (step, y1) => {
        steps.push(step);
        schedule.accept(steps.length, y1);
      });
    });
    solution.stats = fwd.stats;
    // The final state is never a segment's start: its cotangent is the last output's.
    schedule.drop(steps.length);
    const starts = [0, ...schedule.indices()];
    save([x0, ...starts.slice(1).map((k) => schedule.held.get(k)!)]);
    const stride = schedule.stride;
    return {
      value: fwd.ys,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const stats: CheckpointStats = { checkpoints: starts.length - 1, stride, segments: 0, recomputedSteps: 0, recomputedNfe: 0, peakBytes: 0 };
        const grads = backward(fn, f, dy as tf.Tensor, saved, starts, steps, times, direction, params, opts, gradient.replay, stats);
        solution.checkpointStats = stats;
        return grads;
      },
    };
  });
  solution.ys = op(y0, ...params) as tf.Tensor;
  return solution;
}

/**
 * The backward pass: segments from last to first, each replayed under a nested tape (`replay: 'segment'`, or a
 * segment of at most {@link AUTO_SEGMENT_STEPS} steps with `auto`), else its states restored off the tape first and
 * its steps replayed under the tape one at a time. Returns the gradients for `[y0, ...params]`.
 */
function backward(
  fn: string,
  f: TensorField,
  dy: tf.Tensor,
  saved: tf.Tensor[],
  starts: number[],
  steps: readonly StiffStepRecord[],
  times: Float64Array,
  direction: 1 | -1,
  params: readonly tf.Variable[],
  opts: ResolvedOdeintOptions,
  replay: CheckpointGradient['replay'],
  stats: CheckpointStats,
): tf.Tensor[] {
  const replayFn = `${fn} (checkpoint replay)`;
  const base = tf.memory().numBytes;
  const held = saved.reduce((sum, t) => sum + t.size * 4, 0);
  let growth = 0;
  const sample = () => {
    growth = Math.max(growth, tf.memory().numBytes - base);
  };
  const row = (i: number) => tf.squeeze(tf.slice(dy, [i], [1]), [0]);
  // Cotangent of the state after the steps already backpropagated (null: none yet, the end of the solve).
  let adjoint = null as tf.Tensor | null;
  let paramGrads: (tf.Tensor | null)[] = params.map(() => null);

  /** Backpropagates through steps a … b−1 from `yStart` (the state before step a), replayed under a nested tape. */
  const backpropagate = (yStart: tf.Tensor, a: number, b: number): void => {
    let replayed: StiffStats | null = null;
    // The outputs in (t_a, t_b]: the replay computes them in this order.
    const indices: number[] = [];
    for (let q = 1; q < times.length; q++) if (direction * (times[q] - steps[a].t) > 0 && direction * (times[q] - steps[b - 1].t1) <= 0) indices.push(q);
    const { value, grads } = nestedGradients(
      () => {
        const r = replayStiffSteps(replayFn, f, yStart, steps.slice(a, b), times, direction, opts);
        replayed = r.stats;
        const out = tf.stack([...r.outputs.map((o) => o.y), r.states[r.states.length - 1]], 0);
        sample(); // the segment's tape is complete
        return out;
      },
      [yStart, ...params],
      tf.tidy(() => tf.stack([...indices.map(row), adjoint ?? tf.zerosLike(yStart)], 0)),
    );
    sample();
    value.dispose();
    adjoint?.dispose();
    adjoint = grads[0]!;
    paramGrads = addGradients(paramGrads, grads.slice(1));
    stats.recomputedSteps += b - a;
    stats.recomputedNfe += replayed!.nfe;
  };

  try {
    for (let j = starts.length - 1; j >= 0; j--) {
      const a = starts[j];
      const b = j + 1 < starts.length ? starts[j + 1] : steps.length;
      if (b > a) {
        if (replay === 'segment' || b - a === 1 || (replay === 'auto' && b - a <= AUTO_SEGMENT_STEPS)) backpropagate(saved[j], a, b);
        else {
          // The states before steps a+1 … b−1, recomputed off the tape (nothing is recorded in the backward pass).
          const restored = untaped(() =>
            tf.tidy(() => {
              const r = replayStiffSteps(replayFn, f, saved[j], steps.slice(a, b - 1), times, direction, opts);
              stats.recomputedSteps += b - 1 - a;
              stats.recomputedNfe += r.stats.nfe;
              return r.states;
            }),
          );
          sample();
          const states = [saved[j], ...restored];
          for (let k = b - 1; k >= a; k--) {
            backpropagate(states[k - a], k, k + 1);
            if (k > a) states[k - a].dispose();
          }
        }
      }
      // The checkpoint is no longer needed (the engine's later dispose of it is a no-op).
      if (j > 0) saved[j].dispose();
      stats.segments++;
    }
    stats.peakBytes = held + growth;
    const y0Grad = tf.tidy(() => (adjoint ? tf.add(adjoint, row(0)) : row(0)));
    return [y0Grad, ...params.map((p, i) => paramGrads[i] ?? tf.zerosLike(p))];
  } finally {
    adjoint?.dispose();
  }
}
