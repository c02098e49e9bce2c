import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@neural-ode/backend';
import { linearCombination } from './tensor-algebra';

let rows: tf.Tensor2D[] = [];
beforeAll(async () => {
  await initBackend({ backend: 'cpu', log: false });
  rows = [0, 1, 2].map((s) => tf.randomNormal([1, 5], 0, 1, 'float32', s) as tf.Tensor2D);
});

describe('linearCombination (stage combination with a custom gradient)', () => {
  const coef = [1, -0.25, 0.5];

  it('forward equals Σ coef_j · row_j', () => {
    const got = linearCombination(rows, coef).dataSync();
    const r = rows.map((x) => x.dataSync());
    for (let i = 0; i < 5; i++) expect(got[i]).toBeCloseTo(r[0][i] - 0.25 * r[1][i] + 0.5 * r[2][i], 5);
  });

  it('gradients are coef_j · dy (equal to the stock concat + matMul gradient), without matMul kernels', async () => {
    const w = tf.tensor2d([[3, -1, 2, 0.5, -2]]);
    const loss = (comb: (xs: tf.Tensor2D[]) => tf.Tensor) => (...xs: tf.Tensor[]) => tf.sum(tf.mul(tf.square(comb(xs as tf.Tensor2D[])), w));
    const stock = (xs: tf.Tensor2D[]) => tf.matMul(tf.tensor2d(coef, [1, 3]), tf.concat(xs, 0));
    const ours = tf.grads(loss((xs) => linearCombination(xs, coef)))(rows);
    const ref = tf.grads(loss(stock))(rows);
    const dy = tf.mul(tf.mul(stock(rows), w), 2).dataSync();
    ours.forEach((g, j) => {
      expect(g.shape).toEqual([1, 5]);
      const gv = g.dataSync();
      const rv = ref[j].dataSync();
      for (let i = 0; i < 5; i++) {
        expect(gv[i]).toBeCloseTo(rv[i], 4);
        expect(gv[i]).toBeCloseTo(coef[j] * dy[i], 4);
      }
    });
    const before = tf.memory().numTensors;
    const info = await tf.profile(() => tf.tidy(() => tf.grads((...xs: tf.Tensor[]) => tf.sum(linearCombination(xs as tf.Tensor2D[], coef)))(rows)));
    const names = info.kernels.map((k) => k.name);
    expect(names.filter((n) => n === 'BatchMatMul')).toHaveLength(1); // the forward only
    expect(names).not.toContain('SplitV');
    tf.dispose(info.result as tf.Tensor[]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
