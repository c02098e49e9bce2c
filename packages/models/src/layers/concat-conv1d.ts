import * as tf from '@tensorflow/tfjs-core';
import type { Initializer } from '../init';
import type { NamedWeight } from '../weights';
import { checkFeatures, type BoundConcatConv } from './concat-conv2d';
import { Conv1d, type Conv1dOptions } from './conv1d';

/**
 * A {@link Conv1d} over the input with one more channel appended that holds the time `t` everywhere:
 * `conv(cat(x, t))`, the 1-D `ConcatConv`. Its `inChannels` count the time channel (64 + t → 65).
 * PyTorch names: the conv's own `weight` (`[out, in + 1, k]`) and `bias`.
 */
export class ConcatConv1d {
  /** The convolution over `inChannels` = features + 1. */
  readonly conv: Conv1d;

  /**
   * `options.inChannels` counts the time channel.
   * @param options - the Conv1d options, with `inChannels` counting the time channel (features + 1, at least 2).
   * @param init - the seeded initialiser (see `createInitializer`) that draws the starting weights, PyTorch's default
   *   distributions.
   */
  constructor(options: Conv1dOptions, init: Initializer) {
    if (!(options.inChannels >= 2)) {
      throw new Error(`ConcatConv1d: inChannels counts the time channel and must be >= 2, got ${options.inChannels}`);
    }
    this.conv = new Conv1d(options, init);
  }

  /**
   * `x`: `[batch, length, inChannels − 1]`, `t`: a scalar → `[batch, length', outChannels]`.
   * @param t - the time, a scalar tensor or a number, written into the appended channel.
   * @param x - the features `[batch, length, inChannels − 1]`, without the time channel.
   */
  apply(t: tf.Scalar | number, x: tf.Tensor3D): tf.Tensor3D {
    return tf.tidy(() => this.bind(x.shape[1])(t, x));
  }

  /**
   * The layer for inputs of `length` with its weight split once: conv(x, W_x) + t · conv(1, W_t), as
   * {@link ConcatConv2d.bind}. The two tensors it keeps belong to the caller's scope.
   * @param length - the sequence length of the inputs the bound layer will take (axis 1 of `x`); the time map is
   *   computed for it.
   */
  bind(length: number): BoundConcatConv<tf.Tensor3D> {
    const { inChannels } = this.conv.options;
    const features = inChannels - 1;
    const weight = this.conv.weight as tf.Tensor3D;
    const [wx, wt] = tf.split(weight, [features, 1], 1) as [tf.Tensor3D, tf.Tensor3D];
    const timeMap = this.conv.convolve(tf.ones([1, length, 1]), wt);
    return (t, x) => {
      checkFeatures('ConcatConv1d', x.shape[2], inChannels);
      return tf.tidy(() => {
        const y = tf.add(this.conv.convolve(x, wx), tf.mul(timeMap, typeof t === 'number' ? tf.scalar(t) : t));
        return (this.conv.bias ? tf.add(y, this.conv.bias) : y) as tf.Tensor3D;
      });
    };
  }

  /** The conv's `weight` and `bias`. */
  namedWeights(): NamedWeight[] {
    return this.conv.namedWeights();
  }
}
