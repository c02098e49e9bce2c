import { backend_util, Conv2DBackpropFilter } from '@tensorflow/tfjs-core';
import type { KernelBackend, KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';
import { withKernelCalls } from './kernel_calls';

interface Conv2DBackpropFilterAttrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: [number, number, number, number];
}

/**
 * The filter gradient of conv2d (and so of conv1d) as one forward convolution, which every backend has fast:
 * dW[kh,kw,ci,co] = Σ_{n,oh,ow} xpad[n, oh·sh+kh, ow·sw+kw, ci] · dy[n,oh,ow,co]
 * is the convolution of x transposed to [Cin,H,W,N] with dy transposed to [OH,OW,N,Cout] as the filter,
 * at dilation (sh, sw), whose output [Cin,KH,KW,Cout] is transposed back to [KH,KW,Cin,Cout].
 */
export function conv2dBackpropFilterConfig(backendName: string): KernelConfig {
  return {
    kernelName: Conv2DBackpropFilter,
    backendName,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
      const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as Conv2DBackpropFilterAttrs;
      if (dataFormat === 'NCHW') {
        throw new Error(`Conv2DBackpropFilter on '${backendName}': dataFormat 'NCHW' is not supported; use 'NHWC'`);
      }
      const info = backend_util.computeConv2DInfo(
        x.shape as [number, number, number, number],
        filterShape,
        strides,
        1,
        pad,
        dimRoundingMode,
      );
      const { inHeight: H, inWidth: W, inChannels: cin, outHeight: oh, outWidth: ow } = info;
      const { strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw } = info;
      const { top, left } = info.padInfo;
      return withKernelCalls(backend as KernelBackend, backendName, (calls) => {
        // Rows and columns of the padded input that some filter tap reaches.
        const bottom = (oh - 1) * sh + kh - top - H;
        const right = (ow - 1) * sw + kw - left - W;
        let xt = calls.run('Transpose', { x }, { perm: [3, 1, 2, 0] });
        if (bottom < 0 || right < 0) {
          xt = calls.run(
            'Slice',
            { x: xt },
            { begin: [0, 0, 0, 0], size: [cin, H + Math.min(0, bottom), W + Math.min(0, right), x.shape[0]] },
          );
        }
        const dyt = calls.run('Transpose', { x: dy }, { perm: [1, 2, 0, 3] });
        const conv = calls.run(
          'Conv2D',
          { x: xt, filter: dyt },
          {
            strides: [1, 1],
            pad: [
              [0, 0],
              [top, Math.max(0, bottom)],
              [left, Math.max(0, right)],
              [0, 0],
            ],
            dataFormat: 'NHWC',
            dilations: [sh, sw],
          },
        );
        return calls.keep(calls.run('Transpose', { x: conv }, { perm: [1, 2, 0, 3] }));
      });
    },
  };
}
