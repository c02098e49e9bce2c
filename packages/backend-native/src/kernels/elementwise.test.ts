import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nativeFallbackCounts, nativeStatus, registerNativeBackend } from '../native-backend';
import { randomValues, relativeError } from './float64-reference';

const status = nativeStatus();
if (!status.available) console.warn(`[backend-native] elementwise tests SKIPPED: ${status.reason}. Fix: ${status.fix}`);

const size = (s: number[]) => s.reduce((a, b) => a * b, 1);

/** out = a ∘ b with numpy broadcasting, in float64. */
function broadcastRef(op: (x: number, y: number) => number, a: Float64Array, as: number[], b: Float64Array, bs: number[]) {
  const rank = Math.max(as.length, bs.length);
  const pa = [...new Array<number>(rank - as.length).fill(1), ...as], pb = [...new Array<number>(rank - bs.length).fill(1), ...bs];
  const os = pa.map((d, i) => Math.max(d, pb[i]!));
  const out = new Float64Array(size(os));
  const idx = new Array<number>(rank).fill(0);
  for (let o = 0; o < out.length; ++o) {
    let rem = o;
    for (let i = rank - 1; i >= 0; --i) {
      idx[i] = rem % os[i]!;
      rem = Math.floor(rem / os[i]!);
    }
    let ia = 0, ib = 0;
    for (let i = 0; i < rank; ++i) {
      ia = ia * pa[i]! + (pa[i] === 1 ? 0 : idx[i]!);
      ib = ib * pb[i]! + (pb[i] === 1 ? 0 : idx[i]!);
    }
    out[o] = op(a[ia]!, b[ib]!);
  }
  return { out, shape: os };
}

/** Sum over `axes` in float64 (output with the reduced axes removed). */
function sumRef(x: Float64Array, shape: number[], axes: number[]) {
  const outShape = shape.filter((_, i) => !axes.includes(i));
  const out = new Float64Array(size(outShape));
  const idx = new Array<number>(shape.length).fill(0);
  for (let j = 0; j < x.length; ++j) {
    let rem = j;
    for (let i = shape.length - 1; i >= 0; --i) {
      idx[i] = rem % shape[i]!;
      rem = Math.floor(rem / shape[i]!);
    }
    let o = 0;
    for (let i = 0; i < shape.length; ++i) if (!axes.includes(i)) o = o * shape[i]! + idx[i]!;
    out[o] += x[j]!;
  }
  return out;
}

const ops = {
  add: [tf.add, (x: number, y: number) => x + y],
  sub: [tf.sub, (x: number, y: number) => x - y],
  mul: [tf.mul, (x: number, y: number) => x * y],
  div: [tf.div, (x: number, y: number) => x / y],
  maximum: [tf.maximum, (x: number, y: number) => Math.max(x, y)],
} as const;

const broadcastCases: [number[], number[]][] = [
  [[2, 3, 4, 5], [2, 3, 4, 5]],
  [[2, 3, 4, 5], [5]],
  [[5], [2, 3, 4, 5]],
  [[2, 3, 4, 5], [2, 1, 1, 5]],
  [[2, 1, 1, 5], [2, 3, 4, 5]],
  [[2, 3, 4, 5], []],
  [[], [3, 7]],
  [[3, 1], [1, 4]],
  [[1, 6, 1, 65], [3, 1, 7, 1]],
  [[16, 13, 13, 65], [16, 1, 1, 65]], // above the threshold where the addon uses threads
  [[16, 13, 13, 64], [64]],
  [[8, 13, 13, 32, 2], [8, 1, 1, 32, 1]], // GroupNorm as ops: short inner runs, threaded
  [[3, 1, 1, 4, 1], [3, 5, 6, 4, 3]],
  [[200000], [200000]],
  [[1, 200000], [1]],
];

