import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';

/** The float32 values behind a tensor of the native backend, or null when it is not a plain float32 tensor. */
export function float32Values(backend: MathBackendCPU, t: TensorInfo): Float32Array | null {
  if (t.dtype !== 'float32') return null;
  const values = backend.data.get(t.dataId)?.values;
  return values instanceof Float32Array ? values : null;
}

/** Wraps a freshly written output buffer as a tensor of the backend. */
export function output(backend: MathBackendCPU, shape: number[], values: Float32Array): TensorInfo {
  return backend.makeTensorInfo(shape, 'float32', values);
}

/**
 * A buffer of `n` floats for a kernel output, recycled by the native backend's pool when possible. Its contents
 * are arbitrary: the kernel must write every element.
 */
export function outputBuffer(backend: MathBackendCPU, n: number): Float32Array {
  const take = (backend as { takeFloat32?: (n: number) => Float32Array }).takeFloat32;
  return take ? take.call(backend, n) : new Float32Array(n);
}
