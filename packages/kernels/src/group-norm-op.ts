import * as tf from '@tensorflow/tfjs-core';
import { GROUP_NORM_GRAD_KERNEL, GROUP_NORM_KERNEL, groupNormLayout, type GroupNormAttrs } from './group-norm';

/** `tf.customGrad`'s callback with its inputs spelt out (its declared signature cannot name them one by one). */
type GroupNormGradFunc = (x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, save: tf.GradSaveFunc) => {
  value: tf.Tensor;
  gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor[];
};

function customGrad(f: GroupNormGradFunc): (x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor) => tf.Tensor {
  return tf.customGrad(f as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor) => tf.Tensor;
}

/**
 * Whether `backendName` (default: the active backend) registers both {@link GROUP_NORM_KERNEL} and {@link GROUP_NORM_GRAD_KERNEL}.
 * @param backendName - the tfjs backend to ask about (default: the active one).
 */
export function hasFusedGroupNorm(backendName: string = tf.getBackend()): boolean {
  return tf.getKernel(GROUP_NORM_KERNEL, backendName) !== undefined && tf.getKernel(GROUP_NORM_GRAD_KERNEL, backendName) !== undefined;
}

/**
 * Group normalisation of channels-last `x` (`[batch, ..., channels]`) followed by the per-channel affine map
 * `gamma · x̂ + beta` and, with `relu`, a ReLU: PyTorch's `F.group_norm` (biased variance) and `F.relu`.
 * Differentiable in `x`, `gamma` and `beta`.
 *
 * When the active backend registers {@link GROUP_NORM_KERNEL} and {@link GROUP_NORM_GRAD_KERNEL}
 * (`@neural-ode/backend` does on cpu and wasm, `@neural-ode/backend-native` on native), one forward and one
 * backward kernel run; otherwise the op is composed from tfjs ops with a hand-written gradient of the same form
 * (fewer ops than differentiating the composition). The inputs are checked first, as the kernels check them
 * (see {@link groupNormLayout}).
 * @param x - the input, channels last: `[n, h, w, c]` or `[n, w, c]`, float32.
 * @param gamma - the per-channel scale, `c` values.
 * @param beta - the per-channel shift, `c` values.
 * @param attrs - `groups` (divides `c`), `eps` (≥ 0, added to the variance) and `relu` (apply a ReLU after the affine
 *   map).
 */
export function groupNorm<T extends tf.Tensor>(x: T, gamma: tf.Tensor1D, beta: tf.Tensor1D, attrs: GroupNormAttrs): T {
  groupNormLayout('groupNorm', { x, gamma, beta }, attrs);
  // Only the contract's attributes reach a kernel, whatever else the caller's object holds.
  const kernelAttrs: GroupNormAttrs = { groups: attrs.groups, eps: attrs.eps, relu: attrs.relu };
  const op = hasFusedGroupNorm() ? fusedGroupNorm(kernelAttrs) : composedGroupNorm(x.shape, kernelAttrs);
  return op(x, gamma, beta) as T;
}

function fusedGroupNorm(attrs: GroupNormAttrs) {
  const kernelAttrs = attrs as unknown as tf.NamedAttrMap;
  return customGrad((x, gamma, beta, save) => {
    const [y, mean, rstd] = tf.engine().runKernel(GROUP_NORM_KERNEL, { x, gamma, beta }, kernelAttrs) as tf.Tensor[];
    save([x, gamma, beta, mean!, rstd!]);
    return {
      value: y!,
      gradFunc: (dy, saved) => {
        const [sx, sg, sb, sm, sr] = saved;
        return tf.engine().runKernel(
          GROUP_NORM_GRAD_KERNEL, { dy, x: sx!, gamma: sg!, beta: sb!, mean: sm!, rstd: sr! }, kernelAttrs,
        ) as tf.Tensor[];
      },
    };
  });
}

function composedGroupNorm(shape: number[], attrs: GroupNormAttrs) {
  const batch = shape[0]!;
  const channels = shape[shape.length - 1]!;
  const size = tf.util.sizeFromShape(shape) / (batch * channels);
  const grouped = [batch, size, attrs.groups, channels / attrs.groups];
  const flat = [batch, size, channels];
  return customGrad((xIn, g, b, save) => {
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
      gradFunc: (dyIn, saved) => {
        const [sxhat, srstd, sg, sy] = saved;
        let dy = tf.reshape(dyIn, flat);
        // PyTorch's ReLU passes no gradient where the output is 0.
        if (sy) dy = tf.mul(dy, tf.step(sy));
        const dbeta = tf.sum(dy, [0, 1]);
        const dgamma = tf.sum(tf.mul(dy, sxhat!), [0, 1]);
        const dxhat = tf.reshape(tf.mul(dy, sg!), grouped);
        const xhatG = tf.reshape(sxhat!, grouped);
        const meanDxhat = tf.mean(dxhat, [1, 3], true);
        const meanDxhatXhat = tf.mean(tf.mul(dxhat, xhatG), [1, 3], true);
        const dx = tf.mul(srstd!, tf.sub(tf.sub(dxhat, meanDxhat), tf.mul(xhatG, meanDxhatXhat)));
        return [tf.reshape(dx, shape), dgamma, dbeta];
      },
    };
  });
}
