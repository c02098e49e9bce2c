import { util } from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { NativeAddon } from '../addon';
import { float32Values, output, outputBuffer } from './tensor-data';

/**
 * Kernel name of the fused GroupNorm (+ReLU) forward pass.
 *
 * Inputs `{x, gamma, beta}`: `x` channels last (`[n, h, w, c]` or `[n, w, c]`; any rank ≥ 2 works as
 * `[n, …, c]`), `gamma`/`beta` of `c` values. Attrs `{groups, eps, relu}`. Outputs `[y, mean, rstd]`: `y` shaped
 * like `x` (after the ReLU when `relu` is true), `mean` and `rstd` (1/√(var+eps)) shaped `[n, groups]`.
 */
export const GROUP_NORM_KERNEL = 'NeuralOdeGroupNorm';

/**
 * Kernel name of the GroupNorm (+ReLU) backward pass.
 *
 * Inputs `{dy, x, gamma, beta, mean, rstd}` (`mean`/`rstd` from {@link GROUP_NORM_KERNEL}), same attrs. With
 * `relu: true`, `dy` is the gradient with respect to the post-ReLU output. Outputs `[dx, dgamma, dbeta]`.
 */
export const GROUP_NORM_GRAD_KERNEL = 'NeuralOdeGroupNormGrad';

/** Attributes of both GroupNorm kernels. */
export interface GroupNormAttrs {
  /** Number of channel groups; must divide the channel count. */
  groups: number;
  /** Added to the variance before the square root. */
  eps: number;
  /** Apply a ReLU after the affine transform (fused). */
  relu: boolean;
}

function checkAttrs(kernel: string, x: TensorInfo, gamma: TensorInfo, beta: TensorInfo, attrs: NamedAttrMap) {
  const { groups, eps, relu } = attrs as unknown as GroupNormAttrs;
  if (x.shape.length < 2) {
    throw new Error(`${kernel}: x must be channels last with rank >= 2, got shape [${x.shape}]; pass [n, h, w, c] or [n, w, c]`);
  }
  const c = x.shape[x.shape.length - 1]!;
  if (!Number.isInteger(groups) || groups < 1 || c % groups !== 0) {
    throw new Error(`${kernel}: attr groups=${groups} must be a positive integer dividing the ${c} channels of x; pick a divisor of ${c}`);
  }
  if (typeof eps !== 'number' || !(eps >= 0)) throw new Error(`${kernel}: attr eps=${eps} must be a number >= 0, e.g. 1e-5`);
  if (typeof relu !== 'boolean') throw new Error(`${kernel}: attr relu=${String(relu)} must be a boolean`);
  if (util.sizeFromShape(gamma.shape) !== c || util.sizeFromShape(beta.shape) !== c) {
    throw new Error(`${kernel}: gamma [${gamma.shape}] and beta [${beta.shape}] must hold ${c} values (one per channel of x)`);
  }
  const n = x.shape[0]!;
  return { n, s: util.sizeFromShape(x.shape) / Math.max(1, n * c), c, groups, eps, relu };
}

function values(backend: MathBackendCPU, t: TensorInfo, kernel: string, name: string): Float32Array {
  const v = float32Values(backend, t);
  if (!v) throw new Error(`${kernel}: input ${name} must be float32, got ${t.dtype}; cast it with tf.cast(${name}, 'float32')`);
  return v;
}

/** The two GroupNorm kernels for the native backend. */
export function groupNormKernels(addon: NativeAddon): KernelConfig[] {
  const forward: KernelFunc = (args) => {
    const backend = args.backend as MathBackendCPU;
    const { x, gamma, beta } = args.inputs as { x: TensorInfo; gamma: TensorInfo; beta: TensorInfo };
    const { n, s, c, groups, eps, relu } = checkAttrs(GROUP_NORM_KERNEL, x, gamma, beta, args.attrs as NamedAttrMap);
    const y = outputBuffer(backend, util.sizeFromShape(x.shape));
    const mean = new Float32Array(n * groups), rstd = new Float32Array(n * groups);
    addon.groupNormForward(
      values(backend, x, GROUP_NORM_KERNEL, 'x'), values(backend, gamma, GROUP_NORM_KERNEL, 'gamma'),
      values(backend, beta, GROUP_NORM_KERNEL, 'beta'), y, mean, rstd, n, s, c, groups, eps, relu,
    );
    return [output(backend, x.shape, y), output(backend, [n, groups], mean), output(backend, [n, groups], rstd)];
  };
  const backward: KernelFunc = (args) => {
    const backend = args.backend as MathBackendCPU;
    const inp = args.inputs as Record<'dy' | 'x' | 'gamma' | 'beta' | 'mean' | 'rstd', TensorInfo>;
    const k = GROUP_NORM_GRAD_KERNEL;
    const { n, s, c, groups, relu } = checkAttrs(k, inp.x, inp.gamma, inp.beta, args.attrs as NamedAttrMap);
    if (!util.arraysEqual(inp.dy.shape, inp.x.shape)) throw new Error(`${k}: dy [${inp.dy.shape}] must have the shape of x [${inp.x.shape}]`);
    for (const name of ['mean', 'rstd'] as const) {
      if (util.sizeFromShape(inp[name].shape) !== n * groups) {
        throw new Error(`${k}: ${name} [${inp[name].shape}] must be [${n}, ${groups}] as returned by ${GROUP_NORM_KERNEL}`);
      }
    }
    const dx = outputBuffer(backend, util.sizeFromShape(inp.x.shape));
    const dgamma = new Float32Array(c), dbeta = new Float32Array(c);
    addon.groupNormBackward(
      values(backend, inp.dy, k, 'dy'), values(backend, inp.x, k, 'x'), values(backend, inp.gamma, k, 'gamma'),
      values(backend, inp.beta, k, 'beta'), values(backend, inp.mean, k, 'mean'), values(backend, inp.rstd, k, 'rstd'),
      dx, dgamma, dbeta, n, s, c, groups, relu,
    );
    return [output(backend, inp.x.shape, dx), output(backend, inp.gamma.shape, dgamma), output(backend, inp.beta.shape, dbeta)];
  };
  return [
    { kernelName: GROUP_NORM_KERNEL, backendName: 'native', kernelFunc: forward },
    { kernelName: GROUP_NORM_GRAD_KERNEL, backendName: 'native', kernelFunc: backward },
  ];
}
