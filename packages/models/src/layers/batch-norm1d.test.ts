import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@neural-ode/backend';
import { beforeAll, describe, expect, it } from 'vitest';
import { BatchNorm1d } from './batch-norm1d';

beforeAll(async () => {
  await initBackend({ backend: 'cpu', log: false });
});

// x: batch 2, length 2, channels 2. Channel 0 holds {1, 2, 3, 6} (mean 3, biased var 3.5, unbiased 14/3);
// channel 1 holds {0, 0, 4, 4} (mean 2, biased var 4, unbiased 16/3).
const values = [1, 0, 2, 0, 3, 4, 6, 4];

describe('BatchNorm1d', () => {
  it('training: normalises with batch statistics and updates the running buffers as PyTorch does', () => {
    const bn = new BatchNorm1d({ channels: 2 });
    bn.weight.assign(tf.tensor1d([2, 1]));
    bn.bias.assign(tf.tensor1d([0, 1]));
    const y = bn.apply(tf.tensor3d(values, [2, 2, 2]), { training: true }).dataSync();
    const s0 = Math.sqrt(3.5 + 1e-5);
    const s1 = Math.sqrt(4 + 1e-5);
    const byHand = [
      (2 * (1 - 3)) / s0, (0 - 2) / s1 + 1, (2 * (2 - 3)) / s0, (0 - 2) / s1 + 1,
      (2 * (3 - 3)) / s0, (4 - 2) / s1 + 1, (2 * (6 - 3)) / s0, (4 - 2) / s1 + 1,
    ];
    Array.from(y).forEach((v, i) => expect(v).toBeCloseTo(byHand[i], 5));
    // running = 0.9 running + 0.1 batch (unbiased variance); start 0 and 1.
    expect(Array.from(bn.runningMean.dataSync())).toEqual([expect.closeTo(0.3, 6), expect.closeTo(0.2, 6)]);
    expect(Array.from(bn.runningVar.dataSync())).toEqual([
      expect.closeTo(0.9 + 0.1 * (14 / 3), 6),
      expect.closeTo(0.9 + 0.1 * (16 / 3), 6),
    ]);
    expect(bn.numBatchesTracked.dataSync()[0]).toBe(1);
    bn.apply(tf.tensor3d(values, [2, 2, 2]), { training: true });
    expect(bn.runningMean.dataSync()[0]).toBeCloseTo(0.9 * 0.3 + 0.1 * 3, 6);
    expect(bn.numBatchesTracked.dataSync()[0]).toBe(2);
  });

  it('evaluation: normalises with the running statistics and changes no buffer', () => {
    const bn = new BatchNorm1d({ channels: 2, relu: true });
    bn.runningMean.assign(tf.tensor1d([1, -1]));
    bn.runningVar.assign(tf.tensor1d([4, 0.25]));
    bn.bias.assign(tf.tensor1d([0.5, 0]));
    const y = bn.apply(tf.tensor3d(values, [2, 2, 2]), { training: false }).dataSync();
    const s0 = Math.sqrt(4 + 1e-5);
    const s1 = Math.sqrt(0.25 + 1e-5);
    const relu = (v: number) => Math.max(0, v);
    const byHand = [
      relu((1 - 1) / s0 + 0.5), relu((0 + 1) / s1), relu((2 - 1) / s0 + 0.5), relu((0 + 1) / s1),
      relu((3 - 1) / s0 + 0.5), relu((4 + 1) / s1), relu((6 - 1) / s0 + 0.5), relu((4 + 1) / s1),
    ];
    Array.from(y).forEach((v, i) => expect(v).toBeCloseTo(byHand[i], 5));
    expect(Array.from(bn.runningMean.dataSync())).toEqual([1, -1]);
    expect(Array.from(bn.runningVar.dataSync())).toEqual([4, 0.25]);
    expect(bn.numBatchesTracked.dataSync()[0]).toBe(0);
  });

  it('training gradient equals differentiating the plain batch-norm formula', () => {
    const x = tf.randomNormal([3, 5, 4], 1, 2, 'float32', 7);
    const dy = tf.randomNormal([3, 5, 4], 0, 1, 'float32', 8);
    const bn = new BatchNorm1d({ channels: 4, relu: true });
    bn.weight.assign(tf.tensor1d([1, -2, 0.5, 3]));
    const ours = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(bn.apply(a as tf.Tensor3D, { training: true }), dy)))(x);
    const plain = tf.grad((a: tf.Tensor) => {
      const { mean, variance } = tf.moments(a, [0, 1]);
      const y = tf.add(tf.mul(tf.div(tf.sub(a, mean), tf.sqrt(tf.add(variance, 1e-5))), bn.weight), bn.bias);
      return tf.sum(tf.mul(tf.relu(y), dy));
    })(x);
    expect(tf.max(tf.abs(tf.sub(ours, plain))).dataSync()[0]).toBeLessThan(1e-4);
  });

  it('names its parameters and buffers as PyTorch does', () => {
    const bn = new BatchNorm1d({ channels: 3 });
    expect(bn.namedWeights().map((w) => [w.name, w.trainable, w.torchDtype])).toEqual([
      ['weight', true, 'F32'],
      ['bias', true, 'F32'],
      ['running_mean', false, 'F32'],
      ['running_var', false, 'F32'],
      ['num_batches_tracked', false, 'I64'],
    ]);
  });
});
