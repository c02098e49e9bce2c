import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { GROUP_NORM_GRAD_KERNEL, GROUP_NORM_KERNEL } from './group-norm';
import { groupNorm, hasFusedGroupNorm } from './group-norm-op';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** GroupNorm from tf.moments, differentiated by tfjs: the reference (PyTorch's biased variance). */
function reference(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, groups: number, eps: number, relu: boolean): tf.Tensor {
  const c = x.shape[x.rank - 1]!;
  const xr = tf.reshape(x, [x.shape[0]!, -1, groups, c / groups]);
  const { mean, variance } = tf.moments(xr, [1, 3], true);
  const y = tf.add(tf.mul(tf.reshape(tf.div(tf.sub(xr, mean), tf.sqrt(tf.add(variance, eps))), x.shape), gamma), beta);
  return relu ? tf.relu(y) : y;
}

const maxAbs = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);

describe('groupNorm on a backend without the fused kernels (composed from tfjs ops)', () => {
  const cases = [
    { shape: [2, 3, 3, 8], groups: 4, eps: 1e-5, relu: false },
    { shape: [2, 3, 3, 8], groups: 4, eps: 1e-5, relu: true },
    { shape: [3, 7, 6], groups: 3, eps: 1e-3, relu: true }, // conv1d layout
    { shape: [1, 2, 2, 6], groups: 1, eps: 1e-5, relu: false }, // LayerNorm-like
  ];
  for (const [k, c] of cases.entries()) {
    it(`[${c.shape}] groups ${c.groups} relu ${c.relu}: values and gradients equal the tf.moments reference`, () => {
      expect(hasFusedGroupNorm('cpu')).toBe(false);
      const ch = c.shape[c.shape.length - 1]!;
      const x = tf.randomNormal(c.shape, 0.5, 2, 'float32', 10 + k);
      const gamma = tf.randomNormal([ch], 1, 0.5, 'float32', 20 + k) as tf.Tensor1D;
      const beta = tf.randomNormal([ch], 0, 0.5, 'float32', 30 + k) as tf.Tensor1D;
      const dy = tf.randomNormal(c.shape, 0, 1, 'float32', 40 + k);
      const attrs = { groups: c.groups, eps: c.eps, relu: c.relu };
      const loss = (f: (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.Tensor) => (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(f(a, g, b), dy));
      const ours = tf.grads(loss((a, g, b) => groupNorm(a, g as tf.Tensor1D, b as tf.Tensor1D, attrs)))([x, gamma, beta]);
      const ref = tf.grads(loss((a, g, b) => reference(a, g, b, c.groups, c.eps, c.relu)))([x, gamma, beta]);
      const y = groupNorm(x, gamma, beta, attrs);
      expect(y.shape).toEqual(c.shape);
      expect(maxAbs(y, reference(x, gamma, beta, c.groups, c.eps, c.relu))).toBeLessThan(1e-5);
      for (let i = 0; i < 3; i++) expect(maxAbs(ours[i]!, ref[i]!)).toBeLessThan(1e-4);
    });
  }

  it('checks its inputs before computing, in the kernels\' words', () => {
    const x = tf.zeros([1, 2, 2, 6]);
    const g = tf.ones([6]) as tf.Tensor1D, b = tf.zeros([6]) as tf.Tensor1D;
    expect(() => groupNorm(x, g, b, { groups: 4, eps: 1e-5, relu: false })).toThrow(/^groupNorm: attr groups=4 must be a positive integer dividing the 6 channels of x/);
    expect(() => groupNorm(x, tf.ones([4]) as tf.Tensor1D, b, { groups: 2, eps: 1e-5, relu: false })).toThrow(/^groupNorm: gamma \[4\] and beta \[6\] must hold 6 values/);
    expect(() => groupNorm(tf.zeros([6]), g, b, { groups: 2, eps: 1e-5, relu: false })).toThrow(/^groupNorm: x must be channels last with rank >= 2/);
  });

  it('leaks no tensors under a gradient in tf.tidy', () => {
    const x = tf.randomNormal([2, 3, 3, 8], 0, 1, 'float32', 7), g = tf.ones([8]) as tf.Tensor1D, b = tf.zeros([8]) as tf.Tensor1D;
    const before = tf.memory().numTensors;
    tf.tidy(() => void tf.grads((a: tf.Tensor) => tf.sum(groupNorm(a, g, b, { groups: 4, eps: 1e-5, relu: true })))([x]));
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('groupNorm on a backend that registers the fused kernels', () => {
  afterEach(() => {
    for (const name of [GROUP_NORM_KERNEL, GROUP_NORM_GRAD_KERNEL]) if (tf.getKernel(name, 'cpu')) tf.unregisterKernel(name, 'cpu');
  });

  type Call = { inputs: Record<string, number[]>; attrs: unknown };
  /** Stand-in kernels: y = 3x, mean/rstd recognisable constants; the gradient returns [2·dy, 5s, 7s]. */
  function registerStandIns(calls: { forward: Call[]; backward: Call[] }) {
    const record = (inputs: tf.NamedTensorInfoMap, attrs: unknown): Call => ({
      inputs: Object.fromEntries(Object.entries(inputs).map(([k, t]) => [k, Array.from((t as tf.Tensor).dataSync())])),
      attrs: { ...(attrs as object) },
    });
    const make = (backend: unknown, shape: number[], values: Float32Array) =>
      (backend as { makeTensorInfo(s: number[], d: 'float32', v: Float32Array): tf.TensorInfo }).makeTensorInfo(shape, 'float32', values);
    tf.registerKernel({
      kernelName: GROUP_NORM_KERNEL, backendName: 'cpu',
      kernelFunc: ({ inputs, attrs, backend }) => {
        calls.forward.push(record(inputs, attrs));
        const x = inputs.x as tf.Tensor;
        const n = x.shape[0]!, groups = (attrs as { groups: number }).groups;
        return [
          make(backend, x.shape, (x.dataSync() as Float32Array).map((v) => 3 * v)),
          make(backend, [n, groups], new Float32Array(n * groups).fill(0.25)),
          make(backend, [n, groups], new Float32Array(n * groups).fill(4)),
        ];
      },
    });
    tf.registerKernel({
      kernelName: GROUP_NORM_GRAD_KERNEL, backendName: 'cpu',
      kernelFunc: ({ inputs, attrs, backend }) => {
        calls.backward.push(record(inputs, attrs));
        const dy = inputs.dy as tf.Tensor, c = (inputs.gamma as tf.Tensor).size;
        return [
          make(backend, dy.shape, (dy.dataSync() as Float32Array).map((v) => 2 * v)),
          make(backend, [c], new Float32Array(c).fill(5)),
          make(backend, [c], new Float32Array(c).fill(7)),
        ];
      },
    });
  }

  it('runs one forward and one backward kernel with the contract\'s inputs and only its attrs', () => {
    const calls = { forward: [] as Call[], backward: [] as Call[] };
    registerStandIns(calls);
    expect(hasFusedGroupNorm('cpu')).toBe(true);
    const x = tf.tensor([1, 2, 3, 4, 5, 6, 7, 8], [1, 2, 4]);
    const gamma = tf.tensor1d([1, 2, 3, 4]), beta = tf.tensor1d([0, 0, 1, 1]);
    const dy = tf.tensor([1, -1, 2, -2, 3, -3, 4, -4], [1, 2, 4]);
    const attrs = { groups: 2, eps: 1e-3, relu: true, extra: 'not for the kernel' };
    const { value, grads } = tf.valueAndGrads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.mul(groupNorm(a, g as tf.Tensor1D, b as tf.Tensor1D, attrs), dy)))([x, gamma, beta]);
    expect(calls.forward).toEqual([{ inputs: { x: [1, 2, 3, 4, 5, 6, 7, 8], gamma: [1, 2, 3, 4], beta: [0, 0, 1, 1] }, attrs: { groups: 2, eps: 1e-3, relu: true } }]);
    // Σ 3x·dy over the stand-in's y.
    expect(value.dataSync()[0]).toBeCloseTo(3 * (1 - 2 + 6 - 8 + 15 - 18 + 28 - 32), 5);
    expect(calls.backward).toEqual([{
      inputs: { dy: [1, -1, 2, -2, 3, -3, 4, -4], x: [1, 2, 3, 4, 5, 6, 7, 8], gamma: [1, 2, 3, 4], beta: [0, 0, 1, 1], mean: [0.25, 0.25], rstd: [4, 4] },
      attrs: { groups: 2, eps: 1e-3, relu: true },
    }]);
    expect(Array.from(grads[0]!.dataSync())).toEqual([2, -2, 4, -4, 6, -6, 8, -8]);
    expect(Array.from(grads[1]!.dataSync())).toEqual([5, 5, 5, 5]);
    expect(Array.from(grads[2]!.dataSync())).toEqual([7, 7, 7, 7]);
  });

  it('composes instead when only the forward kernel is registered', () => {
    const calls = { forward: [] as Call[], backward: [] as Call[] };
    registerStandIns(calls);
    tf.unregisterKernel(GROUP_NORM_GRAD_KERNEL, 'cpu');
    expect(hasFusedGroupNorm('cpu')).toBe(false);
    const x = tf.randomNormal([2, 2, 2, 4], 0, 1, 'float32', 3), g = tf.ones([4]) as tf.Tensor1D, b = tf.zeros([4]) as tf.Tensor1D;
    expect(maxAbs(groupNorm(x, g, b, { groups: 2, eps: 1e-5, relu: false }), reference(x, g, b, 2, 1e-5, false))).toBeLessThan(1e-5);
    expect(calls.forward).toHaveLength(0);
  });
});
