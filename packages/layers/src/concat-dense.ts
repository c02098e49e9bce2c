import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { DenseLayerArgs } from '@tensorflow/tfjs-layers/dist/layers/core';
import { ConcatTimeLayer } from './concat-time-layer';

/**
 * `dense(cat(x, t))`: a dense layer over the features plus the time of the ODE solve (kernel `[features + 1,
 * units]`, the time row last). For the dynamics of a `neuralOde` on vectors `[batch, features]`.
 */
export class ConcatDense extends ConcatTimeLayer<DenseLayerArgs> {
  /** The name tfjs serializes the layer under. */
  static className = 'ConcatDense';

  /**
   * Builds the layer; prefer {@link concatDense}.
   * @param args - `tf.layers.dense`'s arguments (`units`, `activation`, `useBias`, …); the kernel gets one more input
   *   row, the time, last.
   */
  constructor(args: DenseLayerArgs) {
    super(args, (a) => tfl.layers.dense(a));
  }
}
tf.serialization.registerClass(ConcatDense);

/**
 * A {@link ConcatDense} layer: takes tfjs's `tf.layers.dense` arguments (`units`, `activation`, `useBias`, …).
 * @param args - `tf.layers.dense`'s arguments; the kernel has one more input row (the time, last).
 */
export function concatDense(args: DenseLayerArgs): ConcatDense {
  return new ConcatDense(args);
}
