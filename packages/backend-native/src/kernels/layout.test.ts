import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nativeFallbackCounts, nativeStatus, registerNativeBackend } from '../native-backend';
import { coordsOf, flatOf, randomValues, sizeOf } from './float64-reference';

const status = nativeStatus();
if (!status.available) console.warn(`[backend-native] pad/transpose/tile tests SKIPPED: ${status.reason}. Fix: ${status.fix}`);

type Mode = 'constant' | 'reflect' | 'symmetric';

/** Padded copy by coordinates (what numpy.pad does), float64. */
function padRef(x: Float64Array, shape: number[], paddings: [number, number][], mode: Mode, value: number): number[] {
  const os = shape.map((d, i) => paddings[i]![0] + d + paddings[i]![1]);
  const out: number[] = [];
  for (let o = 0; o < sizeOf(os); ++o) {
    const c = coordsOf(o, os);
    let inside = true;
    const src = c.map((ci, k) => {
      let s = ci - paddings[k]![0];
      const n = shape[k]!;
      if (s >= 0 && s < n) return s;
      if (mode === 'constant') inside = false;
      else if (mode === 'reflect') s = s < 0 ? -s : 2 * (n - 1) - s;
      else s = s < 0 ? -s - 1 : 2 * n - 1 - s;
      return s;
    });
    out.push(inside ? Math.fround(x[flatOf(src, shape)]!) : Math.fround(value));
  }
  return out;
}

function transposeRef(x: Float64Array, shape: number[], perm: number[]): number[] {
  const os = perm.map((p) => shape[p]!);
  const out: number[] = [];
  for (let o = 0; o < sizeOf(os); ++o) {
    const c = coordsOf(o, os);
    const src = new Array<number>(shape.length);
    perm.forEach((p, k) => (src[p] = c[k]!));
    out.push(Math.fround(x[flatOf(src, shape)]!));
  }
  return out;
}

function tileRef(x: Float64Array, shape: number[], reps: number[]): number[] {
  const os = shape.map((d, i) => d * reps[i]!);
  const out: number[] = [];
  for (let o = 0; o < sizeOf(os); ++o) out.push(Math.fround(x[flatOf(coordsOf(o, os).map((c, k) => c % shape[k]!), shape)]!));
  return out;
}

