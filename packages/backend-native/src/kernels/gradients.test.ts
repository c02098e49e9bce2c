import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { beforeAll, describe, expect, it } from 'vitest';
import { nativeStatus, registerNativeBackend } from '../native-backend';
import { randomValues, relativeError, sizeOf } from './float64-reference';

const status = nativeStatus();
if (!status.available) console.warn(`[backend-native] gradient tests SKIPPED: ${status.reason}. Fix: ${status.fix}`);

/**
 * The gradients of Σ r ⊙ batchNorm(x, mean, variance, offset, scale) with statistics per channel (innermost axis)
 * in float64, each input taken as independent (tfjs's definition of FusedBatchNorm's gradient).
 */
function batchNormGradRef(x: Float64Array, c: number, m: Float64Array, v: Float64Array, s: Float64Array, r: Float64Array, eps: number) {
  const dx = new Float64Array(x.length), dm = new Float64Array(c), dv = new Float64Array(c), ds = new Float64Array(c), doff = new Float64Array(c);
  for (let i = 0; i < x.length; ++i) {
    const j = i % c, rs = 1 / Math.sqrt(v[j]! + eps);
    dx[i] = r[i]! * s[j]! * rs;
    dm[j] -= r[i]! * s[j]! * rs;
    dv[j] += r[i]! * (x[i]! - m[j]!) * s[j]! * -0.5 * rs ** 3;
    ds[j] += r[i]! * (x[i]! - m[j]!) * rs;
    doff[j] += r[i]!;
  }
  return [dx, dm, dv, ds, doff];
}

async function kernelsOf(f: () => tf.Tensor | tf.Tensor[]): Promise<string[]> {
  const info = await tf.profile(() => f() as tf.Tensor[]);
  return info.kernelNames;
}

