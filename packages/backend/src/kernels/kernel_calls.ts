import { getKernel } from '@tensorflow/tfjs-core';
import type { DataType, KernelBackend, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';

/**
 * Runs other kernels of one backend directly from inside a kernel (no engine, no tape, no scopes) and frees the
 * intermediate results it made. This is how the composed training kernels reuse the backend's fast forward ops.
 * @internal
 */
export class KernelCalls {
  private readonly made: TensorInfo[] = [];

  constructor(
    readonly backend: KernelBackend,
    readonly backendName: string,
  ) {}

  /** Runs `kernelName` of this backend; the result is freed by {@link KernelCalls.dispose} unless kept. */
  run(kernelName: string, inputs: Record<string, TensorInfo>, attrs: object = {}): TensorInfo {
    const kernel = getKernel(kernelName, this.backendName);
    if (kernel == null) {
      throw new Error(
        `@neural-ode/backend: kernel '${kernelName}' is not registered for backend '${this.backendName}', ` +
          `but a composed training kernel needs it; check that @tensorflow/tfjs-backend-${this.backendName} is 4.22.0`,
      );
    }
    const out = kernel.kernelFunc({ inputs, attrs: attrs as NamedAttrMap, backend: this.backend });
    const info = Array.isArray(out) ? out[0] : out;
    this.made.push(info);
    return info;
  }

  /** Uploads host values as a new tensor of this backend (freed on dispose unless kept). */
  upload(values: Float32Array | Int32Array, shape: number[], dtype: DataType = 'float32'): TensorInfo {
    const dataId = this.backend.write(values, shape, dtype);
    const info: TensorInfo = { dataId, shape, dtype };
    this.made.push(info);
    return info;
  }

  /** Reads a tensor of this backend to the host (a copy on wasm). */
  read(info: TensorInfo): Float32Array | Int32Array | Uint8Array {
    return this.backend.readSync(info.dataId) as Float32Array | Int32Array | Uint8Array;
  }

  /** Excludes `info` from disposal: it is the kernel's output. */
  keep(info: TensorInfo): TensorInfo {
    const i = this.made.indexOf(info);
    if (i >= 0) this.made.splice(i, 1);
    return info;
  }

  /** Frees every intermediate that was not kept. */
  dispose(): void {
    for (const info of this.made) this.backend.disposeData(info.dataId);
    this.made.length = 0;
  }
}

/** Runs `body` with a fresh {@link KernelCalls}, disposing its intermediates afterwards (also on error). */
export function withKernelCalls<T>(backend: KernelBackend, backendName: string, body: (calls: KernelCalls) => T): T {
  const calls = new KernelCalls(backend, backendName);
  try {
    return body(calls);
  } finally {
    calls.dispose();
  }
}