describe.skipIf(!status.available)(`native pad, mirrorPad, transpose, tile${status.available ? '' : ` (SKIPPED: ${status.reason})`}`, () => {
  beforeAll(async () => {
    await registerNativeBackend({ threads: 2 });
    await tf.setBackend('native');
  });
  // Only the int32 case may reach the cpu kernels.
  afterAll(() => expect([...nativeFallbackCounts().keys()].filter((k) => ['PadV2', 'MirrorPad', 'Transpose', 'Tile'].includes(k))).toEqual(['PadV2']));

  const padCases: [number[], [number, number][]][] = [
    [[7], [[2, 3]]],
    [[3, 5], [[1, 0], [2, 2]]],
    [[2, 5, 7, 3], [[0, 0], [1, 1], [1, 1], [0, 0]]], // tf.pad before a 'valid' conv (NHWC)
    [[2, 5, 7, 3], [[0, 0], [2, 1], [0, 2], [0, 0]]],
    [[2, 3, 4, 5, 3], [[1, 1], [0, 2], [2, 0], [1, 1], [2, 2]]],
    [[16, 13, 13, 65], [[0, 0], [1, 2], [2, 1], [0, 0]]], // above the threading threshold
    [[4, 6], [[0, 0], [0, 0]]],
  ];

  it('pad (constant 0 and 2.5) copies exactly, on ranks 1–5 and odd shapes', () => {
    for (const value of [0, 2.5]) {
      for (const [k, [shape, paddings]] of padCases.entries()) {
        const x = randomValues(sizeOf(shape), 300 + k);
        const got = tf.pad(tf.tensor(Float32Array.from(x), shape), paddings, value);
        expect(got.shape).toEqual(shape.map((d, i) => d + paddings[i]![0] + paddings[i]![1]));
        expect(Array.from(got.dataSync()), `pad [${shape}] by ${JSON.stringify(paddings)}`).toEqual(padRef(x, shape, paddings, 'constant', value));
        got.dispose();
      }
    }
  });

  for (const mode of ['reflect', 'symmetric'] as const) {
    it(`mirrorPad ${mode} copies exactly, on ranks 1–5 and odd shapes`, () => {
      const cases: [number[], [number, number][]][] = [
        ...padCases.filter(([s, p]) => p.every((q, i) => Math.max(...q) < s[i]!)),
        [[3, 4], [[2, 2], [mode === 'reflect' ? 3 : 4, 0]]], // the largest padding each mode allows
      ];
      for (const [k, [shape, paddings]] of cases.entries()) {
        const x = randomValues(sizeOf(shape), 400 + k);
        const got = tf.mirrorPad(tf.tensor(Float32Array.from(x), shape), paddings, mode);
        expect(Array.from(got.dataSync()), `${mode} [${shape}] by ${JSON.stringify(paddings)}`).toEqual(padRef(x, shape, paddings, mode, 0));
        got.dispose();
      }
    });
  }

  it('the gradient of pad is the slice of dy', () => {
    const x = tf.tensor(Float32Array.from(randomValues(2 * 5 * 7 * 3, 1)), [2, 5, 7, 3]);
    const paddings: [number, number][] = [[0, 0], [1, 2], [2, 1], [0, 0]];
    const w = tf.tensor(Float32Array.from(randomValues(2 * 8 * 10 * 3, 2)), [2, 8, 10, 3]);
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.pad(t, paddings), w)))(x);
    expect(Array.from(g.dataSync())).toEqual(Array.from(tf.slice(w, [0, 1, 2, 0], [2, 5, 7, 3]).dataSync()));
  });

  it('int32 pad falls back to the cpu kernel and stays exact', () => {
    expect(Array.from(tf.pad(tf.tensor([1, 2], [2], 'int32'), [[1, 1]]).dataSync())).toEqual([0, 1, 2, 0]);
  });

  const transposeCases: [number[], number[]][] = [
    [[3, 5], [1, 0]],
    [[2, 3, 4], [0, 2, 1]],
    [[2, 3, 4], [2, 0, 1]],
    [[2, 3, 4], [1, 0, 2]],
    [[2, 1, 3, 1, 5], [4, 2, 0, 3, 1]],
    [[2, 3, 4, 5, 3, 2], [5, 3, 1, 0, 2, 4]],
    [[32, 67, 69], [0, 2, 1]], // NWC ↔ NCW of a text model, tiled and threaded
    [[67, 3, 69], [2, 1, 0]],
    [[4, 5], [0, 1]],
  ];
  it('transpose permutes exactly, on ranks 2–6 and odd shapes', () => {
    for (const [k, [shape, perm]] of transposeCases.entries()) {
      const x = randomValues(sizeOf(shape), 500 + k);
      const got = tf.transpose(tf.tensor(Float32Array.from(x), shape), perm);
      expect(got.shape).toEqual(perm.map((p) => shape[p]));
      expect(Array.from(got.dataSync()), `transpose [${shape}] by [${perm}]`).toEqual(transposeRef(x, shape, perm));
      got.dispose();
    }
  });

  it('tile repeats exactly, on ranks 1–5, broadcasts of size-1 axes included', () => {
    const cases: [number[], number[]][] = [
      [[5], [3]], [[3, 4], [2, 1]], [[2, 3, 5], [1, 3, 2]], [[2, 1, 3, 7], [2, 5, 1, 3]], [[64, 65], [3, 2]],
      [[9, 1, 1, 7, 1], [1, 13, 11, 1, 2]], // the gradient of a mean over [1, 2, 4] (GroupNorm from tf.moments)
      [[7, 1, 1, 9, 1], [1, 23, 21, 1, 2]], [[5, 1, 3], [1, 3000, 3]], // threaded
      [[1, 1, 1, 5], [6, 7, 8, 1]], [[1], [40000]], [[1, 1], [1, 1]], [[3, 1, 2], [1, 70, 1]], [[1, 3, 1], [50, 1, 70]],
    ];
    for (const [k, [shape, reps]] of cases.entries()) {
      const x = randomValues(sizeOf(shape), 600 + k);
      const got = tf.tile(tf.tensor(Float32Array.from(x), shape), reps);
      expect(Array.from(got.dataSync()), `tile [${shape}] by [${reps}]`).toEqual(tileRef(x, shape, reps));
      got.dispose();
    }
  });
});
