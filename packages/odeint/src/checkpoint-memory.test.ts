import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@neural-ode/backend';
import { odeint } from './odeint';
import { solver } from './solver';
import type { GradientInput } from './gradient';
import { rng } from './problems.test-fixtures';
import { peakBytesOf } from './peak-bytes.test-fixtures';

beforeAll(async () => {
  await initBackend({ backend: 'cpu', log: false });
});

// An [8, 16] state with an MLP field (16 → 32 → 16): each rk4 step's tape holds several states' worth of
// activations, as in a neural ODE.
const random = rng(11);
const values = (n: number, scale: number) => Array.from({ length: n }, () => (random() * 2 - 1) * scale);

/** Peak `tf.memory().numBytes` above what was allocated before, over a solve and its gradient w.r.t. the params. */
function peakBytes(gradient: GradientInput, steps: number): number {
  const s = solver({ method: 'rk4', stepSize: 1 / steps, gradient });
  return peakBytesOf(() =>
    tf.tidy(() => {
      tf.variableGrads(() => tf.sum(tf.square(odeint(f, y0, [0, 1], s, { params }).ys)) as tf.Scalar, params);
    }),
  );
}

let params: tf.Variable[] = [];
let f: (t: tf.Scalar, y: tf.Tensor) => tf.Tensor;
let y0: tf.Tensor2D;
beforeAll(() => {
  const W1 = tf.variable(tf.tensor2d(values(16 * 32, 0.2), [16, 32]), true, 'mem_W1');
  const W2 = tf.variable(tf.tensor2d(values(32 * 16, 0.2), [32, 16]), true, 'mem_W2');
  params = [W1, W2];
  f = (_t, y) => tf.matMul(tf.tanh(tf.matMul(y as tf.Tensor2D, W1)), W2);
  y0 = tf.tensor2d(values(8 * 16, 1), [8, 16]);
});

describe('memory of the gradient modes (peak tf.memory().numBytes, rk4 on an [8, 16] state)', () => {
  it('checkpoint at 200 steps ≤ 3× its peak at 10 steps, while the tape grows about linearly', () => {
    const tape10 = peakBytes('tape', 10);
    const tape200 = peakBytes('tape', 200);
    const cp10 = peakBytes('checkpoint', 10);
    const cp200 = peakBytes('checkpoint', 200);
    console.log(`peak bytes: tape ${tape10} → ${tape200} (×${(tape200 / tape10).toFixed(1)}), checkpoint ${cp10} → ${cp200} (×${(cp200 / cp10).toFixed(1)})`);
    expect(cp200).toBeLessThanOrEqual(3 * cp10);
    // The tape holds every step: 20× the steps, more than 10× the bytes (so this test can tell the two apart).
    expect(tape200).toBeGreaterThan(10 * tape10);
    expect(cp200).toBeLessThan(tape200 / 5);
  });
});
