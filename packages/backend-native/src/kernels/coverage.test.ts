import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nativeFallbackCounts, nativeStatus, registerNativeBackend } from '../native-backend';
import { randomValues, relativeError, sizeOf } from './float64-reference';

const status = nativeStatus();
if (!status.available) console.warn(`[backend-native] coverage / cast / stridedSlice / scatterNd tests SKIPPED: ${status.reason}. Fix: ${status.fix}`);

/**
 * The kernels behind the op list of issue 16 (the ops common tfjs models train with), by tfjs kernel name. MatMul
 * is `BatchMatMul` (and `_FusedMatMul`); conv1d / 1-D pooling run as their 2-D kernels; the activations'
 * gradients are `EluGrad`, `Step` and products, comparisons and `Select`. tfjs has no LogSoftmax kernel (see the
 * test below).
 */
const ISSUE_KERNELS = [
  'PadV2', 'MirrorPad', 'Slice', 'StridedSlice', 'Concat', 'SplitV', 'Transpose', 'Tile', 'BatchMatMul', '_FusedMatMul',
  'GatherV2', 'UnsortedSegmentSum', 'ScatterNd', 'TopK',
  'Add', 'Sub', 'Multiply', 'RealDiv', 'Maximum', 'Minimum', 'SquaredDifference', 'AddN',
  'Greater', 'GreaterEqual', 'Less', 'LessEqual', 'Equal', 'NotEqual', 'Select',
  'Sum', 'Mean', 'Max', 'Min', 'Prod', 'Softmax', 'MaxPool', 'AvgPool', 'MaxPoolGrad', 'AvgPoolGrad', 'FusedBatchNorm',
  'Relu', 'Step', 'Relu6', 'Elu', 'EluGrad', 'Selu', 'LeakyRelu', 'Sigmoid', 'Tanh', 'Cast', 'OneHot',
];

/** Row-major coordinates of flat index `o` in `shape`. */
function coordsOf(o: number, shape: number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let i = shape.length - 1; i >= 0; --i) {
    idx[i] = o % shape[i]!;
    o = Math.floor(o / shape[i]!);
  }
  return idx;
}

function flatOf(idx: number[], shape: number[]): number {
  return idx.reduce((f, v, i) => f * shape[i]! + v, 0);
}

