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

  /**
   * `options.inChannels` counts the time channel.
   * @param options - the Conv2d options, with `inChannels` counting the time channel (features + 1, at least 2).
   * @param init - the seeded initialiser (see `createInitializer`) that draws the starting weights, PyTorch's default
   *   distributions.
   */
  constructor(options: Conv2dOptions, init: Initializer) {
    if (!(options.inChannels >= 2)) {
      throw new Error(`ConcatConv2d: inChannels counts the time channel and must be >= 2, got ${options.inChannels}`);
    }
    this.conv = new Conv2d(options, init);
  }

  /**
   * `x`: `[batch, h, w, inChannels − 1]`, `t`: a scalar → `[batch, h', w', outChannels]`.
   * @param t - the time, a scalar tensor or a number, written into the appended channel.
   * @param x - the features `[batch, height, width, inChannels − 1]` (NHWC), without the time channel.
   */
  apply(t: tf.Scalar | number, x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => this.bind(x.shape[1], x.shape[2])(t, x));
  }

  /**
   * The layer for `height × width` inputs with its weight split once: conv(cat(x, t)) = conv(x, W_x) +
   * t · conv(1, W_t), where the time channel's part is a 1-channel conv of an all-ones image (zero padding makes
   * it smaller at the borders), so the 65-channel tensor is never built. A solver that evaluates the layer many
   * times with the same weights binds it once: the split, the time map and their gradients happen once per solve
   * instead of once per evaluation. The two tensors it keeps belong to the caller's scope.
   * @param height - height of the inputs the bound layer will take (axis 1 of NHWC `x`).
   * @param width - width of the inputs the bound layer will take (axis 2 of NHWC `x`).
   */
  bind(height: number, width: number): BoundConcatConv<tf.Tensor4D> {
    const { inChannels } = this.conv.options;
    const features = inChannels - 1;
    const weight = this.conv.weight as tf.Tensor4D;
    // split, not slice: split's gradient is a concat, slice's a pad (slow on the CPU backends).
    const [wx, wt] = tf.split(weight, [features, 1], 2) as [tf.Tensor4D, tf.Tensor4D];
    const timeMap = this.conv.convolve(tf.ones([1, height, width, 1]), wt);
    return (t, x) => {
      checkFeatures('ConcatConv2d', x.shape[3], inChannels);
      return tf.tidy(() => {
        const y = tf.add(this.conv.convolve(x, wx), tf.mul(timeMap, typeof t === 'number' ? tf.scalar(t) : t));
        return (this.conv.bias ? tf.add(y, this.conv.bias) : y) as tf.Tensor4D;
      });
    };
  }

  /** The conv's `weight` and `bias`. */
  namedWeights(): NamedWeight[] {
    return this.conv.namedWeights();
  }
}

/** A concat-conv layer with its weights bound for one input size: `(t, x) => conv(cat(x, t))`. */
export type BoundConcatConv<T extends tf.Tensor> = (t: tf.Scalar | number, x: T) => T;

/** Throws unless the input has one channel fewer than the conv (the time channel is the last one). */
export function checkFeatures(layer: string, features: number, inChannels: number): void {
  if (features !== inChannels - 1) {
    throw new Error(`${layer}: x must have ${inChannels - 1} channels (the conv's ${inChannels} minus the time channel), got ${features}`);
  }
}
