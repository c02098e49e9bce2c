import { backend_util, Mean, Sum, util } from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { NativeAddon } from '../addon';
import { float32Values, output, outputBuffer } from './tensor-data';

/** Sum and Mean of float32 tensors over any set of axes (accumulated in float64). */
export function reduceKernels(addon: NativeAddon, fallback: (name: string) => KernelFunc): KernelConfig[] {
  const make = (name: typeof Sum | typeof Mean): KernelFunc => (args) => {
    const backend = args.backend as MathBackendCPU;
    const { x } = args.inputs as { x: TensorInfo };
    const attrs = args.attrs as NamedAttrMap;
    const xv = float32Values(backend, x);
    if (!xv || x.shape.length > 8) return fallback(name)(args);
    const axes = util.parseAxisParam(attrs.axis as number | number[], x.shape);
    const reduced = x.shape.map((_, i) => (axes.includes(i) ? 1 : 0));
    let outShape = x.shape.filter((_, i) => !axes.includes(i));
    const count = util.sizeFromShape(axes.map((i) => x.shape[i]!));
    const out = outputBuffer(backend, util.sizeFromShape(outShape));
    const scale = name === Mean ? 1 / count : 1;
    if (out.length > 0) addon.reduceSum(xv, x.shape, reduced, scale, out);
    if (attrs.keepDims) outShape = backend_util.expandShapeToKeepDim(outShape, axes);
    return output(backend, outShape, out);
  };
  return [
    { kernelName: Sum, backendName: 'native', kernelFunc: make(Sum) },
    { kernelName: Mean, backendName: 'native', kernelFunc: make(Mean) },
  ];
}
