import { UnsortedSegmentSum, util } from '@tensorflow/tfjs-core';
import type { KernelBackend, KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';

/**
 * `UnsortedSegmentSum` (the gradient of `gather`, so of embeddings): out[s, …] = Σ_{i: ids[i] = s} x[i, …].
 * Ids outside [0, numSegments) are dropped, as in TensorFlow.
 */
export function unsortedSegmentSumConfig(backendName: string): KernelConfig {
  return {
    kernelName: UnsortedSegmentSum,
    backendName,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x, segmentIds } = inputs as { x: TensorInfo; segmentIds: TensorInfo };
      const { numSegments } = attrs as unknown as { numSegments: number };
      const b = backend as KernelBackend;
      if (segmentIds.dtype !== 'int32') {
        throw new Error(`UnsortedSegmentSum: segmentIds must be int32, got ${segmentIds.dtype}; cast them with tf.cast`);
      }
      const idsShape = segmentIds.shape;
      if (idsShape.some((d, i) => d !== x.shape[i])) {
        throw new Error(
          `UnsortedSegmentSum: segmentIds shape [${idsShape}] must be a prefix of x shape [${x.shape}]`,
        );
      }
      const outShape = [numSegments, ...x.shape.slice(idsShape.length)];
      const inner = util.sizeFromShape(x.shape.slice(idsShape.length));
      const ids = b.readSync(segmentIds.dataId) as Int32Array;
      const xv = b.readSync(x.dataId) as Float32Array | Int32Array;
      const out = x.dtype === 'int32' ? new Int32Array(numSegments * inner) : new Float32Array(numSegments * inner);
      for (let i = 0; i < ids.length; i++) {
        const s = ids[i];
        if (s < 0 || s >= numSegments) continue;
        const src = i * inner;
        const dst = s * inner;
        for (let j = 0; j < inner; j++) out[dst + j] += xv[src + j];
      }
      return { dataId: b.write(out, outShape, x.dtype), shape: outShape, dtype: x.dtype };
    },
  };
}
