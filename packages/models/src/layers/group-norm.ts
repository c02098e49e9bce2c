import * as tf from '@tensorflow/tfjs-core';
import { groupNorm } from '@neural-ode/kernels';
import type { NamedWeight } from '../weights';

// The op and its kernel contract live in @neural-ode/kernels, shared with the backends that implement the kernels.
export { groupNorm, GROUP_NORM_KERNEL, GROUP_NORM_GRAD_KERNEL } from '@neural-ode/kernels';
export type { GroupNormAttrs } from '@neural-ode/kernels';

/** Options of {@link GroupNorm}; PyTorch's `nn.GroupNorm` arguments plus the fused ReLU. */
export interface GroupNormOptions {
  groups: number;
  channels: number;
  /** Default 1e-5 (PyTorch's). */
  eps?: number;
  /** Apply ReLU in the same op (the architecture's `norm → relu`); default false. */
  relu?: boolean;
}

/**
 * PyTorch `nn.GroupNorm(groups, channels)` over channels-last input, weight 1 and bias 0 at start,
 * optionally fused with the ReLU that follows it. Runs the fused GroupNorm kernels when the backend has them
 * (see {@link groupNorm}, from `@neural-ode/kernels`).
 */
export class GroupNorm {
  /** Scale `[channels]` (PyTorch `weight`). */
  readonly weight: tf.Variable;
  /** Shift `[channels]` (PyTorch `bias`). */
  readonly bias: tf.Variable;
  /** The options the layer was built with (defaults filled in). */
  readonly options: Required<GroupNormOptions>;

  /**
   * Builds the layer with weight 1 and bias 0.
   * @param options - `groups` (a positive divisor of `channels`), `channels` (the last axis of the input) and
   *   optionally `eps` (default 1e-5) and `relu` (default false).
   */
  constructor(options: GroupNormOptions) {
    const o = { eps: 1e-5, relu: false, ...options };
    if (!Number.isInteger(o.channels) || o.channels < 1) {
      throw new Error(`GroupNorm: channels must be a positive integer, got ${o.channels}`);
    }
    if (!Number.isInteger(o.groups) || o.groups < 1 || o.channels % o.groups !== 0) {
      throw new Error(`GroupNorm: groups must be a positive divisor of channels (${o.channels}), got ${o.groups}`);
    }
    if (!(o.eps > 0)) throw new Error(`GroupNorm: eps must be > 0, got ${o.eps}`);
    this.options = o;
    this.weight = tf.tidy(() => tf.variable(tf.ones([o.channels])));
    this.bias = tf.tidy(() => tf.variable(tf.zeros([o.channels])));
  }

  /**
   * `x`: `[batch, ..., channels]` → same shape.
   * @param x - channels-last input `[batch, ..., channels]` (NHWC images or `[batch, length, channels]`).
   */
  apply<T extends tf.Tensor>(x: T): T {
    return tf.tidy(
      () =>
        groupNorm(x, this.weight as tf.Tensor1D, this.bias as tf.Tensor1D, {
          groups: this.options.groups,
          eps: this.options.eps,
          relu: this.options.relu,
        }) as T,
    );
  }

  /** `weight` and `bias`, as in PyTorch's `state_dict`. */
  namedWeights(): NamedWeight[] {
    return [
      { name: 'weight', variable: this.weight, trainable: true, layout: 'same', torchDtype: 'F32' },
      { name: 'bias', variable: this.bias, trainable: true, layout: 'same', torchDtype: 'F32' },
    ];
  }
}
