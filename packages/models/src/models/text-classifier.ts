import * as tf from '@tensorflow/tfjs-core';
import type { Initializer } from '../init';
import { BatchNorm1d } from '../layers/batch-norm1d';
import { Conv1d } from '../layers/conv1d';
import { Embedding } from '../layers/embedding';
import { KMaxPool } from '../layers/k-max-pool';
import { Linear } from '../layers/linear';
import { withPrefix, type NamedWeight } from '../weights';
import { WeightedModel, type ApplyOptions, type ModelName } from './model';

/** The middle of a text classifier: residual blocks or an ODE block on `[batch, length, 64]`. */
export interface TextFeature {
  /**
   * The feature map of `x`, same shape.
   * @param x - the convolved embeddings, `[batch, length, 64]`.
   * @param options - `training`: passed on to the feature's BatchNorms (batch statistics and running-average updates
   *   when true).
   */
  apply(x: tf.Tensor3D, options: { training: boolean }): tf.Tensor3D;
  namedWeights(): NamedWeight[];
}

/** Size of the character alphabet of the reference text models (ids 0..68). */
export const TEXT_ALPHABET = 69;
/** Feature channels of the reference text models. */
export const TEXT_WIDTH = 64;
/** Embedding size of the reference text models (the reference's `--embd_size` default). */
export const TEXT_EMBEDDING_SIZE = 16;

/**
 * The reference text classifier: Embedding(69, E) → conv1d E→64 (k3, pad 1) → feature → BatchNorm1d →
 * ReLU → 4-max pooling over the sequence (channel-major) → linear 256→256 → ReLU → linear 256→256 → ReLU →
 * linear 256→4. Input int32 `[batch, length]` character ids in 0..68 (length 1014 in the experiments; ≥ 4).
 * E is `embeddingSize` (16 in the reference); the k-max pooling makes the head independent of the length.
 */
export class TextClassifier extends WeightedModel {
  readonly inputKind = 'text' as const;
  readonly numClasses = 4;
  readonly embed: Embedding;
  readonly conv: Conv1d;
  readonly feature: TextFeature;
  readonly norm: BatchNorm1d;
  readonly pool: KMaxPool;
  readonly fc: readonly [Linear, Linear, Linear];

  /**
   * Builds the layers in the reference's order: embedding and conv, `makeFeature(init)`, head.
   * @param name - which architecture this is (`vdcnn` or `vdcnn-ode`); it also names the model in errors.
   * @param makeFeature - builds the feature stage (residual blocks or an ODE block on `[batch, length, 64]`) with the
   *   shared initialiser, after the embedding and conv.
   * @param init - the seeded initialiser (see `createInitializer`) that draws the starting weights, PyTorch's default
   *   distributions.
   * @param embeddingSize - width E of the character embedding (`embed.weight` is `[69, E]`); default 16.
   */
  constructor(
    readonly name: ModelName,
    makeFeature: (init: Initializer) => TextFeature,
    init: Initializer,
    embeddingSize: number = TEXT_EMBEDDING_SIZE,
  ) {
    super();
    const w = TEXT_WIDTH;
    this.embed = new Embedding({ numEmbeddings: TEXT_ALPHABET, embeddingDim: embeddingSize }, init);
    this.conv = new Conv1d({ inChannels: embeddingSize, outChannels: w, kernelSize: 3, padding: 1 }, init);
    this.feature = makeFeature(init);
    this.norm = new BatchNorm1d({ channels: w, relu: true });
    this.pool = new KMaxPool(4);
    const hidden = w * this.pool.k;
    this.fc = [
      new Linear({ inFeatures: hidden, outFeatures: 256 }, init),
      new Linear({ inFeatures: 256, outFeatures: 256 }, init),
      new Linear({ inFeatures: 256, outFeatures: this.numClasses }, init),
    ];
  }

  /**
   * `x`: int32 `[batch, length]` character ids → logits `[batch, 4]`.
   * @param x - int32 character ids `[batch, length]` in 0..68, length ≥ 4; anything else throws.
   * @param context - `training` (default false): BatchNorm uses batch statistics and updates its running averages.
   */
  apply(x: tf.Tensor, { training = false }: ApplyOptions = {}): tf.Tensor2D {
    if (x.rank !== 2 || x.dtype !== 'int32' || (x.shape as number[])[1] < this.pool.k) {
      throw new Error(
        `${this.name}.apply: x must be an int32 tensor [batch, length >= ${this.pool.k}] of character ids in ` +
          `0..${TEXT_ALPHABET - 1}, got ${x.dtype} [${x.shape}]`,
      );
    }
    return tf.tidy(() => {
      let h = this.conv.apply(this.embed.apply(x) as tf.Tensor3D);
      h = this.feature.apply(h, { training });
      const pooled = this.pool.apply(this.norm.apply(h, { training }));
      const [fc0, fc2, fc4] = this.fc;
      return fc4.apply(tf.relu(fc2.apply(tf.relu(fc0.apply(pooled)))));
    });
  }

  /** Weights (and BatchNorm buffers) in the reference `state_dict` order. */
  namedWeights(): NamedWeight[] {
    const [fc0, fc2, fc4] = this.fc;
    return [
      ...withPrefix('embed', this.embed.namedWeights()),
      ...withPrefix('conv', this.conv.namedWeights()),
      ...withPrefix('feature', this.feature.namedWeights()),
      ...withPrefix('norm', this.norm.namedWeights()),
      ...withPrefix('fc.0', fc0.namedWeights()),
      ...withPrefix('fc.2', fc2.namedWeights()),
      ...withPrefix('fc.4', fc4.namedWeights()),
    ];
  }
}
