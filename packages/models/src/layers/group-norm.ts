import * as tf from '@tensorflow/tfjs-core';
import type { NamedWeight } from '../weights';

/** `tf.customGrad`'s parameter type, whose declared signature cannot name the tensors one by one. */
type CustomGradient = Parameters<typeof tf.customGrad>[0];

/** Name of the fused forward kernel a native backend may register (see {@link groupNorm}). */
export const GROUP_NORM_KERNEL = 'NeuralOdeGroupNorm';
/** Name of the fused backward kernel a native backend may register (see {@link groupNorm}). */
export const GROUP_NORM_GRAD_KERNEL = 'NeuralOdeGroupNormGrad';

/** Attributes of {@link groupNorm}, as passed to the fused kernels. */
export interface GroupNormAttrs {
  /** Number of groups; must divide the channel count. */
  groups: number;
  /** Added to the variance, as PyTorch's `eps` (default there 1e-5). */
  eps: number;
  /** Apply ReLU to the output in the same op. */
  relu: boolean;
}

/**
 * Group normalisation of channels-last `x` (`[batch, ..., channels]`) followed by the per-channel affine map
 * `gamma · x̂ + beta` and, with `relu`, a ReLU: PyTorch's `F.group_norm` (biased variance) and `F.relu`.
 *
 * When the active backend registers the {@link GROUP_NORM_KERNEL} / {@link GROUP_NORM_GRAD_KERNEL} kernels
 * (inputs `{x, gamma, beta}`, attrs {@link GroupNormAttrs}, outputs `[y, mean, rstd]` with mean/rstd
 * `[batch, groups]`; the gradient kernel takes `{dy, x, gamma, beta, mean, rstd}` and returns
 * `[dx, dgamma, dbeta]`), they are used; otherwise the op is composed from tfjs ops with a hand-written
 * gradient of the same form (fewer ops than differentiating the composition).
 */
export function groupNorm(x: tf.Tensor, gamma: tf.Tensor1D, beta: tf.Tensor1D, attrs: GroupNormAttrs): tf.Tensor {
  const channels = x.shape[x.rank - 1];
  if (x.rank < 2) throw new Error(`groupNorm: x must be [batch, ..., channels], got shape [${x.shape}]`);
  if (!Number.isInteger(attrs.groups) || attrs.groups < 1 || channels % attrs.groups !== 0) {
    throw new Error(`groupNorm: groups must be a positive divisor of the ${channels} channels, got ${attrs.groups}`);
  }
  if (gamma.shape[0] !== channels || beta.shape[0] !== channels) {
    throw new Error(`groupNorm: gamma and beta must be [${channels}], got [${gamma.shape}] and [${beta.shape}]`);
  }
  const kernelAttrs = { groups: attrs.groups, eps: attrs.eps, relu: attrs.relu };
  if (tf.getKernel(GROUP_NORM_KERNEL, tf.getBackend()) && tf.getKernel(GROUP_NORM_GRAD_KERNEL, tf.getBackend())) {
    const fused = tf.customGrad(((xIn: tf.Tensor, g: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
      const [y, mean, rstd] = tf
        .engine()
        .runKernel<tf.Tensor[]>(GROUP_NORM_KERNEL, { x: xIn, gamma: g, beta: b }, kernelAttrs as unknown as tf.NamedAttrMap);
      save([xIn, g, b, mean, rstd]);
      return {
        value: y,
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
          const [sx, sg, sb, smean, srstd] = saved;
          return tf
            .engine()
            .runKernel<tf.Tensor[]>(
              GROUP_NORM_GRAD_KERNEL,
              { dy, x: sx, gamma: sg, beta: sb, mean: smean, rstd: srstd },
              kernelAttrs as unknown as tf.NamedAttrMap,
            );
        },
      };
    }) as unknown as CustomGradient);
    return fused(x, gamma, beta);
  }
  return composedGroupNorm(x, gamma, beta, attrs);
}

