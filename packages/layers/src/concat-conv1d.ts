import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { ConvLayerArgs } from '@tensorflow/tfjs-layers/dist/layers/convolutional';
import { ConcatTimeLayer } from './concat-time-layer';

/**
 * `conv1d(cat(x, t))`: a 1-D convolution over the channels plus a time channel that holds the time of the ODE solve
 * (kernel `[k, channels + 1, filters]`, the time channel last; `same` padding pads it with zeros like the
 * others). For the dynamics of a `neuralOde` on sequences `[batch, length, channels]` (the text ODE models').
 */
export class ConcatConv1D extends ConcatTimeLayer<ConvLayerArgs> {
  /** The name tfjs serializes the layer under. */
  static className = 'ConcatConv1D';

  /**
   * Builds the layer; prefer {@link concatConv1d}.
   * @param args - `tf.layers.conv1d`'s arguments (`filters`, `kernelSize`, `padding`, …); the kernel gets one more
   *   input channel, the time, last.
   */
  constructor(args: ConvLayerArgs) {
    super(args, (a) => tfl.layers.conv1d(a));
  }
}
tf.serialization.registerClass(ConcatConv1D);

/**
 * A {@link ConcatConv1D} layer: takes tfjs's `tf.layers.conv1d` arguments (`filters`, `kernelSize`, `padding`, …).
 * @param args - `tf.layers.conv1d`'s arguments; `filters` and `kernelSize` count as there, the kernel has one more
 *   input channel (the time, last).
 */
export function concatConv1d(args: ConvLayerArgs): ConcatConv1D {
  return new ConcatConv1D(args);
}
