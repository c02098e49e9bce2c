import * as tf from '@tensorflow/tfjs-core';
import { FusedBatchNorm, Mean, Relu, Relu6, Sum, util } from '@tensorflow/tfjs-core';
import type { GradConfig, KernelConfig, KernelFunc, NamedAttrMap, Tensor, TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { NativeAddon } from '../addon';
import { withExtras } from './extras';
import { float32Values, output, outputBuffer } from './tensor-data';

/** Kernel of the native backend: all five gradients of FusedBatchNorm (statistics per channel) in one pass. */
export const BATCH_NORM_GRAD_KERNEL = 'NeuralOdeBatchNormGrad';

/** Kernel of the native backend: the gradient of relu (attr `kind` 0) or relu6 (1), inputs `{dy, x}`, in one pass. */
export const RELU_GRAD_KERNEL = 'NeuralOdeReluGrad';

/**
 * `NeuralOdeBatchNormGrad`: inputs `{dy, x, mean, variance, scale?}` (float32; mean, variance, scale rank 1 over
 * x's innermost axis), attr `varianceEpsilon`; outputs `[dx, dmean, dvariance, dscale, doffset]`. Registered only
 * when the addon has the entry point.
 */
export function batchNormGradKernels(addon: NativeAddon): KernelConfig[] {
  const ext = withExtras(addon);
  const configs: KernelConfig[] = [];
  if (ext.reluGrad) {
    const reluGrad = ext.reluGrad.bind(addon);
    configs.push({
      kernelName: RELU_GRAD_KERNEL,
      backendName: 'native',
      kernelFunc: (args) => {
        const backend = args.backend as MathBackendCPU;
        const { dy, x } = args.inputs as { dy: TensorInfo; x: TensorInfo };
        const dv = float32Values(backend, dy), xv = float32Values(backend, x);
        if (!dv || !xv || dv.length !== xv.length) throw new Error(`${RELU_GRAD_KERNEL}: dy and x must be float32 tensors of one size`);
        const dx = outputBuffer(backend, dv.length);
        reluGrad((args.attrs as NamedAttrMap).kind as number, dv, xv, dx);
        return output(backend, dy.shape, dx);
      },
    });
  }
  if (!ext.batchNormGrad) return configs; // an addon built from older sources: tfjs's gradient ops run instead
  const kernelFunc: KernelFunc = (args) => {
    const backend = args.backend as MathBackendCPU;
    const { dy, x, mean, variance, scale } = args.inputs as Record<string, TensorInfo | undefined>;
    const eps = (args.attrs as NamedAttrMap).varianceEpsilon as number;
    const vals = [dy, x, mean, variance].map((t) => (t ? float32Values(backend, t) : null));
    const sv = scale ? float32Values(backend, scale) : null;
    if (!ext.batchNormGrad || vals.some((v) => !v) || (scale && !sv)) {
      throw new Error(`${BATCH_NORM_GRAD_KERNEL}: dy, x, mean, variance (and scale) must be float32 tensors of the native backend`);
    }
    const c = mean!.shape[0]!;
    const dx = outputBuffer(backend, vals[1]!.length);
    const d = [0, 1, 2, 3].map(() => new Float32Array(c));
    ext.batchNormGrad(vals[0]!, vals[1]!, vals[2]!, vals[3]!, sv, eps, dx, d[0]!, d[1]!, d[2]!, d[3]!);
    return [output(backend, x!.shape, dx), ...d.map((v) => backend.makeTensorInfo([c], 'float32', v))];
  };
  return [...configs, { kernelName: BATCH_NORM_GRAD_KERNEL, backendName: 'native', kernelFunc }];
}

const isNative = () => tf.getBackend() === 'native';

/** `dy` (a reduction's output) broadcast back over the reduced axes of `shape`, as one Tile. */
function broadcastBack(dy: Tensor, shape: number[], axes: number[]): Tensor {
  const expanded = shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const reps = shape.map((d, i) => (axes.includes(i) ? d : 1));
  return tf.tile(tf.reshape(dy, expanded), reps);
}

/** The gradients tfjs-core registers, kept so that every other backend (and every case not handled) uses them. */
const originals = new Map<string, GradConfig>();

/**
 * Gradients that tfjs-core writes as many full-size ops, computed in fewer passes on the native backend (the
 * same values; tfjs-core's own gradient runs on every other backend and in every case not handled here):
 * - FusedBatchNorm (tf.layers' batchNormalization, tf.batchNorm): ~10 full-size ops → one kernel,
 *   {@link BATCH_NORM_GRAD_KERNEL}, with statistics per channel;
 * - Mean and Sum: `dy · ones(x.shape) / n` (a JS-filled `ones`, a multiply and a divide) → `dy / n` tiled once;
 * - Relu and Relu6: `dy · cast(step(x))` (relu6: also lessEqual and a product of masks) → one kernel,
 *   {@link RELU_GRAD_KERNEL}.
 * Installed when tfjs-core's gradients are registered (e.g. after `import '@tensorflow/tfjs'`); a later
 * registration of tfjs's gradients replaces them again (correct, only slower).
 */
export function registerNativeGradients(): void {
  const wrap = (name: string, native: (dy: Tensor, saved: Tensor[], attrs: NamedAttrMap, original: GradConfig) => Record<string, () => Tensor> | null) => {
    const current = tf.getGradient(name);
    if (!current) return; // tfjs's gradients are not registered (tfjs-core alone): nothing to speed up
    if (originals.get(name) && (current as { native?: boolean }).native) return;
    const original = current;
    originals.set(name, original);
    const config: GradConfig & { native: boolean } = {
      ...original,
      native: true,
      gradFunc: (dy, saved, attrs) => {
        const dyT = dy as Tensor;
        const fast = isNative() && !Array.isArray(dy) && dyT.dtype === 'float32' ? native(dyT, saved, attrs, original) : null;
        return fast ?? original.gradFunc(dy, saved, attrs);
      },
    };
    tf.registerGradient(config);
  };

  wrap(FusedBatchNorm, (dy, saved, attrs) => {
    const [x, mean, variance, scale] = saved as [Tensor, Tensor, Tensor, Tensor | undefined];
    const c = mean.shape[0];
    const rank1 = (t: Tensor | undefined) => !t || (t.rank === 1 && t.shape[0] === c && t.dtype === 'float32');
    if (!x || x.dtype !== 'float32' || x.rank < 1 || mean.rank !== 1 || x.shape[x.rank - 1] !== c || !rank1(variance) || !rank1(scale)) return null;
    if (!tf.getKernel(BATCH_NORM_GRAD_KERNEL, 'native')) return null;
    const inputs: Record<string, Tensor> = { dy, x, mean, variance };
    if (scale) inputs.scale = scale;
    const [dx, dmean, dvariance, dscale, doffset] = tf.engine().runKernel(
      BATCH_NORM_GRAD_KERNEL, inputs as unknown as tf.NamedTensorMap, { varianceEpsilon: attrs.varianceEpsilon as number },
    ) as Tensor[];
    return { x: () => dx!, mean: () => dmean!, variance: () => dvariance!, scale: () => dscale!, offset: () => doffset! };
  });

  const reduction = (dy: Tensor, saved: Tensor[], attrs: NamedAttrMap, scaled: boolean) => {
    const [x] = saved as [Tensor];
    if (!x || x.rank === 0) return null;
    const axes = util.parseAxisParam(attrs.axis as number | number[], x.shape);
    const count = util.sizeFromShape(axes.map((a) => x.shape[a]!));
    return { x: () => broadcastBack(scaled ? tf.div(dy, count) : dy, x.shape, axes) };
  };
  for (const [name, kind] of [[Relu, 0], [Relu6, 1]] as const) {
    wrap(name, (dy, saved) => {
      const [x] = saved as [Tensor];
      if (!x || x.dtype !== 'float32' || !util.arraysEqual(x.shape, dy.shape) || !tf.getKernel(RELU_GRAD_KERNEL, 'native')) return null;
      return { x: () => tf.engine().runKernel(RELU_GRAD_KERNEL, { dy, x }, { kind }) as Tensor };
    });
  }
  wrap(Mean, (dy, saved, attrs) => reduction(dy, saved, attrs, true));
  wrap(Sum, (dy, saved, attrs) => reduction(dy, saved, attrs, false));
}
