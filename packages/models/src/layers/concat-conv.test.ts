import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@neural-ode/backend';
import { beforeAll, describe, expect, it } from 'vitest';
import { createInitializer } from '../init';
import { ConcatConv1d } from './concat-conv1d';
import { ConcatConv2d } from './concat-conv2d';

beforeAll(async () => {
  await initBackend({ backend: 'cpu', log: false });
});

describe('ConcatConv2d', () => {
  it('convolves the input with a zero-padded constant time channel: a hand-computed case', () => {
    // 1 feature channel + t → 1 output, 3×3, padding 1, no bias. Weights: the time channel all ones, the
    // feature channel only the centre tap = 2. Output = 2x + t · (number of in-image taps): corners of a
    // 3×3 image see 4 taps, edges 6, the centre 9.
    const layer = new ConcatConv2d({ inChannels: 2, outChannels: 1, kernelSize: 3, padding: 1, bias: false }, createInitializer(0));
    const w = tf.buffer([3, 3, 2, 1]);
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) w.set(1, i, j, 1, 0);
    w.set(2, 1, 1, 0, 0);
    layer.conv.weight.assign(w.toTensor());
    const x = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1]);
    const t = 0.5;
    const y = Array.from(layer.apply(t, x).dataSync());
    const taps = [4, 6, 4, 6, 9, 6, 4, 6, 4];
    expect(y).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9].map((v, i) => 2 * v + t * taps[i]));
  });

  it('passes the gradient to a tensor t', () => {
    const layer = new ConcatConv2d({ inChannels: 3, outChannels: 2, kernelSize: 3, padding: 1 }, createInitializer(1));
    const x = tf.randomNormal([1, 4, 4, 2], 0, 1, 'float32', 2) as tf.Tensor4D;
    const dt = tf.grad((t: tf.Tensor) => tf.sum(layer.apply(t as tf.Scalar, x)))(tf.scalar(0.3));
    // d/dt of sum(conv) = sum over outputs of the time-channel taps that land inside the image.
    const h = 1e-2;
    const f = (t: number) => tf.sum(layer.apply(t, x)).dataSync()[0];
    expect(dt.dataSync()[0]).toBeCloseTo((f(0.3 + h) - f(0.3 - h)) / (2 * h), 1);
  });
});

describe('ConcatConv1d', () => {
  it('convolves the sequence with a constant time channel: a hand-computed case', () => {
    // 1 feature + t → 1 output, k3, padding 1, bias 0.25. Feature taps [1, 0, -1], time taps [1, 1, 1].
    const layer = new ConcatConv1d({ inChannels: 2, outChannels: 1, kernelSize: 3, padding: 1 }, createInitializer(0));
    layer.conv.weight.assign(tf.tensor3d([1, 1, 0, 1, -1, 1], [3, 2, 1]));
    layer.conv.bias!.assign(tf.tensor1d([0.25]));
    const x = tf.tensor3d([1, 4, 9, 16], [1, 4, 1]);
    const t = 2;
    const y = Array.from(layer.apply(t, x).dataSync());
    // y[i] = x[i-1] - x[i+1] + t · (taps inside) + 0.25
    expect(y).toEqual([0 - 4 + 2 * t, 1 - 9 + 3 * t, 4 - 16 + 3 * t, 9 - 0 + 2 * t].map((v) => v + 0.25));
  });
});