describe.skipIf(!status.available)(`native kernel coverage, cast, stridedSlice, scatterNd${status.available ? '' : ` (SKIPPED: ${status.reason})`}`, () => {
  beforeAll(async () => {
    await registerNativeBackend({ threads: 2 });
    await tf.setBackend('native');
  });
  afterAll(() => {
    const ours = ['Cast', 'StridedSlice', 'ScatterNd', 'OneHot', 'Multiply', 'BatchMatMul', 'Add'];
    expect([...nativeFallbackCounts().keys()].filter((k) => ours.includes(k))).toEqual([]);
  });

  it('every kernel of the issue-16 op list is the addon\'s for backend native, not the copied cpu kernel', () => {
    const copied = ISSUE_KERNELS.filter((k) => {
      const native = tf.getKernel(k, 'native') as tf.KernelConfig | undefined;
      return !native || native.kernelFunc === tf.getKernel(k, 'cpu')?.kernelFunc;
    });
    expect(copied).toEqual([]);
    // tfjs composes logSoftmax from Max, Sub, Exp, Sum and Log (all native) under a custom gradient: no kernel.
    expect(tf.getKernel('LogSoftmax', 'cpu') as tf.KernelConfig | undefined).toBeUndefined();
  });

  it('cast float32 → int32 truncates as Int32Array.from (NaN, ±Infinity → 0, wraps past 2^31) and → bool is x != 0', () => {
    const shape = [3, 7, 11];
    const x = Array.from(randomValues(sizeOf(shape), 31, 1e3));
    x.splice(0, 8, NaN, Infinity, -Infinity, 0, -0, 3e9, -3e9, -2.5);
    const xt = tf.tensor(Float32Array.from(x), shape);
    const xf = Float32Array.from(x);
    const asInt = tf.cast(xt, 'int32');
    expect(asInt.dtype).toBe('int32');
    expect(Array.from(asInt.dataSync())).toEqual(Array.from(xf, (v) => v | 0)); // ToInt32, as the cpu kernel
    const asBool = tf.cast(xt, 'bool');
    expect(Array.from(asBool.dataSync())).toEqual(Array.from(xf, (v) => (v !== 0 ? 1 : 0)));
  });

  it('cast of int32 and bool to float32 writes float32 storage, so native kernels downstream take it', () => {
    const shape = [5, 13, 3];
    const ints = Int32Array.from(randomValues(sizeOf(shape), 32, 1e6), (v) => Math.round(v));
    const it32 = tf.tensor(ints, shape, 'int32');
    const f = tf.cast(it32, 'float32');
    expect(f.dtype).toBe('float32');
    expect(Array.from(f.dataSync())).toEqual(Array.from(ints, (v) => Math.fround(v)));
    const bools = tf.greater(tf.tensor(Float32Array.from(randomValues(sizeOf(shape), 33)), shape), 0);
    const bf = tf.cast(bools, 'float32'), bi = tf.cast(bools, 'int32'), ib = tf.cast(it32, 'bool');
    expect(Array.from(bf.dataSync())).toEqual(Array.from(bools.dataSync()));
    expect(Array.from(bi.dataSync())).toEqual(Array.from(bools.dataSync()));
    expect(Array.from(ib.dataSync())).toEqual(Array.from(ints, (v) => (v !== 0 ? 1 : 0)));
    const before = nativeFallbackCounts().get('Multiply') ?? 0;
    const w = randomValues(sizeOf(shape), 34);
    const prod = tf.mul(bf, tf.tensor(Float32Array.from(w), shape)).dataSync();
    expect(relativeError(prod, Array.from(bools.dataSync(), (b, i) => b * w[i]!))).toBe(0);
    expect(nativeFallbackCounts().get('Multiply') ?? 0, 'a multiply by a cast mask runs natively').toBe(before);
    // relu6's gradient multiplies dy by cast(mask, 'float32'): natively, and to the definition.
    const x = randomValues(999, 35, 5), r = randomValues(999, 36);
    const dx = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.relu6(t), tf.tensor(Float32Array.from(r)))))(tf.tensor(Float32Array.from(x)));
    expect(relativeError(dx.dataSync(), Array.from(x, (v, i) => (v > 0 && v <= 6 ? r[i]! : 0)))).toBe(0);
    expect(nativeFallbackCounts().get('Multiply') ?? 0).toBe(before);
    // Same dtype: the data is shared, as on cpu.
    const same = tf.cast(f, 'float32');
    expect(Array.from(same.dataSync())).toEqual(Array.from(f.dataSync()));
  });

  /** x[begin + i·strides] per axis, with numpy's normalisation of negative/omitted bounds (no masks). */
  function stridedRef(x: Float64Array, shape: number[], begin: number[], end: number[], strides: number[]) {
    const ranges = shape.map((d, i) => {
      const s = strides[i]!;
      const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);
      let b = begin[i]!, e = end[i]!;
      if (b < 0) b += d;
      if (e < 0) e += d;
      b = s > 0 ? clamp(b, 0, d) : clamp(b, -1, d - 1);
      e = s > 0 ? clamp(e, 0, d) : clamp(e, -1, d - 1);
      const picked: number[] = [];
      for (let v = b; s > 0 ? v < e : v > e; v += s) picked.push(v);
      return picked;
    });
    const outShape = ranges.map((r) => r.length);
    const out = Array.from({ length: sizeOf(outShape) }, (_, o) => {
      const idx = coordsOf(o, outShape).map((c, i) => ranges[i]![c]!);
      return x[flatOf(idx, shape)]!;
    });
    return { out, outShape };
  }

  it('stridedSlice with positive, negative and unit strides on odd shapes copies exactly', () => {
    const cases: [number[], number[], number[], number[]][] = [
      [[7, 9, 5], [1, 0, 0], [6, 9, 5], [2, 3, 1]],
      [[7, 9, 5], [6, -1, 4], [0, 0, 0], [-2, -1, -3]],
      [[4, 13, 13, 65], [0, 1, 2, 0], [4, 13, 12, 65], [1, 2, 3, 1]], // large, threaded rows
      [[3, 5, 7, 2, 3], [0, 4, 1, 0, 2], [3, 0, 7, 2, 0], [1, -2, 3, 1, -1]],
      [[11], [10], [-12], [-4]],
      [[6, 8], [0, 0], [6, 8], [1, 1]], // identity
      [[6, 8], [2, 0], [5, 8], [1, 1]], // contiguous rows
      [[6, 8], [2, 3], [2, 8], [1, 1]], // empty
    ];
    for (const [k, [shape, begin, end, strides]] of cases.entries()) {
      const x = randomValues(sizeOf(shape), 400 + k);
      const got = tf.stridedSlice(tf.tensor(Float32Array.from(x), shape), begin, end, strides);
      const want = stridedRef(x, shape, begin, end, strides);
      expect(got.shape, `case ${k}`).toEqual(want.outShape);
      expect(Array.from(got.dataSync()), `case ${k}: [${shape}] [${begin}]:[${end}]:[${strides}]`).toEqual(want.out);
    }
  });

  it('stridedSlice masks (begin, end, ellipsis, new axis, shrink) copy exactly what the unmasked slice picks', () => {
    const shape = [5, 6, 7, 3];
    const x = randomValues(sizeOf(shape), 41);
    const xt = tf.tensor(Float32Array.from(x), shape);
    // [begin, end, strides, beginMask, endMask, ellipsisMask, newAxisMask, shrinkAxisMask], then the same slice
    // written out on every axis without masks, and the final shape.
    type Masked = [number[], number[], number[], number, number, number, number, number];
    const cases: [Masked, [number[], number[], number[]], number[]][] = [
      [[[1, 2, 0, 0], [4, 6, 7, 3], [2, 1, -2, 1], 0b0100, 0b0100, 0, 0, 0], [[1, 2, 6, 0], [4, 6, -8, 3], [2, 1, -2, 1]], [2, 4, 4, 3]],
      [[[0, 1], [0, 5], [1, 2], 0b01, 0b01, 0b01, 0, 0], [[0, 0, 0, 1], [5, 6, 7, 5], [1, 1, 1, 2]], [5, 6, 7, 1]], // ellipsis
      // shrink axis 0 with a strided axis: tfjs-backend-cpu 4.22's kernel reads out of range on this one
      [[[2, 0, 1], [3, 6, 6], [1, 1, 2], 0, 0b010, 0, 0, 0b001], [[2, 0, 1, 0], [3, 6, 6, 3], [1, 1, 2, 1]], [6, 3, 3]],
      [[[0, 0, 0, 1], [5, 1, 6, 3], [1, 1, 2, 1], 0, 0, 0, 0b0010, 0], [[0, 0, 1, 0], [5, 6, 3, 3], [1, 2, 1, 1]], [5, 1, 3, 2, 3]], // new axis
      [[[4, 0, 6, 2], [0, 6, 0, 0], [-1, 3, -3, -2], 0, 0b0010, 0, 0, 0], [[4, 0, 6, 2], [0, 6, 0, 0], [-1, 3, -3, -2]], [4, 2, 2, 1]],
    ];
    for (const [k, [[b, e, s, bm, em, ell, na, sh], [pb, pe, ps], finalShape]] of cases.entries()) {
      const got = tf.stridedSlice(xt, b, e, s, bm, em, ell, na, sh);
      expect(got.shape, `case ${k}`).toEqual(finalShape);
      expect(Array.from(got.dataSync()), `case ${k}`).toEqual(stridedRef(x, shape, pb, pe, ps).out);
    }
  });

  /** out[flat(indices row)] += updates row, in float64. */
  function scatterRef(indices: number[][], updates: Float64Array, shape: number[]) {
    const sliceRank = indices[0]!.length;
    const sliceSize = sizeOf(shape.slice(sliceRank));
    const out = new Float64Array(sizeOf(shape));
    indices.forEach((row, i) => {
      const flat = flatOf(row, shape.slice(0, sliceRank));
      for (let j = 0; j < sliceSize; ++j) out[flat * sliceSize + j] += updates[i * sliceSize + j]!;
    });
    return out;
  }

  it('scatterND sums repeated indices into zeros (slice rank 1 and 2, odd shapes) to 1e-6', () => {
    const cases: [number[], number, number][] = [
      [[13], 1, 29], // single elements, many repeats
      [[9, 5, 3], 1, 17], // rows of 15
      [[7, 11, 65], 2, 40], // rows of 65, threaded
      [[4, 3], 2, 5],
    ];
    for (const [k, [shape, sliceRank, n]] of cases.entries()) {
      const seed = randomValues(n * sliceRank, 500 + k);
      const indices = Array.from({ length: n }, (_, i) => shape.slice(0, sliceRank).map((d, j) => Math.floor(Math.abs(seed[i * sliceRank + j]!) * 7919) % d));
      const sliceSize = sizeOf(shape.slice(sliceRank));
      const updates = randomValues(n * sliceSize, 600 + k);
      const got = tf.scatterND(tf.tensor(indices, [n, sliceRank], 'int32'), tf.tensor(Float32Array.from(updates), [n, ...shape.slice(sliceRank)]), shape);
      expect(got.shape).toEqual(shape);
      expect(relativeError(got.dataSync(), scatterRef(indices, updates, shape)), `case ${k}`).toBeLessThan(1e-6);
    }
    expect(() => tf.scatterND(tf.tensor([[1], [4]], [2, 1], 'int32'), tf.tensor([1, 2], [2]), [4]))
      .toThrow(/indices row 1 = \[4\] does not index into shape \[4\]/);
  });

  it('oneHot to int32 (tf.oneHot\'s default), out-of-range indices give an all-off row', () => {
    const ids = [3, 0, 8, -1, 2, 7, 7];
    const got = tf.oneHot(tf.tensor(ids, [7], 'int32'), 8, 5, -2);
    expect(got.dtype).toBe('int32');
    expect(Array.from(got.dataSync())).toEqual(ids.flatMap((id) => Array.from({ length: 8 }, (_, j) => (j === id ? 5 : -2))));
  });
});
