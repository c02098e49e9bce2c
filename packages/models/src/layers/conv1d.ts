import * as tf from '@tensorflow/tfjs-core';
import type { Initializer } from '../init';
import { weightAndBias, type NamedWeight } from '../weights';

/** Options of {@link Conv1d}; PyTorch's `nn.Conv1d` arguments. */
export interface Conv1dOptions {
  inChannels: number;
  outChannels: number;
  kernelSize: number;
  /** Zeros added at both ends, as PyTorch's `padding`. Default 0. */
  padding?: number;
  /** Default true. */
  bias?: boolean;
}

/**
 * A 1-D convolution (stride 1) over channels-last input `[batch, length, channels]`, PyTorch `nn.Conv1d`
 * semantics. Weight `[k, in, out]` (PyTorch `weight[out, in, k]`), optional bias `[out]`.
 *
 * Runs as a 2-D convolution over a height-1 image with explicit width padding: `tf.conv1d` with a numeric
 * pad would pad the height too, and a 2-D conv is the kernel that fast backends accelerate.
 */
export class Conv1d {
  /** Filter, WIO. */
  readonly weight: tf.Variable;
  /** Bias, or `null` for `bias: false`. */
  readonly bias: tf.Variable | null;
  /** The options the layer was built with (defaults filled in). */
  readonly options: Required<Conv1dOptions>;

  /**
   * Builds the weight `[k, in, out]` and bias `[out]`, drawn as PyTorch's defaults.
   * @param options - `inChannels`, `outChannels`, `kernelSize` (positive integers) and optionally `padding` (default 0)
   *   and `bias` (default true), as PyTorch's `nn.Conv1d`.
   * @param init - the seeded initialiser (see `createInitializer`) that draws the starting weights, PyTorch's default
   *   distributions.
   */
  constructor(options: Conv1dOptions, init: Initializer) {
    const o = { padding: 0, bias: true, ...options };
    for (const key of ['inChannels', 'outChannels', 'kernelSize'] as const) {
      if (!Number.isInteger(o[key]) || o[key] < 1) {
        throw new Error(`Conv1d: ${key} must be a positive integer, got ${o[key]}`);
      }
    }
    if (!Number.isInteger(o.padding) || o.padding < 0) {
      throw new Error(`Conv1d: padding must be a non-negative integer, got ${o.padding}`);
    }
    this.options = o;
    const fanIn = o.inChannels * o.kernelSize;
    this.weight = tf.tidy(() => tf.variable(init.kaimingUniform([o.kernelSize, o.inChannels, o.outChannels], fanIn)));
    this.bias = o.bias ? tf.tidy(() => tf.variable(init.kaimingUniform([o.outChannels], fanIn))) : null;
  }

  /**
   * `x`: `[batch, length, inChannels]` → `[batch, outLength, outChannels]`.
   * @param x - channels-last input `[batch, length, inChannels]`.
   */
  apply(x: tf.Tensor3D): tf.Tensor3D {
    return tf.tidy(() => {
      const y = this.convolve(x, this.weight as tf.Tensor3D);
      return this.bias ? tf.add(y, this.bias) : y;
    });
  }

  /**
   * The layer's convolution (padding) of `x` with another `filter` (`[k, in, out]`), no bias.
   * @param x - channels-last input `[batch, length, in]`.
   * @param filter - the filter to use instead of the layer's weight, `[k, in, out]` (WIO); e.g. one slice of a split
   *   weight.
   */
  convolve(x: tf.Tensor3D, filter: tf.Tensor3D): tf.Tensor3D {
    const [batch, length, channels] = x.shape;
    const [k, cin, cout] = filter.shape;
    const p = this.options.padding;
    const x4 = tf.reshape(x, [batch, 1, length, channels]) as tf.Tensor4D;
    const w4 = tf.reshape(filter, [1, k, cin, cout]) as tf.Tensor4D;
    const y4 = tf.conv2d(x4, w4, 1, [[0, 0], [0, 0], [p, p], [0, 0]], 'NHWC');
    return tf.reshape(y4, [batch, y4.shape[2], cout]) as tf.Tensor3D;
  }

  /** `weight` (layout `OIW`) and `bias`, as in PyTorch's `state_dict`. */
  namedWeights(): NamedWeight[] {
    return weightAndBias(this.weight, this.bias, 'OIW');
  }
}
