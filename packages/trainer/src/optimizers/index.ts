import type { TrainConfig } from '../config';
import { Adam } from './adam';
import type { Optimizer, OptimizerParam } from './optimizer';
import { RmsProp } from './rmsprop';
import { Sgd } from './sgd';

export { Adam, RmsProp, Sgd };
export type { AdamOptions } from './adam';
export type { RmsPropOptions } from './rmsprop';
export type { SgdOptions } from './sgd';
export type { Optimizer, OptimizerParam, OptimizerState } from './optimizer';

/**
 * The optimizer a run's config asks for (`sgd` with `momentum`, `adam`, `rmsprop`; all with `weightDecay`).
 * @param params - the variables to train, each with its name (the `state_dict` name its checkpoint slots are stored under).
 * @param config - `optimizer` (`sgd`, `adam` or `rmsprop`), `momentum` (sgd) and `weightDecay`, as in `trainConfigSchema`.
 */
export function createOptimizer(
  params: OptimizerParam[],
  config: Pick<TrainConfig, 'optimizer' | 'momentum' | 'weightDecay'>,
): Optimizer {
  switch (config.optimizer) {
    case 'sgd':
      return new Sgd(params, { momentum: config.momentum, weightDecay: config.weightDecay });
    case 'adam':
      return new Adam(params, { weightDecay: config.weightDecay });
    case 'rmsprop':
      return new RmsProp(params, { weightDecay: config.weightDecay });
    default:
      throw new Error(`createOptimizer: optimizer '${String(config.optimizer)}' is unknown: use sgd, adam or rmsprop`);
  }
}
