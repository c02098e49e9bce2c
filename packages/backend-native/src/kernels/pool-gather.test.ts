import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nativeFallbackCounts, nativeStatus, registerNativeBackend } from '../native-backend';
import { randomValues, relativeError, samePadding, sizeOf } from './float64-reference';

const status = nativeStatus();
if (!status.available) console.warn(`[backend-native] pooling/gather/topk tests SKIPPED: ${status.reason}. Fix: ${status.fix}`);

interface PoolCase { n: number; h: number; w: number; c: number; kh: number; kw: number; sh: number; sw: number; pad: 'valid' | 'same' }

/**
 * Max / average pooling of NHWC x in float64, and the gradient of Σ r ⊙ pool(x): max routes to the first
 * maximum of each window; average divides the forward by the in-bounds pixels and the gradient by kh·kw
 * (tfjs's semantics on every backend).
 */
function poolRef(g: PoolCase, kind: 'max' | 'avg', x: Float64Array, r: Float64Array) {
  const [pt] = g.pad === 'same' ? samePadding(g.h, g.kh, g.sh, 1) : [0];
  const [pl] = g.pad === 'same' ? samePadding(g.w, g.kw, g.sw, 1) : [0];
  const oh = g.pad === 'same' ? Math.ceil(g.h / g.sh) : Math.floor((g.h - g.kh) / g.sh) + 1;
  const ow = g.pad === 'same' ? Math.ceil(g.w / g.sw) : Math.floor((g.w - g.kw) / g.sw) + 1;
  const y = new Float64Array(g.n * oh * ow * g.c), dx = new Float64Array(x.length);
  for (let b = 0; b < g.n; ++b)
    for (let oy = 0; oy < oh; ++oy)
      for (let ox = 0; ox < ow; ++ox)
        for (let c = 0; c < g.c; ++c) {
          const yi = ((b * oh + oy) * ow + ox) * g.c + c;
          let best = -Infinity, arg = -1, sum = 0, count = 0;
          const taps: number[] = [];
          for (let ky = 0; ky < g.kh; ++ky)
            for (let kx = 0; kx < g.kw; ++kx) {
              const iy = oy * g.sh - pt + ky, ix = ox * g.sw - pl + kx;
              if (iy < 0 || iy >= g.h || ix < 0 || ix >= g.w) continue;
              const xi = ((b * g.h + iy) * g.w + ix) * g.c + c;
              taps.push(xi);
              if (x[xi]! > best) [best, arg] = [x[xi]!, xi];
              sum += x[xi]!;
              count++;
            }
          y[yi] = kind === 'max' ? best : sum / count;
          if (kind === 'max') dx[arg] += r[yi]!;
          else for (const xi of taps) dx[xi] += r[yi]! / (g.kh * g.kw);
        }
  return { y, dx, outShape: [g.n, oh, ow, g.c] };
}

