import * as tf from '@tensorflow/tfjs-core';
import { SlottedOptimizer, type OptimizerParam } from './optimizer';

/** Options of {@link Sgd}. */
export interface SgdOptions {
  /** Momentum factor (0: plain SGD). */
  momentum: number;
  /** L2 penalty added to the gradient. */
  weightDecay: number;
}

/**
 * SGD as PyTorch's `torch.optim.SGD` (no dampening, no Nesterov): `g ← g + wd·p`; `buf ← g` at the first step,
 * then `buf ← momentum·buf + g`; `p ← p − lr·buf`.
 */
export class Sgd extends SlottedOptimizer {
  readonly kind = 'sgd' as const;

  /**
   * SGD as PyTorch's `torch.optim.SGD`.
   * @param params - the variables to train, each with its name (its checkpoint slots are stored under it).
   * @param options - `momentum` (0: none) and `weightDecay` (L2, added to the gradient).
   */
  constructor(params: OptimizerParam[], private readonly options: SgdOptions) {
    super(params, options.momentum > 0 ? ['momentum_buffer'] : []);
  }

  protected update(
    param: tf.Variable,
    grad: tf.Tensor,
    slots: Record<string, tf.Variable>,
    lr: number,
    _step: number,
    fresh: boolean,
  ): void {
    const { momentum, weightDecay } = this.options;
    let g = weightDecay > 0 ? tf.add(grad, tf.mul(param, weightDecay)) : grad;
    if (momentum > 0) {
      const buf = slots.momentum_buffer;
      // PyTorch seeds the buffer with the first gradient (a zero buffer would be the same only without decay).
      const next = fresh ? g : tf.add(tf.mul(buf, momentum), g);
      buf.assign(next);
      g = next;
    }
    param.assign(tf.sub(param, tf.mul(g, lr)));
  }
}
