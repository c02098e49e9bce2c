import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { initBackend } from '@neural-ode/backend';
import { beforeAll, describe, expect, it } from 'vitest';
import { concatConv1d } from './concat-conv1d';
import { concatConv2d } from './concat-conv2d';
import { concatDense } from './concat-dense';
import { neuralOde } from './neural-ode';
import { withOdeTime } from './ode-time';

beforeAll(async () => {
  await initBackend({ backend: 'cpu', log: false });
});

const max = (t: tf.Tensor) => tf.max(tf.abs(t)).dataSync()[0];
const seeded = (seed: number) => tfl.initializers.glorotUniform({ seed });

/** The input with a channel of value t appended on `axis`. */
const withTime = (x: tf.Tensor, t: number, axis: number) => {
  const shape = x.shape.slice();
  shape[axis] = 1;
  return tf.concat([x, tf.fill(shape, t)], axis);
};

describe('concatConv2d / concatConv1d / concatDense', () => {
  it("concatConv2d is tf.layers.conv2d over the image with a time channel appended (zero-padded like the others, as ODE-Net's ConcatConv2d)", () => {
    const layer = concatConv2d({ filters: 4, kernelSize: 3, padding: 'same', useBias: true, kernelInitializer: seeded(1), biasInitializer: 'ones' });
    const model = tfl.sequential({ layers: [tfl.layers.inputLayer({ inputShape: [5, 5, 3] }), layer] });
    expect(layer.trainableWeights.map((w) => w.shape)).toEqual([[3, 3, 4, 4], [4]]);
    expect(model.outputs[0].shape).toEqual([null, 5, 5, 4]);
    const x = tf.randomNormal([2, 5, 5, 3], 0, 1, 'float32', 2);
    const y = withOdeTime(tf.scalar(0.3), () => model.predict(x) as tf.Tensor);
    const [w, b] = layer.getWeights();
    const ref = tf.add(tf.conv2d(withTime(x, 0.3, 3) as tf.Tensor4D, w as tf.Tensor4D, 1, 'same'), b);
    expect(max(tf.sub(y, ref))).toBeLessThan(1e-5);
    // The time matters: at the border the padded time channel makes the map non-constant in space.
    const y2 = withOdeTime(tf.scalar(0.9), () => model.predict(x) as tf.Tensor);
    expect(max(tf.sub(y, y2))).toBeGreaterThan(1e-3);
  });

  it('concatConv2d with channelsFirst puts the time channel on axis 1', () => {
    const layer = concatConv2d({ filters: 2, kernelSize: 1, dataFormat: 'channelsFirst', kernelInitializer: seeded(3) });
    const x = tf.randomNormal([1, 3, 4, 4], 0, 1, 'float32', 3);
    const y = withOdeTime(tf.scalar(2), () => layer.apply(x) as tf.Tensor);
    expect(layer.trainableWeights[0].shape).toEqual([1, 1, 4, 2]);
    const [w, b] = layer.getWeights();
    const ref = tf.add(tf.conv2d(withTime(x, 2, 1) as tf.Tensor4D, w as tf.Tensor4D, 1, 'valid', 'NCHW'), tf.reshape(b, [1, 2, 1, 1]));
    expect(y.shape).toEqual([1, 2, 4, 4]);
    expect(max(tf.sub(y, ref))).toBeLessThan(1e-5);
  });

  it('concatConv1d and concatDense append the time feature last', () => {
    const conv = concatConv1d({ filters: 3, kernelSize: 3, padding: 'same', kernelInitializer: seeded(4) });
    const x = tf.randomNormal([2, 7, 5], 0, 1, 'float32', 4);
    const y = withOdeTime(tf.scalar(-0.5), () => conv.apply(x) as tf.Tensor);
    const [w, b] = conv.getWeights();
    expect(w.shape).toEqual([3, 6, 3]);
    expect(max(tf.sub(y, tf.add(tf.conv1d(withTime(x, -0.5, 2) as tf.Tensor3D, w as tf.Tensor3D, 1, 'same'), b)))).toBeLessThan(1e-5);

    const dense = concatDense({ units: 4, activation: 'relu', kernelInitializer: seeded(5) });
    const v = tf.randomNormal([3, 6], 0, 1, 'float32', 5);
    const out = withOdeTime(tf.scalar(0.25), () => dense.apply(v) as tf.Tensor);
    const [k, c] = dense.getWeights();
    expect(k.shape).toEqual([7, 4]);
    expect(max(tf.sub(out, tf.relu(tf.add(tf.matMul(withTime(v, 0.25, 1), k), c))))).toBeLessThan(1e-5);
  });

  it('reads the time of the solve that evaluates it: a time-dependent field integrates exactly', () => {
    // dy/dt = t (the dense layer picks the time feature): y(1) = y(0) + 1/2, exact for rk4.
    const pickTime = concatDense({ units: 1, useBias: false, inputShape: [1], kernelInitializer: tfl.initializers.constant({ value: 0 }) });
    const dynamics = tfl.sequential({ layers: [pickTime] });
    pickTime.setWeights([tf.tensor2d([[0], [1]])]);
    const ode = neuralOde({ dynamics, solver: { method: 'rk4', stepSize: 0.25 } });
    const y = ode.apply(tf.tensor2d([[1], [3]])) as tf.Tensor;
    expect(Array.from(y.dataSync())).toEqual([1.5, 3.5]);
  });

  it('outside an ODE, says that it needs the time of a neuralOde solve', () => {
    const layer = concatDense({ units: 2 });
    expect(() => layer.apply(tf.ones([1, 2]))).toThrow(/ConcatDense: no ODE time is set.*Fix: use it in the dynamics passed to neuralOde/);
  });
});