describe.skipIf(!status.available)(`native gradients of batchNorm, relu, mean and sum vs float64${status.available ? '' : ` (SKIPPED: ${status.reason})`}`, () => {
  beforeAll(async () => {
    await registerNativeBackend({ threads: 2 });
    await tf.setBackend('native');
  });

  for (const shape of [[3, 5, 7, 13], [37, 11], [64, 9, 9, 32]]) {
    it(`batchNorm [${shape}]: the gradients of x, mean, variance, scale and offset in one kernel, to 1e-5`, async () => {
      const c = shape[shape.length - 1]!, n = sizeOf(shape), eps = 1e-3;
      const x = randomValues(n, 1), m = randomValues(c, 2, 0.3), s = randomValues(c, 4), o = randomValues(c, 5), r = randomValues(n, 6);
      const v = randomValues(c, 3).map((u) => Math.fround(Math.abs(u) + 0.1));
      const t = (a: Float64Array, sh: number[]) => tf.tensor(Float32Array.from(a), sh);
      const f = (xt: tf.Tensor, mt: tf.Tensor, vt: tf.Tensor, st: tf.Tensor, ot: tf.Tensor) =>
        tf.sum(tf.mul(tf.batchNorm(xt, mt, vt, ot, st, eps), t(r, shape)));
      const inputs = [t(x, shape), t(m, [c]), t(v, [c]), t(s, [c]), t(o, [c])];
      const got = tf.grads(f)(inputs);
      const want = batchNormGradRef(x, c, m, v, s, r, eps);
      ['x', 'mean', 'variance', 'scale', 'offset'].forEach((name, i) => {
        expect(got[i]!.shape, name).toEqual(inputs[i]!.shape);
        expect(relativeError(got[i]!.dataSync(), want[i]!), name).toBeLessThan(1e-5);
      });
      const names = await kernelsOf(() => tf.grads(f)(inputs));
      expect(names).toContain('NeuralOdeBatchNormGrad');
    });
  }

  it('relu and relu6: dy times the mask in one kernel (0 and 6 at the edges, NaN kept), exactly', async () => {
    const shape = [7, 13, 11, 3], n = sizeOf(shape);
    const x = Array.from(randomValues(n, 41, 4));
    x.splice(0, 6, 0, 6, -0, NaN, 6.000001, 1e-30);
    const dy = randomValues(n, 42);
    const xt = tf.tensor(Float32Array.from(x), shape), wt = tf.tensor(Float32Array.from(dy), shape);
    for (const [name, op, inside] of [
      ['relu', tf.relu, (v: number) => v > 0],
      ['relu6', tf.relu6, (v: number) => v > 0 && v <= 6],
    ] as const) {
      const f = (t: tf.Tensor) => tf.sum(tf.mul(op(t), wt));
      const got = Array.from(tf.grad(f)(xt).dataSync());
      const want = x.map((v, i) => (Number.isNaN(v) ? NaN : inside(Math.fround(v)) ? Math.fround(dy[i]!) : 0));
      expect(got.map((v) => (Object.is(v, -0) ? 0 : v)), name).toEqual(want);
      const names = await kernelsOf(() => tf.grad(f)(xt));
      expect(names, name).toContain('NeuralOdeReluGrad');
      expect(names, name).not.toContain('Step');
    }
  });

  const reduceCases: [number[], number[], boolean][] = [
    [[3, 5, 7, 13], [0, 1, 2], false],
    [[3, 5, 7, 13], [1, 3], true],
    [[17, 9], [1], false],
    [[4, 6, 5, 8, 3], [1, 2, 4], true],
  ];
  for (const [shape, axes, keepDims] of reduceCases) {
    it(`mean and sum over [${axes}] of [${shape}] (keepDims ${keepDims}): dy tiled once, to 1e-6`, async () => {
      const x = tf.tensor(Float32Array.from(randomValues(sizeOf(shape), 21)), shape);
      const outShape = shape.filter((_, i) => !axes.includes(i) || keepDims).map((d, i) => (keepDims && axes.includes(i) ? 1 : d));
      const w = randomValues(sizeOf(outShape), 22);
      const count = sizeOf(axes.map((a) => shape[a]!));
      for (const [name, op, scale] of [['mean', tf.mean, 1 / count], ['sum', tf.sum, 1]] as const) {
        const f = (t: tf.Tensor) => tf.sum(tf.mul(op(t, axes, keepDims), tf.tensor(Float32Array.from(w), outShape)));
        const got = tf.grad(f)(x).dataSync();
        const keptShape = shape.filter((_, i) => !axes.includes(i));
        const want = Array.from({ length: sizeOf(shape) }, (_, flat) => {
          const idx: number[] = [];
          let rem = flat;
          for (let i = shape.length - 1; i >= 0; --i) {
            idx[i] = rem % shape[i]!;
            rem = Math.floor(rem / shape[i]!);
          }
          const kept = idx.filter((_, i) => !axes.includes(i));
          const o = kept.reduce((acc, v, i) => acc * keptShape[i]! + v, 0);
          return w[o]! * scale;
        });
        expect(relativeError(got, want), name).toBeLessThan(1e-6);
        const names = await kernelsOf(() => tf.grad(f)(x));
        expect(names, name).toContain('Tile');
      }
    });
  }

  it('on the cpu backend the same gradients come from tfjs-core\'s own gradient functions', async () => {
    const shape = [4, 5, 6], c = 6;
    const data = [randomValues(120, 31), randomValues(c, 32), randomValues(c, 33).map((u) => Math.fround(Math.abs(u) + 0.5)), randomValues(c, 34), randomValues(c, 35)];
    const f = (xt: tf.Tensor, mt: tf.Tensor, vt: tf.Tensor, st: tf.Tensor, ot: tf.Tensor) =>
      tf.add(tf.sum(tf.square(tf.batchNorm(xt, mt, vt, ot, st, 1e-3))), tf.sum(tf.mean(tf.square(xt), [0, 2])));
    const run = () => tf.grads(f)(data.map((d, i) => tf.tensor(Float32Array.from(d), i === 0 ? shape : [c])));
    const native = run().map((g) => g.dataSync());
    await tf.setBackend('cpu');
    try {
      const names = await kernelsOf(run);
      expect(names).not.toContain('NeuralOdeBatchNormGrad');
      const cpu = run().map((g) => g.dataSync());
      cpu.forEach((g, i) => expect(relativeError(native[i]!, g), `input ${i}`).toBeLessThan(1e-5));
    } finally {
      await tf.setBackend('native');
    }
  });
});
