import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { createInitializer } from '../init';
import { ResBlock } from '../layers/res-block';
import { withPrefix } from '../weights';
import { IMAGE_WIDTH, ImageClassifier, type ImageFeature } from './image-classifier';
import { parseOptions, type Model } from './model';

/** Options of {@link resnet}. */
export const resnetOptionsSchema = z
  .object({
    /** Input channels: 1 for MNIST, 3 for CIFAR-10. */
    inChannels: z.number().int().min(1).default(1),
    /** Residual blocks in the feature stage (6 in the reference experiment; 1 matches the ODE-Net's size). */
    blocks: z.number().int().min(1).default(6),
    /** Seed of the weight initialisation. */
    seed: z.number().int().default(0),
  })
  .strict();

/** Options of {@link resnet} as accepted. */
export type ResnetOptions = z.input<typeof resnetOptionsSchema>;

/**
 * The image ResNet: {@link ImageClassifier} with `blocks` {@link ResBlock}s (`feature.{i}.*`).
 * @param options - `blocks` (residual blocks, default 6), `inChannels`, `seed`; `resnetOptionsSchema` lists them.
 */
export function resnet(options: ResnetOptions = {}): Model {
  const o = parseOptions('resnet', resnetOptionsSchema, options);
  return new ImageClassifier(
    'resnet',
    o.inChannels,
    (init): ImageFeature => {
      const blocks = Array.from({ length: o.blocks }, () => new ResBlock(IMAGE_WIDTH, init));
      return {
        apply: (x) => tf.tidy(() => blocks.reduce((h, block) => block.apply(h), x)),
        namedWeights: () => blocks.flatMap((block, i) => withPrefix(String(i), block.namedWeights())),
      };
    },
    createInitializer(o.seed),
  );
}
