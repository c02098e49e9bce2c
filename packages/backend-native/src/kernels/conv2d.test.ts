import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nativeFallbackCounts, nativeStatus, registerNativeBackend, setNativeConvAlgorithm } from '../native-backend';
import type { ConvCase } from './float64-reference';
import { convBackward, convForward, convOut, randomValues, relativeError, samePadding } from './float64-reference';

const status = nativeStatus();
if (!status.available) console.warn(`[backend-native] conv2d tests SKIPPED: ${status.reason}. Fix: ${status.fix}`);

type Pad = 'same' | 'valid' | 'explicit';
interface Case extends ConvCase { name: string; pad: Pad }

function makeCase(name: string, pad: Pad, g: Omit<ConvCase, 'pt' | 'pb' | 'pl' | 'pr'> & Partial<ConvCase>): Case {
  let [pt, pb] = [g.pt ?? 0, g.pb ?? 0], [pl, pr] = [g.pl ?? 0, g.pr ?? 0];
  if (pad === 'same') {
    [pt, pb] = samePadding(g.h, g.kh, g.sh, g.dh);
    [pl, pr] = samePadding(g.w, g.kw, g.sw, g.dw);
  }
  return { ...g, name, pad, pt, pb, pl, pr };
}

const cases: Case[] = [
  makeCase('65 channels, batch 1, strides [2,1], asymmetric explicit pads', 'explicit',
    { n: 1, h: 7, w: 9, c: 65, kh: 3, kw: 3, k: 5, sh: 2, sw: 1, dh: 1, dw: 1, pt: 1, pb: 2, pl: 0, pr: 1 }),
  makeCase('MNIST downsampling 4x4 stride 2 pad 1 on odd 13x13', 'explicit',
    { n: 3, h: 13, w: 13, c: 8, kh: 4, kw: 4, k: 16, sh: 2, sw: 2, dh: 1, dw: 1, pt: 1, pb: 1, pl: 1, pr: 1 }),
  makeCase("5x3 'same' stride 2 on odd sizes (asymmetric padding)", 'same',
    { n: 2, h: 10, w: 11, c: 3, kh: 5, kw: 3, k: 7, sh: 2, sw: 2, dh: 1, dw: 1 }),
  makeCase("residual block 3x3 'same', 64→64", 'same',
    { n: 2, h: 6, w: 6, c: 64, kh: 3, kw: 3, k: 64, sh: 1, sw: 1, dh: 1, dw: 1 }),
  makeCase('1x1 pointwise', 'valid', { n: 2, h: 5, w: 5, c: 12, kh: 1, kw: 1, k: 6, sh: 1, sw: 1, dh: 1, dw: 1 }),
  makeCase("1x1 input with a 3x3 'same' filter", 'same', { n: 2, h: 1, w: 1, c: 5, kh: 3, kw: 3, k: 4, sh: 1, sw: 1, dh: 1, dw: 1 }),
  makeCase("'valid' 3x3 stride 3 leaving rows unused", 'valid', { n: 2, h: 8, w: 7, c: 6, kh: 3, kw: 3, k: 5, sh: 3, sw: 3, dh: 1, dw: 1 }),
];

function padArg(g: Case): 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]] {
  if (g.pad === 'explicit') return [[0, 0], [g.pt, g.pb], [g.pl, g.pr], [0, 0]];
  return g.pad;
}

function tensors(g: Case, seed: number) {
  const [oh, ow] = convOut(g);
  const x = randomValues(g.n * g.h * g.w * g.c, seed);
  const w = randomValues(g.kh * g.kw * g.c * g.k, seed + 1, 0.2);
  const dy = randomValues(g.n * oh * ow * g.k, seed + 2);
  return { x, w, dy, oh, ow };
}

