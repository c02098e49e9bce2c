import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { createInitializer } from '../init';
import { ResBlock1d } from '../layers/res-block1d';
import { withPrefix } from '../weights';
import { parseOptions, type Model } from './model';
import { TEXT_EMBEDDING_SIZE, TEXT_WIDTH, TextClassifier, type TextFeature } from './text-classifier';

/** Options of {@link vdcnn}. */
export const vdcnnOptionsSchema = z
  .object({
    /** Residual blocks in the feature stage (6 in the reference experiment; 1 matches the ODE model's size). */
    blocks: z.number().int().min(1).default(6),
    /** Width of the character embedding (the reference's `--embd_size`); `embed.weight` is `[69, embeddingSize]`. */
    embeddingSize: z.number().int().min(1).default(TEXT_EMBEDDING_SIZE),
    /** Seed of the weight initialisation. */
    seed: z.number().int().default(0),
  })
  .strict();

/** Options of {@link vdcnn} as accepted. */
export type VdcnnOptions = z.input<typeof vdcnnOptionsSchema>;

/**
 * The character-level text CNN: {@link TextClassifier} with `blocks` {@link ResBlock1d}s (`feature.{i}.conv_block.*`).
 * @param options - `blocks` (residual blocks, default 6), `embeddingSize`, `seed`; `vdcnnOptionsSchema` lists them.
 */
export function vdcnn(options: VdcnnOptions = {}): Model {
  const o = parseOptions('vdcnn', vdcnnOptionsSchema, options);
  return new TextClassifier(
    'vdcnn',
    (init): TextFeature => {
      const blocks = Array.from({ length: o.blocks }, () => new ResBlock1d(TEXT_WIDTH, init));
      return {
        apply: (x, { training }) => tf.tidy(() => blocks.reduce((h, block) => block.apply(h, { training }), x)),
        namedWeights: () => blocks.flatMap((block, i) => withPrefix(String(i), block.namedWeights())),
      };
    },
    createInitializer(o.seed),
    o.embeddingSize,
  );
}
