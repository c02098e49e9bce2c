// The same gradient by the adjoint method: memory stays flat however many steps the solver takes.
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@neural-ode/backend';
import { odeintAdjoint } from '@neural-ode/odeint';

await initBackend({ log: false });

const k = tf.variable(tf.scalar(0.5));
const f = (t: tf.Scalar, y: tf.Tensor) => tf.mul(tf.neg(k), y);

const { grads } = tf.variableGrads(() => {
  // `params` lists the variables f reads: the adjoint passes them to the backward solve explicitly.
  const sol = odeintAdjoint(f, tf.tensor1d([1]), [0, 2], { rtol: 1e-6, atol: 1e-8, params: [k] });
  return tf.sum(tf.slice(sol.ys, [1, 0], [1, 1]));
});

console.log(grads[k.name].dataSync()[0], -2 * Math.exp(-1));
