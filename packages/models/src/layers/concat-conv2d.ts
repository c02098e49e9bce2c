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
    checkFeatures('ConcatConv2d', x.shape[3], this.conv.options.inChannels);
    return tf.tidy(() => {
      // conv(cat(x, t)) = conv(x, W_x) + t · conv(1, W_t): the time channel's part is a 1-channel conv of an
      // all-ones image (zero padding makes it smaller at the borders), so the 65-channel tensor is never built.
      const [, h, w, features] = x.shape;
      const { kernelSize: k, outChannels } = this.conv.options;
      const weight = this.conv.weight as tf.Tensor4D;
      const wx = tf.slice(weight, [0, 0, 0, 0], [k, k, features, outChannels]);
      const wt = tf.slice(weight, [0, 0, features, 0], [k, k, 1, outChannels]);
      const timeMap = this.conv.convolve(tf.ones([1, h, w, 1]), wt);
      let y = tf.add(this.conv.convolve(x, wx), tf.mul(timeMap, typeof t === 'number' ? tf.scalar(t) : t));
      if (this.conv.bias) y = tf.add(y, this.conv.bias);
      return y as tf.Tensor4D;
    });
  }

  /** The conv's `weight` and `bias`. */
  namedWeights(): NamedWeight[] {
    return this.conv.namedWeights();
  }
}

/** Throws unless the input has one channel fewer than the conv (the time channel is the last one). */
export function checkFeatures(layer: string, features: number, inChannels: number): void {
  if (features !== inChannels - 1) {
    throw new Error(`${layer}: x must have ${inChannels - 1} channels (the conv's ${inChannels} minus the time channel), got ${features}`);
  }
}
