import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { backend_util } from '@tensorflow/tfjs-core';
import { initBackend } from '../index';
import { randomInt, randomValues, relativeError, seededRandom } from '../testing/reference';

type Pad = 'same' | 'valid' | backend_util.ExplicitPadding;
interface Case {
  x: [number, number, number, number];
  f: [number, number, number, number];
  strides: [number, number];
  pad: Pad;
}

/** Hand-picked corners: batch 1, odd sizes, 1×1 and non-square filters, strides > filter, explicit asymmetric pads. */
const fixedCases: Case[] = [
  { x: [1, 7, 5, 3], f: [3, 3, 3, 4], strides: [1, 1], pad: 'same' },
  { x: [2, 9, 9, 2], f: [4, 4, 2, 5], strides: [2, 2], pad: [[0, 0], [1, 1], [1, 1], [0, 0]] },
  { x: [1, 8, 11, 1], f: [2, 5, 1, 3], strides: [2, 3], pad: 'same' },
  { x: [3, 10, 7, 4], f: [3, 2, 4, 2], strides: [3, 2], pad: 'valid' },
  { x: [1, 6, 6, 5], f: [1, 1, 5, 6], strides: [2, 2], pad: 'valid' },
  { x: [2, 5, 8, 2], f: [3, 3, 2, 3], strides: [1, 2], pad: [[0, 0], [0, 2], [2, 1], [0, 0]] },
  { x: [1, 13, 13, 3], f: [4, 4, 3, 4], strides: [2, 2], pad: [[0, 0], [1, 1], [1, 1], [0, 0]] },
  { x: [2, 26, 26, 2], f: [3, 3, 2, 3], strides: [1, 1], pad: 'valid' },
  { x: [1, 4, 4, 2], f: [5, 5, 2, 2], strides: [1, 1], pad: 'same' },
];

function randomCases(seed: number, count: number): Case[] {
  const rand = seededRandom(seed);
  const cases: Case[] = [];
  while (cases.length < count) {
    const kh = randomInt(rand, 1, 5);
    const kw = randomInt(rand, 1, 5);
    const strides: [number, number] = [randomInt(rand, 1, 3), randomInt(rand, 1, 3)];
    const x: [number, number, number, number] = [
      randomInt(rand, 1, 3),
      randomInt(rand, kh, 12),
      randomInt(rand, kw, 12),
      randomInt(rand, 1, 6),
    ];
    const kind = randomInt(rand, 0, 2);
    const pad: Pad =
      kind === 0
        ? 'same'
        : kind === 1
          ? 'valid'
          : [[0, 0], [randomInt(rand, 0, kh - 1), randomInt(rand, 0, kh - 1)], [randomInt(rand, 0, kw - 1), randomInt(rand, 0, kw - 1)], [0, 0]];
    cases.push({ x, f: [kh, kw, x[3], randomInt(rand, 1, 6)], strides, pad });
  }
  return cases;
}

const cases = [...fixedCases, ...randomCases(20261128, 24)];

function geometry(c: Case) {
  const info = backend_util.computeConv2DInfo(c.x, c.f, c.strides, 1, c.pad);
  return { info, dyShape: [c.x[0], info.outHeight, info.outWidth, c.f[3]] as [number, number, number, number] };
}

/**
 * Calls `visit(xBase, dyBase, wBase)` for every (n, oh, ow, kh, kw) where the filter tap lands inside the input:
 * x[xBase + ci], dy[dyBase + co] and W[wBase + ci·CO + co] are the values that the convolution multiplies.
 */
function forEachTap(c: Case, visit: (xBase: number, dyBase: number, wBase: number) => void): void {
  const { info } = geometry(c);
  const [N, H, W, CI] = c.x;
  const [KH, KW, , CO] = c.f;
  const { outHeight: OH, outWidth: OW, strideHeight: sh, strideWidth: sw } = info;
  const { top, left } = info.padInfo;
  for (let n = 0; n < N; n++)
    for (let oh = 0; oh < OH; oh++)
      for (let ow = 0; ow < OW; ow++)
        for (let kh = 0; kh < KH; kh++) {
          const y = oh * sh + kh - top;
          if (y < 0 || y >= H) continue;
          for (let kw = 0; kw < KW; kw++) {
            const xx = ow * sw + kw - left;
            if (xx < 0 || xx >= W) continue;
            visit(((n * H + y) * W + xx) * CI, ((n * OH + oh) * OW + ow) * CO, (kh * KW + kw) * CI * CO);
          }
        }
}

/** dW[kh,kw,ci,co] = Σ_{n,oh,ow} x[n, oh·sh+kh−top, ow·sw+kw−left, ci] · dy[n,oh,ow,co], in float64. */
function referenceFilterGrad(c: Case, x: Float32Array, dy: Float32Array): Float64Array {
  const [KH, KW, CI, CO] = c.f;
  const dw = new Float64Array(KH * KW * CI * CO);
  forEachTap(c, (xBase, dyBase, wBase) => {
    for (let ci = 0; ci < CI; ci++) {
      const xv = x[xBase + ci];
      for (let co = 0; co < CO; co++) dw[wBase + ci * CO + co] += xv * dy[dyBase + co];
    }
  });
  return dw;
}

