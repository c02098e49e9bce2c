import { createModel, type Model, type ModelOptions, type OdeModel } from '@neural-ode/models';
import type { GradientStats } from '@neural-ode/odeint';
import type { TrainConfig } from './config';
import type { DatasetSplit } from '@neural-ode/datasets';

const IMAGE_MODELS = new Set(['resnet', 'odenet']);

/** Builds `config.model` for data shaped like `split`, initialised from `seed`. Errors say which option to change. */
export function buildModel(
  config: Pick<TrainConfig, 'model' | 'blocks' | 'solver' | 'data' | 'embeddingSize'>,
  split: DatasetSplit,
  seed: number,
): Model {
  const wantsImages = IMAGE_MODELS.has(config.model);
  if (wantsImages !== (split.kind === 'image')) {
    const fit = split.kind === 'image' ? 'resnet or odenet' : 'vdcnn or vdcnn-ode';
    throw new Error(`train: option 'model' is '${config.model}' but data '${split.name}' is ${split.kind} data: use model ${fit}`);
  }
  // The run's solver was validated once by the config schema: it goes to the model as it is.
  const solver = { solver: config.solver };
  const inChannels = split.kind === 'image' ? split.shape[3] : 1;
  const options: ModelOptions =
    config.model === 'resnet'
      ? { name: 'resnet', inChannels, blocks: config.blocks, seed }
      : config.model === 'odenet'
        ? { name: 'odenet', inChannels, ...solver, seed }
        : config.model === 'vdcnn'
          ? { name: 'vdcnn', blocks: config.blocks, embeddingSize: config.embeddingSize, seed }
          : { name: 'vdcnn-ode', ...solver, embeddingSize: config.embeddingSize, seed };
  // The models free the initial values of their weights themselves: nothing to scope here.
  return createModel(options);
}

/** The ODE block's gradient counters of the last backward pass (`checkpoint` / `backsolve`), or `undefined`. */
export function gradientStatsOf(model: Model): GradientStats | undefined {
  return (model as Partial<OdeModel>).gradientStats ?? undefined;
}

/** The model's NFE counts when it has an ODE block. */
export function nfeOf(model: Model): { forward: number; backward: number } | undefined {
  const nfe = (model as Partial<OdeModel>).nfe;
  return nfe ? { forward: nfe.forward, backward: nfe.backward } : undefined;
}
