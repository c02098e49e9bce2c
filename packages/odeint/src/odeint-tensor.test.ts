import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@neural-ode/backend';
import { odeint } from './odeint';
import { methodInfo, EXPLICIT_METHODS as METHODS } from './methods';

beforeAll(async () => {
  await initBackend({ backend: 'cpu', log: false });
});

// y' = y A with A a rotation generator: y(t) = [cos t, sin t] from [1, 0].
const rotation = () => {
  const A = tf.tensor2d([[0, 1], [-1, 0]]);
  return { A, f: (_t: tf.Scalar, y: tf.Tensor) => tf.reshape(tf.matMul(tf.reshape(y, [1, 2]), A), [2]) };
};

describe('odeint on tensors', () => {
  it.each(METHODS)('%s solves a rotation forward and backward in time (float32)', (method) => {
    const { A, f } = rotation();
    for (const dir of [1, -1]) {
      const ts = [0, dir * 0.5, dir * 1];
      const sol = odeint(f, tf.tensor1d([1, 0]), ts, methodInfo(method).adaptive ? { method, rtol: 1e-5, atol: 1e-6 } : { method, stepSize: 0.01 });
      expect(sol.ys.shape).toEqual([3, 2]);
      const got = sol.ys.arraySync() as number[][];
      // fehlberg2's error estimate is its order-1 solution's, scaled by 1/512: its global error runs ~100× rtol.
      const tol = method === 'euler' ? 1e-2 : method === 'fehlberg2' ? 2e-3 : 2e-4;
      ts.forEach((t, i) => {
        expect(got[i][0]).toBeCloseTo(Math.cos(t), -Math.log10(tol));
        expect(Math.abs(got[i][1] - Math.sin(t))).toBeLessThan(tol);
      });
      sol.ys.dispose();
    }
    A.dispose();
  });

  it('keeps the shape of y0 and accepts ts as a tensor', () => {
    const sol = odeint((_t, y) => tf.neg(y), tf.ones([2, 3]), tf.tensor1d([0, 1]), { method: 'rk4', stepSize: 0.1 });
    expect(sol.ys.shape).toEqual([2, 2, 3]);
    const last = (sol.ys.arraySync() as number[][][])[1];
    for (const row of last) for (const v of row) expect(v).toBeCloseTo(Math.exp(-1), 5);
  });

  it('passes t as a scalar tensor (time-dependent field)', () => {
    // y' = t → y(1) = 1/2
    const sol = odeint((t, y) => tf.mul(tf.onesLike(y), t), tf.zeros([1]), [0, 1], { method: 'dopri5' });
    expect((sol.ys.arraySync() as number[][])[1][0]).toBeCloseTo(0.5, 5);
  });

  it('per-component tolerances, the max norm and the PID controller work on tensors', () => {
    const { A, f } = rotation();
    for (const opts of [
      { rtol: [1e-5, 1e-5], atol: [1e-6, 1e-6] },
      { norm: 'max' as const, rtol: 1e-5, atol: 1e-6 },
      { controller: 'PID' as const, rtol: 1e-5, atol: 1e-6 },
    ]) {
      const sol = odeint(f, tf.tensor1d([1, 0]), [0, 2], opts);
      const last = (sol.ys.arraySync() as number[][])[1];
      expect(Math.abs(last[0] - Math.cos(2))).toBeLessThan(1e-4);
      expect(sol.stats.nAccepted).toBeGreaterThan(2);
      sol.ys.dispose();
    }
    expect(() => odeint(f, tf.tensor1d([1, 0]), [0, 1], { rtol: [1e-5] })).toThrow(/1 values but the state has 2/);
    A.dispose();
  });

  it('a tensor state that turns NaN is an error naming the time (adaptive) or interval (fixed)', () => {
    const f = (t: tf.Scalar, y: tf.Tensor) => (t.dataSync()[0] > 0.5 ? tf.div(y, tf.zerosLike(y)) : tf.neg(y));
    expect(() => odeint(f, tf.tensor1d([0]), [0, 1])).toThrow(/NaN or Inf at t = 0\.[45]/);
    expect(() => odeint(f, tf.tensor1d([0]), [0, 1], { method: 'rk4', stepSize: 0.25 })).toThrow(/NaN or Inf between t = 0 and t = 1/);
  });

  it('rejects non-float32 states and f returning the wrong shape', () => {
    expect(() => odeint((_t, y) => y, tf.tensor1d([1], 'int32'), [0, 1])).toThrow(/dtype int32.*tf.cast/);
    expect(() => odeint(() => tf.zeros([3]), tf.tensor1d([1, 2]), [0, 1])).toThrow(/returned a tensor of shape \[3\]; expected a tensor of shape \[2\]/);
  });
});
