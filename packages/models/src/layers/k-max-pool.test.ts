import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@neural-ode/backend';
import { beforeAll, describe, expect, it } from 'vitest';
import { KMaxPool, kMaxPool } from './k-max-pool';

beforeAll(async () => {
  await initBackend({ backend: 'cpu', log: false });
});

// [batch 1, length 6, channels 2]: channel 0 = 3 1 4 1 5 9, channel 1 = 2 7 1 8 2 8.
const ch0 = [3, 1, 4, 1, 5, 9];
const ch1 = [2, 7, 1, 8, 2, 8];
const x = () => tf.tensor3d(ch0.flatMap((v, i) => [v, ch1[i]]), [1, 6, 2]);

describe('kMaxPool', () => {
  it('keeps the k largest per channel in descending order, channel-major', () => {
    expect(Array.from(new KMaxPool(3).apply(x()).dataSync())).toEqual([9, 5, 4, 8, 8, 7]);
  });

  it('sends each pooled value’s gradient to the position it came from', () => {
    const dy = tf.tensor2d([1, 2, 3, 4, 5, 6], [1, 6]);
    const dx = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(kMaxPool(a as tf.Tensor3D, 3), dy)))(x());
    // Channel 0: 9 at 5 → 1, 5 at 4 → 2, 4 at 2 → 3. Channel 1: 8 at 3 → 4, 8 at 5 → 5, 7 at 1 → 6.
    const byHand0 = [0, 0, 3, 0, 2, 1];
    const byHand1 = [0, 6, 0, 4, 0, 5];
    expect(Array.from(dx.dataSync())).toEqual(byHand0.flatMap((v, i) => [v, byHand1[i]]));
  });

  it('rejects k larger than the sequence, naming the value', () => {
    expect(() => kMaxPool(x(), 7)).toThrow(/k must be an integer in \[1, 6\].*got 7/);
  });
});
