import { initBackend } from '@neural-ode/backend';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ImageSplit, TextSplit } from '../load-dataset';
import { batches } from './batches';

beforeAll(async () => {
  await initBackend({ backend: 'cpu', log: false });
});

/** A small image split: example i has every pixel byte = i * 10 + channel (so examples are told apart). */
function imageSplit(count: number, [h, w, c]: number[], flip = false): ImageSplit {
  const x = new Uint8Array(count * h * w * c);
  for (let i = 0; i < count; i++) for (let p = 0; p < h * w; p++) for (let k = 0; k < c; k++) x[(i * h * w + p) * c + k] = i * 10 + k;
  const y = Int32Array.from({ length: count }, (_, i) => i % 3);
  const mean = new Array(c).fill(0.5);
  const std = new Array(c).fill(0.25);
  return {
    kind: 'image', name: 'cifar10', split: 'train', classes: ['a', 'b', 'c'], count, y, files: [], x,
    shape: [count, h, w, c], normalization: { mean, std }, augmentation: { cropPadding: 2, horizontalFlip: flip },
  };
}

const norm = (v: number) => (v / 255 - 0.5) / 0.25;

function firstValues(t: tf.Tensor, stride: number): number[] {
  const d = t.dataSync();
  const out: number[] = [];
  for (let i = 0; i < d.length; i += stride) out.push(d[i]);
  return out;
}

