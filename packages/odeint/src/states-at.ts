import * as tf from '@tensorflow/tfjs-core';
import type { EventSpec } from './events';
import type { TensorSolution } from './odeint-tensor';
import { denseRecordOf, eventRate, eventTime, tensorDense, type TensorEvent, type TensorExtras } from './tensor-observers';

/**
 * A gradient mode's differentiable states of one solve: the states at `times` (strictly monotone in the solve's
 * direction, `times[0]` its start, every time inside the solved span) as `[times.length, n]` rows. Their values are
 * already known (`values`, from the forward solve off the tape or its dense output); what the mode adds is the
 * gradient: a `tf.customGrad` over `y0` and the parameters whose backward pass is the mode's own for those times.
 */
export type StatesAt = (times: Float64Array, values: tf.Tensor2D) => tf.Tensor2D;

/**
 * Runs `run` with tfjs's tape off: its operations are never recorded (what it computes is a constant to any tape), yet
 * a `tf.grad` inside it still works (a field that differentiates, such as a Hamiltonian's `J ∇H`, or the stiff
 * methods' block Jacobian). Unlike the forward function of a `tf.customGrad` (run as a kernel, where the engine records
 * nothing, so an inner `tf.grad` finds no path, and inside a `tf.tidy`), the tensors it keeps (a dense output's steps,
 * the events' states, checkpoints) live on as ordinary tensors. The engine's tape state is put back afterwards.
 * @param run - the computation to run off the tape.
 */
export function untaped<T>(run: () => T): T {
  const state = (tf.engine() as unknown as { state: { activeTape: unknown; gradientDepth: number; kernelDepth: number } }).state;
  const outer = { activeTape: state.activeTape, gradientDepth: state.gradientDepth, kernelDepth: state.kernelDepth };
  state.activeTape = null;
  state.gradientDepth = 0;
  state.kernelDepth = 0;
  try {
    return run();
  } finally {
    Object.assign(state, outer);
  }
}

/**
 * The states at `times` (any order, repeats allowed, `times[0]` the solve's start), differentiable through one call of
 * `statesAt`: the times are sorted and merged, and the rows gathered back (the gather's gradient sums the cotangents
 * of a repeated time).
 */
function rowsAt(statesAt: StatesAt, times: readonly number[], values: tf.Tensor2D, direction: 1 | -1): tf.Tensor2D {
  const order = times.map((_, i) => i).sort((a, b) => direction * (times[a] - times[b]) || a - b);
  const unique: number[] = [];
  const first: number[] = [];
  const rowOf = new Array<number>(times.length);
  for (const i of order) {
    if (unique.length === 0 || times[i] !== unique[unique.length - 1]) {
      unique.push(times[i]);
      first.push(i);
    }
    rowOf[i] = unique.length - 1;
  }
  const uniqueValues = untaped(() => tf.gather(values, first) as tf.Tensor2D);
  const states = statesAt(Float64Array.from(unique), uniqueValues);
  uniqueValues.dispose();
  const out = tf.gather(states, rowOf) as tf.Tensor2D;
  states.dispose();
  return out;
}

/**
 * A tensor solution whose `ys`, events and dense output are differentiable in a gradient mode, from the mode's forward
 * solve run off the tape (`fwd`, whose tensors this takes over) and its {@link StatesAt}:
 * - `ys` and the events' states are the states at the requested times (up to a terminal event) and at the event
 *   times, through one call of `statesAt` (one backward pass serves a loss on both);
 * - each event's `time` is `t* − g(t*, y*)/ġ` with `y*` that differentiable state ({@link eventTime}): the implicit
 *   function theorem, with the mode's `∂y(t*)/∂θ`;
 * - `evaluate(t | ts)` reads the kept steps off the tape and gives the result the gradient of `statesAt` at those
 *   times (one backward pass of the mode per call).
 * @param fwd - the forward solve, run off the tape (see {@link untaped}).
 * @param times - the requested output times.
 * @param direction - the direction of the solve.
 * @param shape - the shape of `y0`.
 * @param specs - the solver's events.
 * @param statesAt - the mode's differentiable states.
 */
export function differentiableSolution(
  fwd: TensorSolution,
  times: Float64Array,
  direction: 1 | -1,
  shape: number[],
  specs: readonly EventSpec[],
  statesAt: StatesAt,
): Pick<TensorSolution, 'ys'> & TensorExtras {
  const n = shape.reduce((a, b) => a * b, 1);
  const k = fwd.ys.shape[0];
  const found = fwd.events ?? [];
  const outTimes = [...Array.from(times.subarray(0, k)), ...found.map((e) => e.t)];
  const values = untaped(() => tf.tidy(() => tf.concat([tf.reshape(fwd.ys, [k, n]), ...found.map((e) => tf.reshape(e.y, [1, n]))], 0) as tf.Tensor2D));
  const all = rowsAt(statesAt, outTimes, values, direction);
  values.dispose();
  const ys = tf.tidy(() => tf.reshape(tf.slice(all, 0, k), [k, ...shape]));
  const events = found.map((e, j): TensorEvent => {
    const y = tf.tidy(() => tf.reshape(tf.slice(all, k + j, 1), shape));
    const time = eventTime(specs[e.index].g, e.t, y, eventRate(e));
    tf.dispose([e.y, e.time]);
    return { ...e, y, time };
  });
  all.dispose();
  fwd.ys.dispose();
  const out: Pick<TensorSolution, 'ys'> & TensorExtras = { ys };
  if (fwd.events) out.events = events;
  if (fwd.dense && fwd.evaluate) {
    const valuesAt = fwd.evaluate;
    const t0 = times[0];
    const evaluate = (t: number | ArrayLike<number> | tf.Tensor1D): tf.Tensor => {
      const one = typeof t === 'number' || t == null;
      const query = one ? [t as number] : Array.from(t instanceof tf.Tensor ? t.dataSync() : t);
      // The caller's times first (so that an error names the caller's argument), then y0's row in front.
      const vals = untaped(() =>
        tf.tidy(() => tf.concat([tf.reshape(valuesAt(t0), [1, n]), tf.reshape(valuesAt(one ? (t as number) : query), [query.length, n])], 0) as tf.Tensor2D),
      );
      const rows = rowsAt(statesAt, [t0, ...query], vals, direction);
      vals.dispose();
      const result = tf.tidy(() => tf.reshape(tf.slice(rows, 1, query.length), one ? shape : [query.length, ...shape]));
      rows.dispose();
      return result;
    };
    out.dense = tensorDense(denseRecordOf(fwd.dense), evaluate);
    out.evaluate = evaluate;
  }
  return out;
}
