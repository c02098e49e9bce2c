import * as tf from '@tensorflow/tfjs-core';
import { OdeintError, show } from './errors';
import type { TensorState } from './tensor-algebra';

/** A vector field on tensor states: `dy/dt` at `(t, y)`, with the same shape as `y`. */
export type TensorField = (t: tf.Scalar, y: tf.Tensor) => tf.Tensor;

/** Checks a tensor `y0` and returns its shape and flat size. */
export function checkTensorState(fn: string, y0: tf.Tensor): { shape: number[]; n: number } {
  if (y0.isDisposed) throw new OdeintError('y0', `${fn}: y0 is a disposed tensor. Fix: pass a live tensor (do not dispose it before the solve).`);
  if (y0.dtype !== 'float32') {
    throw new OdeintError('y0', `${fn}: y0 has dtype ${y0.dtype}. Fix: pass a float32 tensor (tf.cast(y0, 'float32')).`);
  }
  if (y0.size === 0) throw new OdeintError('y0', `${fn}: y0 has shape ${show(y0.shape)} (no elements). Fix: pass a non-empty state.`);
  return { shape: y0.shape.slice(), n: y0.size };
}

/** Reads requested times given as numbers or a 1-D tensor. */
export function readTimes(fn: string, ts: ArrayLike<number> | tf.Tensor): ArrayLike<number> {
  if (ts instanceof tf.Tensor) {
    if (ts.rank !== 1) throw new OdeintError('ts', `${fn}: ts has shape ${show(ts.shape)}. Fix: pass a 1-D tensor or an array of times.`);
    return ts.dataSync();
  }
  return ts;
}

/**
 * Wraps a user field on shaped tensors as a field on `[1, n]` rows (see {@link TensorState}), frees its
 * temporaries, and checks the shape it returns.
 */
export function rowField(fn: string, f: TensorField, shape: number[], n: number): (t: number, y: TensorState) => TensorState {
  return (t, y) => [
    tf.tidy(() => {
      const out = f(tf.scalar(t), tf.reshape(y[0], shape));
      if (!(out instanceof tf.Tensor) || out.size !== n) {
        throw new OdeintError(
          'f',
          `${fn}: f(t = ${t}, y) returned ${out instanceof tf.Tensor ? `a tensor of shape ${show(out.shape)}` : show(out)}; ` +
            `expected a tensor of shape ${show(shape)}. Fix: return dy/dt with the shape of y.`,
        );
      }
      return tf.reshape(out, [1, n]) as tf.Tensor2D;
    }),
  ];
}

/** Stacks `[1, n]` rows into one tensor of shape `[rows, ...shape]` and frees the rows. */
export function stackRows(rows: tf.Tensor2D[], shape: number[]): tf.Tensor {
  const out = tf.tidy(() => tf.reshape(rows.length === 1 ? rows[0] : tf.concat(rows, 0), [rows.length, ...shape]));
  for (const r of rows) r.dispose();
  return out;
}
