// The live page's training loop, run in Node on the cpu backend: it must actually learn the spiral.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeSpiralData } from '../src/.vitepress/theme/live/spiral-data';
import { SpiralTrainer } from '../src/.vitepress/theme/live/spiral-trainer';

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

describe('spiral data', () => {
  it('is the damped rotation from z0 = (0.6, 0.3), noisy by about 0.01', () => {
    const data = makeSpiralData(0);
    expect(data.ts.length).toBe(200);
    expect(data.ts[199]).toBeCloseTo(3 * 6.29, 12);
    expect([data.truth[0], data.truth[1]]).toEqual([0.6, 0.3]);
    // dz/dt = W z: check the exact solution against a central difference at one time.
    const i = 50;
    const dt = data.ts[i + 1] - data.ts[i - 1];
    const dx = (data.truth[2 * (i + 1)] - data.truth[2 * (i - 1)]) / dt;
    const [x, y] = [data.truth[2 * i], data.truth[2 * i + 1]];
    expect(dx).toBeCloseTo(-0.1 * x - y, 2);
    let sq = 0;
    for (let k = 0; k < data.truth.length; k++) sq += (data.observed[k] - data.truth[k]) ** 2;
    expect(Math.sqrt(sq / data.truth.length)).toBeGreaterThan(0.007);
    expect(Math.sqrt(sq / data.truth.length)).toBeLessThan(0.013);
    expect(makeSpiralData(0).observed).toEqual(data.observed);
  });
});

describe('SpiralTrainer', () => {
  it('learns the spiral (loss and RMSE fall) without leaking tensors', () => {
    const data = makeSpiralData(0);
    const before = tf.memory().numTensors;
    const trainer = new SpiralTrainer(data, { gradient: 'backprop', seed: 3 });
    const rmse0 = trainer.rmse();
    const losses: number[] = [];
    for (let i = 0; i < 150; i++) losses.push(trainer.step().loss);
    const first = losses.slice(0, 10).reduce((a, b) => a + b) / 10;
    const last = losses.slice(-10).reduce((a, b) => a + b) / 10;
    expect(last).toBeLessThan(first / 3);
    expect(trainer.rmse()).toBeLessThan(rmse0 / 2);
    trainer.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('takes the same steps by the adjoint as by backprop', () => {
    const data = makeSpiralData(0);
    const before = tf.memory().numTensors;
    const byAdjoint = new SpiralTrainer(data, { gradient: 'adjoint', seed: 5 });
    const byBackprop = new SpiralTrainer(data, { gradient: 'backprop', seed: 5 });
    for (let i = 0; i < 3; i++) {
      expect(byAdjoint.step().loss).toBeCloseTo(byBackprop.step().loss, 5);
    }
    const a = byAdjoint.weights();
    const b = byBackprop.weights();
    for (const key of ['w1', 'w2', 'b2'] as const) {
      a[key].forEach((v, i) => expect(v).toBeCloseTo(b[key][i], 3));
    }
    byAdjoint.dispose();
    byBackprop.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
