import * as tf from '@tensorflow/tfjs-core';
import { getGradient, registerGradient, TopK } from '@tensorflow/tfjs-core';
import type { GradConfig, Tensor } from '@tensorflow/tfjs-core';

/**
 * Gradient of the values of `tf.topk` (k-max pooling, e.g. VDCNN): dy of each selected value goes back to the
 * position it was taken from along the last axis; everything else gets zero. The indices output has no gradient.
 */
export const topKGradConfig: GradConfig = {
  kernelName: TopK,
  inputsToSave: ['x'],
  outputsToSave: [false, true],
  gradFunc: (dy: Tensor | Tensor[], saved: Tensor[]) => {
    const [x, indices] = saved;
    const dValues = Array.isArray(dy) ? dy[0] : dy;
    return {
      x: () => {
        if (dValues == null) return tf.zerosLike(x);
        const n = x.shape[x.shape.length - 1];
        const k = indices.shape[indices.shape.length - 1];
        const rows = x.size / n;
        const rowStart = tf.reshape(tf.mul(tf.range(0, rows, 1, 'int32'), tf.scalar(n, 'int32')), [rows, 1]);
        const flatIdx = tf.reshape(tf.add(tf.reshape(indices, [rows, k]), rowStart), [rows * k]);
        const dx = tf.unsortedSegmentSum(tf.reshape(dValues, [rows * k]), flatIdx as tf.Tensor1D, rows * n);
        return tf.reshape(dx, x.shape);
      },
    };
  },
};

/** Registers {@link topKGradConfig} unless some library already registered a `TopK` gradient. */
export function registerTopKGrad(): void {
  if (getGradient(TopK) == null) registerGradient(topKGradConfig);
}
