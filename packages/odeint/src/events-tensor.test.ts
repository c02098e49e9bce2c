import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@neural-ode/backend';
import { odeint } from './odeint';
import { rng } from './problems.test-fixtures';

beforeAll(async () => {
  await initBackend({ backend: 'cpu', log: false });
});

const G = 9.81;
// A falling ball, [height, velocity].
const fall = (_t: tf.Scalar, y: tf.Tensor) => tf.stack([tf.gather(y, 1), tf.scalar(-G)]);
const height = (_t: tf.Scalar, y: tf.Tensor) => tf.gather(y, 0) as tf.Scalar;

describe('events on tensors', () => {
  it('bouncing ball: the first two impacts at their analytic times; ys stops at the terminal event', () => {
    const sol = odeint(fall, tf.tensor1d([1, 0]), [0, 0.2, 0.4, 0.6, 2], { rtol: 1e-6, atol: 1e-8, events: [{ g: height, direction: -1, terminal: true }] });
    const ev = sol.events![0];
    const want = Math.sqrt(2 / G); // 0.4515
    expect(Math.abs(ev.t - want)).toBeLessThan(1e-6);
    expect(ev.y.shape).toEqual([2]);
    expect(Math.abs((ev.y.arraySync() as number[])[1] + G * want)).toBeLessThan(1e-4);
    expect(sol.ys.shape).toEqual([3, 2]); // 0, 0.2, 0.4: the times before the impact
    expect(ev.time.dataSync()[0]).toBeCloseTo(ev.t, 6);
    // Restart: thrown up at 0.8 of the impact speed; zero height at t0 is not an event.
    const v = 0.8 * G * want;
    const next = odeint(fall, tf.tensor1d([0, v]), [ev.t, ev.t + 3], { rtol: 1e-6, atol: 1e-8, events: [{ g: height, direction: -1, terminal: true }] });
    expect(Math.abs(next.events![0].t - (ev.t + (2 * v) / G))).toBeLessThan(1e-6);
  });

  it('an event function may return a number; a non-scalar tensor is an error naming it', () => {
    const sol = odeint(fall, tf.tensor1d([1, 0]), [0, 2], { events: [{ g: (_t: tf.Scalar, y: tf.Tensor) => y.dataSync()[0], terminal: true }] });
    expect(Math.abs(sol.events![0].t - Math.sqrt(2 / G))).toBeLessThan(1e-6);
    expect(() => odeint(fall, tf.tensor1d([1, 0]), [0, 2], { events: [{ g: (_t: tf.Scalar, y: tf.Tensor) => y }] })).toThrow(/options\.events\[0\]\.g returned a tensor of shape \[2\]/);
    // Not yet: differentiable times expect one output per time, which a terminal event may cut short.
    expect(() => odeint(fall, tf.tensor1d([1, 0]), tf.tensor1d([0, 2]), { events: [{ g: height, terminal: true }] })).toThrow(/terminal event with ts given as a tensor/);
  });

  it('the event time is differentiable (implicit function theorem), against the analytic gradient and finite differences', () => {
    // y' = −k y from y0: y = 1/2 at t* = ln(2 y0)/k, so ∂t*/∂k = −t*/k and ∂t*/∂y0 = 1/(k y0).
    const k = tf.variable(tf.scalar(1.3));
    const f = (_t: tf.Scalar, y: tf.Tensor) => tf.mul(tf.neg(k), y);
    const g = (_t: tf.Scalar, y: tf.Tensor) => tf.sub(tf.sum(y), 0.5) as tf.Scalar;
    const opts = { rtol: 1e-6, atol: 1e-8, events: [{ g, terminal: true }] };
    const eventTime = (y0: tf.Tensor) => odeint(f, y0, [0, 5], opts).events![0].time;
    const y0 = tf.tensor1d([1.2]);
    const { value, grads } = tf.variableGrads(() => eventTime(y0));
    const tStar = Math.log(2 * 1.2) / 1.3;
    expect(value.dataSync()[0]).toBeCloseTo(tStar, 5);
    expect(grads[k.name].dataSync()[0]).toBeCloseTo(-tStar / 1.3, 3);
    const dy0 = tf.grad((x: tf.Tensor) => eventTime(x))(y0).dataSync()[0];
    expect(dy0).toBeCloseTo(1 / (1.3 * 1.2), 3);
    // Finite differences of the solve itself (event times as numbers, float32 states).
    const eps = 1e-2;
    const at = (kv: number) => {
      k.assign(tf.scalar(kv));
      return odeint(f, y0, [0, 5], opts).events![0].t;
    };
    const fd = (at(1.3 + eps) - at(1.3 - eps)) / (2 * eps);
    k.assign(tf.scalar(1.3));
    expect(Math.abs(grads[k.name].dataSync()[0] - fd)).toBeLessThan(2e-3);
    k.dispose();
  });
});

describe('dense solutions on tensors', () => {
  it('evaluate at random times matches the exact rotation, and its gradient reaches y0', () => {
    const A = tf.tensor2d([
      [0, 1],
      [-1, 0],
    ]);
    const f = (_t: tf.Scalar, y: tf.Tensor) => tf.matMul(y, A);
    const y0 = tf.tensor2d([[1, 0]]);
    const sol = odeint(f, y0, [0, 4], { rtol: 1e-6, atol: 1e-8, dense: true });
    const rand = rng(3);
    const ts = Array.from({ length: 20 }, () => 4 * rand());
    const ys = sol.evaluate!(ts).arraySync() as number[][][];
    expect(sol.evaluate!(ts).shape).toEqual([20, 1, 2]);
    ts.forEach((t, i) => {
      expect(Math.abs(ys[i][0][0] - Math.cos(t))).toBeLessThan(2e-5);
      expect(Math.abs(ys[i][0][1] - Math.sin(t))).toBeLessThan(2e-5);
    });
    expect(sol.evaluate!(1.5).shape).toEqual([1, 2]);
    expect(sol.dense!.steps).toBe(sol.stats.nAccepted);
    // y(t) = y0 · [[cos t, sin t], [−sin t, cos t]]: d(Σ y(t))/dy0 = [cos t + sin t, cos t − sin t].
    const t = 2.3;
    const grad = tf.grad((x: tf.Tensor) => tf.sum(odeint(f, x, [0, 4], { rtol: 1e-6, atol: 1e-8, dense: true }).evaluate!(t)))(y0).dataSync();
    expect(grad[0]).toBeCloseTo(Math.cos(t) + Math.sin(t), 4);
    expect(grad[1]).toBeCloseTo(Math.cos(t) - Math.sin(t), 4);
    sol.dense!.dispose();
  });
});
