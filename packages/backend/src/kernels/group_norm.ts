import type { KernelBackend, KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import { GROUP_NORM_GRAD_KERNEL, GROUP_NORM_KERNEL, groupNormGradLayout, groupNormLayout, type GroupNormLayout as Layout } from '@neural-ode/kernels';
import { hostArrays, type HostArrays } from './host_arrays';

/*
 * The fused GroupNorm (+ReLU) kernels of `@neural-ode/kernels`' contract, as JavaScript loops over the `wasm` heap
 * or the `cpu` backend's arrays, with the same arithmetic as `@neural-ode/backend-native`'s compiled ones
 * (statistics accumulated in float64, the variance taken around the mean, the ReLU's mask recomputed from x in the
 * backward pass). Built from tensor ops instead, one GroupNorm is about ten broadcasting kernels over the
 * activation; here it is three passes forward and two backward.
 */

/** Per-channel sums of `f(value, channel)` over one image's rows into `acc` (float64). */
function channelSums(v: Float32Array, base: number, { s, c }: Layout, acc: Float64Array, centre: Float64Array | null): void {
  acc.fill(0);
  for (let p = 0; p < s; p++) {
    const row = base + p * c;
    if (centre) {
      for (let ch = 0; ch < c; ch++) {
        const d = v[row + ch] - centre[ch];
        acc[ch] += d * d;
      }
    } else {
      for (let ch = 0; ch < c; ch++) acc[ch] += v[row + ch];
    }
  }
}

/** Sums channel entries of `acc` over each group. */
function groupSums(acc: Float64Array, { c, groups }: Layout, out: Float64Array): void {
  const cg = c / groups;
  for (let g = 0; g < groups; g++) {
    let t = 0;
    for (let j = 0; j < cg; j++) t += acc[g * cg + j];
    out[g] = t;
  }
}

function forward(h: HostArrays, x: TensorInfo, gamma: TensorInfo, beta: TensorInfo, L: Layout): TensorInfo[] {
  const { n, s, c, groups, eps, relu } = L;
  const cg = c / groups;
  const count = s * cg;
  const outs = [h.output(x.shape), h.output([n, groups]), h.output([n, groups])];
  const [xv, gv, bv, y, mean, rstd] = [x, gamma, beta, ...outs].map((t) => h.view(t));
  const acc = new Float64Array(c);
  const centre = new Float64Array(c);
  const sums = new Float64Array(groups);
  const scale = new Float64Array(c);
  const shift = new Float64Array(c);
  for (let i = 0; i < n; i++) {
    const base = i * s * c;
    channelSums(xv, base, L, acc, null);
    groupSums(acc, L, sums);
    for (let g = 0; g < groups; g++) for (let j = 0; j < cg; j++) centre[g * cg + j] = sums[g] / count;
    // Second pass around the mean: no cancellation for inputs with a large mean.
    channelSums(xv, base, L, acc, centre);
    groupSums(acc, L, sums);
    for (let g = 0; g < groups; g++) {
      const m = centre[g * cg];
      const r = 1 / Math.sqrt(sums[g] / count + eps);
      mean[i * groups + g] = m;
      rstd[i * groups + g] = r;
      for (let j = 0; j < cg; j++) {
        const ch = g * cg + j;
        scale[ch] = r * gv[ch];
        shift[ch] = bv[ch] - m * r * gv[ch];
      }
    }
    for (let p = 0; p < s; p++) {
      const row = base + p * c;
      for (let ch = 0; ch < c; ch++) {
        const v = xv[row + ch] * scale[ch] + shift[ch];
        y[row + ch] = relu && v < 0 ? 0 : v;
      }
    }
  }
  return outs;
}

function backward(h: HostArrays, inp: Record<'dy' | 'x' | 'gamma' | 'beta' | 'mean' | 'rstd', TensorInfo>, L: Layout): TensorInfo[] {
  const { n, s, c, groups, relu } = L;
  const cg = c / groups;
  const count = s * cg;
  const outs = [h.output(inp.x.shape), h.output(inp.gamma.shape), h.output(inp.beta.shape)];
  const [dy, xv, gv, bv, meanV, rstdV, dx, dgamma, dbeta] = [inp.dy, inp.x, inp.gamma, inp.beta, inp.mean, inp.rstd, ...outs].map((t) => h.view(t));
  const mch = new Float64Array(c);
  const rch = new Float64Array(c);
  const a = new Float64Array(c);
  const b = new Float64Array(c);
  const s1 = new Float64Array(c);
  const s2 = new Float64Array(c);
  const dgammaAcc = new Float64Array(c);
  const dbetaAcc = new Float64Array(c);
  for (let i = 0; i < n; i++) {
    const base = i * s * c;
    for (let ch = 0; ch < c; ch++) {
      const g = (ch / cg) | 0;
      mch[ch] = meanV[i * groups + g];
      rch[ch] = rstdV[i * groups + g];
    }
    // a = Σ g, b = Σ g·x̂ per channel, g the gradient before the ReLU (zero where the output was clipped).
    a.fill(0);
    b.fill(0);
    for (let p = 0; p < s; p++) {
      const row = base + p * c;
      for (let ch = 0; ch < c; ch++) {
        const xh = (xv[row + ch] - mch[ch]) * rch[ch];
        const gr = relu && xh * gv[ch] + bv[ch] <= 0 ? 0 : dy[row + ch];
        a[ch] += gr;
        b[ch] += gr * xh;
      }
    }
    for (let g = 0; g < groups; g++) {
      let u = 0;
      let v = 0;
      for (let j = 0; j < cg; j++) {
        u += gv[g * cg + j] * a[g * cg + j];
        v += gv[g * cg + j] * b[g * cg + j];
      }
      for (let j = 0; j < cg; j++) {
        s1[g * cg + j] = u / count;
        s2[g * cg + j] = v / count;
      }
    }
    for (let ch = 0; ch < c; ch++) {
      dbetaAcc[ch] += a[ch];
      dgammaAcc[ch] += b[ch];
    }
    // dx = rstd·(γ·g − mean_group(γ·g) − x̂·mean_group(γ·g·x̂)).
    for (let p = 0; p < s; p++) {
      const row = base + p * c;
      for (let ch = 0; ch < c; ch++) {
        const xh = (xv[row + ch] - mch[ch]) * rch[ch];
        const gr = relu && xh * gv[ch] + bv[ch] <= 0 ? 0 : dy[row + ch];
        dx[row + ch] = rch[ch] * (gv[ch] * gr - s1[ch] - xh * s2[ch]);
      }
    }
  }
  dgamma.set(dgammaAcc);
  dbeta.set(dbetaAcc);
  return outs;
}

/** Both GroupNorm kernels for `backendName` (`wasm` or `cpu`). */
export function groupNormConfigs(backendName: 'wasm' | 'cpu'): KernelConfig[] {
  const forwardFunc: KernelFunc = (args) => {
    const { x, gamma, beta } = args.inputs as { x: TensorInfo; gamma: TensorInfo; beta: TensorInfo };
    const L = groupNormLayout(GROUP_NORM_KERNEL, { x, gamma, beta }, args.attrs as NamedAttrMap);
    return forward(hostArrays(args.backend as KernelBackend, backendName), x, gamma, beta, L);
  };
  const backwardFunc: KernelFunc = (args) => {
    const inp = args.inputs as Record<'dy' | 'x' | 'gamma' | 'beta' | 'mean' | 'rstd', TensorInfo>;
    const L = groupNormGradLayout(inp, args.attrs as NamedAttrMap);
    return backward(hostArrays(args.backend as KernelBackend, backendName), inp, L);
  };
  return [
    { kernelName: GROUP_NORM_KERNEL, backendName, kernelFunc: forwardFunc },
    { kernelName: GROUP_NORM_GRAD_KERNEL, backendName, kernelFunc: backwardFunc },
  ];
}
