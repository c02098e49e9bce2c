// In the browser: the same calls, with the WebGL backend (bundle with Vite, webpack, esbuild, …).
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-cpu';
// tfjs-core on its own registers no gradients: import them once in your entry point.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { odeint } from '@neural-ode/odeint';

export async function solveInBrowser(): Promise<{ backend: string; y2: number; dydk: number }> {
  // WebGL where the browser has it, else the plain JavaScript backend.
  if (!(await tf.setBackend('webgl'))) await tf.setBackend('cpu');
  await tf.ready();

  const k = tf.variable(tf.scalar(0.5));
  const f = (t: tf.Scalar, y: tf.Tensor) => tf.mul(tf.neg(k), y);
  const { value, grads } = tf.variableGrads(() => {
    const sol = odeint(f, tf.tensor1d([1]), [0, 2], { rtol: 1e-5, atol: 1e-7 });
    return tf.sum(tf.slice(sol.ys, [1, 0], [1, 1]));
  });
  const result = { backend: tf.getBackend(), y2: value.dataSync()[0], dydk: grads[k.name].dataSync()[0] };
  tf.dispose([value, grads[k.name], k]);
  return result;
}
