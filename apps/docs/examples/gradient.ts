// The gradient of a solution with respect to a parameter of the ODE, on TensorFlow.js tensors.
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@neural-ode/backend';
import { odeint } from '@neural-ode/odeint';

await initBackend({ log: false }); // picks a backend and registers tfjs's gradients

// dy/dt = -k y, y(0) = 1, so y(2) = exp(-2k) and dy(2)/dk = -2 exp(-2k).
const k = tf.variable(tf.scalar(0.5));
const f = (t: tf.Scalar, y: tf.Tensor) => tf.mul(tf.neg(k), y);

const { value, grads } = tf.variableGrads(() => {
  const sol = odeint(f, tf.tensor1d([1]), [0, 2], { rtol: 1e-6, atol: 1e-8 });
  return tf.sum(tf.slice(sol.ys, [1, 0], [1, 1])); // y(2); sol.ys has shape [2, 1]
});

console.log(value.dataSync()[0], Math.exp(-1)); // y(2)
console.log(grads[k.name].dataSync()[0], -2 * Math.exp(-1)); // dy(2)/dk
