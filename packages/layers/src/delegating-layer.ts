import * as tfl from '@tensorflow/tfjs-layers';
import type { LayerArgs } from '@tensorflow/tfjs-layers/dist/engine/topology';
import type { LayerVariable } from '@tensorflow/tfjs-layers';
import type { RegularizerFn } from '@tensorflow/tfjs-layers/dist/types';
import type * as tf from '@tensorflow/tfjs-core';

/**
 * A layer whose weights are those of another layer (or model) it runs, as tfjs's own `Wrapper` (the base of
 * `timeDistributed` and `bidirectional`, not exported) does: the inner layer's trainable and non-trainable weights,
 * `trainable` flag and regularization losses are this layer's, so `model.fit`, `model.trainableWeights`,
 * `layer.trainable = false`, regularizers and `model.save` see them.
 */
export abstract class DelegatingLayer extends tfl.layers.Layer {
  /** The layer that holds the weights. */
  readonly inner: tfl.layers.Layer;

  /**
   * Wraps `inner`, whose weights and `trainable` flag become this layer's.
   * @param args - this layer's own tfjs layer arguments (`name`, `inputShape`, …); `trainable: false` is passed on to
   *   `inner`.
   * @param inner - the layer or model that holds the weights and that this layer runs.
   */
  constructor(args: LayerArgs, inner: tfl.layers.Layer) {
    super(args);
    this.inner = inner;
    // Layer's constructor set its own flag; the inner layer's is the one that counts.
    if (args.trainable === false) inner.trainable = false;
  }

  // The base constructor reads `trainable` before `inner` is set: hence the `!= null` checks.
  override get trainable(): boolean {
    return this.inner != null ? this.inner.trainable : true;
  }

  override set trainable(value: boolean) {
    if (this.inner != null) this.inner.trainable = value;
  }

  override get trainableWeights(): LayerVariable[] {
    return this.inner.trainableWeights;
  }

  override set trainableWeights(_weights: LayerVariable[]) {
    throw new Error(`${this.getClassName()}: its trainable weights are its inner layer's. Fix: set them on that layer.`);
  }

  override get nonTrainableWeights(): LayerVariable[] {
    return this.inner.nonTrainableWeights;
  }

  override set nonTrainableWeights(_weights: LayerVariable[]) {
    throw new Error(`${this.getClassName()}: its non-trainable weights are its inner layer's. Fix: set them on that layer.`);
  }

  override get losses(): RegularizerFn[] {
    return this.inner.losses;
  }

  /** The inner layer's regularization losses (a model's collects those of all its layers). */
  override calculateLosses(): tf.Scalar[] {
    return this.inner.calculateLosses();
  }

  override getWeights(trainableOnly = false): tf.Tensor[] {
    return this.inner.getWeights(trainableOnly);
  }

  override setWeights(weights: tf.Tensor[]): void {
    this.inner.setWeights(weights);
  }

  override setFastWeightInitDuringBuild(value: boolean): void {
    super.setFastWeightInitDuringBuild(value);
    if (this.inner != null) this.inner.setFastWeightInitDuringBuild(value);
  }
}
