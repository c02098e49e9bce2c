import * as tf from '@tensorflow/tfjs-core';
import type { Initializer } from '../init';
import { withPrefix, type NamedWeight } from '../weights';
import { Conv2d } from './conv2d';
import { GroupNorm } from './group-norm';

/**
 * The image residual block: `x + conv2(relu(norm2(conv1(relu(norm1(x))))))`, 3×3 convs with padding 1 and no
 * bias, GroupNorm(min(32, channels), channels) fused with the ReLU after it. PyTorch names `norm1.*`,
 * `conv1.weight`, `norm2.*`, `conv2.weight`.
 */
export class ResBlock {
  readonly norm1: GroupNorm;
  readonly conv1: Conv2d;
  readonly norm2: GroupNorm;
  readonly conv2: Conv2d;

  /**
   * `channels`: features in and out (64 in the reference models).
   * @param channels - features in and out (64 in the reference models); the GroupNorms use min(32, channels) groups.
   * @param init - the seeded initialiser (see `createInitializer`) that draws the starting weights, PyTorch's default
   *   distributions.
   */
  constructor(channels: number, init: Initializer) {
    const groups = Math.min(32, channels);
    this.norm1 = new GroupNorm({ groups, channels, relu: true });
    this.conv1 = new Conv2d({ inChannels: channels, outChannels: channels, kernelSize: 3, padding: 1, bias: false }, init);
    this.norm2 = new GroupNorm({ groups, channels, relu: true });
    this.conv2 = new Conv2d({ inChannels: channels, outChannels: channels, kernelSize: 3, padding: 1, bias: false }, init);
  }

  /**
   * `x`: `[batch, h, w, channels]` → same shape.
   * @param x - NHWC input `[batch, h, w, channels]`.
   */
  apply(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const h = this.conv1.apply(this.norm1.apply(x));
      return tf.add(x, this.conv2.apply(this.norm2.apply(h)));
    });
  }

  /** Weights in `state_dict` order. */
  namedWeights(): NamedWeight[] {
    return [
      ...withPrefix('norm1', this.norm1.namedWeights()),
      ...withPrefix('conv1', this.conv1.namedWeights()),
      ...withPrefix('norm2', this.norm2.namedWeights()),
      ...withPrefix('conv2', this.conv2.namedWeights()),
    ];
  }
}
