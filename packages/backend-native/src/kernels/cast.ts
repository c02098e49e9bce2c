import { Cast } from '@tensorflow/tfjs-core';
import type { DataType, KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { NativeAddon } from '../addon';
import { type CastArray, withExtras } from './extras';
import { outputBuffer } from './tensor-data';

/** The addon's storage codes: 0 float32, 1 int32, 2 bool. */
const CODES: Partial<Record<DataType, number>> = { float32: 0, int32: 1, bool: 2 };

function storageCode(values: unknown): number {
  return values instanceof Float32Array ? 0 : values instanceof Int32Array ? 1 : values instanceof Uint8Array ? 2 : -1;
}

/**
 * Cast between float32, int32 and bool on the addon (to int32 truncates as `Int32Array.from`, to bool is `x != 0`).
 * Unlike the cpu kernel, a cast to float32 always writes a Float32Array: the cpu kernel keeps an int32 or bool
 * tensor's Int32Array / Uint8Array under the float32 dtype (no copy), which every native kernel downstream must
 * then hand to its cpu kernel (relu6's gradient mask, a one-hot matrix in a matMul). A cast to the same dtype
 * shares the data, as on cpu.
 */
export function castKernels(addon: NativeAddon, fallback: (name: string) => KernelFunc): KernelConfig[] {
  const ext = withExtras(addon);
  const cast: KernelFunc = (args) => {
    const backend = args.backend as MathBackendCPU;
    const { x } = args.inputs as { x: TensorInfo };
    const dtype = (args.attrs as NamedAttrMap).dtype as DataType;
    const values = backend.data.get(x.dataId)?.values;
    const from = storageCode(values), to = CODES[dtype];
    if (!ext.cast || from < 0 || to === undefined || CODES[x.dtype] === undefined) return fallback(Cast)(args);
    if (dtype === x.dtype && from === to) {
      backend.incRef(x.dataId);
      return { dataId: x.dataId, shape: x.shape, dtype };
    }
    const n = (values as CastArray).length;
    const out: CastArray = to === 0 ? outputBuffer(backend, n) : to === 1 ? new Int32Array(n) : new Uint8Array(n);
    if (n > 0) ext.cast(values as CastArray, out);
    return backend.makeTensorInfo(x.shape, dtype, out);
  };
  return [{ kernelName: Cast, backendName: 'native', kernelFunc: cast }];
}
