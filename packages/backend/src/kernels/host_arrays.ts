import type { DataType, KernelBackend, TensorInfo } from '@tensorflow/tfjs-core';

/**
 * Zero-copy float32 views of a backend's tensors for kernels written as JavaScript loops, on the `wasm` backend
 * (views into the wasm heap) and the `cpu` backend (its own typed arrays).
 * @internal
 */
export interface HostArrays {
  /** A view of `info`'s values; take views only after the last {@link HostArrays.output} (the heap may move). */
  view(info: TensorInfo): Float32Array;
  /** A new float32 tensor; fill it through {@link HostArrays.view}. */
  output(shape: number[]): TensorInfo;
}

interface WasmBackendLike {
  wasm: { HEAPU8: Uint8Array; wasmMemory?: WebAssembly.Memory };
  dataIdMap: { get(dataId: object): { memoryOffset: number } };
  makeOutput(shape: number[], dtype: DataType): TensorInfo;
}

interface CpuBackendLike {
  data: { get(dataId: object): { values: Float32Array } };
  makeTensorInfo(shape: number[], dtype: DataType, values?: Float32Array): TensorInfo;
}

function size(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** {@link HostArrays} for `backendName` (`wasm` or `cpu`). */
export function hostArrays(backend: KernelBackend, backendName: string): HostArrays {
  if (backendName === 'wasm') {
    const b = backend as unknown as WasmBackendLike;
    return {
      view: (info) => {
        // The threaded build's memory is a SharedArrayBuffer that is replaced when it grows; read it fresh.
        const buffer = b.wasm.wasmMemory?.buffer ?? b.wasm.HEAPU8.buffer;
        return new Float32Array(buffer, b.dataIdMap.get(info.dataId).memoryOffset, size(info.shape));
      },
      output: (shape) => b.makeOutput(shape, 'float32'),
    };
  }
  const b = backend as unknown as CpuBackendLike;
  return {
    view: (info) => b.data.get(info.dataId).values,
    output: (shape) => b.makeTensorInfo(shape, 'float32', new Float32Array(size(shape))),
  };
}
