import * as tf from '@tensorflow/tfjs-core';
import { GROUP_NORM_KERNEL, groupNorm as contractGroupNorm, hasFusedGroupNorm } from '@neural-ode/kernels';

/** Options of {@link groupNorm}. */
export interface GroupNormOptions {
  /** Number of channel groups; must divide the channel count. */
  groups: number;
  /** Added to the variance; default 1e-5 (PyTorch's). */
  eps?: number;
  /** Fuse a ReLU after the affine transform; default false. */
  relu?: boolean;
}

/**
 * GroupNorm (+ReLU) of a channels-last tensor through the {@link GROUP_NORM_KERNEL} kernel of the active
 * backend, differentiable in `x`, `gamma` and `beta`: `@neural-ode/kernels`' `groupNorm` with PyTorch's defaults,
 * refusing to fall back to composed ops. Throws when the active backend has no such kernel; libraries should use
 * `@neural-ode/kernels`' `groupNorm`, which composes GroupNorm from ordinary ops there.
 * @param x - the input, channels last: `[n, h, w, c]` or `[n, w, c]`, float32.
 * @param gamma - the per-channel scale, `c` values.
 * @param beta - the per-channel shift, `c` values.
 * @param options - `groups` (divides `c`), `eps` (default 1e-5) and `relu` (default false).
 */
export function groupNorm<T extends tf.Tensor>(x: T, gamma: tf.Tensor1D, beta: tf.Tensor1D, options: GroupNormOptions): T {
  if (!hasFusedGroupNorm()) {
    throw new Error(`groupNorm: backend '${tf.getBackend()}' has no ${GROUP_NORM_KERNEL} kernel; use the 'native' backend (registerNativeBackend + tf.setBackend('native'))`);
  }
  return contractGroupNorm(x, gamma, beta, { groups: options.groups, eps: options.eps ?? 1e-5, relu: options.relu ?? false });
}
