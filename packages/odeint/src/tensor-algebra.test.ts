import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@neural-ode/backend';
import { linearCombination, tensorAlgebra, type TensorAlgebraOptions, type TensorNorm } from './tensor-algebra';

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

  it('gradients are coef_j · dy (equal to the stock concat + matMul gradient); no matMul, concat or split kernels', async () => {
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
    expect(names).toContain('AddN'); // the forward
    for (const stockKernel of ['BatchMatMul', 'Concat', 'SplitV']) expect(names).not.toContain(stockKernel);
    tf.dispose(info.result as tf.Tensor[]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('error norms on the host and on the device agree', () => {
  // Two components (as the adjoint's [z, a, θ-grads] has several), stages of a 4-stage method.
  const comps = [6, 3];
  const state = (seed: number, scale = 1) => comps.map((n, c) => tf.mul(tf.randomNormal([1, n], 0, 1, 'float32', seed * 10 + c), scale) as tf.Tensor2D);
  const bErr = [0.1, -0.3, 0, 0.2];
  const both = (opts: Omit<TensorAlgebraOptions, 'normOn'>) =>
    (['host', 'device'] as const).map((normOn) => tensorAlgebra({ ...opts, normOn }));

  for (const norm of ['rms', 'max', 'mixed', 'seminorm'] as TensorNorm[]) {
    it(`${norm}: errorRatio and scaledNorm, scalar and per-element tolerances`, () => {
      const y0 = state(1);
      const y1 = state(2);
      const ks = [3, 4, 5, 6].map((s) => state(s, 5));
      const perElement = tf.tensor2d([[1e-3, 2e-3, 1e-2, 1e-3, 5e-3, 1e-4]]);
      for (const atol of [[1e-3, 1e-3], [perElement, 1e-3]]) {
        const [host, device] = both({ atol, rtol: [1e-2, 1e-3], norm, normComponents: 1 });
        const e = [host.errorRatio(0.5, ks, bErr, y0, y1), device.errorRatio(0.5, ks, bErr, y0, y1)];
        expect(e[0]).toBeGreaterThan(0);
        expect(e[0]).toBeCloseTo(e[1], 3 - Math.ceil(Math.log10(e[0])));
        const n = [host.scaledNorm(ks[1], y0), device.scaledNorm(ks[1], y0)];
        expect(n[0] / n[1]).toBeCloseTo(1, 5);
      }
      tf.dispose([...y0, ...y1, ...ks.flat(), perElement]);
    });
  }

  it('a NaN or Inf in y1 (any component) or in a measured stage component gives NaN on both', () => {
    const y0 = state(1);
    const ks = [3, 4, 5, 6].map((s) => state(s));
    const withValue = (v: number, c: number) => state(2).map((t, i) => (i === c ? (tf.concat([tf.tensor2d([[v]]), tf.slice(t, [0, 1], [1, -1])], 1) as tf.Tensor2D) : t));
    for (const norm of ['rms', 'max', 'mixed', 'seminorm'] as TensorNorm[]) {
      for (const [v, c] of [[Number.NaN, 0], [Number.POSITIVE_INFINITY, 0], [Number.NaN, 1]] as const) {
        const y1 = withValue(v, c);
        for (const alg of both({ atol: [1e-3, 1e-3], rtol: [1e-3, 1e-3], norm, normComponents: 1 })) {
          expect(alg.errorRatio(0.1, ks, bErr, y0, y1)).toBeNaN();
          // In a stage, only measured components count (seminorm leaves the second out; y1 carries it in practice).
          if (norm !== 'seminorm' || c === 0) expect(alg.errorRatio(0.1, [ks[0], y1, ks[2], ks[3]], bErr, y0, y0)).toBeNaN();
        }
      }
    }
  });
});
