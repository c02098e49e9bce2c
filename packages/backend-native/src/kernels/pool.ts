import { AvgPool, AvgPoolGrad, backend_util, MaxPool, MaxPoolGrad } from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { NativeAddon } from '../addon';
import { float32Values, output, outputBuffer } from './tensor-data';

type PoolAttrs = Parameters<typeof backend_util.computePool2DInfo>;

/** The addon's pooling geometry: n, h, w, c, kh, kw, oh, ow, sh, sw, dh, dw, padTop, padLeft. */
function geometry(info: backend_util.Conv2DInfo): number[] {
  return [
    info.batchSize, info.inHeight, info.inWidth, info.inChannels, info.filterHeight, info.filterWidth, info.outHeight,
    info.outWidth, info.strideHeight, info.strideWidth, info.dilationHeight, info.dilationWidth, info.padInfo.top, info.padInfo.left,
  ];
}

/**
 * MaxPool and AvgPool of NHWC float32 tensors (2-D; tfjs routes 1-D pooling through them) and their gradients:
 * MaxPoolGrad sends each window's gradient to its first maximum, AvgPoolGrad spreads it over the window divided
 * by the window's full size (as tfjs's cpu kernel, also where 'same' padding cuts the window).
 */
export function poolKernels(addon: NativeAddon, fallback: (name: string) => KernelFunc): KernelConfig[] {
  const info = (shape: number[], attrs: NamedAttrMap) =>
    backend_util.computePool2DInfo(
      shape as PoolAttrs[0], attrs.filterSize as PoolAttrs[1], attrs.strides as PoolAttrs[2], 1,
      attrs.pad as PoolAttrs[4], attrs.dimRoundingMode as PoolAttrs[5],
    );

  const forward = (name: typeof MaxPool | typeof AvgPool, kind: 0 | 1): KernelFunc => (args) => {
    const backend = args.backend as MathBackendCPU;
    const { x } = args.inputs as { x: TensorInfo };
    const xv = float32Values(backend, x);
    if (!xv || x.shape.length !== 4) return fallback(name)(args);
    const g = info(x.shape, args.attrs as NamedAttrMap);
    const y = outputBuffer(backend, g.batchSize * g.outHeight * g.outWidth * g.inChannels);
    if (y.length > 0) addon.pool2d(kind, xv, y, ...geometry(g));
    return output(backend, g.outShape, y);
  };

  const maxPoolGrad: KernelFunc = (args) => {
    const backend = args.backend as MathBackendCPU;
    const { dy, input } = args.inputs as { dy: TensorInfo; input: TensorInfo };
    const dv = float32Values(backend, dy), xv = float32Values(backend, input);
    if (!dv || !xv || input.shape.length !== 4) return fallback(MaxPoolGrad)(args);
    const g = info(input.shape, args.attrs as NamedAttrMap);
    const dx = outputBuffer(backend, xv.length);
    if (dx.length > 0) addon.pool2dGrad(0, dv, xv, dx, ...geometry(g));
    return output(backend, input.shape, dx);
  };

  const avgPoolGrad: KernelFunc = (args) => {
    const backend = args.backend as MathBackendCPU;
    const { dy, input } = args.inputs as { dy: TensorInfo; input: TensorInfo };
    const dv = float32Values(backend, dy);
    if (!dv || input.shape.length !== 4) return fallback(AvgPoolGrad)(args);
    const g = info(input.shape, args.attrs as NamedAttrMap);
    const n = input.shape.reduce((a, b) => a * b, 1);
    const dx = outputBuffer(backend, n);
    if (dx.length > 0) addon.pool2dGrad(1, dv, dv, dx, ...geometry(g));
    return output(backend, input.shape, dx);
  };

  return [
    { kernelName: MaxPool, backendName: 'native', kernelFunc: forward(MaxPool, 0) },
    { kernelName: AvgPool, backendName: 'native', kernelFunc: forward(AvgPool, 1) },
    { kernelName: MaxPoolGrad, backendName: 'native', kernelFunc: maxPoolGrad },
    { kernelName: AvgPoolGrad, backendName: 'native', kernelFunc: avgPoolGrad },
  ];
}
