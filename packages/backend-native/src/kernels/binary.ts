import { Add, AddN, backend_util, Maximum, Multiply, RealDiv, Sub, util } from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { NativeAddon } from '../addon';
import { float32Values, output, outputBuffer } from './tensor-data';

/** Opcodes of the addon's `binary` entry point. */
const OPS = { [Add]: 0, [Sub]: 1, [Multiply]: 2, [RealDiv]: 3, [Maximum]: 4 } as const;

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

/** Add, Sub, Multiply, RealDiv and Maximum (NaN wins, as tfjs's cpu kernel) for float32 tensors of any broadcastable shapes, and AddN. */
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
  return [...binaries, { kernelName: AddN, backendName: 'native', kernelFunc: addN }];
}
