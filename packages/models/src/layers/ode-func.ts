import * as tf from '@tensorflow/tfjs-core';
import type { Initializer } from '../init';
import { withPrefix, type NamedWeight } from '../weights';
import { BatchNorm1d } from './batch-norm1d';
import { ConcatConv1d } from './concat-conv1d';
import { ConcatConv2d, type BoundConcatConv } from './concat-conv2d';
import { GroupNorm } from './group-norm';

/** `f(t, x)` of an {@link OdeFunc}, as {@link OdeFunc.apply} or bound once by {@link OdeFunc.bind}. */
export type OdeDynamics = (t: tf.Scalar | number, x: tf.Tensor, mode: { training: boolean }) => tf.Tensor;

/** Options of {@link OdeFunc}. */
export interface OdeFuncOptions {
  /** Features of the state (64 in the reference models); the convs see one more, the time channel. */
  channels: number;
  /** `image`: ConcatConv2d 3×3 + GroupNorm(min(32, c), c); `text`: ConcatConv1d k3 + BatchNorm1d. */
  kind: 'image' | 'text';
}

/**
 * The dynamics of the ODE blocks: `f(t, x) = norm2(relu(conv2(cat(h, t))))` with
 * `h = norm1(relu(conv1(cat(x, t))))`, convs with padding 1 and no bias over the features plus a time
 * channel. PyTorch names `conv1.weight`, `norm1.*`, `conv2.weight`, `norm2.*` (BatchNorm buffers included
 * for `text`).
 *
 * For `text`, the BatchNorms run in training mode on every evaluation during training, updating their
 * running statistics each time, as PyTorch's modules do when a solver calls them.
 */
export class OdeFunc {
  readonly conv1: ConcatConv2d | ConcatConv1d;
  readonly norm1: GroupNorm | BatchNorm1d;
  readonly conv2: ConcatConv2d | ConcatConv1d;
  readonly norm2: GroupNorm | BatchNorm1d;
  /** The options the function was built with. */
  readonly options: OdeFuncOptions;

  /**
   * Builds both concat-convs and norms for `options.kind`.
   * @param options - `channels` (features of the state, a positive integer) and `kind` (`image`: 2-D convs and
   *   GroupNorm; `text`: 1-D convs and BatchNorm1d).
   * @param init - the seeded initialiser (see `createInitializer`) that draws the starting weights, PyTorch's default
   *   distributions.
   */
  constructor(options: OdeFuncOptions, init: Initializer) {
    const { channels, kind } = options;
    if (!Number.isInteger(channels) || channels < 1) {
      throw new Error(`OdeFunc: channels must be a positive integer, got ${channels}`);
    }
    if (kind !== 'image' && kind !== 'text') throw new Error(`OdeFunc: kind must be 'image' or 'text', got ${String(kind)}`);
    this.options = { channels, kind };
    const convOptions = { inChannels: channels + 1, outChannels: channels, kernelSize: 3, padding: 1, bias: false };
    if (kind === 'image') {
      const groups = Math.min(32, channels);
      this.conv1 = new ConcatConv2d(convOptions, init);
      this.norm1 = new GroupNorm({ groups, channels });
      this.conv2 = new ConcatConv2d(convOptions, init);
      this.norm2 = new GroupNorm({ groups, channels });
    } else {
      this.conv1 = new ConcatConv1d(convOptions, init);
      this.norm1 = new BatchNorm1d({ channels });
      this.conv2 = new ConcatConv1d(convOptions, init);
      this.norm2 = new BatchNorm1d({ channels });
    }
  }

  /**
   * dx/dt at time `t` for state `x` (`[batch, h, w, c]` or `[batch, length, c]`).
   * @param t - the time, a scalar tensor or a number (written into the convs' time channel).
   * @param x - the state, `[batch, h, w, channels]` for `image` or `[batch, length, channels]` for `text`.
   * @param context - `training`: for `text`, BatchNorm normalises with the batch statistics and updates its running
   *   averages; ignored by GroupNorm (`image`).
   */
  apply(t: tf.Scalar | number, x: tf.Tensor, { training }: { training: boolean }): tf.Tensor {
    return tf.tidy(() => this.bind(x.shape)(t, x, { training }));
  }

  /**
   * The dynamics for states of `shape` with both convs bound once ({@link ConcatConv2d.bind}): what an ODE block
   * evaluates at every stage of a solve it backpropagates through. The tensors the bound convs keep belong to the
   * caller's scope.
   * @param shape - the shape of the states the bound dynamics will take (`[batch, h, w, c]` or `[batch, length, c]`);
   *   only the spatial axes are used.
   */
  bind(shape: readonly number[]): OdeDynamics {
    const bindConv = (conv: ConcatConv2d | ConcatConv1d) =>
      (conv instanceof ConcatConv2d ? conv.bind(shape[1], shape[2]) : conv.bind(shape[1])) as BoundConcatConv<tf.Tensor>;
    const conv1 = bindConv(this.conv1);
    const conv2 = bindConv(this.conv2);
    return (t, x, { training }) =>
      tf.tidy(() => {
        const layer = (conv: BoundConcatConv<tf.Tensor>, norm: GroupNorm | BatchNorm1d, input: tf.Tensor): tf.Tensor => {
          const z = tf.relu(conv(t, input));
          return norm instanceof GroupNorm ? norm.apply(z) : norm.apply(z as tf.Tensor3D, { training });
        };
        return layer(conv2, this.norm2, layer(conv1, this.norm1, x));
      });
  }

  /** Weights in `state_dict` order. */
  namedWeights(): NamedWeight[] {
    return [
      ...withPrefix('conv1', this.conv1.namedWeights()),
      ...withPrefix('norm1', this.norm1.namedWeights()),
      ...withPrefix('conv2', this.conv2.namedWeights()),
      ...withPrefix('norm2', this.norm2.namedWeights()),
    ];
  }
}
