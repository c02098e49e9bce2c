import { backend_util, Conv2DBackpropInput } from '@tensorflow/tfjs-core';
import type { KernelBackend, KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';
import { withKernelCalls } from './kernel_calls';

interface Conv2DBackpropInputAttrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  inputShape: [number, number, number, number];
}

/**
 * The filter of the sub-pixel form of a transposed convolution: for stride s, the input gradient at padded row
 * a·s + r only sees filter rows r, r+s, r+2s, …; so one stride-1 forward convolution of dy with the filter
 * G[jh,jw,co,(rh,rw,ci)] = W[(mh-1-jh)·sh+rh, (mw-1-jw)·sw+rw, ci, co] (zero past the filter's edge) yields all
 * sh·sw phases at once as channels, without the (s²-1)/s² wasted products of zero-inserting dy.
 */
function subPixelFilter(w: Float32Array, kh: number, kw: number, cin: number, cout: number, sh: number, sw: number) {
  const mh = Math.ceil(kh / sh);
  const mw = Math.ceil(kw / sw);
  const outCh = sh * sw * cin;
  const g = new Float32Array(mh * mw * cout * outCh);
  for (let jh = 0; jh < mh; jh++) {
    for (let rh = 0; rh < sh; rh++) {
      const fh = (mh - 1 - jh) * sh + rh;
      if (fh >= kh) continue;
      for (let jw = 0; jw < mw; jw++) {
        for (let rw = 0; rw < sw; rw++) {
          const fw = (mw - 1 - jw) * sw + rw;
          if (fw >= kw) continue;
          for (let ci = 0; ci < cin; ci++) {
            const src = ((fh * kw + fw) * cin + ci) * cout;
            const dstCh = (rh * sw + rw) * cin + ci;
            const dst = (jh * mw + jw) * cout * outCh + dstCh;
            for (let co = 0; co < cout; co++) g[dst + co * outCh] = w[src + co];
          }
        }
      }
    }
  }
  return { g, mh, mw, outCh };
}

/** How to pad (positive) or crop (negative) dy on one axis so the convolution yields exactly the rows needed. */
function phaseWindow(top: number, size: number, outSize: number, stride: number, taps: number) {
  const a0 = Math.floor(top / stride);
  const a1 = Math.ceil((top + size) / stride);
  const before = taps - 1 - a0;
  const after = a1 - a0 - outSize - before + taps - 1;
  return { a0, count: a1 - a0, before, after, offset: top - a0 * stride };
}

/**
 * The input gradient of conv2d as one stride-1 forward convolution (sub-pixel decomposition for strides > 1),
 * then a depth-to-space transpose and a crop.
 */
export function conv2dBackpropInputConfig(backendName: string): KernelConfig {
  return {
    kernelName: Conv2DBackpropInput,
    backendName,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
      const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs as unknown as Conv2DBackpropInputAttrs;
      if (dataFormat === 'NCHW') {
        throw new Error(`Conv2DBackpropInput on '${backendName}': dataFormat 'NCHW' is not supported; use 'NHWC'`);
      }
      const info = backend_util.computeConv2DInfo(
        inputShape,
        filter.shape as [number, number, number, number],
        strides,
        1,
        pad,
        dimRoundingMode,
      );
      const { batchSize: n, inHeight: H, inWidth: W, inChannels: cin, outChannels: cout } = info;
      const { outHeight: oh, outWidth: ow, strideHeight: sh, strideWidth: sw } = info;
      const { filterHeight: kh, filterWidth: kw } = info;
      return withKernelCalls(backend as KernelBackend, backendName, (calls) => {
        const { g, mh, mw, outCh } = subPixelFilter(calls.read(filter) as Float32Array, kh, kw, cin, cout, sh, sw);
        const rows = phaseWindow(info.padInfo.top, H, oh, sh, mh);
        const cols = phaseWindow(info.padInfo.left, W, ow, sw, mw);
        let src = dy;
        if (rows.before < 0 || rows.after < 0 || cols.before < 0 || cols.after < 0) {
          const r0 = Math.max(0, -rows.before);
          const c0 = Math.max(0, -cols.before);
          src = calls.run(
            'Slice',
            { x: dy },
            {
              begin: [0, r0, c0, 0],
              size: [n, oh - r0 - Math.max(0, -rows.after), ow - c0 - Math.max(0, -cols.after), cout],
            },
          );
        }
        const conv = calls.run(
          'Conv2D',
          { x: src, filter: calls.upload(g, [mh, mw, cout, outCh]) },
          {
            strides: [1, 1],
            pad: [
              [0, 0],
              [Math.max(0, rows.before), Math.max(0, rows.after)],
              [Math.max(0, cols.before), Math.max(0, cols.after)],
              [0, 0],
            ],
            dataFormat: 'NHWC',
            dilations: [1, 1],
          },
        );
        let full = conv;
        if (sh > 1 || sw > 1) {
          const phases = calls.run('Reshape', { x: conv }, { shape: [n, rows.count, cols.count, sh, sw, cin] });
          const interleaved = calls.run('Transpose', { x: phases }, { perm: [0, 1, 3, 2, 4, 5] });
          full = calls.run('Reshape', { x: interleaved }, { shape: [n, rows.count * sh, cols.count * sw, cin] });
        }
        if (rows.offset === 0 && cols.offset === 0 && full.shape[1] === H && full.shape[2] === W) {
          return calls.keep(full);
        }
        return calls.keep(
          calls.run('Slice', { x: full }, { begin: [0, rows.offset, cols.offset, 0], size: [n, H, W, cin] }),
        );
      });
    },
  };
}
