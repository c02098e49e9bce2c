import * as tf from '@tensorflow/tfjs-core';
import type { Initializer } from '../init';
import { withPrefix, type NamedWeight } from '../weights';
import { BatchNorm1d } from './batch-norm1d';
import { Conv1d } from './conv1d';

/**
 * The text residual block: `x + relu(bn(conv(relu(bn(conv(x))))))`, conv1d k3 padding 1 with bias,
 * BatchNorm1d fused with the ReLU after it. PyTorch's `conv_block` is an `nn.Sequential`
 * (0 conv, 1 bn, 2 relu, 3 conv, 4 bn, 5 relu), hence the names `conv_block.{0,1,3,4}.*`.
 */
export class ResBlock1d {
  readonly conv1: Conv1d;
  readonly bn1: BatchNorm1d;
  readonly conv2: Conv1d;
  readonly bn2: BatchNorm1d;

  /**
   * `channels`: features in and out (64 in the reference models).
   * @param channels - features in and out (64 in the reference models).
   * @param init - the seeded initialiser (see `createInitializer`) that draws the starting weights, PyTorch's default
   *   distributions.
   */
  constructor(channels: number, init: Initializer) {
    this.conv1 = new Conv1d({ inChannels: channels, outChannels: channels, kernelSize: 3, padding: 1 }, init);
    this.bn1 = new BatchNorm1d({ channels, relu: true });
    this.conv2 = new Conv1d({ inChannels: channels, outChannels: channels, kernelSize: 3, padding: 1 }, init);
    this.bn2 = new BatchNorm1d({ channels, relu: true });
  }

  /**
   * `x`: `[batch, length, channels]` → same shape.
   * @param x - channels-last input `[batch, length, channels]`.
   * @param context - `training`: true in training mode (BatchNorm normalises with the batch statistics and updates its
   *   running averages), false to use the running statistics.
   */
  apply(x: tf.Tensor3D, { training }: { training: boolean }): tf.Tensor3D {
    return tf.tidy(() => {
      const h = this.bn1.apply(this.conv1.apply(x), { training });
      return tf.add(x, this.bn2.apply(this.conv2.apply(h), { training }));
    });
  }

  /** Weights in `state_dict` order. */
  namedWeights(): NamedWeight[] {
    return [
      ...withPrefix('conv_block.0', this.conv1.namedWeights()),
      ...withPrefix('conv_block.1', this.bn1.namedWeights()),
      ...withPrefix('conv_block.3', this.conv2.namedWeights()),
      ...withPrefix('conv_block.4', this.bn2.namedWeights()),
    ];
  }
}
