import * as tf from '@tensorflow/tfjs-core';
import type { Initializer } from '../init';
import { weightAndBias, type NamedWeight } from '../weights';

/** Options of {@link Conv2d}; PyTorch's `nn.Conv2d` arguments for square kernels. */
export interface Conv2dOptions {
  inChannels: number;
  outChannels: number;
  kernelSize: number;
  /** Default 1. */
  stride?: number;
  /** Zeros added on every side, as PyTorch's `padding`. Default 0. */
  padding?: number;
  /** Default true. */
  bias?: boolean;
}

/**
 * A 2-D convolution over NHWC input, PyTorch `nn.Conv2d` semantics (symmetric zero padding).
 * Weight `[kh, kw, in, out]` (PyTorch `weight[out, in, kh, kw]`), optional bias `[out]`.
 */
export class Conv2d {
  /** Filter, HWIO. */
  readonly weight: tf.Variable;
  /** Bias, or `null` for `bias: false`. */
  readonly bias: tf.Variable | null;
  /** The options the layer was built with (defaults filled in). */
  readonly options: Required<Conv2dOptions>;

  /**
   * Builds the weight `[k, k, in, out]` and bias `[out]`, drawn as PyTorch's defaults.
   * @param options - `inChannels`, `outChannels`, `kernelSize` (positive integers) and optionally `stride` (default 1),
   *   `padding` (default 0) and `bias` (default true), as PyTorch's `nn.Conv2d`.
   * @param init - the seeded initialiser (see `createInitializer`) that draws the starting weights, PyTorch's default
   *   distributions.
   */
  constructor(options: Conv2dOptions, init: Initializer) {
    const o = { stride: 1, padding: 0, bias: true, ...options };
    for (const key of ['inChannels', 'outChannels', 'kernelSize', 'stride'] as const) {
      if (!Number.isInteger(o[key]) || o[key] < 1) {
        throw new Error(`Conv2d: ${key} must be a positive integer, got ${o[key]}`);
      }
    }
    if (!Number.isInteger(o.padding) || o.padding < 0) {
      throw new Error(`Conv2d: padding must be a non-negative integer, got ${o.padding}`);
    }
    this.options = o;
    const fanIn = o.inChannels * o.kernelSize * o.kernelSize;
    this.weight = tf.tidy(() => tf.variable(init.kaimingUniform([o.kernelSize, o.kernelSize, o.inChannels, o.outChannels], fanIn)));
    this.bias = o.bias ? tf.tidy(() => tf.variable(init.kaimingUniform([o.outChannels], fanIn))) : null;
  }

  /**
   * `x`: `[batch, height, width, inChannels]` → `[batch, outHeight, outWidth, outChannels]`.
   * @param x - NHWC input `[batch, height, width, inChannels]`.
   */
  apply(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const y = this.convolve(x, this.weight as tf.Tensor4D);
      return this.bias ? tf.add(y, this.bias) : y;
    });
  }

  /**
   * The layer's convolution (stride, padding) of `x` with another `filter` (HWIO), no bias.
   * @param x - NHWC input `[batch, height, width, in]`.
   * @param filter - the filter to use instead of the layer's weight, `[kh, kw, in, out]` (HWIO); e.g. one slice of a
   *   split weight.
   */
  convolve(x: tf.Tensor4D, filter: tf.Tensor4D): tf.Tensor4D {
    const p = this.options.padding;
    return tf.conv2d(x, filter, this.options.stride, [[0, 0], [p, p], [p, p], [0, 0]], 'NHWC');
  }

  /** `weight` (layout `OIHW`) and `bias`, as in PyTorch's `state_dict`. */
  namedWeights(): NamedWeight[] {
    return weightAndBias(this.weight, this.bias, 'OIHW');
  }
}
