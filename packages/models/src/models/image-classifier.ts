import * as tf from '@tensorflow/tfjs-core';
import type { Initializer } from '../init';
import { Conv2d } from '../layers/conv2d';
import { GroupNorm } from '../layers/group-norm';
import { Linear } from '../layers/linear';
import { withPrefix, type NamedWeight } from '../weights';
import { WeightedModel, type ApplyOptions, type ModelName } from './model';

/** The middle of an image classifier: residual blocks or an ODE block on `[batch, h, w, 64]`. */
export interface ImageFeature {
  /**
   * The feature map of `x`, same shape.
   * @param x - the downsampled features, NHWC `[batch, h, w, 64]`.
   * @param options - `training`: passed on to the feature's norms (GroupNorm ignores it; BatchNorm in an ODE function
   *   does not).
   */
  apply(x: tf.Tensor4D, options: { training: boolean }): tf.Tensor4D;
  namedWeights(): NamedWeight[];
}

/** Feature channels of the reference image models. */
export const IMAGE_WIDTH = 64;

/**
 * The reference image classifier: downsampling (conv 3×3 C→64 → GroupNorm → ReLU → conv 4×4/2 pad 1 →
 * GroupNorm → ReLU → conv 4×4/2 pad 1), a feature stage, and the head (GroupNorm → ReLU → global average
 * pool → linear 64→10). Input NHWC float32 `[batch, h, w, inChannels]` with h, w ≥ 3.
 */
export class ImageClassifier extends WeightedModel {
  readonly inputKind = 'image' as const;
  readonly numClasses = 10;
  readonly downsampling: readonly [Conv2d, GroupNorm, Conv2d, GroupNorm, Conv2d];
  readonly feature: ImageFeature;
  readonly norm: GroupNorm;
  readonly fc: Linear;

  /**
   * Builds the layers in the reference's order: downsampling, `makeFeature(init)`, head.
   * @param name - which architecture this is (`resnet` or `odenet`); it also names the model in errors.
   * @param inChannels - channels of the input images (1 for MNIST, 3 for CIFAR-10).
   * @param makeFeature - builds the feature stage (residual blocks or an ODE block on `[batch, h, w, 64]`) with the
   *   shared initialiser, after the downsampling layers.
   * @param init - the seeded initialiser (see `createInitializer`) that draws the starting weights, PyTorch's default
   *   distributions.
   */
  constructor(
    readonly name: ModelName,
    readonly inChannels: number,
    makeFeature: (init: Initializer) => ImageFeature,
    init: Initializer,
  ) {
    super();
    const w = IMAGE_WIDTH;
    const groups = Math.min(32, w);
    this.downsampling = [
      new Conv2d({ inChannels, outChannels: w, kernelSize: 3 }, init),
      new GroupNorm({ groups, channels: w, relu: true }),
      new Conv2d({ inChannels: w, outChannels: w, kernelSize: 4, stride: 2, padding: 1 }, init),
      new GroupNorm({ groups, channels: w, relu: true }),
      new Conv2d({ inChannels: w, outChannels: w, kernelSize: 4, stride: 2, padding: 1 }, init),
    ];
    this.feature = makeFeature(init);
    this.norm = new GroupNorm({ groups, channels: w, relu: true });
    this.fc = new Linear({ inFeatures: w, outFeatures: this.numClasses }, init);
  }

  /**
   * `x`: NHWC float32 `[batch, h, w, inChannels]` → logits `[batch, 10]`.
   * @param x - NHWC float32 images `[batch, h, w, inChannels]` with h, w ≥ 3; anything else throws.
   * @param context - `training` (default false), passed to the feature stage.
   */
  apply(x: tf.Tensor, { training = false }: ApplyOptions = {}): tf.Tensor2D {
    const shape = x.shape as number[];
    if (x.rank !== 4 || shape[3] !== this.inChannels || shape[1] < 3 || shape[2] < 3 || x.dtype !== 'float32') {
      throw new Error(
        `${this.name}.apply: x must be a float32 NHWC tensor [batch, height >= 3, width >= 3, ${this.inChannels}], ` +
          `got ${x.dtype} [${x.shape}]; images are batch-first, channels-last`,
      );
    }
    return tf.tidy(() => {
      const [conv0, norm1, conv3, norm4, conv6] = this.downsampling;
      let h = conv6.apply(norm4.apply(conv3.apply(norm1.apply(conv0.apply(x as tf.Tensor4D)))));
      h = this.feature.apply(h, { training });
      const pooled = tf.mean(this.norm.apply(h), [1, 2]) as tf.Tensor2D;
      return this.fc.apply(pooled);
    });
  }

  /** Weights in the reference `state_dict` order. */
  namedWeights(): NamedWeight[] {
    const [conv0, norm1, conv3, norm4, conv6] = this.downsampling;
    return [
      ...withPrefix('downsampling.0', conv0.namedWeights()),
      ...withPrefix('downsampling.1', norm1.namedWeights()),
      ...withPrefix('downsampling.3', conv3.namedWeights()),
      ...withPrefix('downsampling.4', norm4.namedWeights()),
      ...withPrefix('downsampling.6', conv6.namedWeights()),
      ...withPrefix('feature', this.feature.namedWeights()),
      ...withPrefix('norm', this.norm.namedWeights()),
      ...withPrefix('fc', this.fc.namedWeights()),
    ];
  }
}
