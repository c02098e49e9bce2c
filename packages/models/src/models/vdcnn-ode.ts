import { z } from 'zod';
import { createInitializer } from '../init';
import { OdeBlock } from '../layers/ode-block';
import { OdeFunc } from '../layers/ode-func';
import { odeBlockOptionsShape, type OdeBlockOptions } from '../solver';
import { parseOptions, type OdeModel } from './model';
import { TEXT_EMBEDDING_SIZE, TEXT_WIDTH, TextClassifier } from './text-classifier';

/** Options of {@link vdcnnOde}. */
export const vdcnnOdeOptionsSchema = z
  .object({
    /** The ODE block's solver, gradient mode included (required: the models have no solver defaults). */
    ...odeBlockOptionsShape,
    /** Width of the character embedding (the reference's `--embd_size`); `embed.weight` is `[69, embeddingSize]`. */
    embeddingSize: z.number().int().min(1).default(TEXT_EMBEDDING_SIZE),
    /** Seed of the weight initialisation. */
    seed: z.number().int().default(0),
  })
  .strict();

/** Options of {@link vdcnnOde} as accepted. */
export type VdcnnOdeOptions = z.input<typeof vdcnnOdeOptionsSchema>;

/**
 * The text ODE model: {@link TextClassifier} with one {@link OdeBlock} over a text {@link OdeFunc} (`feature.func.*`).
 * @param options - `solver` (required: a `Solver` or its settings), `embeddingSize`, `seed`; `vdcnnOdeOptionsSchema`
 *   lists them.
 */
export function vdcnnOde(options: VdcnnOdeOptions): OdeModel {
  const o = parseOptions('vdcnnOde', vdcnnOdeOptionsSchema, options);
  let block: OdeBlock | undefined;
  const model = new TextClassifier(
    'vdcnn-ode',
    (init) => (block = new OdeBlock(new OdeFunc({ channels: TEXT_WIDTH, kind: 'text' }, init), o as OdeBlockOptions, 'vdcnnOde')),
    createInitializer(o.seed),
    o.embeddingSize,
  );
  return Object.defineProperties(model, {
    nfe: { get: () => block!.nfe, enumerable: true },
    gradientStats: { get: () => block!.gradientStats, enumerable: true },
  }) as TextClassifier & OdeModel;
}
