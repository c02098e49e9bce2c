import * as tf from '@tensorflow/tfjs-core';
import { OdeintError, show } from './errors';
import type { EventFunction, EventReader, SolveEvent } from './events';
import type { DenseRecord } from './dense-solution';
import { denseView, type SolveObservers } from './solve-observers';
import type { TensorState } from './tensor-algebra';
import { stackRows } from './tensor-field';

/** The dense output of a tensor solve (`solver({ dense: true })`). */
export interface TensorDense {
  /** The solved span `[t0, t1]` (`t1`: where a terminal event stopped the solve, if one did). */
  readonly span: readonly [number, number];
  /** Accepted steps held (memory: about `stages + 2` states per step). */
  readonly steps: number;
  /** The accepted steps' boundaries, `t0` first (where the state is the step's own, not interpolated). */
  readonly times: readonly number[];
  /**
   * The state at `t` (a tensor of `y0`'s shape), or at each of `ts` (`[ts.length, ...y0.shape]`), by the method's
   * dense output. Differentiable like `ys`, in the solve's gradient mode: gradients reach `y0` and the variables `f`
   * reads. With `tape` the evaluation is recorded on the tape; with `checkpoint` and `backsolve` the value comes from
   * the kept steps off the tape, and each evaluation's gradient runs that mode's backward pass for its times (so
   * evaluate the times a loss needs in one call: one backward pass serves them all).
   * @param t - one time (a number) or several (an array or a 1-D tensor), inside `span`.
   */
  evaluate(t: number | ArrayLike<number> | tf.Tensor1D): tf.Tensor;
  /** Frees the kept states (otherwise they live as long as the enclosing `tf.tidy`, or until the program ends). */
  dispose(): void;
}

/**
 * An event of a tensor solve: besides the time as a number, `time`, a scalar tensor of the same value that is
 * differentiable (in the solve's gradient mode, like `y`) with respect to `y0` and the variables `f` and `g` read, by the implicit function
 * theorem (as torchdiffeq's `odeint_event`): `∂t_e/∂θ = −(∂g/∂θ)/(dg/dt)` at the event, `dg/dt` along the solution.
 * `g` must return a tensor for this (a number gives a constant `time`).
 */
export interface TensorEvent extends SolveEvent<tf.Tensor> {
  time: tf.Scalar;
}

/** What a tensor solution carries besides `ys` and `stats` when events or a dense output were asked for. */
export interface TensorExtras {
  /** `solver({ events })`: the events found, in time order (a terminal one last); `y` has `y0`'s shape. */
  events?: TensorEvent[];
  /** `solver({ dense: true })`: the kept dense output. */
  dense?: TensorDense;
  /** `solver({ dense: true })`: `dense.evaluate`. */
  evaluate?: TensorDense['evaluate'];
}

/** Reads `g` on tensor states (`g(t: tf.Scalar, y: tf.Tensor)`, one host read per call). */
export function tensorEventReader(fn: string, shape: number[]): EventReader<TensorState, tf.Tensor> {
  return {
    value(g, t, y, index) {
      let v: unknown = Number.NaN;
      tf.tidy(() => {
        const out = g(tf.scalar(t), tf.reshape(y[0], shape));
        if (out instanceof tf.Tensor) {
          if (out.size !== 1) {
            throw new OdeintError(
              `options.events[${index}].g`,
              `${fn}: options.events[${index}].g returned a tensor of shape ${show(out.shape)}. Fix: return a scalar (e.g. tf.sum(...) or y.gather(0)).`,
            );
          }
          v = out.dataSync()[0];
        } else v = out;
      });
      return v as number;
    },
    output: (y) => tf.reshape(y[0], shape),
    extra(g, y, t, gDot) {
      const time = tf.tidy(() => eventTime(g, t, tf.reshape(y[0], shape), gDot));
      rates.set(time, gDot);
      return { time };
    },
  };
}

/** `dg/dt` along the solution at each event, by the event's `time` tensor (see {@link eventRate}). */
const rates = new WeakMap<tf.Tensor, number>();

/**
 * `dg/dt` along the solution at an event of a tensor solve (`∂g/∂t + ∂g/∂y · f`, by central differences on the dense
 * output), the denominator of the event time's gradient; `NaN` when it was zero or not finite.
 * @param event - an event of a tensor solve, as the solve reported it.
 */
export function eventRate(event: TensorEvent): number {
  return rates.get(event.time) ?? Number.NaN;
}

/**
 * The differentiable time of an event at `t` with state `y` (of `y0`'s shape) and rate `gDot` (`dg/dt` along the
 * solution): `t − g(t, y)/gDot`. Its value is `t` (`g ≈ 0` there: a last Newton step) and its gradient
 * `−(∂g/∂θ)/gDot`, where `∂g/∂θ` flows through `y` (so the gradient mode of `y` is the time's) and any variable `g`
 * reads: the implicit function theorem, as torchdiffeq's `odeint_event`. A `g` that returns a number, or a zero rate,
 * gives a constant time.
 * @param g - the event function.
 * @param t - the located event time.
 * @param y - the state at `t`, differentiable.
 * @param gDot - `dg/dt` along the solution at `t`.
 */
export function eventTime(g: EventFunction, t: number, y: tf.Tensor, gDot: number): tf.Scalar {
  return tf.tidy(() => {
    const out = g(tf.scalar(t), y);
    if (!(out instanceof tf.Tensor) || !Number.isFinite(gDot)) return tf.scalar(t);
    return tf.sub(tf.scalar(t), tf.div(tf.reshape(out, []), tf.scalar(gDot))) as tf.Scalar;
  });
}

/** The record behind each tensor dense output (the gradient modes replay from its kept steps). */
const records = new WeakMap<object, DenseRecord<TensorState>>();

/**
 * The kept steps behind a tensor solve's dense output.
 * @param dense - `sol.dense` of a tensor solve.
 */
export function denseRecordOf(dense: TensorDense): DenseRecord<TensorState> {
  const record = records.get(dense);
  if (!record) throw new Error('denseRecordOf: not the dense output of a tensor solve');
  return record;
}

/**
 * The dense output of a tensor solve over `record`, with `evaluate` (the gradient modes pass their own, differentiable
 * in that mode).
 * @param record - the kept steps.
 * @param evaluate - the state at `t` or at each of `ts`.
 */
export function tensorDense(record: DenseRecord<TensorState>, evaluate: TensorDense['evaluate']): TensorDense {
  const dense = denseView(record, evaluate);
  records.set(dense, record);
  return dense;
}

/** The extra fields of a tensor solution. */
export function tensorExtras(obs: SolveObservers<TensorState, tf.Tensor>, shape: number[]): TensorExtras {
  const out: TensorExtras = {};
  if (obs.events) out.events = obs.events.found as TensorEvent[];
  const record = obs.dense;
  if (record) {
    const evaluate = (t: number | ArrayLike<number> | tf.Tensor1D): tf.Tensor => {
      if (typeof t === 'number' || t == null) return tf.tidy(() => tf.reshape(record.at(t as number)[0], shape));
      const times = t instanceof tf.Tensor ? t.dataSync() : t;
      const rows = Array.from({ length: times.length }, (_, i) => record.at(times[i], `ts[${i}]`)[0]);
      return stackRows(rows, shape);
    };
    out.dense = tensorDense(record, evaluate);
    out.evaluate = evaluate;
  }
  return out;
}
