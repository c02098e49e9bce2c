import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@neural-ode/backend';
import { odeint } from './odeint';
import { rng } from './problems.test-fixtures';

beforeAll(async () => {
  await initBackend({ backend: 'cpu', log: false });
});

const opts = { method: 'dopri5', rtol: 1e-7, atol: 1e-9 } as const;

function problem() {
  const W = tf.variable(
    tf.tensor2d([
      [-0.1, 1.5],
      [-1.5, -0.2],
    ]),
  );
  const f = (_t: tf.Scalar, y: tf.Tensor) => tf.tanh(tf.matMul(y, W));
  const y0 = tf.tensor2d([
    [1, 0],
    [0.5, -0.3],
    [-0.8, 0.4],
    [0.2, 0.9],
  ]);
  const rand = rng(11);
  // Irregular increasing times per sample, all from 0.
  const ts = Array.from({ length: 4 }, () => {
    const row = [0];
    for (let i = 1; i < 6; i++) row.push(row[i - 1] + 0.05 + rand());
    return row;
  });
  return { W, f, y0, ts };
}

describe('per-sample time grids (ts shaped [batch, T])', () => {
  it('ys[b] equals solving sample b alone at its own times; ys is [batch, T, ...]', () => {
    const { W, f, y0, ts } = problem();
    const sol = odeint(f, y0, ts, opts);
    expect(sol.ys.shape).toEqual([4, 6, 2]);
    const got = sol.ys.arraySync() as number[][][];
    ts.forEach((row, b) => {
      const alone = odeint(f, tf.slice(y0, [b, 0], [1, 2]), row, opts).ys.arraySync() as number[][][];
      row.forEach((_, i) => {
        expect(Math.abs(got[b][i][0] - alone[i][0][0])).toBeLessThan(2e-5);
        expect(Math.abs(got[b][i][1] - alone[i][0][1])).toBeLessThan(2e-5);
      });
    });
    // The same through a 2-D tensor of times.
    const viaTensor = odeint(f, y0, tf.tensor2d(ts), opts).ys.arraySync() as number[][][];
    expect(Math.abs(viaTensor[3][5][1] - got[3][5][1])).toBeLessThan(1e-6);
    W.dispose();
  });

  it('gradients reach y0 and the parameters: equal to the sum of the per-sample solves', () => {
    const { W, f, y0, ts } = problem();
    const loss = (ys: tf.Tensor) => tf.sum(tf.square(ys)) as tf.Scalar;
    const together = tf.variableGrads(() => loss(odeint(f, y0, ts, opts).ys));
    const gy0 = tf.grad((x: tf.Tensor) => loss(odeint(f, x, ts, opts).ys))(y0).arraySync() as number[][];
    let wSum = tf.zeros([2, 2]);
    ts.forEach((row, b) => {
      const yb = tf.slice(y0, [b, 0], [1, 2]);
      const alone = tf.variableGrads(() => loss(odeint(f, yb, row, opts).ys));
      wSum = tf.add(wSum, alone.grads[W.name]);
      const gb = tf.grad((x: tf.Tensor) => loss(odeint(f, x, row, opts).ys))(yb).arraySync() as number[][];
      expect(Math.abs(gy0[b][0] - gb[0][0])).toBeLessThan(1e-3);
      expect(Math.abs(gy0[b][1] - gb[0][1])).toBeLessThan(1e-3);
    });
    const want = wSum.dataSync();
    const gotW = together.grads[W.name].dataSync();
    want.forEach((v, i) => expect(Math.abs(gotW[i] - v)).toBeLessThan(1e-3 * Math.max(1, Math.abs(v))));
    W.dispose();
  });

  it('with ts a 2-D tensor, gradients reach the times: equal to each sample solved alone with 1-D tensor times', () => {
    const { W, f, y0, ts } = problem();
    const loss = (ys: tf.Tensor) => tf.sum(tf.square(tf.sin(ys))) as tf.Scalar;
    const got = tf.grad((t: tf.Tensor) => loss(odeint(f, y0, t as tf.Tensor2D, opts).ys))(tf.tensor2d(ts)).arraySync() as number[][];
    ts.forEach((row, b) => {
      const yb = tf.slice(y0, [b, 0], [1, 2]);
      const want = tf.grad((t: tf.Tensor) => loss(odeint(f, yb, t as tf.Tensor1D, opts).ys))(tf.tensor1d(row)).arraySync() as number[];
      row.forEach((_, i) => expect(Math.abs(got[b][i] - want[i])).toBeLessThan(1e-3 * Math.max(1, Math.abs(want[i]))));
      // The start time's gradient is not zero here (it moves every trajectory).
      expect(Math.abs(want[0])).toBeGreaterThan(1e-3);
    });
    W.dispose();
  });

  it('bad per-sample times are errors naming ts', () => {
    const { W, f, y0, ts } = problem();
    expect(() => odeint(f, y0, ts.slice(0, 3), opts)).toThrow(/ts has 3 rows of per-sample times but y0 has 4 samples/);
    expect(() => odeint(f, y0, ts.map((r, b) => (b === 2 ? r.map((t) => t + 0.01) : r)), opts)).toThrow(/ts\[2\]\[0\] = 0\.01 but ts\[0\]\[0\] = 0/);
    expect(() => odeint(f, y0, ts.map((r, b) => (b === 1 ? [...r].reverse() : r)), opts)).toThrow(/ts/);
    W.dispose();
  });
});
