import { util } from '@tensorflow/tfjs-core';
import type { DataType, NamedAttrMap } from '@tensorflow/tfjs-core';

/**
 * Kernel name of the fused GroupNorm (+ReLU) forward pass.
 *
 * Inputs `{x, gamma, beta}`: `x` channels last (`[n, h, w, c]` or `[n, w, c]`; any rank ≥ 2 works as
 * `[n, …, c]`), `gamma`/`beta` of `c` values, all float32. Attrs {@link GroupNormAttrs}. Outputs
 * `[y, mean, rstd]`: `y` shaped like `x` (after the ReLU when `relu` is true), `mean` and `rstd`
 * (1/√(var+eps), the biased variance as PyTorch's `F.group_norm`) shaped `[n, groups]`.
 */
export const GROUP_NORM_KERNEL = 'NeuralOdeGroupNorm';

/**
 * Kernel name of the GroupNorm (+ReLU) backward pass.
 *
 * Inputs `{dy, x, gamma, beta, mean, rstd}` (`mean`/`rstd` as returned by {@link GROUP_NORM_KERNEL}), the same
 * attrs. With `relu: true`, `dy` is the gradient with respect to the post-ReLU output (no gradient where that
 * output is 0, as PyTorch's ReLU). Outputs `[dx, dgamma, dbeta]`, shaped like `x`, `gamma` and `beta`.
 */
export const GROUP_NORM_GRAD_KERNEL = 'NeuralOdeGroupNormGrad';

/** Attributes of both GroupNorm kernels and of the {@link groupNorm} op. */
export interface GroupNormAttrs {
  /** Number of channel groups; must divide the channel count. */
  groups: number;
  /** Added to the variance before the square root, as PyTorch's `eps` (default there 1e-5). */
  eps: number;
  /** Apply a ReLU after the affine transform, in the same op. */
  relu: boolean;
}

/** What validation reads of an input: a `tf.Tensor` and a kernel's `TensorInfo` both have it. */
export interface GroupNormInput {
  shape: number[];
  dtype: DataType;
}

/** The inputs of {@link GROUP_NORM_KERNEL}. */
export type GroupNormInputs = Record<'x' | 'gamma' | 'beta', GroupNormInput>;
/** The inputs of {@link GROUP_NORM_GRAD_KERNEL}. */
export type GroupNormGradInputs = Record<'dy' | 'x' | 'gamma' | 'beta' | 'mean' | 'rstd', GroupNormInput>;

/** The loop bounds of a validated GroupNorm: `x` read as `[n, s, c]` with `c` split into `groups`. */
export interface GroupNormLayout extends GroupNormAttrs {
  /** Images (the first axis of `x`). */
  n: number;
  /** Positions per image (h·w, or the length). */
  s: number;
  /** Channels (the last axis of `x`). */
  c: number;
}

function requireFloat32(label: string, inputs: Partial<Record<string, GroupNormInput>>): void {
  for (const [name, t] of Object.entries(inputs)) {
    if (t && t.dtype !== 'float32') {
      throw new Error(`${label}: input ${name} must be float32, got ${t.dtype}; cast it with tf.cast(${name}, 'float32')`);
    }
  }
}

/**
 * Checks the inputs and attrs of {@link GROUP_NORM_KERNEL} (or of the {@link groupNorm} op) and returns the
 * layout a kernel loops over. Errors start with `label` (the kernel or op name), name the input or attribute
 * with its value and say what to pass instead. Kernels call it so that every backend rejects the same inputs
 * with the same words.
 * @param label - what error messages start with: the kernel or op name.
 * @param inputs - `{x, gamma, beta}` as the kernel receives them.
 * @param attrs - `{groups, eps, relu}`.
 */
export function groupNormLayout(label: string, inputs: GroupNormInputs, attrs: GroupNormAttrs | NamedAttrMap): GroupNormLayout {
  const { x, gamma, beta } = inputs;
  const { groups, eps, relu } = attrs as unknown as GroupNormAttrs;
  if (x.shape.length < 2) {
    throw new Error(`${label}: x must be channels last with rank >= 2, got shape [${x.shape}]; pass [n, h, w, c] or [n, w, c]`);
  }
  const c = x.shape[x.shape.length - 1]!;
  if (!Number.isInteger(groups) || groups < 1 || c % groups !== 0) {
    throw new Error(`${label}: attr groups=${groups} must be a positive integer dividing the ${c} channels of x; pick a divisor of ${c}`);
  }
  if (typeof eps !== 'number' || !(eps >= 0)) throw new Error(`${label}: attr eps=${eps} must be a number >= 0, e.g. 1e-5`);
  if (typeof relu !== 'boolean') throw new Error(`${label}: attr relu=${String(relu)} must be a boolean`);
  if (util.sizeFromShape(gamma.shape) !== c || util.sizeFromShape(beta.shape) !== c) {
    throw new Error(`${label}: gamma [${gamma.shape}] and beta [${beta.shape}] must hold ${c} values (one per channel of x)`);
  }
  requireFloat32(label, { x, gamma, beta });
  const n = x.shape[0]!;
  return { n, s: util.sizeFromShape(x.shape) / Math.max(1, n * c), c, groups, eps, relu };
}

/**
 * Checks the inputs and attrs of {@link GROUP_NORM_GRAD_KERNEL} as {@link groupNormLayout} does, and that `dy`,
 * `mean` and `rstd` fit `x` as the forward kernel returns them.
 * @param inputs - `{dy, x, gamma, beta, mean, rstd}` as the gradient kernel receives them.
 * @param attrs - `{groups, eps, relu}`, as for the forward kernel.
 */
export function groupNormGradLayout(inputs: GroupNormGradInputs, attrs: GroupNormAttrs | NamedAttrMap): GroupNormLayout {
  const k = GROUP_NORM_GRAD_KERNEL;
  const L = groupNormLayout(k, inputs, attrs);
  const { dy, x, mean, rstd } = inputs;
  if (!util.arraysEqual(dy.shape, x.shape)) throw new Error(`${k}: dy [${dy.shape}] must have the shape of x [${x.shape}]`);
  for (const [name, t] of [['mean', mean], ['rstd', rstd]] as const) {
    if (util.sizeFromShape(t.shape) !== L.n * L.groups) {
      throw new Error(`${k}: ${name} [${t.shape}] must be [${L.n}, ${L.groups}] as returned by ${GROUP_NORM_KERNEL}`);
    }
  }
  requireFloat32(k, { dy, mean, rstd });
  return L;
}