describe('batches', () => {
  it('has a known number of batches per epoch, with and without dropLast', () => {
    const s = imageSplit(10, [2, 2, 1]);
    const a = batches(s, { batchSize: 4 });
    expect([a.batchesPerEpoch, a.examplesPerEpoch]).toEqual([3, 10]);
    const sizes = [...a].map((b) => (tf.dispose(b), b.size));
    expect(sizes).toEqual([4, 4, 2]);
    const b = batches(s, { batchSize: 4, dropLast: true });
    expect([b.batchesPerEpoch, b.examplesPerEpoch]).toEqual([2, 8]);
    expect([...b].map((x) => (tf.dispose(x), x.size))).toEqual([4, 4]);
  });

  it('yields float32 NHWC normalised images and int32 labels in order without shuffle', () => {
    const s = imageSplit(5, [2, 3, 2]);
    const [first] = [...batches(s, { batchSize: 5 })];
    expect(first.x.shape).toEqual([5, 2, 3, 2]);
    expect(first.x.dtype).toBe('float32');
    expect(first.y.dtype).toBe('int32');
    expect(Array.from(first.y.dataSync())).toEqual([0, 1, 2, 0, 1]);
    const x = first.x.dataSync();
    expect(x[0]).toBeCloseTo(norm(0), 6);
    expect(x[1]).toBeCloseTo(norm(1), 6);
    expect(x[4 * 12 + 1]).toBeCloseTo(norm(41), 6);
    tf.dispose(first);
  });

  it('shuffles each epoch differently, the same for the same seed, visiting every example once', () => {
    const s = imageSplit(20, [1, 1, 1]);
    const order = (seed: number, epoch?: number) => {
      const st = batches(s, { batchSize: 6, shuffle: true, seed, epoch });
      const epochs: number[][] = [];
      for (let e = 0; e < 2; e++) {
        const seen: number[] = [];
        for (const b of st) {
          seen.push(...firstValues(b.x, 1).map((v) => Math.round(((v * 0.25 + 0.5) * 255) / 10)));
          tf.dispose(b);
        }
        epochs.push(seen);
      }
      return epochs;
    };
    const [e0, e1] = order(7);
    expect([...e0].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect([...e1].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(e0).not.toEqual(e1);
    expect(order(7)).toEqual([e0, e1]);
    expect(order(8)[0]).not.toEqual(e0);
    expect(order(7, 1)[0]).toEqual(e1); // resuming at epoch 1 reproduces epoch 1
  });

  it.each([1, 3])('augments by a random crop of the zero-padded image (and flips when the dataset says so), seeded, %i channel(s)', (c) => {
    const h = 5;
    const w = 6;
    const count = 40;
    const size = h * w * c;
    // Example pixels that differ per position and channel, so every crop offset / flip is distinguishable.
    const s = imageSplit(count, [h, w, c], true);
    for (let i = 0; i < count; i++) for (let p = 0; p < size; p++) s.x[i * size + p] = 1 + ((i * 31 + p * 7) % 250);
    const reference = (i: number, dy: number, dx: number, flip: boolean) => {
      const out: number[] = [];
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const sy = y + dy;
          const sx = (flip ? w - 1 - x : x) + dx;
          for (let k = 0; k < c; k++) out.push(sy < 0 || sy >= h || sx < 0 || sx >= w ? 0 : s.x[i * size + (sy * w + sx) * c + k]);
        }
      }
      return out;
    };
    const seenOffsets = new Set<string>();
    let flips = 0;
    const [b] = [...batches(s, { batchSize: count, augment: true, seed: 3 })];
    const d = b.x.dataSync();
    for (let i = 0; i < count; i++) {
      const got = Array.from(d.subarray(i * size, (i + 1) * size), (v) => Math.round((v * 0.25 + 0.5) * 255));
      let match: string | null = null;
      for (let dy = -2; dy <= 2 && !match; dy++) {
        for (let dx = -2; dx <= 2 && !match; dx++) {
          for (const flip of [false, true]) {
            if (reference(i, dy, dx, flip).every((v, k) => v === got[k])) {
              match = `${dy},${dx}`;
              if (flip) flips++;
              break;
            }
          }
        }
      }
      expect(match, `example ${i} is not a padded crop (±2) of its source`).not.toBeNull();
      seenOffsets.add(match!);
    }
    expect(seenOffsets.size).toBeGreaterThan(8);
    expect(flips).toBeGreaterThan(5);
    expect(flips).toBeLessThan(35);
    const [again] = [...batches(s, { batchSize: count, augment: true, seed: 3 })];
    expect(Buffer.compare(Buffer.from(again.x.dataSync().buffer), Buffer.from(d.buffer))).toBe(0);
    tf.dispose([b, again]);
  });

  it('does not flip when the dataset has no flip (MNIST-style crop only)', () => {
    const s = imageSplit(30, [1, 8, 1], false);
    for (let i = 0; i < 30; i++) for (let p = 0; p < 8; p++) s.x[i * 8 + p] = 10 + p; // increasing along the row
    s.augmentation = { cropPadding: 2, horizontalFlip: false };
    const [b] = [...batches(s, { batchSize: 30, augment: true, seed: 1 })];
    const d = b.x.dataSync();
    for (let i = 0; i < 30; i++) {
      const row = Array.from(d.subarray(i * 8, i * 8 + 8), (v) => Math.round((v * 0.25 + 0.5) * 255)).filter((v) => v > 0);
      expect(row).toEqual([...row].sort((a, c) => a - c)); // never mirrored
    }
    tf.dispose(b);
  });

  it('batches text as int32 [n, length]', () => {
    const x = Uint8Array.from({ length: 3 * 4 }, (_, i) => i);
    const s: TextSplit = {
      kind: 'text', name: 'ag-news', split: 'test', classes: ['a', 'b'], count: 3, y: Int32Array.from([1, 0, 1]),
      files: [], x, shape: [3, 4], textFields: ['description'],
    };
    const [b0, b1] = [...batches(s, { batchSize: 2 })];
    expect(b0.x.dtype).toBe('int32');
    expect(b0.x.shape).toEqual([2, 4]);
    expect(Array.from(b1.x.dataSync())).toEqual([8, 9, 10, 11]);
    expect(Array.from(b1.y.dataSync())).toEqual([1]);
    tf.dispose([b0, b1]);
    expect(() => batches(s, { augment: true })).toThrow(/'augment' is true but 'ag-news' is a text dataset/);
  });

  it('leaves no tensor alive once the consumer disposes each batch, also when it stops early', () => {
    const s = imageSplit(50, [4, 4, 3], true);
    const before = tf.memory().numTensors;
    const st = batches(s, { batchSize: 8, shuffle: true, augment: true });
    for (const b of st) tf.dispose(b);
    for (const b of st) {
      tf.dispose(b);
      break;
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects bad options with the option name and value', () => {
    const s = imageSplit(3, [1, 1, 1]);
    expect(() => batches(s, { batchSize: 0 })).toThrow(/batches: option 'batchSize' is 0/);
    expect(() => batches(s, { batchSize: 2.5 })).toThrow(/option 'batchSize' is 2\.5/);
    expect(() => batches(s, { shufle: true } as never)).toThrow(/unknown option\(s\) 'shufle'/);
    expect(() => batches({} as never)).toThrow(/split must be the result of loadDataset/);
  });
});
