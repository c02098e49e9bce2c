import { Abs, Neg, Relu, Square, Step } from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { NativeAddon } from '../addon';
import { float32Values, output, outputBuffer } from './tensor-data';

/** Relu, Step (Relu's gradient is `dy · step(x)`), Abs, Square and Neg for float32 tensors (NaN stays NaN). */
export function unaryKernels(addon: NativeAddon, fallback: (name: string) => KernelFunc): KernelConfig[] {
  const make = (name: typeof Relu | typeof Step | typeof Abs | typeof Square | typeof Neg, kind: 0 | 1 | 2 | 3 | 4): KernelFunc => (args) => {
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
    { kernelName: Abs, backendName: 'native', kernelFunc: make(Abs, 2) },
    { kernelName: Square, backendName: 'native', kernelFunc: make(Square, 3) },
    { kernelName: Neg, backendName: 'native', kernelFunc: make(Neg, 4) },
  ];
}
