import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@neural-ode/backend';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GROUP_NORM_GRAD_KERNEL, GROUP_NORM_KERNEL, GroupNorm, groupNorm } from './group-norm';

beforeAll(async () => {
  await initBackend({ backend: 'cpu', log: false });
});

/** GroupNorm written out op by op, differentiated by tfjs: the reference for the hand-written gradient. */
function plainGroupNorm(x: tf.Tensor4D, gamma: tf.Tensor, beta: tf.Tensor, groups: number, relu: boolean): tf.Tensor {
  const [b, h, w, c] = x.shape;
  const xr = tf.reshape(x, [b, h * w, groups, c / groups]);
  const { mean, variance } = tf.moments(xr, [1, 3], true);
  const xhat = tf.reshape(tf.div(tf.sub(xr, mean), tf.sqrt(tf.add(variance, 1e-5))), x.shape);
  const y = tf.add(tf.mul(xhat, gamma), beta);
  return relu ? tf.relu(y) : y;
}

/** A kernel's output must be a fresh buffer of the backend, not a tensor made by ops inside the kernel. */
function copyOut(backend: unknown, t: tf.Tensor): tf.TensorInfo {
  const b = backend as { makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): tf.TensorInfo };
  return b.makeTensorInfo(t.shape, 'float32', t.dataSync() as Float32Array);
}

