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