describe.skipIf(!status.available)(`native elementwise kernels vs float64${status.available ? '' : ` (SKIPPED: ${status.reason})`}`, () => {
  beforeAll(async () => {
    await registerNativeBackend({ threads: 2 });
    await tf.setBackend('native');
  });
  afterAll(() => {
    // Only the int32 cases may reach the cpu kernels.
    expect([...nativeFallbackCounts().keys()].sort()).toEqual(['Add', 'Sum']);
  });

  for (const [name, [tfOp, ref]] of Object.entries(ops)) {
    it(`${name} broadcasts like numpy on ${broadcastCases.length} shape pairs`, () => {
      for (const [k, [as, bs]] of broadcastCases.entries()) {
        const a = randomValues(size(as), 10 + k);
        // Keep divisors away from zero so the relative bound is meaningful.
        const b = randomValues(size(bs), 50 + k).map((v) => (name === 'div' ? Math.fround(Math.sign(v) * (0.5 + Math.abs(v))) : v));
        const want = broadcastRef(ref, a, as, b, bs);
        const got = tfOp(tf.tensor(Float32Array.from(a), as), tf.tensor(Float32Array.from(b), bs));
        expect(got.shape).toEqual(want.shape);
        expect(relativeError(got.dataSync(), want.out), `${name} [${as}] ∘ [${bs}]`).toBeLessThan(1e-6);
        tf.dispose(got);
      }
    });
  }

  it('addN of 1, 2 and 5 tensors to 1e-6', () => {
    for (const n of [1, 2, 5]) {
      const shape = [3, 50, 7];
      const xs = Array.from({ length: n }, (_, i) => randomValues(size(shape), 700 + i));
      const want = xs[0]!.map((_, j) => xs.reduce((acc, x) => acc + x[j]!, 0));
      const got = tf.addN(xs.map((x) => tf.tensor(Float32Array.from(x), shape)));
      expect(relativeError(got.dataSync(), want)).toBeLessThan(1e-6);
    }
  });

  it('int32 add falls back to the cpu kernel and stays exact', () => {
    expect(Array.from(tf.add(tf.tensor([1, 2], [2], 'int32'), tf.scalar(3, 'int32')).dataSync())).toEqual([4, 5]);
  });

  const reduceCases: [number[], number[]][] = [
    [[2, 3, 4, 5], [0, 1, 2, 3]],
    [[2, 3, 4, 5], [3]],
    [[2, 3, 4, 5], [0, 1, 2]], // bias gradient: [n·h·w, c] → [c]
    [[2, 3, 4, 5], [1, 2]], // spatial mean: [n, h·w, c] → [n, c]
    [[2, 3, 4, 5], [0, 2]],
    [[2, 9, 8, 3], [1, 3]], // composite GroupNorm statistics: [n, s, groups, c/g]
    [[16, 13, 13, 32, 2], [1, 2, 4]], // the same as tf.moments sees it, above the threading threshold
    [[3, 4, 5, 6, 2, 7], [1, 3, 5]], // short reduced runs under several kept axes
    [[400, 40, 3], [0, 2]], // the same without a kept outer axis: rows split across threads
    [[1, 7, 5, 3], [1, 3]],
    [[64, 13, 13, 65], [0, 1, 2]],
    [[64, 13, 13, 65], [1, 2]],
    [[3, 50000], [1]],
    [[1, 70000], [1]],
    [[70000, 3], [0]],
    [[7], []],
  ];
  for (const keepDims of [false, true]) {
    it(`sum and mean over axes to 1e-5 (keepDims ${keepDims})`, () => {
      for (const [k, [shape, axes]] of reduceCases.entries()) {
        const x = randomValues(size(shape), 200 + k);
        const want = sumRef(x, shape, axes);
        const count = size(axes.map((i) => shape[i]!));
        const xt = tf.tensor(Float32Array.from(x), shape);
        const s = tf.sum(xt, axes, keepDims), m = tf.mean(xt, axes, keepDims);
        const outShape = shape.map((d, i) => (axes.includes(i) ? 1 : d)).filter((_, i) => keepDims || !axes.includes(i));
        expect(s.shape).toEqual(outShape);
        expect(relativeError(s.dataSync(), want), `sum [${shape}] over [${axes}]`).toBeLessThan(1e-5);
        expect(relativeError(m.dataSync(), want.map((v) => v / count)), `mean [${shape}] over [${axes}]`).toBeLessThan(1e-5);
        tf.dispose([xt, s, m]);
      }
    });
  }

  it('sum of an int32 tensor falls back to the cpu kernel', () => {
    expect(tf.sum(tf.tensor([1, 2, 3], [3], 'int32')).dataSync()[0]).toBe(6);
  });

  it('relu, step, abs, square, neg and the relu gradient match the definition (NaN kept)', () => {
    const x = Float32Array.from(randomValues(100001, 5));
    x[3] = NaN;
    x[4] = 0;
    const y = tf.relu(tf.tensor(x)).dataSync();
    const st = tf.step(tf.tensor(x), 0.25).dataSync();
    const ab = tf.abs(tf.tensor(x)).dataSync();
    const sq = tf.square(tf.tensor(x)).dataSync();
    const ng = tf.neg(tf.tensor(x)).dataSync();
    const dx = tf.grad((t: tf.Tensor) => tf.sum(tf.relu(t)))(tf.tensor(x)).dataSync();
    for (const out of [y, st, ab, sq, ng]) expect(out[3]).toBeNaN();
    const wrong: number[] = [];
    for (let i = 0; i < x.length; ++i) {
      if (i === 3) continue;
      const v = x[i]!;
      if (y[i] !== Math.max(0, v) || st[i] !== (v > 0 ? 1 : 0.25) || dx[i] !== (v > 0 ? 1 : 0)) wrong.push(i);
      if (ab[i] !== Math.abs(v) || sq[i] !== Math.fround(v * v) || ng[i] !== -v) wrong.push(i);
    }
    expect(wrong).toEqual([]);
  });

  it('maximum propagates NaN from either side, as the cpu kernel', () => {
    const got = tf.maximum(tf.tensor([NaN, 1, -2, 3]), tf.tensor([0, NaN, -3, 3])).dataSync();
    expect([...got]).toEqual([NaN, NaN, -2, 3]);
  });
});