/** dx[n,y,x,ci] = Σ over (oh,kh) with oh·sh+kh−top = y, (ow,kw) likewise, and co of dy · W, in float64. */
function referenceInputGrad(c: Case, dy: Float32Array, w: Float32Array): Float64Array {
  const [N, H, W, CI] = c.x;
  const CO = c.f[3];
  const dx = new Float64Array(N * H * W * CI);
  forEachTap(c, (xBase, dyBase, wBase) => {
    for (let ci = 0; ci < CI; ci++) {
      let s = 0;
      for (let co = 0; co < CO; co++) s += dy[dyBase + co] * w[wBase + ci * CO + co];
      dx[xBase + ci] += s;
    }
  });
  return dx;
}

function label(c: Case): string {
  return `x=[${c.x}] f=[${c.f}] s=[${c.strides}] pad=${JSON.stringify(c.pad)}`;
}

function checkFilterGrad(c: Case, seed: number): number {
  const rand = seededRandom(seed);
  const { dyShape } = geometry(c);
  const xv = randomValues(rand, c.x.reduce((a, b) => a * b));
  const dyv = randomValues(rand, dyShape.reduce((a, b) => a * b));
  const got = tf.tidy(() =>
    (
      tf.engine().runKernel(
        'Conv2DBackpropFilter',
        { x: tf.tensor4d(xv, c.x), dy: tf.tensor4d(dyv, dyShape) },
        { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', filterShape: c.f } as never,
      ) as tf.Tensor
    ).dataSync(),
  );
  return relativeError(got, referenceFilterGrad(c, xv, dyv));
}

function checkInputGrad(c: Case, seed: number): number {
  const rand = seededRandom(seed);
  const { dyShape } = geometry(c);
  const wv = randomValues(rand, c.f.reduce((a, b) => a * b));
  const dyv = randomValues(rand, dyShape.reduce((a, b) => a * b));
  const got = tf.tidy(() =>
    (
      tf.engine().runKernel(
        'Conv2DBackpropInput',
        { dy: tf.tensor4d(dyv, dyShape), filter: tf.tensor4d(wv, c.f) },
        { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', inputShape: c.x } as never,
      ) as tf.Tensor
    ).dataSync(),
  );
  return relativeError(got, referenceInputGrad(c, dyv, wv));
}

for (const [backend, threads] of [
  ['wasm', 2],
  ['cpu', 1],
] as const) {
  describe(`conv2d gradients on ${backend} match a float64 reference to 1e-4`, () => {
    let before = 0;
    beforeAll(async () => {
      await initBackend({ backend, threads, log: false });
      before = tf.memory().numTensors;
    });
    afterAll(() => {
      expect(tf.memory().numTensors).toBe(before);
    });

    it('Conv2DBackpropFilter (the filter gradient), fixed and random shapes', () => {
      const worst = cases.map((c, i) => ({ c: label(c), err: checkFilterGrad(c, 1000 + i) }));
      for (const w of worst) expect(w.err, w.c).toBeLessThan(1e-4);
    });

    it('Conv2DBackpropInput (the input gradient), fixed and random shapes', () => {
      const worst = cases.map((c, i) => ({ c: label(c), err: checkInputGrad(c, 2000 + i) }));
      for (const w of worst) expect(w.err, w.c).toBeLessThan(1e-4);
    });

    it('conv1d gradients (through conv2d) match the reference', () => {
      const rand = seededRandom(77);
      // conv1d [N, L, C] is conv2d on [N, 1, L, C] with a [1, K, C, CO] filter.
      const c: Case = { x: [2, 1, 17, 3], f: [1, 4, 3, 5], strides: [1, 2], pad: 'same' };
      const { dyShape } = geometry(c);
      const xv = randomValues(rand, 2 * 17 * 3);
      const wv = randomValues(rand, 4 * 3 * 5);
      const dyv = randomValues(rand, dyShape.reduce((a, b) => a * b));
      const [gx, gw] = tf.tidy(() => {
        const g = tf.grads((x: tf.Tensor, w: tf.Tensor) =>
          tf.sum(tf.mul(tf.conv1d(x as tf.Tensor3D, w as tf.Tensor3D, 2, 'same'), tf.tensor3d(dyv, [2, dyShape[2], 5]))),
        )([tf.tensor3d(xv, [2, 17, 3]), tf.tensor3d(wv, [4, 3, 5])]);
        return [g[0].dataSync(), g[1].dataSync()];
      });
      expect(relativeError(gw, referenceFilterGrad(c, xv, dyv))).toBeLessThan(1e-4);
      expect(relativeError(gx, referenceInputGrad(c, dyv, wv))).toBeLessThan(1e-4);
    });
  });
}
