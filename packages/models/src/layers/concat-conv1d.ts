import * as tf from '@tensorflow/tfjs-core';
import type { Initializer } from '../init';
import type { NamedWeight } from '../weights';
import { checkFeatures } from './concat-conv2d';
import { Conv1d, type Conv1dOptions } from './conv1d';

/**
 * A {@link Conv1d} over the input with one more channel appended that holds the time `t` everywhere:
 * `conv(cat(x, t))`, the 1-D `ConcatConv`. Its `inChannels` count the time channel (64 + t → 65).
 * PyTorch names: the conv's own `weight` (`[out, in + 1, k]`) and `bias`.
 */
export class ConcatConv1d {
  /** The convolution over `inChannels` = features + 1. */
  readonly conv: Conv1d;

  /** `options.inChannels` counts the time channel. */
  constructor(options: Conv1dOptions, init: Initializer) {
    if (!(options.inChannels >= 2)) {
      throw new Error(`ConcatConv1d: inChannels counts the time channel and must be >= 2, got ${options.inChannels}`);
    }
    this.conv = new Conv1d(options, init);
  }

  /** `x`: `[batch, length, inChannels − 1]`, `t`: a scalar → `[batch, length', outChannels]`. */
  apply(t: tf.Scalar | number, x: tf.Tensor3D): tf.Tensor3D {
    checkFeatures('ConcatConv1d', x.shape[2], this.conv.options.inChannels);
    return tf.tidy(() => {
      // conv(cat(x, t)) = conv(x, W_x) + t · conv(1, W_t), as in ConcatConv2d: no 65-channel tensor.
      const [, length, features] = x.shape;
      const { kernelSize: k, outChannels } = this.conv.options;
      const weight = this.conv.weight as tf.Tensor3D;
      const wx = tf.slice(weight, [0, 0, 0], [k, features, outChannels]);
      const wt = tf.slice(weight, [0, features, 0], [k, 1, outChannels]);
      const timeMap = this.conv.convolve(tf.ones([1, length, 1]), wt);
      let y = tf.add(this.conv.convolve(x, wx), tf.mul(timeMap, typeof t === 'number' ? tf.scalar(t) : t));
      if (this.conv.bias) y = tf.add(y, this.conv.bias);
      return y as tf.Tensor3D;
    });
  }

  /** The conv's `weight` and `bias`. */
  namedWeights(): NamedWeight[] {
    return this.conv.namedWeights();
  }
}
