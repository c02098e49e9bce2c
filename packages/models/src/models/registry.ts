import { z } from 'zod';
import type { Model, ModelName } from './model';
import { odenet, odenetOptionsSchema, type OdenetOptions } from './odenet';
import { resnet, resnetOptionsSchema } from './resnet';
import { vdcnn, vdcnnOptionsSchema } from './vdcnn';
import { vdcnnOde, vdcnnOdeOptionsSchema, type VdcnnOdeOptions } from './vdcnn-ode';

/** An entry of {@link modelRegistry}. */
export interface ModelEntry {
  /** One line for `--help` and docs. */
  description: string;
  /** `image` (NHWC float32) or `text` (int32 character ids). */
  inputKind: 'image' | 'text';
  /** Whether the model has an ODE block (and reports NFE). */
  ode: boolean;
  /** The model's options schema (without `name`). */
  optionsSchema: z.ZodObject;
  /**
   * Builds the model from options accepted by `optionsSchema`.
   * @param options - the model's options (without `name`), parsed with `optionsSchema`; absent means all defaults, and
   *   an invalid or unknown option throws.
   */
  create(options?: Record<string, unknown>): Model;
}

/** Every model of the package under the name the CLI uses. */
export const modelRegistry: Readonly<Record<ModelName, ModelEntry>> = Object.freeze({
  resnet: {
    description: 'image ResNet: downsampling, `blocks` residual blocks, GroupNorm/ReLU/pool/linear head',
    inputKind: 'image',
    ode: false,
    optionsSchema: resnetOptionsSchema,
    create: (options) => resnet(options),
  },
  odenet: {
    description: 'image ODE-Net: the ResNet with its residual blocks replaced by one ODE block',
    inputKind: 'image',
    ode: true,
    optionsSchema: odenetOptionsSchema,
    create: (options) => odenet(options as OdenetOptions),
  },
  vdcnn: {
    description: 'character-level text CNN for AG-News with `blocks` residual blocks and k-max pooling',
    inputKind: 'text',
    ode: false,
    optionsSchema: vdcnnOptionsSchema,
    create: (options) => vdcnn(options),
  },
  'vdcnn-ode': {
    description: 'the text CNN with its residual blocks replaced by one ODE block',
    inputKind: 'text',
    ode: true,
    optionsSchema: vdcnnOdeOptionsSchema,
    create: (options) => vdcnnOde(options as VdcnnOdeOptions),
  },
});

/** The names in {@link modelRegistry}: `resnet`, `odenet`, `vdcnn`, `vdcnn-ode`. */
export const modelNames = Object.keys(modelRegistry) as ModelName[];

/** Options of {@link createModel}: a model `name` and that model's options (a discriminated union). */
export const modelOptionsSchema = z.discriminatedUnion('name', [
  resnetOptionsSchema.extend({ name: z.literal('resnet') }),
  odenetOptionsSchema.extend({ name: z.literal('odenet') }),
  vdcnnOptionsSchema.extend({ name: z.literal('vdcnn') }),
  vdcnnOdeOptionsSchema.extend({ name: z.literal('vdcnn-ode') }),
]);

/** Options of {@link createModel} as accepted. */
export type ModelOptions = z.input<typeof modelOptionsSchema>;

/**
 * Builds a model by name: `createModel({ name: 'odenet', inChannels: 3, solver: { method: 'rk4', stepSize: 0.25 } })`.
 * @param options - `name` (`resnet`, `odenet`, `vdcnn` or `vdcnn-ode`) and that model's options
 *   (`modelOptionsSchema`, keyed by `name`).
 */
export function createModel(options: ModelOptions): Model {
  const name = (options as { name?: unknown })?.name;
  if (typeof name !== 'string' || !(name in modelRegistry)) {
    throw new Error(`createModel: name must be one of ${modelNames.join(', ')}, got ${JSON.stringify(name)}`);
  }
  const { name: _name, ...rest } = options;
  return modelRegistry[name as ModelName].create(rest);
}
