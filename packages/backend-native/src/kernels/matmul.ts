import { _FusedMatMul, BatchMatMul, backend_util, FusedBatchNorm, Softmax, util } from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { NativeAddon } from '../addon';
import { binaryBroadcast } from './binary';
import { float32Values, output, outputBuffer } from './tensor-data';

/** Activations of `_FusedMatMul` → the addon's `unary` kind (prelu goes to the cpu kernel). */
const FUSED_ACTIVATIONS: Record<string, number> = { relu: 0, sigmoid: 5, elu: 7, relu6: 9, leakyrelu: 10 };

/**
 * BatchMatMul and `_FusedMatMul` (bias + linear/relu/relu6/elu/sigmoid/leakyrelu) through the addon's SGEMM
 * (oneDNN or OpenBLAS; batches broadcast when one side has a single matrix), Softmax over the last axis, and
 * FusedBatchNorm (tfjs's batchNorm: mean, variance, offset and scale broadcast along the innermost axis).
 */
export function matmulKernels(addon: NativeAddon, fallback: (name: string) => KernelFunc): KernelConfig[] {
  const matmul = (backend: MathBackendCPU, a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean): TensorInfo | null => {
    const av = float32Values(backend, a), bv = float32Values(backend, b);
    if (!av || !bv || a.shape.length < 2 || b.shape.length < 2) return null;
    const ra = a.shape.length, rb = b.shape.length;
    const m = transposeA ? a.shape[ra - 1]! : a.shape[ra - 2]!;
    const k = transposeA ? a.shape[ra - 2]! : a.shape[ra - 1]!;
    const k2 = transposeB ? b.shape[rb - 1]! : b.shape[rb - 2]!;
    const n = transposeB ? b.shape[rb - 2]! : b.shape[rb - 1]!;
    if (k !== k2) return null; // the cpu kernel throws tfjs's own message
    const outerA = a.shape.slice(0, -2), outerB = b.shape.slice(0, -2);
    const batchA = util.sizeFromShape(outerA), batchB = util.sizeFromShape(outerB);
    if (batchA !== batchB && batchA !== 1 && batchB !== 1) return null;
    const outer = backend_util.assertAndGetBroadcastShape(outerA, outerB);
    const outShape = [...outer, m, n];
    const out = outputBuffer(backend, util.sizeFromShape(outShape));
    if (out.length > 0) addon.batchMatMul(av, bv, out, batchA, batchB, m, n, k, transposeA, transposeB);
    return output(backend, outShape, out);
  };

  const batchMatMul: KernelFunc = (args) => {
    const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
    const attrs = args.attrs as NamedAttrMap;
    return matmul(args.backend as MathBackendCPU, a, b, !!attrs.transposeA, !!attrs.transposeB) ?? fallback(BatchMatMul)(args);
  };

  const fusedMatMul: KernelFunc = (args) => {
    const backend = args.backend as MathBackendCPU;
    const { a, b, bias, preluActivationWeights } = args.inputs as Record<string, TensorInfo | undefined>;
    const attrs = args.attrs as NamedAttrMap;
    const activation = (attrs.activation as string | undefined) ?? 'linear';
    if (preluActivationWeights || (activation !== 'linear' && !(activation in FUSED_ACTIVATIONS))) return fallback(_FusedMatMul)(args);
    if (bias && !float32Values(backend, bias)) return fallback(_FusedMatMul)(args);
    let y = matmul(backend, a!, b!, !!attrs.transposeA, !!attrs.transposeB);
    if (!y) return fallback(_FusedMatMul)(args);
    if (bias) {
      const sum = binaryBroadcast(addon, backend, 0, y, bias);
      if (!sum) return fallback(_FusedMatMul)(args);
      backend.disposeIntermediateTensorInfo(y);
      y = sum;
    }
    if (activation !== 'linear') {
      const v = float32Values(backend, y)!;
      addon.unary(FUSED_ACTIVATIONS[activation]!, v, v, (attrs.leakyreluAlpha as number | undefined) ?? 0.2);
    }
    return y;
  };

  const softmax: KernelFunc = (args) => {
    const backend = args.backend as MathBackendCPU;
    const { logits } = args.inputs as { logits: TensorInfo };
    const xv = float32Values(backend, logits);
    const dim = (args.attrs as NamedAttrMap).dim as number;
    const rank = logits.shape.length;
    if (!xv || rank === 0 || (dim !== -1 && dim !== rank - 1)) return fallback(Softmax)(args);
    const n = logits.shape[rank - 1]!;
    const y = outputBuffer(backend, xv.length);
    if (y.length > 0) addon.softmax(xv, y, xv.length / n, n);
    return output(backend, logits.shape, y);
  };

  const batchNorm: KernelFunc = (args) => {
    const backend = args.backend as MathBackendCPU;
    const { x, mean, variance, offset, scale } = args.inputs as Record<string, TensorInfo | undefined>;
    const xv = float32Values(backend, x!), mv = float32Values(backend, mean!), vv = float32Values(backend, variance!);
    const ov = offset ? float32Values(backend, offset) : null, sv = scale ? float32Values(backend, scale) : null;
    if (!xv || !mv || !vv || (offset && !ov) || (scale && !sv)) return fallback(FusedBatchNorm)(args);
    const eps = ((args.attrs as NamedAttrMap).varianceEpsilon as number | undefined) ?? 0.001;
    const y = outputBuffer(backend, xv.length);
    addon.batchNorm(xv, mv, vv, ov, sv, eps, y);
    return output(backend, x!.shape, y);
  };

  return [
    { kernelName: BatchMatMul, backendName: 'native', kernelFunc: batchMatMul },
    { kernelName: _FusedMatMul, backendName: 'native', kernelFunc: fusedMatMul },
    { kernelName: Softmax, backendName: 'native', kernelFunc: softmax },
    { kernelName: FusedBatchNorm, backendName: 'native', kernelFunc: batchNorm },
  ];
}
