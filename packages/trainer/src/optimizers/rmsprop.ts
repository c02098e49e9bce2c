import * as tf from '@tensorflow/tfjs-core';
import { SlottedOptimizer, type OptimizerParam } from './optimizer';

/** Options of {@link RmsProp}. */
export interface RmsPropOptions {
  /** L2 penalty added to the gradient. */
  weightDecay: number;
  alpha?: number;
  eps?: number;
}

/**
 * RMSprop as PyTorch's `torch.optim.RMSprop` defaults (no momentum, not centered):
 * `s ← α s + (1−α) g²`, `p ← p − lr · g / (√s + ε)`, with α = 0.99, ε = 1e-8.
 */
export class RmsProp extends SlottedOptimizer {
  readonly kind = 'rmsprop' as const;

  /**
   * RMSprop as PyTorch's `torch.optim.RMSprop`.
   * @param params - the variables to train, each with its name (its checkpoint slots are stored under it).
   * @param options - `weightDecay` (L2, added to the gradient), and `alpha`, `eps` (PyTorch's defaults).
   */
  constructor(params: OptimizerParam[], private readonly options: RmsPropOptions) {
    super(params, ['square_avg']);
  }

  protected update(param: tf.Variable, grad: tf.Tensor, slots: Record<string, tf.Variable>, lr: number): void {
    const { weightDecay, alpha = 0.99, eps = 1e-8 } = this.options;
    const g = weightDecay > 0 ? tf.add(grad, tf.mul(param, weightDecay)) : grad;
    const s = tf.add(tf.mul(slots.square_avg, alpha), tf.mul(tf.square(g), 1 - alpha));
    slots.square_avg.assign(s);
    param.assign(tf.sub(param, tf.mul(tf.div(g, tf.add(tf.sqrt(s), eps)), lr)));
  }
}
