import { z } from 'zod';
import type { EvaluateResult } from './events';

/** Options of {@link evaluate}. */
export const evaluateOptionsSchema = z
  .object({
    /** A run directory (its latest checkpoint) or a checkpoint's `.safetensors` / state `.json` file. */
    checkpoint: z.string().min(1),
    /** Dataset to evaluate on (default: the run's). */
    data: z.enum(['mnist', 'fashion-mnist', 'mnist-sample', 'cifar10', 'ag-news']).optional(),
    /** Local directory with the dataset's files (default: the run's). */
    dataDir: z.string().min(1).optional(),
    /** Evaluation batch size (default: the run's `testBatchSize`). */
    batchSize: z.number().int().min(1).optional(),
    /** Which split (default `test`). */
    split: z.enum(['train', 'test']).default('test'),
    /** Download the dataset when missing. */
    download: z.boolean().default(true),
  })
  .strict();

/** Options of {@link evaluate} as accepted. */
export type EvaluateOptions = z.input<typeof evaluateOptionsSchema>;

/** Accuracy and mean loss of a checkpoint on a split (the test split by default). */
export async function evaluate(options: EvaluateOptions): Promise<EvaluateResult> {
  void options;
  throw new Error('evaluate: not implemented yet');
}
