import * as tf from '@tensorflow/tfjs-core';
import type { Initializer } from '../init';
import type { NamedWeight } from '../weights';
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
    return tf.tidy(() => {
      const [batch, length] = x.shape;
      const time = tf.mul(tf.ones([batch, length, 1]), typeof t === 'number' ? tf.scalar(t) : t);
      return this.conv.apply(tf.concat([x, time], 2) as tf.Tensor3D);
    });
  }

  /** The conv's `weight` and `bias`. */
  namedWeights(): NamedWeight[] {
    return this.conv.namedWeights();
  }
}
