import { z } from 'zod';
import { createInitializer } from '../init';
import { OdeBlock } from '../layers/ode-block';
import { OdeFunc } from '../layers/ode-func';
import { solverOptionsSchema } from '../solver';
import { parseOptions, type OdeModel } from './model';
import { TEXT_WIDTH, TextClassifier } from './text-classifier';

/** Options of {@link vdcnnOde}. */
export const vdcnnOdeOptionsSchema = z
  .object({
    /** How the ODE block integrates (method, tolerances, adjoint). */
    solver: solverOptionsSchema.prefault({}),
    /** Seed of the weight initialisation. */
    seed: z.number().int().default(0),
  })
  .strict();

/** Options of {@link vdcnnOde} as accepted. */
export type VdcnnOdeOptions = z.input<typeof vdcnnOdeOptionsSchema>;

/** The text ODE model: {@link TextClassifier} with one {@link OdeBlock} over a text {@link OdeFunc} (`feature.func.*`). */
export function vdcnnOde(options: VdcnnOdeOptions = {}): OdeModel {
  const o = parseOptions('vdcnnOde', vdcnnOdeOptionsSchema, options);
  let block: OdeBlock | undefined;
  const model = new TextClassifier(
    'vdcnn-ode',
    (init) => (block = new OdeBlock(new OdeFunc({ channels: TEXT_WIDTH, kind: 'text' }, init), o.solver)),
    createInitializer(o.seed),
  );
  return Object.defineProperty(model, 'nfe', { get: () => block!.nfe, enumerable: true }) as TextClassifier & OdeModel;
}
