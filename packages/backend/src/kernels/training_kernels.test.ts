import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { backend_util } from '@tensorflow/tfjs-core';
import { initBackend } from '../index';
import { randomInt, randomValues, relativeError, seededRandom } from '../testing/reference';

type Pad = 'same' | 'valid' | backend_util.ExplicitPadding;

/** Max-pool gradient in float64: dy goes to the first maximum (row-major) of each window; padding never wins. */
function referenceMaxPoolGrad(
  xShape: [number, number, number, number],
  x: Float32Array,
  dy: Float32Array,
  info: backend_util.Conv2DInfo,
): Float64Array {
  const [N, H, W, C] = xShape;
  const { outHeight: OH, outWidth: OW, strideHeight: sh, strideWidth: sw, filterHeight: fh, filterWidth: fw } = info;
  const dx = new Float64Array(x.length);
  for (let n = 0; n < N; n++)
    for (let oh = 0; oh < OH; oh++)
      for (let ow = 0; ow < OW; ow++)
        for (let c = 0; c < C; c++) {
          let best = -Infinity;
          let at = -1;
          for (let ky = 0; ky < fh; ky++)
            for (let kx = 0; kx < fw; kx++) {
              const y = oh * sh - info.padInfo.top + ky;
              const xx = ow * sw - info.padInfo.left + kx;
              if (y < 0 || y >= H || xx < 0 || xx >= W) continue;
              const i = ((n * H + y) * W + xx) * C + c;
              if (at < 0 || x[i] > best) {
                best = x[i];
                at = i;
              }
            }
          if (at >= 0) dx[at] += dy[((n * OH + oh) * OW + ow) * C + c];
        }
  return dx;
}


/** Index of `out` coordinates in an operand of `shape` broadcast (right-aligned) to `outShape`. */
function broadcastIndex(coords: number[], shape: number[]): number {
  let idx = 0;
  const off = coords.length - shape.length;
  for (let i = 0; i < shape.length; i++) idx = idx * shape[i] + (shape[i] === 1 ? 0 : coords[i + off]);
  return idx;
}

function coordsOf(flat: number[], shape: number[]): number[][] {
  return flat.map((f) => {
    const c = new Array<number>(shape.length);
    for (let i = shape.length - 1; i >= 0; i--) {
      c[i] = f % shape[i];
      f = Math.floor(f / shape[i]);
    }
    return c;
  });
}

const binaryCases: Array<[number[], number[]]> = [
  [[4, 5, 5, 6, 2], [4, 1, 1, 6, 1]], // GroupNorm: [N,H,W,G,C/G] ∘ [N,1,1,G,1]
  [[3, 4, 4, 8], [8]], // per channel
  [[1, 1, 1, 1], [2, 3, 3, 4]], // scalar-like, broadcast on the left
  [[5, 1, 7], [1, 6, 1]], // both broadcast
  [[1, 9], [3, 1]],
  [[2, 3, 1, 5], [3, 4, 1]], // ranks differ
  [[7], [1]],
  [[1, 6, 1, 3], [2, 1, 5, 3]],
];