describe('GroupNorm', () => {
  it('normalises each (sample, group) over space and the group channels: a hand-computed case', () => {
    // One sample, 1×2 pixels, 4 channels in 2 groups.
    const x = tf.tensor4d([1, 3, 2, 4, 3, 5, 4, 10], [1, 1, 2, 4]);
    const layer = new GroupNorm({ groups: 2, channels: 4 });
    layer.weight.assign(tf.tensor1d([1, 2, 1, 1]));
    layer.bias.assign(tf.tensor1d([0, 0, 0, -1]));
    // Channels 0,1 form group 0: pixel 0 gives (1, 3), pixel 1 gives (3, 5) -> {1, 3, 3, 5}: mean 3, var 2.
    // Channels 2,3 form group 1: (2, 4) and (4, 10) -> {2, 4, 4, 10}: mean 5, var 9.
    const y = Array.from(layer.apply(x).dataSync());
    const g0 = Math.sqrt(2 + 1e-5);
    const g1 = Math.sqrt(9 + 1e-5);
    const byHand = [(1 - 3) / g0, (2 * (3 - 3)) / g0, (2 - 5) / g1, (4 - 5) / g1 - 1, (3 - 3) / g0, (2 * (5 - 3)) / g0, (4 - 5) / g1, (10 - 5) / g1 - 1];
    y.forEach((v, i) => expect(v).toBeCloseTo(byHand[i], 5));
  });

  it('fuses the following ReLU', () => {
    const x = tf.tensor4d([1, 3, 2, 4, 3, 5, 4, 10], [1, 1, 2, 4]);
    const y = new GroupNorm({ groups: 2, channels: 4, relu: true }).apply(x).dataSync();
    const g0 = Math.sqrt(2 + 1e-5);
    const g1 = Math.sqrt(9 + 1e-5);
    const byHand = [0, 0, 0, 0, 0, 2 / g0, 0, 5 / g1];
    Array.from(y).forEach((v, i) => expect(v).toBeCloseTo(byHand[i], 5));
  });

  /** Runs `fn` with the cpu backend's fused GroupNorm kernels (from @neural-ode/backend) unregistered. */
  const withoutFusedKernels = <T>(fn: () => T): T => {
    const configs = [GROUP_NORM_KERNEL, GROUP_NORM_GRAD_KERNEL].map((name) => tf.getKernel(name, 'cpu')).filter((k) => k !== undefined);
    for (const k of configs) tf.unregisterKernel(k.kernelName, 'cpu');
    try {
      return fn();
    } finally {
      for (const k of configs) tf.registerKernel(k);
    }
  };

  it('the cpu backend of @neural-ode/backend has the fused kernels', () => {
    expect(tf.getKernel(GROUP_NORM_KERNEL, 'cpu')).toBeDefined();
    expect(tf.getKernel(GROUP_NORM_GRAD_KERNEL, 'cpu')).toBeDefined();
  });

  for (const [relu, path] of [false, true].flatMap((r) => [[r, 'fused kernels'], [r, 'composed ops']] as const)) {
    it(`${path}: values and gradients equal differentiating the plain composition (relu: ${relu})`, () => (path === 'composed ops' ? withoutFusedKernels : <T>(f: () => T) => f())(() => {
      const x = tf.randomNormal([2, 3, 3, 8], 0, 2, 'float32', 1) as tf.Tensor4D;
      const gamma = tf.randomNormal([8], 1, 0.5, 'float32', 2);
      const beta = tf.randomNormal([8], 0, 0.5, 'float32', 3);
      const dy = tf.randomNormal([2, 3, 3, 8], 0, 1, 'float32', 4);
      const loss = (f: (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.Tensor) => (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.mul(f(a, g, b), dy));
      const ours = tf.grads(loss((a, g, b) => groupNorm(a, g as tf.Tensor1D, b as tf.Tensor1D, { groups: 4, eps: 1e-5, relu })))([x, gamma, beta]);
      const plain = tf.grads(loss((a, g, b) => plainGroupNorm(a as tf.Tensor4D, g, b, 4, relu)))([x, gamma, beta]);
      const value = groupNorm(x, gamma as tf.Tensor1D, beta as tf.Tensor1D, { groups: 4, eps: 1e-5, relu });
      expect(tf.max(tf.abs(tf.sub(value, plainGroupNorm(x, gamma, beta, 4, relu)))).dataSync()[0]).toBeLessThan(1e-5);
      for (let i = 0; i < 3; i++) {
        const err = tf.max(tf.abs(tf.sub(ours[i], plain[i]))).dataSync()[0];
        expect(err).toBeLessThan(1e-4);
      }
    }));
  }

  it('rejects a group count that does not divide the channels, naming the value', () => {
    expect(() => new GroupNorm({ groups: 3, channels: 64 })).toThrow(/groups must be a positive divisor of channels \(64\), got 3/);
  });

  describe('with a backend that registers the fused kernels', () => {
    const calls = { forward: 0, backward: 0 };
    // @neural-ode/backend registers its own fused kernels on cpu: set them aside for the stand-ins, then restore.
    const saved: tf.KernelConfig[] = [];
    beforeEach(() => {
      for (const name of [GROUP_NORM_KERNEL, GROUP_NORM_GRAD_KERNEL]) {
        const config = tf.getKernel(name, 'cpu');
        if (config) {
          saved.push(config);
          tf.unregisterKernel(name, 'cpu');
        }
      }
    });
    afterEach(() => {
      for (const name of [GROUP_NORM_KERNEL, GROUP_NORM_GRAD_KERNEL]) if (tf.getKernel(name, 'cpu')) tf.unregisterKernel(name, 'cpu');
      for (const config of saved.splice(0)) tf.registerKernel(config);
    });

    it('runs them through tf.customGrad and gets the same values and gradients', () => {
      // A stand-in native kernel pair, written with tfjs ops on the cpu backend, keeping to the contract:
      // channels-last x, outputs [y, mean, rstd] with mean/rstd [batch, groups]; grad returns [dx, dgamma, dbeta].
      const stats = (x: tf.Tensor, groups: number) => {
        const [b, ...rest] = x.shape;
        const c = rest[rest.length - 1];
        const xr = tf.reshape(x, [b, -1, groups, c / groups]);
        const { mean, variance } = tf.moments(xr, [1, 3]);
        return { xr, mean: tf.reshape(mean, [b, groups]), variance: tf.reshape(variance, [b, groups]) };
      };
      tf.registerKernel({
        kernelName: GROUP_NORM_KERNEL,
        backendName: 'cpu',
        kernelFunc: ({ inputs, attrs, backend }) => {
          calls.forward++;
          const { x, gamma, beta } = inputs as unknown as { x: tf.Tensor; gamma: tf.Tensor; beta: tf.Tensor };
          const { groups, eps, relu } = attrs as unknown as { groups: number; eps: number; relu: boolean };
          const outs = tf.tidy(() => {
            const y = plainGroupNorm(x as tf.Tensor4D, gamma, beta, groups, relu);
            const { mean, variance } = stats(x, groups);
            return [y, mean, tf.rsqrt(tf.add(variance, eps))];
          });
          return outs.map((t) => copyOut(backend, t));
        },
      });
      tf.registerKernel({
        kernelName: GROUP_NORM_GRAD_KERNEL,
        backendName: 'cpu',
        kernelFunc: ({ inputs, attrs, backend }) => {
          calls.backward++;
          const { dy, x, gamma, beta, mean, rstd } = inputs as unknown as Record<string, tf.Tensor>;
          const { groups, relu } = attrs as unknown as { groups: number; relu: boolean };
          // The textbook GroupNorm backward, in sums: dx = rstd/N (N dxhat - sum dxhat - xhat sum(dxhat xhat)).
          const grads = tf.tidy(() => {
            const [b, h, w, c] = x.shape;
            const n = h * w * (c / groups);
            const xr = tf.reshape(x, [b, h * w, groups, c / groups]);
            const m = tf.reshape(mean, [b, 1, groups, 1]);
            const r = tf.reshape(rstd, [b, 1, groups, 1]);
            const xhat = tf.reshape(tf.mul(tf.sub(xr, m), r), x.shape);
            const pre = tf.add(tf.mul(xhat, gamma), beta);
            const g = relu ? tf.where(tf.greater(pre, 0), dy, tf.zerosLike(dy)) : dy;
            const dxhat = tf.reshape(tf.mul(g, gamma), xr.shape);
            const xhatR = tf.reshape(xhat, xr.shape);
            const s1 = tf.sum(dxhat, [1, 3], true);
            const s2 = tf.sum(tf.mul(dxhat, xhatR), [1, 3], true);
            const dx = tf.mul(tf.div(r, n), tf.sub(tf.sub(tf.mul(dxhat, n), s1), tf.mul(xhatR, s2)));
            return [tf.reshape(dx, x.shape), tf.sum(tf.mul(g, xhat), [0, 1, 2]), tf.sum(g, [0, 1, 2])];
          });
          return grads.map((t) => copyOut(backend, t));
        },
      });
      const x = tf.randomNormal([2, 2, 2, 4], 0, 1, 'float32', 5);
      const gamma = tf.tensor1d([1, 2, 0.5, -1]);
      const beta = tf.tensor1d([0, 1, 0, -1]);
      const f = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.square(groupNorm(a, g as tf.Tensor1D, b as tf.Tensor1D, { groups: 2, eps: 1e-5, relu: true })));
      const viaKernel = tf.grads(f)([x, gamma, beta]);
      expect(calls).toEqual({ forward: 1, backward: 1 });
      tf.unregisterKernel(GROUP_NORM_KERNEL, 'cpu');
      tf.unregisterKernel(GROUP_NORM_GRAD_KERNEL, 'cpu');
      const composed = tf.grads(f)([x, gamma, beta]);
      expect(calls).toEqual({ forward: 1, backward: 1 });
      for (let i = 0; i < 3; i++) {
        expect(tf.max(tf.abs(tf.sub(viaKernel[i], composed[i]))).dataSync()[0]).toBeLessThan(1e-4);
      }
      tf.registerKernel({ kernelName: GROUP_NORM_KERNEL, backendName: 'cpu', kernelFunc: () => [] });
      tf.registerKernel({ kernelName: GROUP_NORM_GRAD_KERNEL, backendName: 'cpu', kernelFunc: () => [] });
    });
  });
});
