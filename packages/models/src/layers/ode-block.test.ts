import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@neural-ode/backend';
import { beforeAll, describe, expect, it } from 'vitest';
import { createInitializer } from '../init';
import type { SolverInput } from '@neural-ode/odeint';
import { OdeBlock } from './ode-block';
import { OdeFunc } from './ode-func';

beforeAll(async () => {
  await initBackend({ backend: 'cpu', log: false });
});

// A narrow image ODE function (8 channels, 8 groups) on a 4×4 state: the block's logic at a fraction of the cost.
const func = () => new OdeFunc({ channels: 8, kind: 'image' }, createInitializer(2));
const block = (f: OdeFunc, solver: SolverInput) => new OdeBlock(f, { solver });
const state = () => tf.randomNormal([2, 4, 4, 8], 0, 1, 'float32', 3);

describe('OdeBlock', () => {
  it('with euler at step 1/n equals n hand-written updates x + f(k/n, x)/n', () => {
    const f = func();
    const x = state();
    const y = block(f, { method: 'euler', stepSize: 0.25 }).apply(x, { training: false });
    let h: tf.Tensor = x;
    for (let k = 0; k < 4; k++) h = tf.add(h, tf.mul(0.25, f.apply(k / 4, h, { training: false })));
    expect(tf.max(tf.abs(tf.sub(y, h))).dataSync()[0]).toBeLessThan(1e-5);
  });

  it('reports the NFE of the forward and of the backward pass, in every gradient mode', () => {
    const x = state();
    for (const gradient of ['tape', 'checkpoint', 'backsolve'] as const) {
      const f = func();
      const b = block(f, { method: 'euler', stepSize: 0.25, gradient });
      const loss = () => tf.sum(b.apply(x, { training: true })) as tf.Scalar;
      loss();
      expect(b.nfe).toEqual({ forward: 4, backward: 0 });
      tf.variableGrads(loss, f.namedWeights().map((w) => w.variable));
      expect(b.nfe).toEqual({ forward: 4, backward: 4 });
      expect(b.stats).toMatchObject({ nfe: 4, nAccepted: 4, nRejected: 0 });
      expect(b.gradientStats?.mode ?? 'tape').toBe(gradient);
    }
  });

  it('settings without a gradient mode take checkpointed gradients, equal to the tape\'s', () => {
    const f = func();
    const x = state();
    const params = f.namedWeights().map((w) => w.variable);
    const byDefault = block(f, { method: 'rk4', stepSize: 0.125 });
    expect(byDefault.solver.gradient.mode).toBe('checkpoint');
    const grads = (b: OdeBlock) => {
      const { grads: g } = tf.variableGrads(() => tf.sum(tf.square(b.apply(x, { training: true }))) as tf.Scalar, params);
      return tf.concat(params.map((v) => tf.reshape(g[v.name], [-1])));
    };
    const [checkpoint, tape] = [grads(byDefault), grads(block(f, { method: 'rk4', stepSize: 0.125, gradient: 'tape' }))];
    expect(byDefault.gradientStats).toMatchObject({ mode: 'checkpoint' });
    expect(byDefault.gradientStats).toHaveProperty('recomputedSteps', expect.any(Number));
    expect(tf.div(tf.norm(tf.sub(checkpoint, tape)), tf.norm(tape)).dataSync()[0]).toBeLessThan(1e-5);
  });

  it('adjoint gradients agree with backprop through the solver', () => {
    // The continuous adjoint and backprop through rk4 converge to the same gradient; ReLU makes f only piecewise
    // smooth, so they approach each other slowly (measured here: 1.8% apart at step 1/8, 1.2% at 1/16, 0.18% at 1/32).
    const f = func();
    const x = state();
    const params = f.namedWeights().map((w) => w.variable);
    const [tape, adjoint] = (['tape', 'backsolve'] as const).map((gradient) => {
      const b = block(f, { method: 'rk4', stepSize: 1 / 32, gradient });
      const { grads } = tf.variableGrads(() => tf.sum(tf.square(b.apply(x, { training: false }))) as tf.Scalar, params);
      return tf.concat(params.map((v) => tf.reshape(grads[v.name], [-1])));
    });
    const relative = tf.div(tf.norm(tf.sub(tape, adjoint)), tf.norm(tape)).dataSync()[0];
    expect(relative).toBeLessThan(1e-2);
    expect(tf.norm(tape).dataSync()[0]).toBeGreaterThan(0);
  });

  it('backprop binds the dynamics once per solve: same gradients as unbound evaluations, time maps once, no pads', async () => {
    const f = func();
    const x = state();
    const params = f.namedWeights().map((w) => w.variable);
    const b = block(f, { method: 'euler', stepSize: 0.25, gradient: 'tape' });
    const byBlock = () => tf.sum(tf.square(b.apply(x, { training: true }))) as tf.Scalar;
    const byHand = () => {
      let h: tf.Tensor = x;
      for (let k = 0; k < 4; k++) h = tf.add(h, tf.mul(0.25, f.apply(k / 4, h, { training: true })));
      return tf.sum(tf.square(h)) as tf.Scalar;
    };
    const [got, want] = [byBlock, byHand].map((loss) => {
      const { grads } = tf.variableGrads(loss, params);
      return tf.concat(params.map((v) => tf.reshape(grads[v.name], [-1])));
    });
    expect(tf.div(tf.norm(tf.sub(got, want)), tf.norm(want)).dataSync()[0]).toBeLessThan(1e-5);
    const info = await tf.profile(() => tf.tidy(() => Object.values(tf.variableGrads(byBlock, params).grads)));
    const count = (name: string) => info.kernels.filter((k) => k.name === name).length;
    expect(count('Conv2D')).toBe(2 + 2 * 4); // two time maps, then two convs per evaluation
    expect(count('PadV2')).toBe(0);
    tf.dispose(info.result as tf.Tensor[]);
  });
});
