import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from './index';
import { randomValues, seededRandom } from './testing/reference';

/** A small conv net that uses every kernel this package adds: conv2d (both gradients), max-pool, gather, topk. */
function makeNet(seed: number) {
  const rand = seededRandom(seed);
  const v = (shape: number[], scale: number) =>
    tf.variable(tf.mul(tf.tensor(randomValues(rand, shape.reduce((a, b) => a * b)), shape), scale));
  const params = {
    c1: v([3, 3, 1, 4], 0.4),
    c2: v([4, 4, 4, 8], 0.2),
    emb: v([10, 8], 0.3),
    head: v([8 * 4 + 8 * 3, 3], 0.2),
  };
  const images = tf.tensor4d(randomValues(rand, 6 * 11 * 11), [6, 11, 11, 1]);
  const tokens = tf.tensor2d(Int32Array.from({ length: 6 * 7 }, (_, i) => (i * 7) % 10), [6, 7], 'int32');
  const labels = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2], 'int32'), 3);
  const loss = () =>
    tf.tidy(() => {
      let h = tf.relu(tf.conv2d(images, params.c1 as tf.Tensor4D, 1, 'valid')); // 9×9
      h = tf.relu(tf.conv2d(h, params.c2 as tf.Tensor4D, 2, [[0, 0], [1, 1], [1, 1], [0, 0]])); // 4×4
      h = tf.maxPool(h, 2, 2, 'valid'); // 2×2×8
      const img = tf.reshape(h, [6, 32]);
      const e = tf.gather(params.emb, tokens); // [6, 7, 8]
      const kmax = tf.topk(tf.transpose(e, [0, 2, 1]), 3).values; // [6, 8, 3]: k-max pooling over positions
      const feats = tf.concat([img, tf.reshape(kmax, [6, 24])], 1);
      return tf.losses.softmaxCrossEntropy(labels, tf.matMul(feats, params.head)) as tf.Scalar;
    });
  const dispose = () => tf.dispose([...Object.values(params), images, tokens, labels]);
  return { loss, dispose };
}

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`training on ${backend}`, () => {
    it('20 SGD steps leak no tensors and lower the loss', async () => {
      await initBackend({ backend, threads: 2, log: false });
      const net = makeNet(42);
      const opt = tf.train.sgd(0.1);
      const first = tf.tidy(() => net.loss().dataSync()[0]);
      const before = tf.memory().numTensors;
      let last = first;
      for (let step = 0; step < 20; step++) {
        const cost = opt.minimize(net.loss, true) as tf.Scalar;
        last = cost.dataSync()[0];
        cost.dispose();
      }
      expect(tf.memory().numTensors).toBe(before);
      expect(Number.isFinite(last)).toBe(true);
      expect(last).toBeLessThan(first);
      opt.dispose();
      net.dispose();
    });
  });
}
