import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { beforeAll, describe, expect, it } from 'vitest';
import { groupNorm } from '../group-norm-op';
import { nativeStatus, registerNativeBackend } from '../native-backend';
import { groupNormForward, numericGradient, randomValues, relativeError } from './float64-reference';
import { GROUP_NORM_GRAD_KERNEL, GROUP_NORM_KERNEL } from '@neural-ode/kernels';

const status = nativeStatus();
if (!status.available) console.warn(`[backend-native] GroupNorm tests SKIPPED: ${status.reason}. Fix: ${status.fix}`);

interface Case { shape: number[]; groups: number; relu: boolean; eps: number }
const cases: Case[] = [
  { shape: [2, 4, 5, 6], groups: 3, relu: false, eps: 1e-5 },
  { shape: [2, 4, 5, 6], groups: 3, relu: true, eps: 1e-5 },
  { shape: [1, 3, 3, 65], groups: 13, relu: true, eps: 1e-5 }, // batch 1, 65 channels
  { shape: [3, 7, 65], groups: 5, relu: false, eps: 1e-3 }, // NWC (conv1d layout), odd length
  { shape: [2, 2, 3, 8], groups: 1, relu: true, eps: 1e-5 }, // LayerNorm-like
  { shape: [2, 3, 2, 8], groups: 8, relu: false, eps: 1e-5 }, // InstanceNorm-like
];

describe.skipIf(!status.available)(`native GroupNorm(+ReLU) vs float64${status.available ? '' : ` (SKIPPED: ${status.reason})`}`, () => {
  beforeAll(async () => {
    await registerNativeBackend({ threads: 2 });
    await tf.setBackend('native');
  });

  it('registers both kernels for the native backend only', () => {
    expect(tf.getKernel(GROUP_NORM_KERNEL, 'native')).toBeDefined();
    expect(tf.getKernel(GROUP_NORM_GRAD_KERNEL, 'native')).toBeDefined();
    expect(tf.getKernel(GROUP_NORM_KERNEL, 'cpu')).toBeUndefined();
  });

  for (const [k, c] of cases.entries()) {
    const label = `[${c.shape}] groups ${c.groups} relu ${c.relu}`;
    it(`${label}: y, mean, rstd and dx, dgamma, dbeta to 1e-4`, () => {
      const n = c.shape[0]!, ch = c.shape[c.shape.length - 1]!, s = c.shape.slice(1, -1).reduce((a, b) => a * b, 1);
      const x = randomValues(n * s * ch, 300 + k, 2).map((v) => Math.fround(v + 0.5));
      const gamma = randomValues(ch, 400 + k).map((v) => Math.fround(1 + 0.5 * v));
      const beta = randomValues(ch, 500 + k, 0.5);
      const r = randomValues(x.length, 600 + k);
      const ref = groupNormForward(x, gamma, beta, n, s, ch, c.groups, c.eps, c.relu);

      const before = tf.memory().numTensors;
      const xt = tf.tensor(Float32Array.from(x), c.shape), gt = tf.tensor1d(Float32Array.from(gamma)), bt = tf.tensor1d(Float32Array.from(beta));
      const [y, mean, rstd] = tf.engine().runKernel(GROUP_NORM_KERNEL, { x: xt, gamma: gt, beta: bt }, { groups: c.groups, eps: c.eps, relu: c.relu }) as tf.Tensor[];
      expect(mean!.shape).toEqual([n, c.groups]);
      expect(relativeError(y!.dataSync(), ref.y)).toBeLessThan(1e-4);
      expect(relativeError(mean!.dataSync(), ref.mean)).toBeLessThan(1e-4);
      expect(relativeError(rstd!.dataSync(), ref.rstd)).toBeLessThan(1e-4);

      const rt = tf.tensor(Float32Array.from(r), c.shape);
      const [dx, dg, db] = tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.mul(groupNorm(a, g as tf.Tensor1D, b as tf.Tensor1D, { groups: c.groups, eps: c.eps, relu: c.relu }), rt)))([xt, gt, bt]);
      const f = (xv: Float64Array, gv: Float64Array, bv: Float64Array) => groupNormForward(xv, gv, bv, n, s, ch, c.groups, c.eps, c.relu).y;
      expect(relativeError(dx!.dataSync(), numericGradient((v) => f(v, gamma, beta), x.slice(), r))).toBeLessThan(1e-4);
      expect(relativeError(dg!.dataSync(), numericGradient((v) => f(x, v, beta), gamma.slice(), r))).toBeLessThan(1e-4);
      expect(relativeError(db!.dataSync(), numericGradient((v) => f(x, gamma, v), beta.slice(), r))).toBeLessThan(1e-4);
      tf.dispose([xt, gt, bt, y!, mean!, rstd!, rt, dx!, dg!, db!]);
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it('rejects groups that do not divide the channels, naming the attribute and the fix', () => {
    const x = tf.zeros([1, 2, 2, 6]);
    expect(() => groupNorm(x, tf.ones([6]) as tf.Tensor1D, tf.zeros([6]) as tf.Tensor1D, { groups: 4 })).toThrow(/groups=4 .*dividing the 6 channels/);
  });

  it('groupNorm inside tf.tidy under a gradient leaks no tensors', () => {
    const before = tf.memory().numTensors;
    const x = tf.randomNormal([2, 3, 3, 8]), g = tf.ones([8]) as tf.Tensor1D, b = tf.zeros([8]) as tf.Tensor1D;
    for (let i = 0; i < 3; ++i) {
      tf.tidy(() => {
        tf.grads((a: tf.Tensor) => tf.sum(groupNorm(a, g, b, { groups: 4, relu: true })))([x]);
      });
    }
    tf.dispose([x, g, b]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