function composedGroupNorm(x: tf.Tensor, gamma: tf.Tensor1D, beta: tf.Tensor1D, attrs: GroupNormAttrs): tf.Tensor {
  const shape = x.shape;
  const batch = shape[0];
  const channels = shape[shape.length - 1];
  const size = x.size / (batch * channels);
  const grouped = [batch, size, attrs.groups, channels / attrs.groups];
  const flat = [batch, size, channels];
  const op = tf.customGrad(((xIn: tf.Tensor, g: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
    const xr = tf.reshape(xIn, grouped);
    const mean = tf.mean(xr, [1, 3], true);
    const centred = tf.sub(xr, mean);
    const variance = tf.mean(tf.square(centred), [1, 3], true);
    const rstd = tf.rsqrt(tf.add(variance, tf.scalar(attrs.eps)));
    const xhat = tf.reshape(tf.mul(centred, rstd), flat);
    let y = tf.add(tf.mul(xhat, g), b);
    if (attrs.relu) y = tf.relu(y);
    save(attrs.relu ? [xhat, rstd, g, y] : [xhat, rstd, g]);
    return {
      value: tf.reshape(y, shape),
      gradFunc: (dyIn: tf.Tensor, saved: tf.Tensor[]) => {
        const [sxhat, srstd, sg, sy] = saved;
        let dy = tf.reshape(dyIn, flat);
        // PyTorch's ReLU passes no gradient where the output is 0.
        if (sy) dy = tf.mul(dy, tf.step(sy));
        const dbeta = tf.sum(dy, [0, 1]);
        const dgamma = tf.sum(tf.mul(dy, sxhat), [0, 1]);
        const dxhat = tf.reshape(tf.mul(dy, sg), grouped);
        const xhatG = tf.reshape(sxhat, grouped);
        const meanDxhat = tf.mean(dxhat, [1, 3], true);
        const meanDxhatXhat = tf.mean(tf.mul(dxhat, xhatG), [1, 3], true);
        const dx = tf.mul(srstd, tf.sub(tf.sub(dxhat, meanDxhat), tf.mul(xhatG, meanDxhatXhat)));
        return [tf.reshape(dx, shape), dgamma, dbeta];
      },
    };
  }) as unknown as CustomGradient);
  return op(x, gamma, beta);
}

/** Options of {@link GroupNorm}; PyTorch's `nn.GroupNorm` arguments plus the fused ReLU. */
export interface GroupNormOptions {
  groups: number;
  channels: number;
  /** Default 1e-5 (PyTorch's). */
  eps?: number;
  /** Apply ReLU in the same op (the architecture's `norm → relu`); default false. */
  relu?: boolean;
}

/**
 * PyTorch `nn.GroupNorm(groups, channels)` over channels-last input, weight 1 and bias 0 at start,
 * optionally fused with the ReLU that follows it. Uses the native kernels when present (see {@link groupNorm}).
 */
export class GroupNorm {
  /** Scale `[channels]` (PyTorch `weight`). */
  readonly weight: tf.Variable;
  /** Shift `[channels]` (PyTorch `bias`). */
  readonly bias: tf.Variable;
  /** The options the layer was built with (defaults filled in). */
  readonly options: Required<GroupNormOptions>;

  constructor(options: GroupNormOptions) {
    const o = { eps: 1e-5, relu: false, ...options };
    if (!Number.isInteger(o.channels) || o.channels < 1) {
      throw new Error(`GroupNorm: channels must be a positive integer, got ${o.channels}`);
    }
    if (!Number.isInteger(o.groups) || o.groups < 1 || o.channels % o.groups !== 0) {
      throw new Error(`GroupNorm: groups must be a positive divisor of channels (${o.channels}), got ${o.groups}`);
    }
    if (!(o.eps > 0)) throw new Error(`GroupNorm: eps must be > 0, got ${o.eps}`);
    this.options = o;
    this.weight = tf.tidy(() => tf.variable(tf.ones([o.channels])));
    this.bias = tf.tidy(() => tf.variable(tf.zeros([o.channels])));
  }

  /** `x`: `[batch, ..., channels]` → same shape. */
  apply<T extends tf.Tensor>(x: T): T {
    return tf.tidy(
      () =>
        groupNorm(x, this.weight as tf.Tensor1D, this.bias as tf.Tensor1D, {
          groups: this.options.groups,
          eps: this.options.eps,
          relu: this.options.relu,
        }) as T,
    );
  }

  /** `weight` and `bias`, as in PyTorch's `state_dict`. */
  namedWeights(): NamedWeight[] {
    return [
      { name: 'weight', variable: this.weight, trainable: true, layout: 'same', torchDtype: 'F32' },
      { name: 'bias', variable: this.bias, trainable: true, layout: 'same', torchDtype: 'F32' },
    ];
  }
}
