import { backend_util, MaxPoolGrad } from '@tensorflow/tfjs-core';
import type { KernelBackend, KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';

interface MaxPoolGradAttrs {
  filterSize: [number, number] | number;
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/**
 * The max-pool gradient: each output's dy goes to the first maximum of its window (row-major), as on the cpu
 * backend; padding never wins. Channels are the innermost loop, so it reads NHWC memory in order.
 */
export function maxPoolGradConfig(backendName: string): KernelConfig {
  return {
    kernelName: MaxPoolGrad,
    backendName,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { dy, input } = inputs as { dy: TensorInfo; input: TensorInfo };
      const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as MaxPoolGradAttrs;
      const b = backend as KernelBackend;
      const info = backend_util.computePool2DInfo(
        input.shape as [number, number, number, number],
        filterSize,
        strides,
        1,
        pad,
        dimRoundingMode,
      );
      const { batchSize: n, inHeight: H, inWidth: W, inChannels: c, outHeight: oh, outWidth: ow } = info;
      const { strideHeight: sh, strideWidth: sw, filterHeight: fh, filterWidth: fw } = info;
      const { top, left } = info.padInfo;
      const x = b.readSync(input.dataId) as Float32Array;
      const g = b.readSync(dy.dataId) as Float32Array;
      const dx = new Float32Array(x.length);
      const best = new Float32Array(c);
      const where = new Int32Array(c);
      for (let bi = 0; bi < n; bi++) {
        for (let oy = 0; oy < oh; oy++) {
          const y0 = oy * sh - top;
          for (let ox = 0; ox < ow; ox++) {
            const x0 = ox * sw - left;
            best.fill(-Infinity);
            where.fill(-1);
            for (let ky = 0; ky < fh; ky++) {
              const y = y0 + ky;
              if (y < 0 || y >= H) continue;
              for (let kx = 0; kx < fw; kx++) {
                const xx = x0 + kx;
                if (xx < 0 || xx >= W) continue;
                const base = ((bi * H + y) * W + xx) * c;
                for (let ch = 0; ch < c; ch++) {
                  const v = x[base + ch];
                  if (v > best[ch] || where[ch] < 0) {
                    best[ch] = v;
                    where[ch] = base + ch;
                  }
                }
              }
            }
            const gBase = ((bi * oh + oy) * ow + ox) * c;
            for (let ch = 0; ch < c; ch++) if (where[ch] >= 0) dx[where[ch]] += g[gBase + ch];
          }
        }
      }
      return { dataId: b.write(dx, input.shape, 'float32'), shape: input.shape, dtype: 'float32' };
    },
  };
}