describe.skipIf(!status.available)(`native pooling, gather, segment sum, topK, oneHot vs float64${status.available ? '' : ` (SKIPPED: ${status.reason})`}`, () => {
  beforeAll(async () => {
    await registerNativeBackend({ threads: 2 });
    await tf.setBackend('native');
  });
  afterAll(() => {
    const ours = ['MaxPool', 'AvgPool', 'MaxPoolGrad', 'AvgPoolGrad', 'GatherV2', 'UnsortedSegmentSum', 'TopK', 'OneHot'];
    expect([...nativeFallbackCounts().keys()].filter((k) => ours.includes(k))).toEqual([]);
  });

  const cases: PoolCase[] = [
    { n: 2, h: 7, w: 9, c: 5, kh: 2, kw: 2, sh: 2, sw: 2, pad: 'valid' },
    { n: 1, h: 7, w: 9, c: 65, kh: 3, kw: 3, sh: 2, sw: 1, pad: 'same' },
    { n: 3, h: 5, w: 5, c: 4, kh: 3, kw: 2, sh: 1, sw: 2, pad: 'same' },
    { n: 4, h: 1, w: 131, c: 64, kh: 1, kw: 3, sh: 1, sw: 2, pad: 'same' }, // VDCNN's 1-D pooling (k 3, stride 2)
    { n: 16, h: 13, w: 13, c: 32, kh: 2, kw: 2, sh: 2, sw: 2, pad: 'valid' }, // threaded
  ];
  for (const kind of ['max', 'avg'] as const) {
    it(`${kind}Pool and its gradient on odd shapes, 'valid' and 'same', to 1e-6`, () => {
      for (const [k, g] of cases.entries()) {
        // Distinct values, so that the first maximum of a window is the maximum.
        const x = randomValues(g.n * g.h * g.w * g.c, 100 + k);
        const ref = poolRef(g, kind, x, randomValues(1, 0));
        const r = randomValues(sizeOf(ref.outShape), 200 + k);
        const want = poolRef(g, kind, x, r);
        const xt = tf.tensor4d(Float32Array.from(x), [g.n, g.h, g.w, g.c]);
        const rt = tf.tensor(Float32Array.from(r), want.outShape);
        const pool = (t: tf.Tensor4D) => (kind === 'max' ? tf.maxPool(t, [g.kh, g.kw], [g.sh, g.sw], g.pad) : tf.avgPool(t, [g.kh, g.kw], [g.sh, g.sw], g.pad));
        const y = pool(xt);
        expect(y.shape).toEqual(want.outShape);
        expect(relativeError(y.dataSync(), want.y), `${kind}Pool ${JSON.stringify(g)}`).toBeLessThan(1e-6);
        const dx = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(pool(t as tf.Tensor4D), rt)))(xt);
        expect(relativeError(dx.dataSync(), want.dx), `${kind}Pool gradient ${JSON.stringify(g)}`).toBeLessThan(1e-6);
        tf.dispose([xt, rt, y, dx]);
      }
    });
  }

  it('gather along every axis with 2-D indices (repeats included), and its gradient (unsorted segment sum)', () => {
    const shape = [4, 6, 5];
    const x = randomValues(sizeOf(shape), 300);
    const xt = tf.tensor(Float32Array.from(x), shape);
    for (const axis of [0, 1, 2]) {
      const n = shape[axis]!;
      const idx = [0, n - 1, 1, 1, n - 1, 2];
      const it2 = tf.tensor2d(idx, [2, 3], 'int32');
      const outShape = [...shape.slice(0, axis), 2, 3, ...shape.slice(axis + 1)];
      const outer = sizeOf(shape.slice(0, axis)), inner = sizeOf(shape.slice(axis + 1));
      const want: number[] = [];
      for (let o = 0; o < outer; ++o) for (const i of idx) for (let j = 0; j < inner; ++j) want.push(Math.fround(x[(o * n + i) * inner + j]!));
      const got = tf.gather(xt, it2, axis);
      expect(got.shape).toEqual(outShape);
      expect(Array.from(got.dataSync()), `gather axis ${axis}`).toEqual(want);
      const r = randomValues(want.length, 310 + axis);
      const dx = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, it2, axis), tf.tensor(Float32Array.from(r), outShape))))(xt);
      const wantDx = new Float64Array(x.length);
      let q = 0;
      for (let o = 0; o < outer; ++o) for (const i of idx) for (let j = 0; j < inner; ++j) wantDx[(o * n + i) * inner + j] += r[q++]!;
      expect(relativeError(dx.dataSync(), wantDx), `gather gradient axis ${axis}`).toBeLessThan(1e-6);
    }
    expect(() => tf.gather(xt, tf.tensor1d([0, 4], 'int32'), 0).dataSync()).toThrow(/indices must be in \[0, 4\)/);
  });

  it('unsortedSegmentSum drops out-of-range ids and sums repeats, threaded', () => {
    const rows = 700, inner = 65, segments = 9;
    const x = randomValues(rows * inner, 320);
    const ids = Array.from({ length: rows }, (_, i) => ((i * 7) % 11) - 1); // -1 and 9 fall outside
    const want = new Float64Array(segments * inner);
    ids.forEach((s, r) => {
      if (s >= 0 && s < segments) for (let j = 0; j < inner; ++j) want[s * inner + j] += x[r * inner + j]!;
    });
    const got = tf.unsortedSegmentSum(tf.tensor2d(Float32Array.from(x), [rows, inner]), tf.tensor1d(ids, 'int32'), segments);
    expect(relativeError(got.dataSync(), want)).toBeLessThan(1e-6);
  });

  it('topk: the k largest per row, larger first, ties to the lower index', () => {
    const rows = 37, n = 131, k = 8;
    const x = randomValues(rows * n, 330).map((v) => Math.round(v * 4) / 4); // many ties
    const { values, indices } = tf.topk(tf.tensor2d(Float32Array.from(x), [rows, n]), k);
    const wantV: number[] = [], wantI: number[] = [];
    for (let r = 0; r < rows; ++r) {
      const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => x[r * n + b]! - x[r * n + a]! || a - b);
      for (const i of order.slice(0, k)) {
        wantV.push(x[r * n + i]!);
        wantI.push(i);
      }
    }
    expect(values.shape).toEqual([rows, k]);
    expect(indices.dtype).toBe('int32');
    expect(Array.from(values.dataSync())).toEqual(wantV);
    expect(Array.from(indices.dataSync())).toEqual(wantI);
  });

  it('oneHot to float32 (out-of-range indices give an all-off row)', () => {
    const got = tf.oneHot(tf.tensor1d([0, 3, -1, 2], 'int32'), 3, 2, -1, 'float32');
    expect(got.shape).toEqual([4, 3]);
    expect(Array.from(got.dataSync())).toEqual([2, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 2]);
  });
});
