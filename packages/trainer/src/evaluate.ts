import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@neural-ode/backend';
import { batches, loadDataset, type DatasetSplit } from '@neural-ode/datasets';
import type { Model } from '@neural-ode/models';
import { z } from 'zod';
import { buildModel } from './build-model';
import { loadCheckpointWeights, locateCheckpoint } from './checkpoint';
import { BACKEND_NAMES } from '@neural-ode/backend';
import { datasetNames } from '@neural-ode/datasets';
import { parseOptions } from './config';
import { limitSplit } from './data';
import type { EvaluateResult } from './events';
import { crossEntropy } from './loss';
import { loadRunInfo } from './run-dir';

/** Options of {@link evaluate}. */
export const evaluateOptionsSchema = z
  .object({
    /** A run directory (its latest checkpoint) or a checkpoint's `.safetensors` / `.json` file. */
    checkpoint: z.string().min(1),
    /** Dataset to evaluate on (default: the run's). */
    data: z.enum(datasetNames).optional(),
    /** Local directory with the dataset's files (default: the run's). */
    dataDir: z.string().min(1).optional(),
    /** Evaluation batch size (default: the run's `testBatchSize`). */
    batchSize: z.number().int().min(1).optional(),
    /** Which split (default `test`). */
    split: z.enum(['train', 'test']).default('test'),
    /** Download the dataset when missing (default: the run's setting). */
    download: z.boolean().optional(),
    /** A seeded, class-balanced subset of N examples (seeded by the run's seed), not the first N. */
    limit: z.number().int().min(1).optional(),
    /** tfjs backend (default: the run's). */
    backend: z.enum(BACKEND_NAMES).optional(),
  })
  .strict();

/** Options of {@link evaluate} as accepted. */
export type EvaluateOptions = z.input<typeof evaluateOptionsSchema>;

/**
 * Mean cross-entropy and accuracy of `model` (evaluation mode) on a whole split, in batches.
 * @param model - the model to evaluate; it runs with `training: false` (BatchNorm uses its running statistics).
 * @param split - the dataset split to evaluate, read in order (no shuffling, no augmentation).
 * @param batchSize - examples per forward pass; it changes memory use, not the result.
 */
export function evaluateSplit(model: Model, split: DatasetSplit, batchSize: number): EvaluateResult {
  let lossSum = 0;
  let correct = 0;
  let count = 0;
  for (const batch of batches(split, { batchSize, shuffle: false, augment: false })) {
    const [l, c] = tf.tidy(() => {
      const out = crossEntropy(model.apply(batch.x, { training: false }), batch.y);
      return [out.loss, out.correct];
    });
    lossSum += l.dataSync()[0] * batch.size;
    correct += c.dataSync()[0];
    count += batch.size;
    tf.dispose([l, c, batch.x, batch.y]);
  }
  const loss = count ? lossSum / count : NaN;
  if (!Number.isFinite(loss)) {
    throw new Error(
      `evaluate: the mean loss on ${count} ${split.split} examples of ${split.name} is ${loss}: the weights hold NaN or ` +
        `Inf (a diverged run or damaged weights), so the accuracy means nothing; evaluate an earlier checkpoint`,
    );
  }
  return { accuracy: correct / count, loss, count };
}

/**
 * Accuracy and mean loss of a checkpoint on the test split (or `split`), in evaluation mode.
 *
 * @param options - `checkpoint` (a run directory or a checkpoint file, required), `split`, `limit` (a seeded,
 *   class-balanced subset), `dataDir`, `batchSize`; `evaluateOptionsSchema` lists them.
 *
 * @example
 * ```ts
 * const { accuracy, loss, count } = await evaluate({ checkpoint: 'runs/odenet' });
 * ```
 * @param inputs - `split`: data to evaluate on instead of loading a named dataset (tests, custom data).
 */
export async function evaluate(options: EvaluateOptions, inputs: { split?: DatasetSplit } = {}): Promise<EvaluateResult> {
  const o = parseOptions(evaluateOptionsSchema, options, 'evaluate');
  const { runDir, state } = locateCheckpoint(o.checkpoint);
  const info = loadRunInfo(runDir);
  const config = { ...info.config, data: o.data ?? info.config.data, dataDir: o.dataDir ?? info.config.dataDir };
  await initBackend({ backend: o.backend ?? info.config.backend, threads: info.config.threads, log: false });
  let split = inputs.split;
  if (!split) {
    split = await loadDataset(config.data, {
      split: o.split,
      dataDir: config.dataDir,
      download: o.download ?? config.download,
      sequenceLength: config.seqLen,
    });
  }
  const subset = limitSplit(split, o.limit, config.seed, `the ${o.split} set${o.limit !== undefined ? ` (limit = ${o.limit})` : ''}`);
  split = subset.split;
  const model = buildModel(config, split, state.modelSeed);
  try {
    loadCheckpointWeights(runDir, state, model);
    const result = evaluateSplit(model, split, o.batchSize ?? config.testBatchSize);
    return subset.warning ? { ...result, warnings: [subset.warning] } : result;
  } finally {
    model.dispose();
  }
}
