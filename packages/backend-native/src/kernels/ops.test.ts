import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nativeFallbackCounts, nativeStatus, registerNativeBackend } from '../native-backend';
import { coordsOf, flatOf, randomValues, relativeError, sizeOf } from './float64-reference';

const status = nativeStatus();
if (!status.available) console.warn(`[backend-native] activation/reduction/matmul tests SKIPPED: ${status.reason}. Fix: ${status.fix}`);

const SELU_SCALE = 1.0507009873554804934193349852946, SELU_ALPHA = 1.6732632423543772848170429916717;

/** Each activation: the tfjs op, its float64 definition and its float64 derivative. */
const activations: [string, (t: tf.Tensor) => tf.Tensor, (v: number) => number, (v: number) => number][] = [
  ['sigmoid', tf.sigmoid, (v) => 1 / (1 + Math.exp(-v)), (v) => Math.exp(-v) / (1 + Math.exp(-v)) ** 2],
  ['tanh', tf.tanh, Math.tanh, (v) => 1 - Math.tanh(v) ** 2],
  ['elu', tf.elu, (v) => (v >= 0 ? v : Math.expm1(v)), (v) => (v >= 0 ? 1 : Math.exp(v))],
  ['selu', tf.selu, (v) => SELU_SCALE * (v >= 0 ? v : SELU_ALPHA * Math.expm1(v)), (v) => SELU_SCALE * (v > 0 ? 1 : SELU_ALPHA * Math.exp(v))],
  ['relu6', tf.relu6, (v) => Math.min(Math.max(v, 0), 6), (v) => (v > 0 && v <= 6 ? 1 : 0)],
  ['leakyRelu(0.3)', (t) => tf.leakyRelu(t, 0.3), (v) => (v < 0 ? 0.3 * v : v), (v) => (v > 0 ? 1 : 0.3)],
  ['softplus', tf.softplus, (v) => Math.log1p(Math.exp(v)), (v) => 1 / (1 + Math.exp(-v))],
  ['exp', tf.exp, Math.exp, Math.exp],
  ['log', (t) => tf.log(tf.abs(t)), (v) => Math.log(Math.abs(v)), (v) => 1 / v],
  ['sqrt', (t) => tf.sqrt(tf.abs(t)), (v) => Math.sqrt(Math.abs(v)), (v) => Math.sign(v) / (2 * Math.sqrt(Math.abs(v)))],
  ['rsqrt', (t) => tf.rsqrt(tf.abs(t)), (v) => 1 / Math.sqrt(Math.abs(v)), (v) => -Math.sign(v) / (2 * Math.abs(v) ** 1.5)],
  ['reciprocal', tf.reciprocal, (v) => 1 / v, (v) => -1 / (v * v)],
  ['floor', tf.floor, Math.floor, () => 0],
];

/** Reduction over `axes` with `op` from `init`, float64; output without the reduced axes. */
function reduceRef(x: Float64Array, shape: number[], axes: number[], init: number, op: (a: number, b: number) => number) {
  const outShape = shape.filter((_, i) => !axes.includes(i));
  const out = new Float64Array(sizeOf(outShape)).fill(init);
  for (let j = 0; j < x.length; ++j) {
    const c = coordsOf(j, shape).filter((_, i) => !axes.includes(i));
    const o = flatOf(c, outShape);
    out[o] = op(out[o]!, x[j]!);
  }
  return out;
}

/** c = op(a) · op(b) for every batch (a: [batchA, ...], b: [batchB, ...]; one of them may be 1), float64. */
function matmulRef(a: Float64Array, b: Float64Array, batchA: number, batchB: number, m: number, n: number, k: number, ta: boolean, tb: boolean) {
  const batch = Math.max(batchA, batchB);
  const c = new Float64Array(batch * m * n);
  for (let i = 0; i < batch; ++i) {
    const oa = (i % batchA) * m * k, ob = (i % batchB) * k * n;
    for (let r = 0; r < m; ++r)
      for (let s = 0; s < n; ++s) {
        let acc = 0;
        for (let q = 0; q < k; ++q) acc += a[oa + (ta ? q * m + r : r * k + q)]! * b[ob + (tb ? s * k + q : q * n + s)]!;
        c[i * m * n + r * n + s] = acc;
      }
  }
  return c;
}

