import {
  Add, AddN, backend_util, Equal, Greater, GreaterEqual, Less, LessEqual, Maximum, Minimum, Multiply, NotEqual, RealDiv, Select,
  SquaredDifference, Sub, util,
} from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { NativeAddon } from '../addon';
import { float32Values, output, outputBuffer } from './tensor-data';

/** Opcodes of the addon's `binary` entry point. */
const OPS = { [Add]: 0, [Sub]: 1, [Multiply]: 2, [RealDiv]: 3, [Maximum]: 4, [Minimum]: 5, [SquaredDifference]: 6 } as const;

/** Opcodes of the addon's `compare` entry point (boolean outputs). */
const COMPARISONS = { [Greater]: 0, [GreaterEqual]: 1, [Less]: 2, [LessEqual]: 3, [Equal]: 4, [NotEqual]: 5 } as const;

/** a ∘ b with numpy broadcasting on the addon, or null when an input is not float32 (the caller falls back). */
export function binaryBroadcast(
  addon: NativeAddon, backend: MathBackendCPU, op: number, a: TensorInfo, b: TensorInfo,
): TensorInfo | null {
  const av = float32Values(backend, a), bv = float32Values(backend, b);
  if (!av || !bv) return null;
  const outShape = backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
  if (outShape.length > 8) return null;
  const rank = outShape.length;
  const pad = (s: number[]) => [...new Array<number>(rank - s.length).fill(1), ...s];
  const out = outputBuffer(backend, util.sizeFromShape(outShape));
  if (out.length > 0) addon.binary(op, av, pad(a.shape), bv, pad(b.shape), out, outShape);
  return output(backend, outShape, out);
}

/**
 * Add, Sub, Multiply, RealDiv, Maximum and Minimum (NaN wins, as tfjs's cpu kernels) and SquaredDifference for
 * float32 tensors of any broadcastable shapes; AddN; the comparisons Greater, GreaterEqual, Less, LessEqual, Equal
 * and NotEqual (bool outputs) and Select (the masks of activation gradients).
 */
export function binaryKernels(addon: NativeAddon, fallback: (name: string) => KernelFunc): KernelConfig[] {
  // AddN (same shapes): the first sum into a fresh buffer, then the rest added in place.
  const addN: KernelFunc = (args) => {
    const backend = args.backend as MathBackendCPU;
    const inputs = args.inputs as unknown as TensorInfo[];
    const values = inputs.map((t) => float32Values(backend, t));
    if (inputs.length < 1 || values.some((v) => !v) || inputs.some((t) => !util.arraysEqual(t.shape, inputs[0]!.shape))) {
      return fallback(AddN)(args);
    }
    const shape = inputs[0]!.shape;
    const out = outputBuffer(backend, util.sizeFromShape(shape));
    if (inputs.length === 1) {
      out.set(values[0]!);
    } else if (out.length > 0) {
      addon.binary(0, values[0]!, shape, values[1]!, shape, out, shape);
      for (let i = 2; i < values.length; ++i) addon.binary(0, out, shape, values[i]!, shape, out, shape);
    }
    return output(backend, shape, out);
  };
  const binaries = (Object.keys(OPS) as (keyof typeof OPS)[]).map((name) => ({
    kernelName: name,
    backendName: 'native',
    kernelFunc: ((args) => {
      const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
      return binaryBroadcast(addon, args.backend as MathBackendCPU, OPS[name], a, b) ?? fallback(name)(args);
    }) as KernelFunc,
  }));
  const comparisons = (Object.keys(COMPARISONS) as (keyof typeof COMPARISONS)[]).map((name) => ({
    kernelName: name,
    backendName: 'native',
    kernelFunc: ((args) => {
      const backend = args.backend as MathBackendCPU;
      const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
      const av = float32Values(backend, a), bv = float32Values(backend, b);
      const outShape = backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
      if (!av || !bv || outShape.length > 8) return fallback(name)(args);
      const rank = outShape.length;
      const pad = (s: number[]) => [...new Array<number>(rank - s.length).fill(1), ...s];
      const out = new Uint8Array(util.sizeFromShape(outShape));
      if (out.length > 0) addon.compare(COMPARISONS[name], av, pad(a.shape), bv, pad(b.shape), out, outShape);
      return backend.makeTensorInfo(outShape, 'bool', out);
    }) as KernelFunc,
  }));
  const select: KernelFunc = (args) => {
    const backend = args.backend as MathBackendCPU;
    const { condition, t, e } = args.inputs as { condition: TensorInfo; t: TensorInfo; e: TensorInfo };
    const cv = backend.data.get(condition.dataId)?.values;
    const tv = float32Values(backend, t), ev = float32Values(backend, e);
    if (!(cv instanceof Uint8Array) || condition.dtype !== 'bool' || !tv || !ev || !util.arraysEqual(t.shape, e.shape)) {
      return fallback(Select)(args);
    }
    const out = outputBuffer(backend, tv.length);
    addon.select(cv, tv, ev, out);
    return output(backend, t.shape, out);
  };
  return [...binaries, ...comparisons, { kernelName: Select, backendName: 'native', kernelFunc: select }, { kernelName: AddN, backendName: 'native', kernelFunc: addN }];
}
