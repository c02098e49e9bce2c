import { backend_util, Concat, Slice, slice_util, SplitV, StridedSlice, util } from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { NativeAddon } from '../addon';
import { withExtras } from './extras';
import { float32Values, output, outputBuffer } from './tensor-data';

/**
 * Slice, StridedSlice (any strides, masks resolved by tfjs's `slice_util.sliceInfo`), SplitV (the gradient of
 * concat, e.g. of a ConcatConv's time channel) and Concat for float32 tensors: strided row copies. The cpu
 * backend does non-contiguous slices element by element through index arithmetic.
 */
export function sliceKernels(addon: NativeAddon, fallback: (name: string) => KernelFunc): KernelConfig[] {
  const sliceOf = (backend: MathBackendCPU, x: TensorInfo, xv: Float32Array, begin: number[], size: number[]) => {
    const out = outputBuffer(backend, util.sizeFromShape(size));
    if (out.length > 0) addon.slice(xv, x.shape, begin, size, out);
    return output(backend, size, out);
  };

  const slice: KernelFunc = (args) => {
    const backend = args.backend as MathBackendCPU;
    const { x } = args.inputs as { x: TensorInfo };
    const xv = float32Values(backend, x);
    if (!xv || x.shape.length === 0 || x.shape.length > 8) return fallback(Slice)(args);
    const a = args.attrs as NamedAttrMap;
    const [begin, size] = slice_util.parseSliceParams(x, a.begin as number | number[], a.size as number | number[]);
    slice_util.assertParamsValid(x, begin, size);
    return sliceOf(backend, x, xv, begin, size);
  };

  const splitV: KernelFunc = (args) => {
    const backend = args.backend as MathBackendCPU;
    const { x } = args.inputs as { x: TensorInfo };
    const xv = float32Values(backend, x);
    if (!xv || x.shape.length === 0 || x.shape.length > 8) return fallback(SplitV)(args);
    const a = args.attrs as NamedAttrMap;
    const axis = util.parseAxisParam(a.axis as number, x.shape)[0]!;
    const sizes = backend_util.prepareSplitSize(x, a.numOrSizeSplits as number | number[], axis);
    const begin = new Array<number>(x.shape.length).fill(0);
    const size = x.shape.slice();
    return sizes.map((s) => {
      size[axis] = s;
      const t = sliceOf(backend, x, xv, begin.slice(), size.slice());
      begin[axis]! += s;
      return t;
    });
  };

  const concat: KernelFunc = (args) => {
    const backend = args.backend as MathBackendCPU;
    const inputs = args.inputs as unknown as TensorInfo[];
    const a = args.attrs as NamedAttrMap;
    const values = inputs.map((t) => float32Values(backend, t));
    if (inputs.length === 0 || values.some((v) => !v)) return fallback(Concat)(args);
    const axis = util.parseAxisParam(a.axis as number, inputs[0]!.shape)[0]!;
    backend_util.assertParamsConsistent(inputs.map((t) => t.shape), axis);
    const outShape = backend_util.computeOutShape(inputs.map((t) => t.shape), axis);
    const out = outputBuffer(backend, util.sizeFromShape(outShape));
    const rows = util.sizeFromShape(outShape.slice(0, axis));
    const dstCols = util.sizeFromShape(outShape.slice(axis));
    let offset = 0;
    inputs.forEach((t, i) => {
      const cols = util.sizeFromShape(t.shape.slice(axis));
      if (cols > 0 && rows > 0) addon.copyRows(values[i]!, rows, cols, out, dstCols, offset);
      offset += cols;
    });
    return output(backend, outShape, out);
  };

  const ext = withExtras(addon);
  const stridedSlice: KernelFunc = (args) => {
    const backend = args.backend as MathBackendCPU;
    const { x } = args.inputs as { x: TensorInfo };
    const xv = float32Values(backend, x);
    const rank = x.shape.length;
    if (!xv || !ext.stridedSlice || rank === 0 || rank > 8) return fallback(StridedSlice)(args);
    const a = args.attrs as NamedAttrMap;
    const info = slice_util.sliceInfo(
      x.shape, a.begin as number[], a.end as number[], a.strides as number[], a.beginMask as number, a.endMask as number,
      a.ellipsisMask as number, a.newAxisMask as number, a.shrinkAxisMask as number,
    );
    if (info.isIdentity) {
      backend.incRef(x.dataId);
      return { dataId: x.dataId, shape: info.finalShape, dtype: x.dtype };
    }
    // The slice on every axis of x (shrunk axes keep size 1; new axes are only in finalShape).
    if (info.begin.length !== rank || info.end.length !== rank || info.strides.length !== rank) return fallback(StridedSlice)(args);
    const outShape = slice_util.computeOutShape(info.begin, info.end, info.strides).map((d) => Math.max(0, d));
    if (util.sizeFromShape(outShape) !== util.sizeFromShape(info.finalShape)) return fallback(StridedSlice)(args);
    const out = outputBuffer(backend, util.sizeFromShape(outShape));
    if (out.length > 0) ext.stridedSlice(xv, x.shape, info.begin, info.strides, outShape, out);
    return output(backend, info.finalShape, out);
  };

  return [
    { kernelName: Slice, backendName: 'native', kernelFunc: slice },
    { kernelName: StridedSlice, backendName: 'native', kernelFunc: stridedSlice },
    { kernelName: SplitV, backendName: 'native', kernelFunc: splitV },
    { kernelName: Concat, backendName: 'native', kernelFunc: concat },
  ];
}
