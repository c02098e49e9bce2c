import { backend_util, Max, Mean, Min, Prod, Sum, util } from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { NativeAddon } from '../addon';
import { float32Values, output, outputBuffer } from './tensor-data';

type ReduceName = typeof Sum | typeof Mean | typeof Max | typeof Min | typeof Prod;

/** The addon's reduction codes; Mean is a sum scaled by 1/count. */
const KIND: Record<ReduceName, number> = { [Sum]: 0, [Mean]: 0, [Max]: 1, [Min]: 2, [Prod]: 3 };

/**
 * Sum, Mean, Max, Min and Prod of float32 tensors over any set of axes, without a transpose (accumulated in
 * float64; Max and Min let NaN win, as the cpu kernels).
 */
export function reduceKernels(addon: NativeAddon, fallback: (name: string) => KernelFunc): KernelConfig[] {
  const make = (name: ReduceName): KernelFunc => (args) => {
    const backend = args.backend as MathBackendCPU;
    const { x } = args.inputs as { x: TensorInfo };
    const attrs = args.attrs as NamedAttrMap;
    const xv = float32Values(backend, x);
    if (!xv || x.shape.length > 8) return fallback(name)(args);
    const axisAttr = (name === Max ? attrs.reductionIndices : attrs.axis) as number | number[];
    const axes = util.parseAxisParam(axisAttr, x.shape);
    const reduced = x.shape.map((_, i) => (axes.includes(i) ? 1 : 0));
    let outShape = x.shape.filter((_, i) => !axes.includes(i));
    const count = util.sizeFromShape(axes.map((i) => x.shape[i]!));
    const out = outputBuffer(backend, util.sizeFromShape(outShape));
    const scale = name === Mean ? 1 / count : 1;
    if (out.length > 0) addon.reduce(KIND[name], xv, x.shape, reduced, scale, out);
    if (attrs.keepDims) outShape = backend_util.expandShapeToKeepDim(outShape, axes);
    return output(backend, outShape, out);
  };
  return ([Sum, Mean, Max, Min, Prod] as const).map((name) => ({ kernelName: name, backendName: 'native', kernelFunc: make(name) }));
}
