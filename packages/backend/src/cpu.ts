import * as tf from '@tensorflow/tfjs-core';
import { BROADCAST_BINARY_OPS, broadcastBinaryConfig } from './kernels/broadcast_binary';
import { conv2dBackpropFilterConfig } from './kernels/conv2d_backprop_filter';
import { GROUP_NORM_GRAD_KERNEL, GROUP_NORM_KERNEL } from '@neural-ode/kernels';
import { groupNormConfigs } from './kernels/group_norm';
import { reduceSumConfig } from './kernels/reduce_sum';
import { replaceKernel } from './kernel_registry';

/** Kernels this package puts into tfjs's `cpu` backend. */
export const CPU_TRAINING_KERNELS = ['Conv2DBackpropFilter', ...BROADCAST_BINARY_OPS, 'Sum', 'Mean', GROUP_NORM_KERNEL, GROUP_NORM_GRAD_KERNEL] as const;

let registered = false;

/**
 * Imports the cpu backend and replaces its filter gradient (a forward conv on transposed data) and its broadcasting
 * and reduction kernels, and adds the fused GroupNorm kernels. Also done before the native backend registers, since it starts from a copy of the cpu
 * kernels and so inherits these wherever it has no kernel of its own.
 */
export async function registerCpuTrainingKernels(): Promise<void> {
  await import('@tensorflow/tfjs-backend-cpu');
  if (!registered) {
    replaceKernel(conv2dBackpropFilterConfig('cpu'));
    for (const op of BROADCAST_BINARY_OPS) replaceKernel(broadcastBinaryConfig(op, 'cpu'));
    replaceKernel(reduceSumConfig('Sum', 'cpu'));
    replaceKernel(reduceSumConfig('Mean', 'cpu'));
    for (const config of groupNormConfigs('cpu')) replaceKernel(config);
    registered = true;
  }
}

/** {@link registerCpuTrainingKernels}, then activates the cpu backend. */
export async function activateCpu(): Promise<void> {
  await registerCpuTrainingKernels();
  if (!(await tf.setBackend('cpu'))) throw new Error('tfjs could not initialise the cpu backend');
  await tf.ready();
  // The cpu backend prints a "install tfjs-node" banner on first use; initBackend already logged the choice.
  (tf.backend() as unknown as { firstUse?: boolean }).firstUse = false;
}
