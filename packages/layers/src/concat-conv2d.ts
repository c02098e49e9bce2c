import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { ConvLayerArgs } from '@tensorflow/tfjs-layers/dist/layers/convolutional';
import { ConcatTimeLayer } from './concat-time-layer';

/**
 * `conv2d(cat(x, t))`, ODE-Net's `ConcatConv2d`: a 2-D convolution over the channels plus a time channel that holds
 * the time of the ODE solve (kernel `[kh, kw, channels + 1, filters]`, the time channel last; `same` padding pads
 * it with zeros like the others, as the reference's padding=1). For the dynamics of a `neuralOde` on images.
 */
export class ConcatConv2D extends ConcatTimeLayer<ConvLayerArgs> {
  /** The name tfjs serializes the layer under. */
  static className = 'ConcatConv2D';

  /**
   * Builds the layer; prefer {@link concatConv2d}.
   * @param args - `tf.layers.conv2d`'s arguments (`filters`, `kernelSize`, `padding`, …); the kernel gets one more
   *   input channel, the time, last.
   */
  constructor(args: ConvLayerArgs) {
    super(args, (a) => tfl.layers.conv2d(a));
  }
}
tf.serialization.registerClass(ConcatConv2D);

/**
 * A {@link ConcatConv2D} layer: takes tfjs's `tf.layers.conv2d` arguments (`filters`, `kernelSize`, `padding`, …).
 * @param args - `tf.layers.conv2d`'s arguments; `filters` and `kernelSize` count as there, the kernel has one more
 *   input channel (the time, last).
 */
export function concatConv2d(args: ConvLayerArgs): ConcatConv2D {
  return new ConcatConv2D(args);
}
