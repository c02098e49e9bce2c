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

/** dx, dgamma, dbeta of Σ r ⊙ GroupNorm(+ReLU)(x) in float64, analytically (checked against central differences below). */
function groupNormBackwardRef(x: Float64Array, gamma: Float64Array, beta: Float64Array, r: Float64Array, n: number, s: number, c: number, groups: number, eps: number, relu: boolean) {
  const { mean, rstd } = groupNormForward(x, gamma, beta, n, s, c, groups, eps, false);
  const cg = c / groups, count = s * cg;
  const dx = new Float64Array(x.length), dgamma = new Float64Array(c), dbeta = new Float64Array(c);
  for (let i = 0; i < n; ++i)
    for (let g = 0; g < groups; ++g) {
      const m = mean[i * groups + g]!, rs = rstd[i * groups + g]!;
      let u = 0, v = 0;
      const idx = (p: number, j: number) => (i * s + p) * c + g * cg + j;
      const gradAt = (p: number, j: number) => {
        const xh = (x[idx(p, j)]! - m) * rs;
        const pre = xh * gamma[g * cg + j]! + beta[g * cg + j]!;
        return { xh, gv: relu && pre <= 0 ? 0 : r[idx(p, j)]! };
      };
      for (let p = 0; p < s; ++p)
        for (let j = 0; j < cg; ++j) {
          const { xh, gv } = gradAt(p, j);
          u += gamma[g * cg + j]! * gv;
          v += gamma[g * cg + j]! * gv * xh;
          dbeta[g * cg + j] += gv;
          dgamma[g * cg + j] += gv * xh;
        }
      for (let p = 0; p < s; ++p)
        for (let j = 0; j < cg; ++j) {
          const { xh, gv } = gradAt(p, j);
          dx[idx(p, j)] = rs * (gamma[g * cg + j]! * gv - u / count - (xh * v) / count);
        }
    }
  return { dx, dgamma, dbeta };
}

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
  it('the analytic float64 backward reference matches central differences', () => {
    const [n, s, c, groups] = [2, 5, 6, 3];
    const x = randomValues(n * s * c, 31, 2), gamma = randomValues(c, 32), beta = randomValues(c, 33), r = randomValues(x.length, 34);
    const want = groupNormBackwardRef(x, gamma, beta, r, n, s, c, groups, 1e-5, true);
    const f = (xv: Float64Array) => groupNormForward(xv, gamma, beta, n, s, c, groups, 1e-5, true).y;
    expect(relativeError(want.dx, numericGradient(f, x.slice(), r))).toBeLessThan(1e-5);
  });

  // One image of many rows (BatchNorm1d as a GroupNorm of [1, 1, rows, c]): the rows are split across the threads.
  for (const [shape, groups, relu] of [[[1, 1, 1100, 64], 64, true], [[1, 2, 550, 64], 16, false]] as const) {
    it(`[${shape}] groups ${groups} relu ${relu} (one image, rows split across threads): forward and backward to 1e-4`, () => {
      const n = shape[0], c = shape[3], s = shape[1] * shape[2];
      const x = randomValues(n * s * c, 41, 2).map((v) => Math.fround(v + 0.5));
      const gamma = randomValues(c, 42).map((v) => Math.fround(1 + 0.5 * v)), beta = randomValues(c, 43, 0.5), r = randomValues(x.length, 44);
      const ref = groupNormForward(x, gamma, beta, n, s, c, groups, 1e-5, relu);
      const want = groupNormBackwardRef(x, gamma, beta, r, n, s, c, groups, 1e-5, relu);
      const xt = tf.tensor(Float32Array.from(x), [...shape]), gt = tf.tensor1d(Float32Array.from(gamma)), bt = tf.tensor1d(Float32Array.from(beta));
      const [y, mean, rstd] = tf.engine().runKernel(GROUP_NORM_KERNEL, { x: xt, gamma: gt, beta: bt }, { groups, eps: 1e-5, relu }) as tf.Tensor[];
      expect(relativeError(y!.dataSync(), ref.y)).toBeLessThan(1e-4);
      expect(relativeError(mean!.dataSync(), ref.mean)).toBeLessThan(1e-4);
      expect(relativeError(rstd!.dataSync(), ref.rstd)).toBeLessThan(1e-4);
      const [dx, dg, db] = tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.mul(groupNorm(a, g as tf.Tensor1D, b as tf.Tensor1D, { groups, eps: 1e-5, relu }), tf.tensor(Float32Array.from(r), [...shape]))))([xt, gt, bt]);
      expect(relativeError(dx!.dataSync(), want.dx)).toBeLessThan(1e-4);
      expect(relativeError(dg!.dataSync(), want.dgamma)).toBeLessThan(1e-4);
      expect(relativeError(db!.dataSync(), want.dbeta)).toBeLessThan(1e-4);
    });
  }
});
