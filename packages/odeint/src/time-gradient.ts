import * as tf from '@tensorflow/tfjs-core';
import type { TensorField } from './tensor-field';

/**
 * Makes a tensor solve differentiable with respect to its output times `ts` (a 1-D tensor), whatever its gradient
 * mode. The derivatives are those of the exact solution, evaluated at the computed states (as torchdiffeq's adjoint
 * does): `∂L/∂t_i = g_i · f(t_i, y_i)` for the output's own cotangent `g_i`, and for the start time
 * `∂L/∂t_0 = g_0 · f(t_0, y_0) − a_0 · f(t_0, y_0)`, where `a_0` is the whole gradient reaching `y0` (moving the start
 * moves the trajectory). `solve` runs the solve from the `y0` it is given; returns its solution with `ys` wrapped.
 * Costs `ts.length + 1` evaluations of `f` in the backward pass (none forward).
 */
export function withTimeGradients<S extends { ys: tf.Tensor }>(f: TensorField, y0: tf.Tensor, ts: tf.Tensor1D, times: Float64Array, solve: (y0: tf.Tensor) => S): S {
  const N = times.length;
  // sign · f(t_i, y_i) · g_i for the rows `rows` (zero elsewhere), as an [N] tensor.
  const dots = (states: tf.Tensor, g: tf.Tensor, rows: number[], sign: number): tf.Tensor1D =>
    tf.tidy(() => {
      const values = new Array<tf.Tensor>(N).fill(tf.scalar(0));
      for (const i of rows) {
        // `states` and `g` are one state (the start) or all outputs, `[N, ...shape]`.
        const y = states.rank === y0.rank ? states : tf.squeeze(tf.slice(states, i, 1), [0]);
        const gi = g.rank === y0.rank ? g : tf.squeeze(tf.slice(g, i, 1), [0]);
        values[i] = tf.mul(tf.sum(tf.mul(tf.reshape(f(tf.scalar(times[i]), y), y.shape), gi)), sign);
      }
      return tf.stack(values) as tf.Tensor1D;
    });
  const start = tf.customGrad((...args: unknown[]) => {
    const [x, , save] = args as [tf.Tensor, tf.Tensor, (t: tf.Tensor[]) => void];
    save([x]);
    return { value: tf.clone(x), gradFunc: (a: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => [tf.clone(a as tf.Tensor), dots(saved[0], a as tf.Tensor, [0], -1)] };
  });
  const outputs = tf.customGrad((...args: unknown[]) => {
    const [ys, , save] = args as [tf.Tensor, tf.Tensor, (t: tf.Tensor[]) => void];
    save([ys]);
    const all = Array.from({ length: N }, (_, i) => i);
    return { value: tf.clone(ys), gradFunc: (g: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => [tf.clone(g as tf.Tensor), dots(saved[0], g as tf.Tensor, all, 1)] };
  });
  const solution = solve(start(y0, ts) as tf.Tensor);
  const ys = solution.ys;
  solution.ys = outputs(ys, ts) as tf.Tensor;
  ys.dispose();
  return solution;
}
