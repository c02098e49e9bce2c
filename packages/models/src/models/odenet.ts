import { z } from 'zod';
import { createInitializer } from '../init';
import { OdeBlock } from '../layers/ode-block';
import { OdeFunc } from '../layers/ode-func';
import { odeBlockOptionsShape, type OdeBlockOptions } from '../solver';
import { IMAGE_WIDTH, ImageClassifier } from './image-classifier';
import { parseOptions, type OdeModel } from './model';

/** Options of {@link odenet}. */
export const odenetOptionsSchema = z
  .object({
    /** Input channels: 1 for MNIST, 3 for CIFAR-10. */
    inChannels: z.number().int().min(1).default(1),
    /** The ODE block's solver, gradient mode included (required: the models have no solver defaults). */
    ...odeBlockOptionsShape,
    /** Seed of the weight initialisation. */
    seed: z.number().int().default(0),
  })
  .strict();

/** Options of {@link odenet} as accepted. */
export type OdenetOptions = z.input<typeof odenetOptionsSchema>;

/**
 * The image ODE-Net: {@link ImageClassifier} with one {@link OdeBlock} over an image {@link OdeFunc} (`feature.func.*`).
 * @param options - `solver` (required: a `Solver` or its settings), `inChannels` (1 for MNIST, 3 for CIFAR-10),
 *   `seed`; `odenetOptionsSchema` lists them.
 */
export function odenet(options: OdenetOptions): OdeModel {
  const o = parseOptions('odenet', odenetOptionsSchema, options);
  let block: OdeBlock | undefined;
  const model = new ImageClassifier(
    'odenet',
    o.inChannels,
    (init) => (block = new OdeBlock(new OdeFunc({ channels: IMAGE_WIDTH, kind: 'image' }, init), o as OdeBlockOptions, 'odenet')),
    createInitializer(o.seed),
  );
  return Object.defineProperties(model, {
    nfe: { get: () => block!.nfe, enumerable: true },
    gradientStats: { get: () => block!.gradientStats, enumerable: true },
  }) as ImageClassifier & OdeModel;
}
