import * as tf from '@tensorflow/tfjs-core';
import { SlottedOptimizer, type OptimizerParam } from './optimizer';

/** Options of {@link Adam}. */
export interface AdamOptions {
  /** L2 penalty added to the gradient (PyTorch `Adam`'s `weight_decay`, not AdamW). */
  weightDecay: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
}

/**
 * Adam as PyTorch's `torch.optim.Adam`: `m ← β1 m + (1−β1) g`, `v ← β2 v + (1−β2) g²`,
 * `p ← p − lr · (m / (1−β1^t)) / (√(v / (1−β2^t)) + ε)`, with β = (0.9, 0.999), ε = 1e-8.
 */
export class Adam extends SlottedOptimizer {
  readonly kind = 'adam' as const;

  /**
   * Adam as PyTorch's `torch.optim.Adam`.
   * @param params - the variables to train, each with its name (its checkpoint slots are stored under it).
   * @param options - `weightDecay` (L2, added to the gradient), and `beta1`, `beta2`, `eps` (PyTorch's defaults).
   */
  constructor(params: OptimizerParam[], private readonly options: AdamOptions) {
    super(params, ['exp_avg', 'exp_avg_sq']);
  }

  protected update(param: tf.Variable, grad: tf.Tensor, slots: Record<string, tf.Variable>, lr: number, step: number): void {
    const { weightDecay, beta1 = 0.9, beta2 = 0.999, eps = 1e-8 } = this.options;
    const g = weightDecay > 0 ? tf.add(grad, tf.mul(param, weightDecay)) : grad;
    const m = tf.add(tf.mul(slots.exp_avg, beta1), tf.mul(g, 1 - beta1));
    const v = tf.add(tf.mul(slots.exp_avg_sq, beta2), tf.mul(tf.square(g), 1 - beta2));
    slots.exp_avg.assign(m);
    slots.exp_avg_sq.assign(v);
    const bc1 = 1 - Math.pow(beta1, step);
    const bc2 = 1 - Math.pow(beta2, step);
    const denom = tf.add(tf.div(tf.sqrt(v), Math.sqrt(bc2)), eps);
    param.assign(tf.sub(param, tf.mul(tf.div(m, denom), lr / bc1)));
  }
}
