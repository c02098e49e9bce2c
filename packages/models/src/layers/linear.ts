import * as tf from '@tensorflow/tfjs-core';
import type { Initializer } from '../init';
import { weightAndBias, type NamedWeight } from '../weights';

/** Options of {@link Linear}; PyTorch's `nn.Linear` arguments. */
export interface LinearOptions {
  inFeatures: number;
  outFeatures: number;
  /** Default true. */
  bias?: boolean;
}

/** `y = x W + b`, PyTorch `nn.Linear`. Weight `[in, out]` (PyTorch `weight[out, in]`). */
export class Linear {
  /** Weight, `[in, out]`. */
  readonly weight: tf.Variable;
  /** Bias, or `null` for `bias: false`. */
  readonly bias: tf.Variable | null;
  /** The options the layer was built with (defaults filled in). */
  readonly options: Required<LinearOptions>;

  /**
   * Builds the weight `[in, out]` and bias `[out]`, drawn as PyTorch's defaults.
   * @param options - `inFeatures`, `outFeatures` (positive integers) and optionally `bias` (default true), as PyTorch's
   *   `nn.Linear`.
   * @param init - the seeded initialiser (see `createInitializer`) that draws the starting weights, PyTorch's default
   *   distributions.
   */
  constructor(options: LinearOptions, init: Initializer) {
    const o = { bias: true, ...options };
    for (const key of ['inFeatures', 'outFeatures'] as const) {
      if (!Number.isInteger(o[key]) || o[key] < 1) {
        throw new Error(`Linear: ${key} must be a positive integer, got ${o[key]}`);
      }
    }
    this.options = o;
    this.weight = tf.tidy(() => tf.variable(init.kaimingUniform([o.inFeatures, o.outFeatures], o.inFeatures)));
    this.bias = o.bias ? tf.tidy(() => tf.variable(init.kaimingUniform([o.outFeatures], o.inFeatures))) : null;
  }

  /**
   * `x`: `[batch, inFeatures]` → `[batch, outFeatures]`.
   * @param x - input rows `[batch, inFeatures]`.
   */
  apply(x: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      const y = tf.matMul(x, this.weight as tf.Tensor2D) as tf.Tensor2D;
      return this.bias ? (tf.add(y, this.bias) as tf.Tensor2D) : y;
    });
  }

  /** `weight` (layout `OI`) and `bias`, as in PyTorch's `state_dict`. */
  namedWeights(): NamedWeight[] {
    return weightAndBias(this.weight, this.bias, 'OI');
  }
}
