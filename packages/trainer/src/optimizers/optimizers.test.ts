import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '@neural-ode/backend';
import { createOptimizer } from './index';
import { Adam } from './adam';
import { RmsProp } from './rmsprop';
import { Sgd } from './sgd';

/** Runs `steps` updates with fixed gradients g_t = t·[1, -2] on p0 = [1, 2]; returns p after each step. */
function run(make: (p: tf.Variable) => { step: (g: Record<string, tf.Tensor>, lr: number) => void }, steps: number, lr: number): number[][] {
  const p = tf.variable(tf.tensor1d([1, 2]));
  const opt = make(p);
  const out: number[][] = [];
  for (let t = 1; t <= steps; t++) {
    const g = tf.tensor1d([t, -2 * t]);
    opt.step({ p: g }, lr);
    g.dispose();
    out.push(Array.from(p.dataSync()));
  }
  p.dispose();
  return out;
}

describe('optimizers (PyTorch update rules)', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'cpu', log: false });
  });

  it('sgd with momentum and weight decay matches torch.optim.SGD computed by hand', () => {
    const got = run((p) => new Sgd([{ name: 'p', variable: p }], { momentum: 0.9, weightDecay: 0.1 }), 2, 0.5);
    // step 1: d = g + 0.1 p = [1.1, -1.8]; buf = d; p = [1, 2] - 0.5 d = [0.45, 2.9]
    // step 2: d = [2, -4] + 0.1 [0.45, 2.9] = [2.045, -3.71]; buf = 0.9 [1.1, -1.8] + d = [3.035, -5.33];
    //         p = [0.45, 2.9] - 0.5 buf = [-1.0675, 5.565]
    expect(got[0][0]).toBeCloseTo(0.45, 6);
    expect(got[0][1]).toBeCloseTo(2.9, 6);
    expect(got[1][0]).toBeCloseTo(-1.0675, 5);
    expect(got[1][1]).toBeCloseTo(5.565, 5);
  });

  it('adam matches torch.optim.Adam computed by hand (bias correction)', () => {
    const got = run((p) => new Adam([{ name: 'p', variable: p }], { weightDecay: 0 }), 2, 0.1);
    // step 1: m̂ = g, v̂ = g², update = lr·g/(|g|+eps) = 0.1·sign(g)
    expect(got[0][0]).toBeCloseTo(0.9, 5);
    expect(got[0][1]).toBeCloseTo(2.1, 5);
    // step 2 (component 0): m = 0.09 + 0.2 = 0.29 → m̂ = 0.29/0.19; v = 0.000999 + 0.004 = 0.004999 → v̂ = v/0.001999
    const mHat = 0.29 / 0.19;
    const vHat = (0.001 * 0.999 + 0.001 * 4) / (1 - 0.999 ** 2);
    expect(got[1][0]).toBeCloseTo(0.9 - (0.1 * mHat) / (Math.sqrt(vHat) + 1e-8), 5);
  });

  it('rmsprop matches torch.optim.RMSprop computed by hand', () => {
    const got = run((p) => new RmsProp([{ name: 'p', variable: p }], { weightDecay: 0 }), 2, 0.01);
    // step 1: s = 0.01 g² → p -= lr g / (0.1 |g|) = 0.1 sign(g)
    expect(got[0][0]).toBeCloseTo(0.9, 5);
    const s2 = 0.99 * 0.01 + 0.01 * 4;
    expect(got[1][0]).toBeCloseTo(0.9 - (0.01 * 2) / Math.sqrt(s2), 5);
  });

  it('state round-trips: a restored optimizer continues exactly as the original', () => {
    for (const optimizer of ['sgd', 'adam', 'rmsprop'] as const) {
      const cfg = { optimizer, momentum: 0.9, weightDecay: 5e-4 };
      const a = tf.variable(tf.tensor1d([1, -1, 0.5]));
      const b = tf.variable(tf.tensor1d([1, -1, 0.5]));
      const oa = createOptimizer([{ name: 'w', variable: a }], cfg);
      const g = tf.tensor1d([0.3, -0.2, 0.1]);
      oa.step({ w: g }, 0.1);
      oa.step({ w: g }, 0.1);
      b.assign(a);
      const ob = createOptimizer([{ name: 'w', variable: b }], cfg);
      ob.setState(oa.getState());
      expect(ob.getState().step).toBe(2);
      oa.step({ w: g }, 0.05);
      ob.step({ w: g }, 0.05);
      expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
      expect(() => ob.setState({ ...oa.getState(), kind: optimizer === 'sgd' ? 'adam' : 'sgd' })).toThrow(/use the same --optimizer/);
      [a, b, g].forEach((t) => t.dispose());
      oa.dispose();
      ob.dispose();
    }
  });

  it('rejects a state that does not fit the parameters, naming the slot', () => {
    const a = tf.variable(tf.zeros([2]));
    const o = createOptimizer([{ name: 'w', variable: a }], { optimizer: 'adam', momentum: 0, weightDecay: 0 });
    expect(() => o.setState({ kind: 'adam', step: 1, slots: { 'w.exp_avg': { shape: [3], values: new Float32Array(3) } } })).toThrow(
      /slot 'w.exp_avg' has shape \[3\], parameter has \[2\]/,
    );
    a.dispose();
  });

  it('leaks no tensors across steps, state restores and dispose', () => {
    const start = tf.memory().numTensors;
    const a = tf.tidy(() => tf.variable(tf.ones([4])));
    const g = tf.ones([4]);
    for (const optimizer of ['sgd', 'adam', 'rmsprop'] as const) {
      const o = createOptimizer([{ name: 'w', variable: a }], { optimizer, momentum: 0.9, weightDecay: 1e-4 });
      o.step({ w: g }, 0.1);
      const before = tf.memory().numTensors;
      for (let i = 0; i < 5; i++) o.step({ w: g }, 0.1);
      o.setState(o.getState());
      expect(tf.memory().numTensors).toBe(before);
      o.dispose();
    }
    tf.dispose([a, g]);
    expect(tf.memory().numTensors).toBe(start);
  });
});
