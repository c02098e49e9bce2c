import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nativeFallbackCounts, nativeStatus, registerNativeBackend } from '../native-backend';
import { randomValues } from './float64-reference';

const status = nativeStatus();
if (!status.available) console.warn(`[backend-native] slice/concat tests SKIPPED: ${status.reason}. Fix: ${status.fix}`);

const size = (s: number[]) => s.reduce((a, b) => a * b, 1);

/** x[begin : begin + size] by index arithmetic. */
function sliceRef(x: Float64Array, shape: number[], begin: number[], sz: number[]): number[] {
  const out: number[] = [];
  const idx = new Array<number>(shape.length).fill(0);
  for (let o = 0; o < size(sz); ++o) {
    let rem = o;
    for (let i = sz.length - 1; i >= 0; --i) {
      idx[i] = begin[i]! + (rem % sz[i]!);
      rem = Math.floor(rem / sz[i]!);
    }
    let flat = 0;
    for (let i = 0; i < shape.length; ++i) flat = flat * shape[i]! + idx[i]!;
    out.push(Math.fround(x[flat]!));
  }
  return out;
}

describe.skipIf(!status.available)(`native slice, splitV and concat${status.available ? '' : ` (SKIPPED: ${status.reason})`}`, () => {
  beforeAll(async () => {
    await registerNativeBackend({ threads: 2 });
    await tf.setBackend('native');
  });
  afterAll(() => expect([...nativeFallbackCounts().keys()]).toEqual([]));

  const cases: [number[], number[], number[]][] = [
    [[4, 6, 6, 65], [0, 0, 0, 1], [4, 6, 6, 64]], // gradient of the ConcatConv time channel
    [[4, 6, 6, 65], [1, 2, 0, 0], [2, 3, 6, 65]],
    [[3, 5, 7], [1, 1, 2], [1, 3, 4]],
    [[10], [3], [5]],
    [[64, 13, 13, 65], [0, 0, 0, 0], [64, 13, 13, 1]], // large, non-contiguous
    [[5, 4], [0, 0], [5, 0]],
  ];
  it('slice copies exactly', () => {
    for (const [k, [shape, begin, sz]] of cases.entries()) {
      const x = randomValues(size(shape), 900 + k);
      const got = tf.slice(tf.tensor(Float32Array.from(x), shape), begin, sz);
      expect(got.shape).toEqual(sz);
      expect(Array.from(got.dataSync()), `slice [${shape}] at [${begin}] size [${sz}]`).toEqual(sliceRef(x, shape, begin, sz));
    }
  });

  it('concat then split along each axis round-trips, and the concat gradient is the split', () => {
    const a = tf.tensor(Float32Array.from(randomValues(2 * 3 * 4, 1)), [2, 3, 4]);
    const b = tf.tensor(Float32Array.from(randomValues(2 * 3 * 5, 2)), [2, 3, 5]);
    const c = tf.concat([a, b], 2);
    expect(c.shape).toEqual([2, 3, 9]);
    const [a2, b2] = tf.split(c, [4, 5], 2);
    expect(Array.from(a2!.dataSync())).toEqual(Array.from(a.dataSync()));
    expect(Array.from(b2!.dataSync())).toEqual(Array.from(b.dataSync()));
    for (const axis of [0, 1]) {
      const cc = tf.concat([a, a, a], axis);
      const parts = tf.split(cc, 3, axis);
      for (const p of parts) expect(Array.from(p.dataSync())).toEqual(Array.from(a.dataSync()));
    }
    const w = tf.tensor(Float32Array.from(randomValues(2 * 3 * 9, 3)), [2, 3, 9]);
    const [ga, gb] = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(tf.concat([x, y], 2), w)))([a, b]);
    expect(Array.from(ga!.dataSync())).toEqual(Array.from(tf.slice(w, [0, 0, 0], [2, 3, 4]).dataSync()));
    expect(Array.from(gb!.dataSync())).toEqual(Array.from(tf.slice(w, [0, 0, 4], [2, 3, 5]).dataSync()));
  });
});
