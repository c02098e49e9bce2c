import { backend_util, Conv2D, Conv2DBackpropFilter, Conv2DBackpropInput, FusedConv2D, util } from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { NativeAddon } from '../addon';
import { float32Values, output, outputBuffer } from './tensor-data';
import { binaryBroadcast } from './binary';

type Fallback = (name: string) => KernelFunc;

/** The 17 geometry numbers the addon's conv entry points take, or null for layouts the addon does not handle. */
function geometry(info: backend_util.Conv2DInfo): number[] | null {
  if (info.dataFormat !== 'channelsLast' || info.inChannels !== info.filterShape[2]) return null;
  const p = info.padInfo;
  const g = [
    info.batchSize, info.inHeight, info.inWidth, info.inChannels,
    info.filterHeight, info.filterWidth, info.outChannels, info.outHeight, info.outWidth,
    info.strideHeight, info.strideWidth, info.dilationHeight, info.dilationWidth,
    p.top, p.left, p.bottom, p.right,
  ];
  if (g.slice(0, 9).some((v) => v <= 0) || g.slice(13).some((v) => v < 0)) return null;
  return g;
}

function dataFormatOf(attrs: NamedAttrMap): 'channelsLast' | 'channelsFirst' {
  return backend_util.convertConv2DDataFormat((attrs.dataFormat as 'NHWC' | 'NCHW' | undefined) ?? 'NHWC');
}

/** Conv2D, Conv2DBackpropInput, Conv2DBackpropFilter and FusedConv2D (linear/relu) on the addon. */
export function convKernels(addon: NativeAddon, fallback: Fallback): KernelConfig[] {
  const conv2d: KernelFunc = (args) => {
    const backend = args.backend as MathBackendCPU;
    const { x, filter } = args.inputs as { x: TensorInfo; filter: TensorInfo };
    const a = args.attrs as NamedAttrMap;
    const info = backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number], filter.shape as [number, number, number, number],
      a.strides as number | [number, number], (a.dilations as number | [number, number]) ?? 1,
      a.pad as 'valid' | 'same' | number, a.dimRoundingMode as 'floor' | undefined, false, dataFormatOf(a),
    );
    const g = geometry(info);
    const xv = float32Values(backend, x), wv = float32Values(backend, filter);
    if (!g || !xv || !wv) return fallback(Conv2D)(args);
    const y = outputBuffer(backend, util.sizeFromShape(info.outShape));
    addon.conv2dForward(xv, wv, y, ...g);
    return output(backend, info.outShape, y);
  };

  const backpropInput: KernelFunc = (args) => {
    const backend = args.backend as MathBackendCPU;
    const { dy, filter } = args.inputs as { dy: TensorInfo; filter: TensorInfo };
    const a = args.attrs as NamedAttrMap;
    const inputShape = a.inputShape as [number, number, number, number];
    const info = backend_util.computeConv2DInfo(
      inputShape, filter.shape as [number, number, number, number], a.strides as number | [number, number], 1,
      a.pad as 'valid' | 'same' | number, a.dimRoundingMode as 'floor' | undefined, false, dataFormatOf(a),
    );
    const g = geometry(info);
    const dyv = float32Values(backend, dy), wv = float32Values(backend, filter);
    if (!g || !dyv || !wv || !util.arraysEqual(dy.shape, info.outShape)) return fallback(Conv2DBackpropInput)(args);
    const dx = outputBuffer(backend, util.sizeFromShape(inputShape));
    addon.conv2dBackpropInput(dyv, wv, dx, ...g);
    return output(backend, [...inputShape], dx);
  };

  const backpropFilter: KernelFunc = (args) => {
    const backend = args.backend as MathBackendCPU;
    const { x, dy } = args.inputs as { x: TensorInfo; dy: TensorInfo };
    const a = args.attrs as NamedAttrMap;
    const filterShape = a.filterShape as [number, number, number, number];
    const info = backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number], filterShape, a.strides as number | [number, number], 1,
      a.pad as 'valid' | 'same' | number, a.dimRoundingMode as 'floor' | undefined, false, dataFormatOf(a),
    );
    const g = geometry(info);
    const xv = float32Values(backend, x), dyv = float32Values(backend, dy);
    if (!g || !xv || !dyv || !util.arraysEqual(dy.shape, info.outShape)) return fallback(Conv2DBackpropFilter)(args);
    const dw = outputBuffer(backend, util.sizeFromShape(filterShape));
    addon.conv2dBackpropFilter(xv, dyv, dw, ...g);
    return output(backend, [...filterShape], dw);
  };

  const fused: KernelFunc = (args) => {
    const backend = args.backend as MathBackendCPU;
    const { bias, preluActivationWeights } = args.inputs as { bias?: TensorInfo; preluActivationWeights?: TensorInfo };
    const activation = (args.attrs as NamedAttrMap).activation as string | undefined;
    if (preluActivationWeights || (activation && activation !== 'linear' && activation !== 'relu')) {
      return fallback(FusedConv2D)(args);
    }
    let y = conv2d(args) as TensorInfo;
    if (bias) {
      const withBias = binaryBroadcast(addon, backend, 0, y, bias);
      if (!withBias) {
        backend.disposeIntermediateTensorInfo(y);
        return fallback(FusedConv2D)(args);
      }
      backend.disposeIntermediateTensorInfo(y);
      y = withBias;
    }
    if (activation === 'relu') {
      const values = float32Values(backend, y)!;
      const out = outputBuffer(backend, values.length);
      addon.unary(0, values, out, 0);
      backend.disposeIntermediateTensorInfo(y);
      y = output(backend, y.shape, out);
    }
    return y;
  };

  return [
    { kernelName: Conv2D, backendName: 'native', kernelFunc: conv2d },
    { kernelName: Conv2DBackpropInput, backendName: 'native', kernelFunc: backpropInput },
    { kernelName: Conv2DBackpropFilter, backendName: 'native', kernelFunc: backpropFilter },
    { kernelName: FusedConv2D, backendName: 'native', kernelFunc: fused },
  ];
}