describe.skipIf(!status.available)(`native activations, comparisons, reductions, softmax, matmul, batchNorm vs float64${status.available ? '' : ` (SKIPPED: ${status.reason})`}`, () => {
  beforeAll(async () => {
    await registerNativeBackend({ threads: 2 });
    await tf.setBackend('native');
  });
  afterAll(() => {
    const ours = ['Sigmoid', 'Tanh', 'Elu', 'EluGrad', 'Selu', 'Relu6', 'LeakyRelu', 'Softplus', 'Exp', 'Log', 'Sqrt', 'Rsqrt', 'Reciprocal', 'Floor',
      'Greater', 'GreaterEqual', 'Less', 'LessEqual', 'Equal', 'NotEqual', 'Select', 'Minimum', 'SquaredDifference', 'Max', 'Min', 'Prod',
      'Softmax', 'BatchMatMul', '_FusedMatMul', 'FusedBatchNorm'];
    expect([...nativeFallbackCounts().keys()].filter((k) => ours.includes(k))).toEqual([]);
  });

  it('activations and their gradients match the float64 definitions (to 1e-6 and 1e-5)', () => {
    const x = randomValues(70001, 11, 2); // above the threading threshold
    for (const [name, op, f, df] of activations) {
      const xt = tf.tensor(Float32Array.from(x));
      const w = randomValues(x.length, 12);
      const y = op(xt);
      const dx = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(op(t), tf.tensor(Float32Array.from(w)))))(xt);
      expect(relativeError(y.dataSync(), x.map(f)), `${name}`).toBeLessThan(1e-6);
      expect(relativeError(dx.dataSync(), x.map((v, i) => df(v) * w[i]!)), `${name} gradient`).toBeLessThan(1e-5);
      tf.dispose([xt, y, dx]);
    }
  });

  it('comparisons broadcast and give booleans; where() selects; minimum and squaredDifference match', () => {
    const as = [3, 1, 5], bs = [4, 1];
    const a = randomValues(sizeOf(as), 21), b = randomValues(sizeOf(bs), 22);
    const at = tf.tensor(Float32Array.from(a), as), bt = tf.tensor(Float32Array.from(b), bs);
    const pairs: [string, tf.Tensor, (u: number, v: number) => number][] = [
      ['greater', tf.greater(at, bt), (u, v) => +(u > v)],
      ['greaterEqual', tf.greaterEqual(at, bt), (u, v) => +(u >= v)],
      ['less', tf.less(at, bt), (u, v) => +(u < v)],
      ['lessEqual', tf.lessEqual(at, bt), (u, v) => +(u <= v)],
      ['equal', tf.equal(at, tf.tile(at, [1, 4, 1])), () => 1],
      ['notEqual', tf.notEqual(at, bt), (u, v) => +(u !== v)],
      ['minimum', tf.minimum(at, bt), Math.min],
      ['squaredDifference', tf.squaredDifference(at, bt), (u, v) => (u - v) ** 2],
    ];
    const os = [3, 4, 5];
    for (const [name, got, f] of pairs) {
      expect(got.shape, name).toEqual(os);
      if (name !== 'minimum' && name !== 'squaredDifference') expect(got.dtype, name).toBe('bool');
      const want = Array.from({ length: sizeOf(os) }, (_, o) => {
        const [i, j, k] = coordsOf(o, os) as [number, number, number];
        return name === 'equal' ? 1 : f(a[i * 5 + k]!, b[j]!);
      });
      expect(relativeError(got.dataSync(), want), name).toBeLessThan(1e-6);
    }
    const cond = tf.greater(at, tf.scalar(0));
    const t = tf.tensor(Float32Array.from(randomValues(15, 23)), as), e = tf.tensor(Float32Array.from(randomValues(15, 24)), as);
    const sel = tf.where(cond, t, e).dataSync(), tv = t.dataSync(), ev = e.dataSync();
    expect(Array.from(sel)).toEqual(Array.from(a, (v, i) => (v > 0 ? tv[i]! : ev[i]!)));
    // A rank-1 condition picks whole rows (the Select kernel's own contract; tf.where broadcasts first).
    const rows = (tf.engine().runKernel('Select', { condition: tf.tensor([true, false, true], [3], 'bool'), t, e }) as tf.Tensor).dataSync();
    expect(Array.from(rows)).toEqual(Array.from(tv).map((v, i) => (Math.floor(i / 5) !== 1 ? v : ev[i]!)));
  });

  const reduceCases: [number[], number[]][] = [
    [[2, 3, 4, 5], [0, 1, 2, 3]],
    [[2, 3, 4, 5], [3]],
    [[2, 3, 4, 5], [0, 1, 2]],
    [[2, 3, 4, 5], [1, 2]],
    [[2, 9, 8, 3], [1, 3]],
    [[8, 9, 9, 32, 2], [1, 2, 4]], // above the threading threshold
    [[3, 4, 5, 6, 2, 7], [1, 3, 5]],
    [[400, 40, 3], [0, 2]],
    [[16, 7, 7, 65], [0, 1, 2]],
    [[3, 12000], [1]],
    [[12000, 3], [0]],
    [[7], []],
  ];
  it('max, min and prod over any axes (keepDims both ways), NaN wins in max and min', () => {
    for (const [k, [shape, axes]] of reduceCases.entries()) {
      const x = randomValues(sizeOf(shape), 800 + k);
      const near1 = x.map((v) => Math.fround(1 + v / 64)); // products of up to 12000 values stay finite
      const xt = tf.tensor(Float32Array.from(x), shape), pt = tf.tensor(Float32Array.from(near1), shape);
      for (const keepDims of [false, true]) {
        const outShape = shape.map((d, i) => (axes.includes(i) ? 1 : d)).filter((_, i) => keepDims || !axes.includes(i));
        const mx = tf.max(xt, axes, keepDims), mn = tf.min(xt, axes, keepDims), pr = tf.prod(pt, axes, keepDims);
        expect(mx.shape).toEqual(outShape);
        expect(Array.from(mx.dataSync()), `max [${shape}] over [${axes}]`).toEqual(Array.from(reduceRef(x, shape, axes, -Infinity, Math.max)));
        expect(Array.from(mn.dataSync()), `min [${shape}] over [${axes}]`).toEqual(Array.from(reduceRef(x, shape, axes, Infinity, Math.min)));
        expect(relativeError(pr.dataSync(), reduceRef(near1, shape, axes, 1, (a, b) => a * b)), `prod [${shape}] over [${axes}]`).toBeLessThan(1e-5);
        tf.dispose([mx, mn, pr]);
      }
      tf.dispose([xt, pt]);
    }
    const withNaN = tf.tensor([1, NaN, 3, -1, 2, 0], [2, 3]);
    expect(Array.from(tf.max(withNaN, 1).dataSync())).toEqual([NaN, 2]);
    expect(Array.from(tf.min(withNaN, 1).dataSync())).toEqual([NaN, -1]);
  });

  it('softmax and logSoftmax over the last axis, and their gradients, to 1e-6 / 1e-5', () => {
    for (const shape of [[7], [5, 11], [3, 4, 1014], [257, 10]]) {
      const x = randomValues(sizeOf(shape), 31, 3);
      const w = randomValues(sizeOf(shape), 32);
      const n = shape[shape.length - 1]!;
      const sm = new Float64Array(x.length), dsm = new Float64Array(x.length), dls = new Float64Array(x.length);
      for (let r = 0; r < x.length / n; ++r) {
        const row = x.subarray(r * n, (r + 1) * n);
        const m = Math.max(...row);
        const e = row.map((v) => Math.exp(v - m));
        const s = e.reduce((a, b) => a + b, 0);
        let dot = 0, wsum = 0;
        for (let j = 0; j < n; ++j) {
          sm[r * n + j] = e[j]! / s;
          dot += w[r * n + j]! * sm[r * n + j]!;
          wsum += w[r * n + j]!;
        }
        for (let j = 0; j < n; ++j) {
          dsm[r * n + j] = sm[r * n + j]! * (w[r * n + j]! - dot);
          dls[r * n + j] = w[r * n + j]! - sm[r * n + j]! * wsum;
        }
      }
      const xt = tf.tensor(Float32Array.from(x), shape), wt = tf.tensor(Float32Array.from(w), shape);
      expect(relativeError(tf.softmax(xt).dataSync(), sm), `softmax [${shape}]`).toBeLessThan(1e-6);
      expect(relativeError(tf.logSoftmax(xt).dataSync(), sm.map(Math.log)), `logSoftmax [${shape}]`).toBeLessThan(1e-6);
      expect(relativeError(tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.softmax(t), wt)))(xt).dataSync(), dsm)).toBeLessThan(1e-5);
      expect(relativeError(tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.logSoftmax(t), wt)))(xt).dataSync(), dls)).toBeLessThan(1e-5);
    }
  });

  it('matMul with transposes and broadcast batches, its gradients, and fused matMul with bias + relu, to 1e-5', () => {
    const cases: [number[], number[], boolean, boolean][] = [
      [[7, 5], [5, 3], false, false],
      [[5, 7], [5, 3], true, false],
      [[7, 5], [3, 5], false, true],
      [[4, 7, 5], [4, 3, 5], false, true],
      [[2, 3, 7, 5], [5, 9], false, false], // one matrix for every batch
      [[1, 7, 5], [6, 5, 3], false, false],
      [[128, 65], [65, 129], false, false], // a dense layer
      [[64, 3, 70], [64, 70, 2], false, false], // many small products
    ];
    for (const [k, [as, bs, ta, tb]] of cases.entries()) {
      const m = ta ? as[as.length - 1]! : as[as.length - 2]!, kk = ta ? as[as.length - 2]! : as[as.length - 1]!;
      const n = tb ? bs[bs.length - 2]! : bs[bs.length - 1]!;
      const batchA = sizeOf(as.slice(0, -2)), batchB = sizeOf(bs.slice(0, -2));
      const a = randomValues(sizeOf(as), 40 + k), b = randomValues(sizeOf(bs), 60 + k);
      const at = tf.tensor(Float32Array.from(a), as), bt = tf.tensor(Float32Array.from(b), bs);
      const c = tf.matMul(at, bt, ta, tb);
      expect(relativeError(c.dataSync(), matmulRef(a, b, batchA, batchB, m, n, kk, ta, tb)), `matMul [${as}]${ta ? 'ᵀ' : ''} · [${bs}]${tb ? 'ᵀ' : ''}`).toBeLessThan(1e-5);
      if (batchA === batchB && as.length === 2) {
        // d/da Σ w ⊙ (a·b) = w · bᵀ (here for the untransposed layout only, through matMul's own gradient)
        const w = randomValues(m * n, 90 + k);
        const [ga] = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(tf.matMul(x, y, ta, tb), tf.tensor(Float32Array.from(w), [m, n]))))([at, bt]);
        if (!ta && !tb) expect(relativeError(ga!.dataSync(), matmulRef(w, b, 1, 1, m, kk, n, false, true))).toBeLessThan(1e-5);
      }
    }
    const a = randomValues(9 * 6, 70), b = randomValues(6 * 4, 71), bias = randomValues(4, 72);
    const y = tf.fused.matMul({ a: tf.tensor(Float32Array.from(a), [9, 6]), b: tf.tensor(Float32Array.from(b), [6, 4]), bias: tf.tensor(Float32Array.from(bias)), activation: 'relu' });
    const want = matmulRef(a, b, 1, 1, 9, 4, 6, false, false).map((v, i) => Math.max(0, v + bias[i % 4]!));
    expect(relativeError(y.dataSync(), want)).toBeLessThan(1e-5);
  });

  it('batchNorm with 1-D statistics on NHWC and with full-shape statistics, to 1e-6', () => {
    const shape = [3, 5, 7, 65];
    const x = randomValues(sizeOf(shape), 80);
    const mean = randomValues(65, 81), variance = randomValues(65, 82).map((v) => Math.fround(Math.abs(v) + 0.1));
    const offset = randomValues(65, 83), scale = randomValues(65, 84);
    const t = (v: Float64Array, s?: number[]) => tf.tensor(Float32Array.from(v), s);
    const got = tf.batchNorm(t(x, shape), t(mean), t(variance), t(offset), t(scale), 1e-3);
    const want = x.map((v, i) => ((v - mean[i % 65]!) * scale[i % 65]!) / Math.sqrt(variance[i % 65]! + 1e-3) + offset[i % 65]!);
    expect(relativeError(got.dataSync(), want)).toBeLessThan(1e-6);
    const full = [4, 9];
    const xf = randomValues(36, 85), mf = randomValues(36, 86), vf = randomValues(36, 87).map((v) => Math.fround(Math.abs(v) + 0.1));
    const gotFull = tf.batchNorm(t(xf, full), t(mf, full), t(vf, full));
    expect(relativeError(gotFull.dataSync(), xf.map((v, i) => (v - mf[i]!) / Math.sqrt(vf[i]! + 0.001)))).toBeLessThan(1e-6);
    // Statistics of different sizes (a scale per column, full-shape mean and variance): the general path.
    const sf = randomValues(9, 88);
    const gotMixed = tf.batchNorm(t(xf, full), t(mf, full), t(vf, full), undefined, t(sf, [1, 9]));
    expect(relativeError(gotMixed.dataSync(), xf.map((v, i) => ((v - mf[i]!) * sf[i % 9]!) / Math.sqrt(vf[i]! + 0.001)))).toBeLessThan(1e-6);
  });
});