describe.skipIf(!status.available)(`native conv2d vs float64${status.available ? '' : ` (SKIPPED: ${status.reason})`}`, () => {
  beforeAll(async () => {
    await registerNativeBackend({ threads: 2 });
    await tf.setBackend('native');
  });
  afterAll(() => {
    setNativeConvAlgorithm('auto');
    // Every case above must have run on the addon, not on the cpu kernels it falls back to.
    expect([...nativeFallbackCounts().entries()]).toEqual([]);
  });

  for (const impl of ['auto', 'onednn-nhwc', 'onednn-blocked', 'im2col'] as const) {
    describe(`${impl} convolutions (${status.implementation ?? ''} build)`, () => {
      beforeAll(() => setNativeConvAlgorithm(impl));

      for (const [i, g] of cases.entries()) {
        it(`${g.name}: forward, input and filter gradients to 1e-4`, () => {
          const { x, w, dy, oh, ow } = tensors(g, 100 + i);
          const before = tf.memory().numTensors;
          const xt = tf.tensor4d(Float32Array.from(x), [g.n, g.h, g.w, g.c], 'float32');
          const wt = tf.tensor4d(Float32Array.from(w), [g.kh, g.kw, g.c, g.k], 'float32');
          const dyt = tf.tensor4d(Float32Array.from(dy), [g.n, oh, ow, g.k], 'float32');
          const y = tf.conv2d(xt, wt, [g.sh, g.sw], padArg(g));
          expect(y.shape).toEqual([g.n, oh, ow, g.k]);
          expect(relativeError(y.dataSync(), convForward(g, x, w))).toBeLessThan(1e-4);
          const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, [g.sh, g.sw], padArg(g)), dyt)))([xt, wt]);
          const ref = convBackward(g, x, w, dy);
          expect(relativeError(dx!.dataSync(), ref.dx)).toBeLessThan(1e-4);
          expect(relativeError(dw!.dataSync(), ref.dw)).toBeLessThan(1e-4);
          tf.dispose([xt, wt, dyt, y, dx!, dw!]);
          expect(tf.memory().numTensors).toBe(before);
        });
      }

      it('dilation 2 forward to 1e-4', () => {
        const g = makeCase('dilated', 'valid', { n: 1, h: 9, w: 8, c: 4, kh: 3, kw: 3, k: 3, sh: 1, sw: 1, dh: 2, dw: 2 });
        const { x, w } = tensors(g, 7);
        const y = tf.conv2d(tf.tensor4d(Float32Array.from(x), [g.n, g.h, g.w, g.c], 'float32'), tf.tensor4d(Float32Array.from(w), [3, 3, 4, 3], 'float32'), 1, 'valid', 'NHWC', 2);
        expect(relativeError(y.dataSync(), convForward(g, x, w))).toBeLessThan(1e-4);
      });

      it('conv1d (through conv2d) with 65 channels, stride 2, same: forward and gradients to 1e-4', () => {
        const g = makeCase('conv1d', 'same', { n: 2, h: 1, w: 17, c: 65, kh: 1, kw: 5, k: 8, sh: 1, sw: 2, dh: 1, dw: 1 });
        const { x, w, dy, ow } = tensors(g, 11);
        const xt = tf.tensor3d(Float32Array.from(x), [2, 17, 65], 'float32'), wt = tf.tensor3d(Float32Array.from(w), [5, 65, 8], 'float32');
        const dyt = tf.tensor3d(Float32Array.from(dy), [2, ow, 8], 'float32');
        const f = (a: tf.Tensor3D, b: tf.Tensor3D) => tf.conv1d(a, b, 2, 'same');
        expect(relativeError(f(xt, wt).dataSync(), convForward(g, x, w))).toBeLessThan(1e-4);
        const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(f(a as tf.Tensor3D, b as tf.Tensor3D), dyt)))([xt, wt]);
        const ref = convBackward(g, x, w, dy);
        expect(relativeError(dx!.dataSync(), ref.dx)).toBeLessThan(1e-4);
        expect(relativeError(dw!.dataSync(), ref.dw)).toBeLessThan(1e-4);
      });

      it('fused conv2d with bias and relu to 1e-4', () => {
        const g = cases[0]!;
        const { x, w } = tensors(g, 21);
        const bias = randomValues(g.k, 22);
        const y = tf.fused.conv2d({
          x: tf.tensor4d(Float32Array.from(x), [g.n, g.h, g.w, g.c], 'float32'), filter: tf.tensor4d(Float32Array.from(w), [g.kh, g.kw, g.c, g.k], 'float32'),
          strides: [g.sh, g.sw], pad: padArg(g) as 'same', bias: tf.tensor1d(Float32Array.from(bias), 'float32'), activation: 'relu',
        });
        const ref = convForward(g, x, w).map((v, i) => Math.max(0, v + bias[i % g.k]!));
        expect(relativeError(y.dataSync(), ref)).toBeLessThan(1e-4);
      });
    });
  }
});
