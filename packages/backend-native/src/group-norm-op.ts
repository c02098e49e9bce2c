import * as tf from '@tensorflow/tfjs-core';
import { GROUP_NORM_GRAD_KERNEL, GROUP_NORM_KERNEL } from './kernels/group-norm';

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
 * backend, differentiable in `x`, `gamma` and `beta`. Throws when the active backend has no such kernel (only
 * `native` has one); libraries should check `tf.getKernel(GROUP_NORM_KERNEL, tf.getBackend())` and compose
 * GroupNorm from ordinary ops otherwise.
 */
export function groupNorm<T extends tf.Tensor>(x: T, gamma: tf.Tensor1D, beta: tf.Tensor1D, options: GroupNormOptions): T {
  const attrs = { groups: options.groups, eps: options.eps ?? 1e-5, relu: options.relu ?? false };
  if (!tf.getKernel(GROUP_NORM_KERNEL, tf.getBackend())) {
    throw new Error(`groupNorm: backend '${tf.getBackend()}' has no ${GROUP_NORM_KERNEL} kernel; use the 'native' backend (registerNativeBackend + tf.setBackend('native'))`);
  }
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xi, g, b, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    const [y, mean, rstd] = tf.engine().runKernel(GROUP_NORM_KERNEL, { x: xi, gamma: g, beta: b }, attrs) as tf.Tensor[];
    save([xi, g, b, mean!, rstd!]);
    return {
      value: y!,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, sg, sb, sm, sr] = saved;
        return tf.engine().runKernel(
          GROUP_NORM_GRAD_KERNEL, { dy, x: sx!, gamma: sg!, beta: sb!, mean: sm!, rstd: sr! }, attrs,
        ) as tf.Tensor[];
      },
    };
  });
  return op(x, gamma, beta) as T;
}