for (const [backend, threads] of [
  ['wasm', 2],
  ['cpu', 1],
] as const) {
  describe(`training kernels on ${backend}`, () => {
    let before = 0;
    beforeAll(async () => {
      await initBackend({ backend, threads, log: false });
      before = tf.memory().numTensors;
    });
    afterAll(() => expect(tf.memory().numTensors).toBe(before));

    it('MaxPoolGrad matches a float64 reference (6×6 and larger, strides, same/valid, batch 1)', () => {
      const rand = seededRandom(31);
      const cases: Array<{ x: [number, number, number, number]; k: [number, number]; s: [number, number]; pad: Pad }> = [
        { x: [1, 6, 6, 3], k: [2, 2], s: [2, 2], pad: 'valid' },
        { x: [2, 7, 9, 4], k: [3, 3], s: [2, 2], pad: 'same' },
        { x: [1, 12, 12, 5], k: [3, 2], s: [1, 2], pad: 'same' },
        { x: [3, 9, 8, 2], k: [2, 3], s: [3, 1], pad: 'valid' },
      ];
      for (let i = 0; i < 6; i++) {
        const kh = randomInt(rand, 1, 4);
        const kw = randomInt(rand, 1, 4);
        cases.push({
          x: [randomInt(rand, 1, 3), randomInt(rand, 6, 14), randomInt(rand, 6, 14), randomInt(rand, 1, 7)],
          k: [kh, kw],
          s: [randomInt(rand, 1, 3), randomInt(rand, 1, 3)],
          pad: rand() < 0.5 ? 'same' : 'valid',
        });
      }
      for (const c of cases) {
        const info = backend_util.computePool2DInfo(c.x, c.k, c.s, 1, c.pad);
        const dyShape = [c.x[0], info.outHeight, info.outWidth, c.x[3]];
        const xv = randomValues(rand, c.x.reduce((a, b) => a * b));
        const dyv = randomValues(rand, dyShape.reduce((a, b) => a * b));
        const got = tf.tidy(() => {
          const x = tf.tensor4d(xv, c.x);
          const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(t as tf.Tensor4D, c.k, c.s, c.pad), tf.tensor(dyv, dyShape))));
          return g(x).dataSync();
        });
        expect(relativeError(got, referenceMaxPoolGrad(c.x, xv, dyv, info)), JSON.stringify(c)).toBeLessThan(1e-4);
      }
    });

    it('broadcasting Add/Sub/Mul/Div match a float64 reference', () => {
      const rand = seededRandom(21);
      const ops = {
        add: [tf.add, (x: number, y: number) => x + y],
        sub: [tf.sub, (x: number, y: number) => x - y],
        mul: [tf.mul, (x: number, y: number) => x * y],
        div: [tf.div, (x: number, y: number) => x / y],
      } as const;
      for (const [aShape, bShape] of binaryCases) {
        const outShape = tf.backend_util.assertAndGetBroadcastShape(aShape, bShape);
        const av = randomValues(rand, aShape.reduce((p, q) => p * q));
        // Divisors away from zero so the relative error measure stays meaningful.
        const bv = randomValues(rand, bShape.reduce((p, q) => p * q)).map((v) => (v < 0 ? v - 0.5 : v + 0.5));
        const n = outShape.reduce((p, q) => p * q);
        const coords = coordsOf(Array.from({ length: n }, (_, i) => i), outShape);
        for (const [name, [op, f]] of Object.entries(ops)) {
          for (const swap of [false, true]) {
            const [xs, xv, ys, yv] = swap ? [bShape, bv, aShape, av] : [aShape, av, bShape, bv];
            const want = Float64Array.from(coords, (c) => f(xv[broadcastIndex(c, xs)], yv[broadcastIndex(c, ys)]));
            const got = tf.tidy(() => (op as (a: tf.Tensor, b: tf.Tensor) => tf.Tensor)(tf.tensor(xv, xs), tf.tensor(yv, ys)).dataSync());
            expect(relativeError(got, want), `${name} [${xs}] ∘ [${ys}]`).toBeLessThan(1e-4);
          }
        }
      }
    });

    it('Sum and Mean over any axes match a float64 reference', () => {
      const rand = seededRandom(23);
      const cases: Array<[number[], number[]]> = [
        [[4, 5, 5, 6, 2], [1, 2, 4]], // GroupNorm moments
        [[6, 3, 3, 8], [0, 1, 2]], // bias gradient
        [[3, 4, 5], [1]],
        [[3, 4, 5], [0, 2]],
        [[2, 1, 7, 1, 3], [1, 3]],
        [[5, 6], [0]],
        [[4, 3, 2], [0, 1, 2]],
        [[9, 2], [1]],
      ];
      for (const [shape, axes] of cases) {
        const xv = randomValues(rand, shape.reduce((p, q) => p * q));
        const outShape = shape.map((d, i) => (axes.includes(i) ? 1 : d));
        const outN = outShape.reduce((p, q) => p * q);
        const count = shape.reduce((p, q) => p * q) / outN;
        const sum = new Float64Array(outN);
        coordsOf(Array.from({ length: xv.length }, (_, i) => i), shape).forEach((c, i) => {
          sum[broadcastIndex(c, outShape)] += xv[i];
        });
        for (const keepDims of [false, true]) {
          const [s, m] = tf.tidy(() => {
            const x = tf.tensor(xv, shape);
            const sv = tf.sum(x, axes, keepDims);
            const mv = tf.mean(x, axes, keepDims);
            expect(sv.shape).toEqual(keepDims ? outShape : shape.filter((_, i) => !axes.includes(i)));
            return [sv.dataSync(), mv.dataSync()];
          });
          expect(relativeError(s, sum), `sum [${shape}] over [${axes}]`).toBeLessThan(1e-4);
          expect(relativeError(m, sum.map((v) => v / count)), `mean [${shape}] over [${axes}]`).toBeLessThan(1e-4);
        }
      }
    });

    it('UnsortedSegmentSum matches a float64 reference and drops ids out of range', () => {
      const rand = seededRandom(5);
      for (const [rows, inner, segments] of [
        [1, 1, 1],
        [17, 5, 4],
        [40, 3, 11],
      ]) {
        const xv = randomValues(rand, rows * inner);
        const ids = Int32Array.from({ length: rows }, () => randomInt(rand, -1, segments));
        const want = new Float64Array(segments * inner);
        ids.forEach((s, i) => {
          if (s >= 0 && s < segments) for (let j = 0; j < inner; j++) want[s * inner + j] += xv[i * inner + j];
        });
        const got = tf.tidy(() =>
          tf.unsortedSegmentSum(tf.tensor2d(xv, [rows, inner]), tf.tensor1d(ids, 'int32'), segments).dataSync(),
        );
        expect(relativeError(got, want)).toBeLessThan(1e-4);
      }
    });

    it('gather (embedding) has a gradient: repeated ids accumulate', () => {
      const rand = seededRandom(9);
      const table = randomValues(rand, 6 * 4);
      const ids = Int32Array.from([3, 0, 3, 5, 3]);
      const dyv = randomValues(rand, 5 * 4);
      const want = new Float64Array(6 * 4);
      ids.forEach((s, i) => {
        for (let j = 0; j < 4; j++) want[s * 4 + j] += dyv[i * 4 + j];
      });
      const got = tf.tidy(() =>
        tf
          .grad((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, tf.tensor1d(ids, 'int32')), tf.tensor2d(dyv, [5, 4]))))(
            tf.tensor2d(table, [6, 4]),
          )
          .dataSync(),
      );
      expect(relativeError(got, want)).toBeLessThan(1e-4);
    });

    it('fused GroupNorm forward and backward match a float64 reference (rank 3 and 4, with and without ReLU)', () => {
      const rand = seededRandom(17);
      for (const [shape, groups] of [[[3, 5, 4, 8], 4], [[2, 7, 6], 3]] as const) {
        for (const relu of [false, true]) {
          const size = shape.reduce((a, b) => a * b, 1);
          const c = shape[shape.length - 1];
          const n = shape[0];
          const sPer = size / (n * c);
          const cg = c / groups;
          const count = sPer * cg;
          const xv = randomValues(rand, size).map((v) => 3 * v + 2);
          const gv = randomValues(rand, c);
          const bv = randomValues(rand, c);
          const dyv = randomValues(rand, size);
          const at = (i: number, p: number, ch: number) => (i * sPer + p) * c + ch;
          // Reference, float64: statistics per (image, group), then y, then the textbook backward in sums.
          const y = new Float64Array(size);
          const dx = new Float64Array(size);
          const dgamma = new Float64Array(c);
          const dbeta = new Float64Array(c);
          const means: number[] = [];
          const rstds: number[] = [];
          for (let i = 0; i < n; i++) {
            for (let g = 0; g < groups; g++) {
              const idx: number[] = [];
              for (let p = 0; p < sPer; p++) for (let j = 0; j < cg; j++) idx.push(at(i, p, g * cg + j));
              const mean = idx.reduce((t, k) => t + xv[k], 0) / count;
              const rstd = 1 / Math.sqrt(idx.reduce((t, k) => t + (xv[k] - mean) ** 2, 0) / count + 1e-5);
              means.push(mean);
              rstds.push(rstd);
              const xhat = (k: number) => (xv[k] - mean) * rstd;
              const chOf = (k: number) => k % c;
              const pre = (k: number) => xhat(k) * gv[chOf(k)] + bv[chOf(k)];
              const gr = (k: number) => (relu && pre(k) <= 0 ? 0 : dyv[k]);
              let s1 = 0;
              let s2 = 0;
              for (const k of idx) {
                y[k] = relu ? Math.max(0, pre(k)) : pre(k);
                s1 += gr(k) * gv[chOf(k)];
                s2 += gr(k) * gv[chOf(k)] * xhat(k);
                dgamma[chOf(k)] += gr(k) * xhat(k);
                dbeta[chOf(k)] += gr(k);
              }
              for (const k of idx) dx[k] = (rstd / count) * (count * gr(k) * gv[chOf(k)] - s1 - xhat(k) * s2);
            }
          }
          const attrs = { groups, eps: 1e-5, relu };
          const got = tf.tidy(() => {
            const x = tf.tensor(xv, [...shape]);
            const gamma = tf.tensor1d(gv);
            const beta = tf.tensor1d(bv);
            const [yT, meanT, rstdT] = tf.engine().runKernel('NeuralOdeGroupNorm', { x, gamma, beta }, attrs) as tf.Tensor[];
            const grads = tf.engine().runKernel('NeuralOdeGroupNormGrad', { dy: tf.tensor(dyv, [...shape]), x, gamma, beta, mean: meanT, rstd: rstdT }, attrs) as tf.Tensor[];
            return [yT, meanT, rstdT, ...grads].map((t) => t.dataSync());
          });
          const label = `[${shape}] groups ${groups} relu ${relu}`;
          expect(relativeError(got[0], y), `y ${label}`).toBeLessThan(1e-5);
          expect(relativeError(got[1], Float64Array.from(means)), `mean ${label}`).toBeLessThan(1e-6);
          expect(relativeError(got[2], Float64Array.from(rstds)), `rstd ${label}`).toBeLessThan(1e-6);
          expect(relativeError(got[3], dx), `dx ${label}`).toBeLessThan(1e-4);
          expect(relativeError(got[4], dgamma), `dgamma ${label}`).toBeLessThan(1e-5);
          expect(relativeError(got[5], dbeta), `dbeta ${label}`).toBeLessThan(1e-5);
        }
      }
    });

    it('topk values have a gradient: dy goes back to the chosen positions', () => {
      const rand = seededRandom(13);
      const shape = [2, 3, 11];
      const xv = randomValues(rand, 66);
      const k = 4;
      const dyv = randomValues(rand, 2 * 3 * k);
      const want = new Float64Array(66);
      for (let r = 0; r < 6; r++) {
        const row = Array.from(xv.slice(r * 11, r * 11 + 11));
        const order = row.map((v, i) => [v, i]).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
        for (let j = 0; j < k; j++) want[r * 11 + order[j][1]] += dyv[r * k + j];
      }
      const got = tf.tidy(() =>
        tf
          .grad((t: tf.Tensor) => tf.sum(tf.mul(tf.topk(t, k).values, tf.tensor(dyv, [2, 3, k]))))(tf.tensor(xv, shape))
          .dataSync(),
      );
      expect(relativeError(got, want)).toBeLessThan(1e-4);
    });
  });
}
