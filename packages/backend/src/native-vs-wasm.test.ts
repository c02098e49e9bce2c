// The native backend must train to the same numbers as the wasm backend (issue 8): five SGD steps of a small
// MNIST-shaped ResNet (convolutions with strides and padding, GroupNorm from broadcasting ops, ReLU, global
// average pooling, a linear head) from identical seeded weights and data, on each backend, give the same losses.
import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from './index';
import { randomValues, seededRandom } from './testing/reference';

const native = await import('@neural-ode/backend-native').then(
  (m) => m.nativeStatus(),
  (error: unknown) => ({ available: false, reason: `not installed (${String(error)})` }),
);

interface Shape {
  name: string;
  shape: number[];
  scale: number;
}

const WIDTH = 16;
const GROUPS = 4;
const PARAMS: Shape[] = [
  { name: 'conv0', shape: [3, 3, 1, WIDTH], scale: 1 / 3 },
  { name: 'conv1', shape: [4, 4, WIDTH, WIDTH], scale: 1 / 8 },
  { name: 'block.conv1', shape: [3, 3, WIDTH, WIDTH], scale: 1 / 12 },
  { name: 'block.conv2', shape: [3, 3, WIDTH, WIDTH], scale: 1 / 12 },
  { name: 'fc', shape: [WIDTH, 10], scale: 1 / 4 },
];

function groupNormRelu(x: tf.Tensor4D): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const xr = tf.reshape(x, [n, h, w, GROUPS, c / GROUPS]);
  const { mean, variance } = tf.moments(xr, [1, 2, 4], true);
  const y = tf.mul(tf.sub(xr, mean), tf.rsqrt(tf.add(variance, 1e-5)));
  return tf.relu(tf.reshape(y, x.shape));
}

/** Losses of `steps` SGD steps on the active backend, from the same seeded weights and batch. */
function trainLosses(steps: number): number[] {
  const rand = seededRandom(7);
  const params = PARAMS.map(({ shape, scale }) => {
    const values = randomValues(rand, shape.reduce((a, b) => a * b, 1)).map((v) => v * scale);
    return tf.tidy(() => tf.variable(tf.tensor(values, shape), true));
  });
  const x = tf.tensor4d(randomValues(rand, 4 * 12 * 12), [4, 12, 12, 1]);
  const labels = tf.tidy(() => tf.oneHot(tf.tensor1d([3, 1, 4, 1], 'int32'), 10));
  const [w0, w1, b1, b2, fc] = params;
  const loss = () =>
    tf.tidy(() => {
      let h = tf.conv2d(x, w0 as tf.Tensor4D, 1, 'valid'); // 10×10
      h = tf.conv2d(groupNormRelu(h), w1 as tf.Tensor4D, 2, [[0, 0], [1, 1], [1, 1], [0, 0]]); // 5×5, stride 2
      const r = tf.conv2d(groupNormRelu(h), b1 as tf.Tensor4D, 1, 'same');
      h = tf.add(h, tf.conv2d(groupNormRelu(r), b2 as tf.Tensor4D, 1, 'same'));
      const pooled = tf.mean(groupNormRelu(h), [1, 2]);
      return tf.losses.softmaxCrossEntropy(labels, tf.matMul(pooled, fc as tf.Tensor2D)) as tf.Scalar;
    });
  const losses: number[] = [];
  for (let step = 0; step < steps; step++) {
    const { value, grads } = tf.variableGrads(loss, params);
    losses.push(value.dataSync()[0]);
    tf.tidy(() => params.forEach((p) => p.assign(tf.sub(p, tf.mul(grads[p.name], 0.5)))));
    value.dispose();
    tf.dispose(Object.values(grads));
  }
  tf.dispose([...params, x, labels]);
  return losses;
}

describe.skipIf(!native.available)(`native vs wasm training${native.available ? '' : ` (skipped: native ${native.reason})`}`, () => {
  afterAll(async () => {
    await initBackend({ backend: 'cpu', log: false });
  });

  it('five SGD steps give the same loss trajectory on native and wasm (1e-3 relative)', async () => {
    await initBackend({ backend: 'wasm', threads: 1, log: false });
    const wasm = trainLosses(5);
    await initBackend({ backend: 'native', threads: 2, log: false });
    const before = tf.memory().numTensors;
    const nativeLosses = trainLosses(5);
    expect(tf.memory().numTensors).toBe(before);
    // The run must actually train, or equal losses would prove little.
    expect(wasm[4]).toBeLessThan(wasm[0]);
    for (let i = 0; i < 5; i++) expect(Math.abs(nativeLosses[i] - wasm[i]) / Math.abs(wasm[i])).toBeLessThan(1e-3);
  });
});
