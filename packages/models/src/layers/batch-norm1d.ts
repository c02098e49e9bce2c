import * as tf from '@tensorflow/tfjs-core';
import type { NamedWeight } from '../weights';
import { groupNorm } from '@neural-ode/kernels';

/** Options of {@link BatchNorm1d}; PyTorch's `nn.BatchNorm1d` arguments plus the fused ReLU. */
export interface BatchNorm1dOptions {
  channels: number;
  /** Default 1e-5 (PyTorch's). */
  eps?: number;
  /** Weight of the new batch in the running averages; default 0.1 (PyTorch's). */
  momentum?: number;
  /** Apply ReLU in the same op (the architecture's `bn → relu`); default false. */
  relu?: boolean;
}

/**
 * PyTorch `nn.BatchNorm1d(channels)` over channels-last input `[batch, length, channels]`.
 *
 * Training: normalises with the batch statistics over batch and length (biased variance) and updates
 * `running_mean ← (1 − m)·running_mean + m·mean`, `running_var ← (1 − m)·running_var + m·var·n/(n − 1)`
 * (unbiased, n = batch·length) and `num_batches_tracked += 1`, every call. Evaluation: normalises with
 * the running statistics and changes nothing.
 */
export class BatchNorm1d {
  /** Scale `[channels]` (PyTorch `weight`), 1 at start. */
  readonly weight: tf.Variable;
  /** Shift `[channels]` (PyTorch `bias`), 0 at start. */
  readonly bias: tf.Variable;
  /** Buffer `running_mean`, 0 at start. */
  readonly runningMean: tf.Variable;
  /** Buffer `running_var`, 1 at start. */
  readonly runningVar: tf.Variable;
  /** Buffer `num_batches_tracked` (int64 in PyTorch, int32 here), 0 at start. */
  readonly numBatchesTracked: tf.Variable;
  /** The options the layer was built with (defaults filled in). */
  readonly options: Required<BatchNorm1dOptions>;

  /**
   * Builds the layer with weight 1, bias 0 and fresh running statistics (mean 0, variance 1).
   * @param options - `channels` (the last axis of the input) and optionally `eps` (default 1e-5), `momentum` (default
   *   0.1) and `relu` (default false); throws on a non-positive channel count, eps ≤ 0 or momentum outside [0, 1].
   */
  constructor(options: BatchNorm1dOptions) {
    const o = { eps: 1e-5, momentum: 0.1, relu: false, ...options };
    if (!Number.isInteger(o.channels) || o.channels < 1) {
      throw new Error(`BatchNorm1d: channels must be a positive integer, got ${o.channels}`);
    }
    if (!(o.eps > 0)) throw new Error(`BatchNorm1d: eps must be > 0, got ${o.eps}`);
    if (!(o.momentum >= 0 && o.momentum <= 1)) {
      throw new Error(`BatchNorm1d: momentum must be in [0, 1], got ${o.momentum}`);
    }
    this.options = o;
    this.weight = tf.tidy(() => tf.variable(tf.ones([o.channels])));
    this.bias = tf.tidy(() => tf.variable(tf.zeros([o.channels])));
    this.runningMean = tf.tidy(() => tf.variable(tf.zeros([o.channels]), false));
    this.runningVar = tf.tidy(() => tf.variable(tf.ones([o.channels]), false));
    this.numBatchesTracked = tf.tidy(() => tf.variable(tf.scalar(0, 'int32'), false));
  }

  /**
   * `x`: `[batch, length, channels]` → same shape. `training` picks batch or running statistics.
   * @param x - channels-last input `[batch, length, channels]`; training needs batch · length ≥ 2.
   * @param context - `training`: true in training mode (BatchNorm normalises with the batch statistics and updates its
   *   running averages), false to use the running statistics.
   */
  apply(x: tf.Tensor3D, { training }: { training: boolean }): tf.Tensor3D {
    const [batch, length, channels] = x.shape;
    if (channels !== this.options.channels) {
      throw new Error(`BatchNorm1d: x must have ${this.options.channels} channels (last axis), got shape [${x.shape}]`);
    }
    return tf.tidy(() => {
      const { eps, relu, momentum } = this.options;
      if (!training) {
        const scale = tf.mul(this.weight, tf.rsqrt(tf.add(this.runningVar, tf.scalar(eps))));
        const shift = tf.sub(this.bias, tf.mul(this.runningMean, scale));
        const y = tf.add(tf.mul(x, scale), shift);
        return (relu ? tf.relu(y) : y) as tf.Tensor3D;
      }
      const n = batch * length;
      if (n < 2) {
        throw new Error(`BatchNorm1d: training needs more than 1 value per channel, got x of shape [${x.shape}]`);
      }
      // Batch normalisation is group normalisation of one "sample" (all rows) with one channel per group.
      const rows = tf.reshape(x, [1, 1, n, channels]);
      const y = groupNorm(rows, this.weight as tf.Tensor1D, this.bias as tf.Tensor1D, { groups: channels, eps, relu });
      const { mean, variance } = tf.moments(tf.reshape(x, [n, channels]), 0);
      const m = tf.scalar(momentum);
      const keep = tf.scalar(1 - momentum);
      this.runningMean.assign(tf.add(tf.mul(keep, this.runningMean), tf.mul(m, mean)));
      this.runningVar.assign(tf.add(tf.mul(keep, this.runningVar), tf.mul(m, tf.mul(variance, tf.scalar(n / (n - 1))))));
      this.numBatchesTracked.assign(tf.add(this.numBatchesTracked, tf.scalar(1, 'int32')));
      return tf.reshape(y, x.shape) as tf.Tensor3D;
    });
  }

  /** `weight`, `bias`, `running_mean`, `running_var`, `num_batches_tracked`, as in PyTorch's `state_dict`. */
  namedWeights(): NamedWeight[] {
    return [
      { name: 'weight', variable: this.weight, trainable: true, layout: 'same', torchDtype: 'F32' },
      { name: 'bias', variable: this.bias, trainable: true, layout: 'same', torchDtype: 'F32' },
      { name: 'running_mean', variable: this.runningMean, trainable: false, layout: 'same', torchDtype: 'F32' },
      { name: 'running_var', variable: this.runningVar, trainable: false, layout: 'same', torchDtype: 'F32' },
      { name: 'num_batches_tracked', variable: this.numBatchesTracked, trainable: false, layout: 'same', torchDtype: 'I64' },
    ];
  }
}
