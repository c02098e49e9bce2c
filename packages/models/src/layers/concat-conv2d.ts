import * as tf from '@tensorflow/tfjs-core';
import type { Initializer } from '../init';
import type { NamedWeight } from '../weights';
import { Conv2d, type Conv2dOptions } from './conv2d';

/**
 * A {@link Conv2d} over the input with one more channel appended that holds the time `t` everywhere:
 * `conv(cat(x, t))`, the reference's `ConcatConv2d`. Its `inChannels` count the time channel
 * (64 features + t → 65). PyTorch names: the conv's own `weight` (`[out, in + 1, k, k]`) and `bias`.
 */
export class ConcatConv2d {
  /** The convolution over `inChannels` = features + 1. */
  readonly conv: Conv2d;

  /** `options.inChannels` counts the time channel. */
  constructor(options: Conv2dOptions, init: Initializer) {
    if (!(options.inChannels >= 2)) {
      throw new Error(`ConcatConv2d: inChannels counts the time channel and must be >= 2, got ${options.inChannels}`);
    }
    this.conv = new Conv2d(options, init);
  }

  /** `x`: `[batch, h, w, inChannels − 1]`, `t`: a scalar → `[batch, h', w', outChannels]`. */
  apply(t: tf.Scalar | number, x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const [batch, h, w] = x.shape;
      const time = tf.mul(tf.ones([batch, h, w, 1]), typeof t === 'number' ? tf.scalar(t) : t);
      return this.conv.apply(tf.concat([x, time], 3) as tf.Tensor4D);
    });
  }

  /** The conv's `weight` and `bias`. */
  namedWeights(): NamedWeight[] {
    return this.conv.namedWeights();
  }
}
