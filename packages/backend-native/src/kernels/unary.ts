import { Relu, Step } from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { NativeAddon } from '../addon';
import { float32Values, output, outputBuffer } from './tensor-data';

/** Relu and Step (Relu's gradient is `dy · step(x)`) for float32 tensors. */
export function unaryKernels(addon: NativeAddon, fallback: (name: string) => KernelFunc): KernelConfig[] {
  const make = (name: typeof Relu | typeof Step, kind: 0 | 1): KernelFunc => (args) => {
    const backend = args.backend as MathBackendCPU;
    const { x } = args.inputs as { x: TensorInfo };
    const xv = float32Values(backend, x);
    if (!xv) return fallback(name)(args);
    const alpha = kind === 1 ? (((args.attrs as NamedAttrMap | undefined)?.alpha as number | undefined) ?? 0) : 0;
    const y = outputBuffer(backend, xv.length);
    addon.unary(kind, xv, y, alpha);
    return output(backend, x.shape, y);
  };
  return [
    { kernelName: Relu, backendName: 'native', kernelFunc: make(Relu, 0) },
    { kernelName: Step, backendName: 'native', kernelFunc: make(Step, 1) },
  ];
}
