import { backend_util, getKernel, Mean, Sum, util } from '@tensorflow/tfjs-core';
import type { KernelBackend, KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';
import { hostArrays } from './host_arrays';

/** Dims with reduced neighbours merged (size-1 dims dropped), each marked reduced or kept. */
export function collapseReduction(shape: number[], axes: number[]) {
  const dims: number[] = [];
  const reduced: boolean[] = [];
  shape.forEach((d, i) => {
    if (d === 1) return;
    const r = axes.includes(i);
    const k = dims.length - 1;
    if (k >= 0 && reduced[k] === r) dims[k] *= d;
    else {
      dims.push(d);
      reduced.push(r);
    }
  });
  return { dims, reduced };
}

/**
 * Sums `x` over the reduced dims into `acc` (float64, one entry per kept element, in order), one pass over `x`
 * in memory order.
 */
export function sumInto(x: Float32Array, shape: number[], axes: number[], acc: Float64Array): void {
  const { dims, reduced } = collapseReduction(shape, axes);
  if (dims.length === 0) {
    if (x.length > 0) acc[0] += x[0];
    return;
  }
  const outStr = new Array<number>(dims.length);
  let s = 1;
  for (let k = dims.length - 1; k >= 0; k--) {
    outStr[k] = reduced[k] ? 0 : s;
    if (!reduced[k]) s *= dims[k];
  }
  const last = dims.length - 1;
  const n = dims[last];
  const outer = x.length / n;
  const idx = new Array<number>(last).fill(0);
  let o = 0;
  for (let p = 0; p < outer; p++) {
    const base = p * n;
    if (reduced[last]) {
      let t = 0;
      for (let j = 0; j < n; j++) t += x[base + j];
      acc[o] += t;
    } else {
      for (let j = 0; j < n; j++) acc[o + j] += x[base + j];
    }
    for (let k = last - 1; k >= 0; k--) {
      idx[k]++;
      o += outStr[k];
      if (idx[k] < dims[k]) break;
      o -= outStr[k] * dims[k];
      idx[k] = 0;
    }
  }
}

/**
 * Sum and Mean of float32 tensors over any axes as one JavaScript pass in memory order with float64 accumulators,
 * instead of the wasm build's transpose-then-reduce (~40 ns per element for `[N,H,W,C] → [C]`). Reductions over
 * the innermost axis only, and other dtypes, go to the backend's own kernel.
 */
export function reduceSumConfig(kernelName: typeof Sum | typeof Mean, backendName: string): KernelConfig {
  const own = getKernel(kernelName, backendName);
  if (own == null) throw new Error(`reduceSumConfig: backend '${backendName}' has no '${kernelName}' kernel to fall back to`);
  return {
    kernelName,
    backendName,
    setupFunc: own.setupFunc,
    disposeFunc: own.disposeFunc,
    kernelFunc: (args) => {
      const { x } = args.inputs as { x: TensorInfo };
      const { axis, keepDims } = args.attrs as unknown as { axis: number | number[]; keepDims: boolean };
      const axes = util.parseAxisParam(axis, x.shape);
      const { reduced } = collapseReduction(x.shape, axes);
      const innermostOnly = reduced.length <= 2 && reduced[reduced.length - 1] === true;
      if (x.dtype !== 'float32' || innermostOnly || util.sizeFromShape(x.shape) === 0) return own.kernelFunc(args);
      const [kept] = backend_util.computeOutAndReduceShapes(x.shape, axes);
      const outShape = keepDims ? backend_util.expandShapeToKeepDim(kept, axes) : kept;
      const host = hostArrays(args.backend as KernelBackend, backendName);
      const out = host.output(outShape);
      const acc = new Float64Array(util.sizeFromShape(outShape));
      sumInto(host.view(x), x.shape, axes, acc);
      const scale = kernelName === Mean ? acc.length / util.sizeFromShape(x.shape) : 1;
      const o = host.view(out);
      for (let i = 0; i < acc.length; i++) o[i] = acc[i] * scale;
      return out;
    },
  };
}
