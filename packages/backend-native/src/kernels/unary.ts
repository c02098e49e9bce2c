import {
  Abs, Elu, EluGrad, Exp, Floor, LeakyRelu, Log, Neg, Reciprocal, Relu, Relu6, Rsqrt, Selu, Sigmoid, Softplus, Sqrt, Square, Step, Tanh,
} from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { NativeAddon } from '../addon';
import { float32Values, output, outputBuffer } from './tensor-data';

/** Kernel name → the addon's `unary` kind. */
const KINDS = {
  [Relu]: 0, [Step]: 1, [Abs]: 2, [Square]: 3, [Neg]: 4, [Sigmoid]: 5, [Tanh]: 6, [Elu]: 7, [Selu]: 8, [Relu6]: 9,
  [LeakyRelu]: 10, [Exp]: 11, [Log]: 12, [Sqrt]: 13, [Rsqrt]: 14, [Reciprocal]: 15, [Softplus]: 16, [Floor]: 17,
} as const;

/**
 * Elementwise functions of float32 tensors (NaN stays NaN): Relu, Step (Relu's gradient is `dy · step(x)`), Abs,
 * Square, Neg, the activations Sigmoid, Tanh, Elu, Selu, Relu6, LeakyRelu and Softplus, Exp, Log, Sqrt, Rsqrt,
 * Reciprocal, Floor (tf.layers' dropout mask) and EluGrad. The other activations' gradients are compositions of
 * kernels this backend has (Multiply, Sub, comparisons, Select).
 */
export function unaryKernels(addon: NativeAddon, fallback: (name: string) => KernelFunc): KernelConfig[] {
  const make = (name: keyof typeof KINDS): KernelFunc => (args) => {
    const backend = args.backend as MathBackendCPU;
    const { x } = args.inputs as { x: TensorInfo };
    const xv = float32Values(backend, x);
    if (!xv) return fallback(name)(args);
    const alpha = ((args.attrs as NamedAttrMap | undefined)?.alpha as number | undefined) ?? (name === LeakyRelu ? 0.2 : 0);
    const y = outputBuffer(backend, xv.length);
    addon.unary(KINDS[name], xv, y, alpha);
    return output(backend, x.shape, y);
  };
  const eluGrad: KernelFunc = (args) => {
    const backend = args.backend as MathBackendCPU;
    const { dy, y } = args.inputs as { dy: TensorInfo; y: TensorInfo };
    const dv = float32Values(backend, dy), yv = float32Values(backend, y);
    if (!dv || !yv || dv.length !== yv.length) return fallback(EluGrad)(args);
    const dx = outputBuffer(backend, dv.length);
    addon.eluGrad(dv, yv, dx);
    return output(backend, dy.shape, dx);
  };
  return [
    ...(Object.keys(KINDS) as (keyof typeof KINDS)[]).map((name) => ({ kernelName: name, backendName: 'native', kernelFunc: make(name) })),
    { kernelName: EluGrad, backendName: 'native', kernelFunc: eluGrad },
  ];
}
