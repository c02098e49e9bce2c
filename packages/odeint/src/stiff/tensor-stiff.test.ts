import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@neural-ode/backend';
import { odeint } from '../odeint';
import { odeintFloat64 } from '../odeint-float64';
import { thrownOdeintError } from '../errors.test-fixtures';
import { finiteDifferenceJacobian } from './problem';
import { blockJacobian } from './tensor-stiff';

beforeAll(async () => {
  await initBackend({ backend: 'cpu', log: false });
});

// A batch of two Van der Pol oscillators, μ = 10 and 50 (one per row, rows independent).
const MU = [10, 50];
const vdpRows = (mu: tf.Tensor) => (_t: tf.Scalar, y: tf.Tensor) => {
  const x = tf.slice(y, [0, 0], [2, 1]);
  const v = tf.slice(y, [0, 1], [2, 1]);
  return tf.concat([v, tf.sub(tf.mul(mu, tf.mul(tf.sub(1, tf.square(x)), v)), x)], 1);
};
const vdp64 = (mu: number) => (_t: number, y: Float64Array) => [y[1], mu * (1 - y[0] * y[0]) * y[1] - y[0]];

describe('rodas5 and kvaerno5 on a batch of tensor states [batch, d]', () => {
  it.each(['rodas5', 'kvaerno5'] as const)('%s agrees with the float64 path row by row and leaks nothing', (method) => {
    const mu = tf.tensor2d([[MU[0]], [MU[1]]]);
    const y0 = tf.tensor2d([
      [2, 0],
      [2, 0],
    ]);
    const before = tf.memory().numTensors;
    const sol = odeint(vdpRows(mu), y0, [0, 0.5, 1], { method, rtol: 1e-5, atol: 1e-7 });
    expect(sol.ys.shape).toEqual([3, 2, 2]);
    const got = sol.ys.arraySync() as number[][][];
    MU.forEach((m, b) => {
      const ref = odeintFloat64(vdp64(m), [2, 0], [0, 0.5, 1], { method: 'rodas5', rtol: 1e-10, atol: 1e-12 }).ys;
      ref.forEach((y, i) => y.forEach((v, k) => expect(Math.abs(got[i][b][k] - v)).toBeLessThan(2e-4 * (1 + Math.abs(v)))));
    });
    expect(sol.stats.njev).toBeGreaterThan(0);
    // rodas5: 2 for the first-step estimate; per accepted point: f at the start, d = 2 for the Jacobian, 2 for ∂f/∂t;
    // 7 more per attempted step; and (an output inside the steps, t = 0.5) one for the dense output's error bound per
    // attempt that passed the step-end test.
    if (method === 'rodas5') {
      const base = 2 + 5 * sol.stats.njev! + 7 * sol.stats.nSteps;
      expect(sol.stats.nfe).toBeGreaterThanOrEqual(base + sol.stats.nAccepted);
      expect(sol.stats.nfe).toBeLessThanOrEqual(base + sol.stats.nSteps);
    }
    else expect(sol.stats.nNewton).toBeGreaterThan(6 * sol.stats.nAccepted);
    sol.ys.dispose();
    expect(tf.memory().numTensors).toBe(before);
    mu.dispose();
    y0.dispose();
  });

  it.each(['rodas5', 'kvaerno5'] as const)('%s: gradients through the solve (tape) match float64 central differences', (method) => {
    const mu = tf.variable(tf.tensor2d([[MU[0]], [MU[1]]]));
    const y0 = tf.tensor2d([
      [2, 0],
      [2, 0],
    ]);
    const { grads } = tf.variableGrads(() => {
      const sol = odeint(vdpRows(mu), y0, [0, 0.5], { method, rtol: 1e-5, atol: 1e-7 });
      return tf.sum(tf.slice(sol.ys, [1, 0, 0], [1, 2, 1])) as tf.Scalar;
    });
    const g = grads[mu.name].arraySync() as number[][];
    MU.forEach((m, b) => {
      const x = (mm: number) => odeintFloat64(vdp64(mm), [2, 0], [0, 0.5], { method: 'rodas5', rtol: 1e-11, atol: 1e-13 }).ys[1][0];
      const e = 1e-4 * m;
      const fd = (x(m + e) - x(m - e)) / (2 * e);
      expect(Math.abs(g[b][0] - fd)).toBeLessThan(1e-3 * Math.abs(fd));
    });
    tf.dispose([mu, y0, ...Object.values(grads)]);
  });

  it('the Jacobian blocks by autodiff equal the analytic ones and float64 finite differences', () => {
    const mu = tf.tensor2d([[MU[0]], [MU[1]]]);
    const y = [
      [0.7, -1.3],
      [1.9, 0.4],
    ];
    const f = vdpRows(mu);
    const J = blockJacobian((t, v) => f(tf.scalar(t), v), 0, tf.tensor2d(y)).arraySync();
    MU.forEach((m, b) => {
      const [x, v] = y[b];
      const analytic = [
        [0, 1],
        [-2 * m * x * v - 1, m * (1 - x * x)],
      ];
      const yb = Float64Array.from(y[b]);
      const fd = finiteDifferenceJacobian((t, z) => Float64Array.from(vdp64(m)(t, z)), 0, yb, Float64Array.from(vdp64(m)(0, yb)));
      analytic.forEach((row, i) =>
        row.forEach((a, j) => {
          expect(Math.abs(J[b][i][j] - a)).toBeLessThan(1e-4 * (1 + Math.abs(a)));
          expect(Math.abs(fd[i * 2 + j] - a)).toBeLessThan(1e-5 * (1 + Math.abs(a)));
        }),
      );
    });
    mu.dispose();
  });

  // The forced stiff problem of stiff.test.ts on tensors (two rows, λ = −1e4 and −1e5): without the dense output's
  // error bound the step-end estimates allowed steps of several units over cos t and outputs between them were far off.
  it.each(['rodas5', 'kvaerno5'] as const)('%s: outputs between the steps of a forced stiff problem', (method) => {
    const lambda = tf.tensor2d([[-1e4], [-1e5]]);
    const f = (t: tf.Scalar, y: tf.Tensor) => tf.sub(tf.mul(tf.sub(y, tf.cos(t)), lambda), tf.sin(t));
    const ts = Array.from({ length: 101 }, (_, i) => i / 10);
    const sol = odeint(f, tf.tensor2d([[1], [1]]), ts, { method, rtol: 1e-4, atol: 1e-6 });
    const got = sol.ys.arraySync() as number[][][];
    const worst = Math.max(...got.flatMap((rows, i) => rows.map((r) => Math.abs(r[0] - Math.cos(ts[i])))));
    expect(worst).toBeLessThan(2e-3);
    tf.dispose([lambda, sol.ys]);
  });

  it('bdf and auto, a state not shaped [batch, d], and a user jacobian on tensors are errors that say what to do', () => {
    const f = (_t: tf.Scalar, y: tf.Tensor) => tf.neg(y);
    expect(thrownOdeintError(() => odeint(f, tf.tensor2d([[1]]), [0, 1], { method: 'bdf' })).message).toMatch(/rodas5 and kvaerno5 run/);
    expect(thrownOdeintError(() => odeint(f, tf.tensor1d([1, 2]), [0, 1], { method: 'rodas5' })).message).toMatch(/\[batch, d\]/);
    expect(thrownOdeintError(() => odeint(f, tf.tensor2d([[1]]), [0, 1], { method: 'rodas5', jacobian: () => [[-1]] })).argument).toBe('options.jacobian');
    const events = thrownOdeintError(() => odeint(f, tf.tensor2d([[1]]), [0, 1], { method: 'kvaerno5', events: [{ g: (_t: tf.Scalar, y: tf.Tensor) => y }] }));
    expect([events.argument, events.message]).toEqual(['options.events', expect.stringMatching(/on tensors yet \(they are on float64 arrays\)/)]);
  });
});
