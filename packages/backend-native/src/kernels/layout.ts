import { MirrorPad, PadV2, Tile, Transpose, util } from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { NativeAddon } from '../addon';
import { float32Values, output, outputBuffer } from './tensor-data';

/**
 * PadV2 (constant), MirrorPad (reflect, symmetric), Transpose and Tile for float32 tensors of rank 1–8: block
 * copies of whole rows, and cache tiles where a transpose moves the innermost axis. The cpu kernels convert
 * every element's index to coordinates and back (PadV2 alone was 660 of 981 ms of a plain-ops ResNet step).
 */
export function layoutKernels(addon: NativeAddon, fallback: (name: string) => KernelFunc): KernelConfig[] {
  const usable = (backend: MathBackendCPU, x: TensorInfo) => (x.shape.length >= 1 && x.shape.length <= 8 ? float32Values(backend, x) : null);

  const padWith = (name: typeof PadV2 | typeof MirrorPad): KernelFunc => (args) => {
    const backend = args.backend as MathBackendCPU;
    const { x } = args.inputs as { x: TensorInfo };
    const a = args.attrs as NamedAttrMap;
    const xv = usable(backend, x);
    if (!xv) return fallback(name)(args);
    const paddings = a.paddings as [number, number][];
    const before = paddings.map((p) => p[0]), after = paddings.map((p) => p[1]);
    const outShape = x.shape.map((d, i) => before[i]! + d + after[i]!);
    const mode = name === PadV2 ? 0 : a.mode === 'reflect' ? 1 : 2;
    const out = outputBuffer(backend, util.sizeFromShape(outShape));
    if (out.length > 0) addon.pad(xv, x.shape, before, after, mode, name === PadV2 ? ((a.constantValue as number | undefined) ?? 0) : 0, out);
    return output(backend, outShape, out);
  };

  const transpose: KernelFunc = (args) => {
    const backend = args.backend as MathBackendCPU;
    const { x } = args.inputs as { x: TensorInfo };
    const xv = usable(backend, x);
    if (!xv) return fallback(Transpose)(args);
    const perm = (args.attrs as NamedAttrMap).perm as number[];
    const outShape = perm.map((p) => x.shape[p]!);
    const out = outputBuffer(backend, xv.length);
    if (out.length > 0) addon.transpose(xv, x.shape, perm, out);
    return output(backend, outShape, out);
  };

  const tile: KernelFunc = (args) => {
    const backend = args.backend as MathBackendCPU;
    const { x } = args.inputs as { x: TensorInfo };
    const xv = usable(backend, x);
    if (!xv) return fallback(Tile)(args);
    const reps = (args.attrs as NamedAttrMap).reps as number[];
    const outShape = x.shape.map((d, i) => d * reps[i]!);
    const out = outputBuffer(backend, util.sizeFromShape(outShape));
    if (out.length > 0) addon.tile(xv, x.shape, reps, out);
    return output(backend, outShape, out);
  };

  return [
    { kernelName: PadV2, backendName: 'native', kernelFunc: padWith(PadV2) },
    { kernelName: MirrorPad, backendName: 'native', kernelFunc: padWith(MirrorPad) },
    { kernelName: Transpose, backendName: 'native', kernelFunc: transpose },
    { kernelName: Tile, backendName: 'native', kernelFunc: tile },
  ];
}
