import { util } from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import { GROUP_NORM_GRAD_KERNEL, GROUP_NORM_KERNEL, groupNormGradLayout, groupNormLayout } from '@neural-ode/kernels';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { NativeAddon } from '../addon';
import { float32Values, output, outputBuffer } from './tensor-data';

// The dtypes were checked with the contract; what is left is a tensor whose data is not this backend's arrays.
function values(backend: MathBackendCPU, t: TensorInfo, kernel: string, name: string): Float32Array {
  const v = float32Values(backend, t);
  if (!v) throw new Error(`${kernel}: input ${name} holds no float32 array on the native backend; make it with tf.tensor while 'native' is active`);
  return v;
}

/** The two GroupNorm kernels of `@neural-ode/kernels`' contract, for the native backend. */
export function groupNormKernels(addon: NativeAddon): KernelConfig[] {
  const forward: KernelFunc = (args) => {
    const backend = args.backend as MathBackendCPU;
    const { x, gamma, beta } = args.inputs as { x: TensorInfo; gamma: TensorInfo; beta: TensorInfo };
    const { n, s, c, groups, eps, relu } = groupNormLayout(GROUP_NORM_KERNEL, { x, gamma, beta }, args.attrs as NamedAttrMap);
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
    const { n, s, c, groups, relu } = groupNormGradLayout(inp, args.attrs as NamedAttrMap);
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
