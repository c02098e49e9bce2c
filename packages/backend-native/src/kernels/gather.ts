import { backend_util, GatherV2, OneHot, ScatterNd, TopK, UnsortedSegmentSum, util } from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { NativeAddon } from '../addon';
import { float32Values, output, outputBuffer } from './tensor-data';

function int32Values(backend: MathBackendCPU, t: TensorInfo): Int32Array | null {
  if (t.dtype !== 'int32') return null;
  const v = backend.data.get(t.dataId)?.values;
  return v instanceof Int32Array ? v : null;
}

/**
 * GatherV2 (batchDims 0) and UnsortedSegmentSum (its gradient) as row copies / row sums, ScatterNd (summing
 * repeated indices, as tfjs; a segment sum over the flattened indices), TopK (per-row partial sort; ties to the
 * lower index, as tfjs), and OneHot to float32 or int32. float32 data, int32 indices.
 */
export function gatherKernels(addon: NativeAddon, fallback: (name: string) => KernelFunc): KernelConfig[] {
  const gather: KernelFunc = (args) => {
    const backend = args.backend as MathBackendCPU;
    const { x, indices } = args.inputs as { x: TensorInfo; indices: TensorInfo };
    const a = args.attrs as NamedAttrMap;
    const xv = float32Values(backend, x), iv = int32Values(backend, indices);
    if (!xv || !iv || ((a.batchDims as number | undefined) ?? 0) !== 0 || x.shape.length === 0) return fallback(GatherV2)(args);
    const axis = util.parseAxisParam(a.axis as number, x.shape)[0]!;
    const outer = util.sizeFromShape(x.shape.slice(0, axis)), inner = util.sizeFromShape(x.shape.slice(axis + 1));
    const outShape = [...x.shape.slice(0, axis), ...indices.shape, ...x.shape.slice(axis + 1)];
    const out = outputBuffer(backend, util.sizeFromShape(outShape));
    try {
      addon.gather(xv, outer, x.shape[axis]!, inner, iv, out);
    } catch (e) {
      throw new Error(`GatherV2: indices must be in [0, ${x.shape[axis]}) along axis ${axis} of a tensor of shape [${x.shape}] (${(e as Error).message})`);
    }
    return output(backend, outShape, out);
  };

  const segmentSum: KernelFunc = (args) => {
    const backend = args.backend as MathBackendCPU;
    const { x, segmentIds } = args.inputs as { x: TensorInfo; segmentIds: TensorInfo };
    const xv = float32Values(backend, x), iv = int32Values(backend, segmentIds);
    if (!xv || !iv || segmentIds.shape.length !== 1 || x.shape.length < 1) return fallback(UnsortedSegmentSum)(args);
    const numSegments = (args.attrs as NamedAttrMap).numSegments as number;
    const inner = util.sizeFromShape(x.shape.slice(1));
    const outShape = [numSegments, ...x.shape.slice(1)];
    const out = outputBuffer(backend, util.sizeFromShape(outShape));
    addon.unsortedSegmentSum(xv, x.shape[0]!, inner, iv, numSegments, out);
    return output(backend, outShape, out);
  };

  const topk: KernelFunc = (args) => {
    const backend = args.backend as MathBackendCPU;
    const { x } = args.inputs as { x: TensorInfo };
    const xv = float32Values(backend, x);
    const { k } = args.attrs as { k: number };
    if (!xv || x.shape.length === 0) return fallback(TopK)(args);
    const n = x.shape[x.shape.length - 1]!;
    const rows = n === 0 ? 0 : xv.length / n;
    const outShape = [...x.shape.slice(0, -1), k];
    const values = outputBuffer(backend, rows * k), indices = new Int32Array(rows * k);
    addon.topk(xv, rows, n, k, values, indices);
    return [output(backend, outShape, values), backend.makeTensorInfo(outShape, 'int32', indices)];
  };

  const oneHot: KernelFunc = (args) => {
    const backend = args.backend as MathBackendCPU;
    const { indices } = args.inputs as { indices: TensorInfo };
    const a = args.attrs as NamedAttrMap;
    const iv = int32Values(backend, indices);
    if (!iv || (a.dtype !== 'float32' && a.dtype !== 'int32')) return fallback(OneHot)(args);
    const depth = a.depth as number;
    const shape = [...indices.shape, depth];
    if (a.dtype === 'int32') {
      // tf.oneHot's default dtype: a fill and one write per row.
      const on = a.onValue as number, out = new Int32Array(iv.length * depth).fill(a.offValue as number);
      for (let i = 0; i < iv.length; ++i) if (iv[i]! >= 0 && iv[i]! < depth) out[i * depth + iv[i]!] = on;
      return backend.makeTensorInfo(shape, 'int32', out);
    }
    const out = outputBuffer(backend, iv.length * depth);
    addon.oneHot(iv, depth, a.onValue as number, a.offValue as number, out);
    return output(backend, shape, out);
  };

  const scatterNd: KernelFunc = (args) => {
    const backend = args.backend as MathBackendCPU;
    const { indices, updates } = args.inputs as { indices: TensorInfo; updates: TensorInfo };
    const shape = (args.attrs as NamedAttrMap).shape as number[];
    const iv = int32Values(backend, indices), uv = float32Values(backend, updates);
    if (!iv || !uv) return fallback(ScatterNd)(args);
    const { sliceRank, numUpdates, sliceSize, strides, outputSize } = backend_util.calculateShapes(updates, indices, shape);
    const out = outputBuffer(backend, outputSize);
    if (outputSize === 0) return output(backend, shape, out);
    const segments = outputSize / sliceSize;
    const ids = new Int32Array(numUpdates);
    for (let i = 0; i < numUpdates; ++i) {
      let flat = 0;
      for (let j = 0; j < sliceRank; ++j) flat += iv[i * sliceRank + j]! * strides[j]!;
      if (flat < 0 || flat >= segments) {
        const index = Array.from(iv.subarray(i * sliceRank, (i + 1) * sliceRank));
        throw new Error(`ScatterNd: indices row ${i} = [${index}] does not index into shape [${shape}]; each row of indices must address a slice inside shape`);
      }
      ids[i] = flat;
    }
    addon.unsortedSegmentSum(uv, numUpdates, sliceSize, ids, segments, out);
    return output(backend, shape, out);
  };

  return [
    { kernelName: GatherV2, backendName: 'native', kernelFunc: gather },
    { kernelName: UnsortedSegmentSum, backendName: 'native', kernelFunc: segmentSum },
    { kernelName: TopK, backendName: 'native', kernelFunc: topk },
    { kernelName: OneHot, backendName: 'native', kernelFunc: oneHot },
    { kernelName: ScatterNd, backendName: 'native', kernelFunc: scatterNd },
  ];
}
