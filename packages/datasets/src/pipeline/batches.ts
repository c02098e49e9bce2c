import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import type { DatasetSplit } from '../load-dataset';
import { parseOptions } from '../parse-options';
import { fillImageBatch, normalizationTable } from './image-batch';
import { SeededRandom } from './random';

/** Options of {@link batches}. */
export const batchesOptionsSchema = z
  .object({
    /** Examples per batch. */
    batchSize: z.number().int().min(1).max(1 << 20).default(128),
    /** Visit the examples in a new seeded random order every epoch. */
    shuffle: z.boolean().default(false),
    /** Seed of shuffling and augmentation; epoch e of seed s is the same on every run. */
    seed: z.number().int().default(0),
    /** Apply the dataset's training augmentation (random crop with zero padding; flip for CIFAR-10). Images only. */
    augment: z.boolean().default(false),
    /** Drop the last, smaller batch of an epoch. */
    dropLast: z.boolean().default(false),
    /** Epoch index of the first iteration (to resume a run with the same order and augmentation). */
    epoch: z.number().int().min(0).default(0),
  })
  .strict();

/** Options of {@link batches}, as accepted (defaults applied by the schema). */
export type BatchesOptions = z.input<typeof batchesOptionsSchema>;

// A type alias (not an interface) so that `tf.dispose(batch)` accepts it as a TensorContainer.
/**
 * One batch. `x`: images as float32 NHWC normalised, or character ids as int32 `[n, length]`; `y`: int32 labels
 * `[n]`. The consumer owns both tensors and disposes them (`tf.dispose(batch)`); nothing else keeps them.
 */
export type Batch = {
  x: tf.Tensor;
  y: tf.Tensor;
  /** Examples in this batch. */
  size: number;
  /** Index of the batch within its epoch. */
  index: number;
  /** Epoch it belongs to. */
  epoch: number;
};

/** Batches of a split: each iteration (`for ... of`) is one epoch; the next iteration is the next epoch. */
export interface BatchStream extends Iterable<Batch> {
  /** Batches in each epoch. */
  readonly batchesPerEpoch: number;
  /** Examples in each epoch (fewer than the split's count with `dropLast`). */
  readonly examplesPerEpoch: number;
  /** Examples per (full) batch. */
  readonly batchSize: number;
  /** Epoch the next iteration produces. */
  readonly epoch: number;
}

const SHUFFLE_STREAM = 1;
const AUGMENT_STREAM = 2;

/**
 * Batches a split as tfjs tensors, built on demand from the uint8 / int32 data (one batch's tensors alive at a
 * time, and only those the consumer holds). Shuffling and augmentation are seeded per epoch.
 *
 * @param split - what `loadDataset` returned (or a `subsetSplit` of it).
 * @param options - `batchSize` (128), `shuffle` and `seed`, `augment` (the reference augmentation, images only),
 *   `dropLast`, `epoch` (start later, for resumed runs); the table below lists them.
 *
 * @example
 * ```ts
 * const train = await loadDataset('cifar10', { split: 'train' });
 * const stream = batches(train, { batchSize: 128, shuffle: true, augment: true, seed: 1 });
 * for (let epoch = 0; epoch < 10; epoch++) {
 *   for (const batch of stream) { ...; tf.dispose(batch); } // stream.batchesPerEpoch batches
 * }
 * ```
 */
export function batches(split: DatasetSplit, options: BatchesOptions = {}): BatchStream {
  const opts = parseOptions('batches', batchesOptionsSchema, options);
  if (!split || typeof split !== 'object' || !('kind' in split) || !(split.y instanceof Int32Array)) {
    throw new Error('batches: split must be the result of loadDataset(...); got something else');
  }
  if (opts.augment && split.kind !== 'image') {
    throw new Error(`batches: option 'augment' is true but '${split.name}' is a text dataset: set augment: false`);
  }
  const count = split.count;
  const full = Math.floor(count / opts.batchSize);
  const batchesPerEpoch = opts.dropLast ? full : Math.ceil(count / opts.batchSize);
  const examplesPerEpoch = opts.dropLast ? full * opts.batchSize : count;
  const exampleShape = split.shape.slice(1);
  const exampleSize = exampleShape.reduce((a, b) => a * b, 1);
  const lut = split.kind === 'image' ? normalizationTable(split.normalization, exampleShape[2]) : null;
  let epoch = opts.epoch;

  function* epochBatches(e: number): Generator<Batch> {
    const order = opts.shuffle ? new SeededRandom(opts.seed, e, SHUFFLE_STREAM).permutation(count) : null;
    const rng = new SeededRandom(opts.seed, e, AUGMENT_STREAM);
    for (let b = 0; b < batchesPerEpoch; b++) {
      const start = b * opts.batchSize;
      const n = Math.min(opts.batchSize, count - start);
      const indices = order ? order.subarray(start, start + n) : rangeOf(start, n);
      const labels = new Int32Array(n);
      for (let j = 0; j < n; j++) labels[j] = split.y[indices[j]];
      let x: tf.Tensor;
      if (split.kind === 'image') {
        const values = new Float32Array(n * exampleSize);
        fillImageBatch(split.x, exampleShape, indices, values, lut!, opts.augment ? split.augmentation : null, rng);
        x = tf.tensor(values, [n, ...exampleShape], 'float32');
      } else {
        const values = new Int32Array(n * exampleSize);
        for (let j = 0; j < n; j++) {
          const s = indices[j] * exampleSize;
          values.set(split.x.subarray(s, s + exampleSize), j * exampleSize);
        }
        x = tf.tensor(values, [n, ...exampleShape], 'int32');
      }
      const y = tf.tensor1d(labels, 'int32');
      yield { x, y, size: n, index: b, epoch: e };
    }
  }

  return {
    batchesPerEpoch,
    examplesPerEpoch,
    batchSize: opts.batchSize,
    get epoch() {
      return epoch;
    },
    [Symbol.iterator]() {
      return epochBatches(epoch++);
    },
  };
}

function rangeOf(start: number, n: number): Uint32Array {
  const r = new Uint32Array(n);
  for (let i = 0; i < n; i++) r[i] = start + i;
  return r;
}
