import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { initBackend } from '@neural-ode/backend';
import { beforeAll, describe, expect, it } from 'vitest';
import { concatDense } from './concat-dense';
import { neuralOde, type NfeCounts } from './neural-ode';
import { nfeLogger, neuralOdeLayers } from './nfe-logger';

beforeAll(async () => {
  await initBackend({ backend: 'cpu', log: false });
});

const seeded = (seed: number) => tfl.initializers.glorotUniform({ seed });

describe('nfeLogger', () => {
  it("logs each ODE layer's mean NFE per batch every epoch and adds the totals to the epoch's logs", async () => {
    // An adaptive solver: the NFE changes as the dynamics train; tape on one block, backsolve on the other.
    const ode = (name: string, gradient: 'tape' | 'backsolve', seed: number) =>
      neuralOde({
        name,
        dynamics: concatDense({ units: 3, activation: 'tanh', kernelInitializer: seeded(seed) }),
        solver: { method: 'bosh3', rtol: 1e-3, atol: 1e-3 },
        gradient,
      });
    const model = tfl.sequential({ layers: [tfl.layers.inputLayer({ inputShape: [3] }), ode('ode_a', 'tape', 1), ode('ode_b', 'backsolve', 2)] });
    model.compile({ optimizer: tf.train.adam(0.1), loss: 'meanSquaredError' });
    const lines: string[] = [];
    const batches: Record<string, NfeCounts>[] = [];
    const x = tf.randomNormal([12, 3], 0, 1, 'float32', 3);
    const history = await model.fit(x, tf.mul(x, 3), {
      epochs: 2,
      batchSize: 4,
      shuffle: false,
      verbose: 0,
      callbacks: [nfeLogger({ log: (l) => lines.push(l), onBatch: (_, nfe) => batches.push(nfe) })],
    });
    expect(batches).toHaveLength(6);
    expect(batches.every((b) => b.ode_a.forward > 0 && b.ode_a.backward > 0 && b.ode_b.forward > 0 && b.ode_b.backward > 0)).toBe(true);
    const mean = (from: number, key: 'forward' | 'backward') =>
      batches.slice(from, from + 3).reduce((s, b) => s + b.ode_a[key] + b.ode_b[key], 0) / 3;
    expect(history.history.nfeForward).toEqual([mean(0, 'forward'), mean(3, 'forward')]);
    expect(history.history.nfeBackward).toEqual([mean(0, 'backward'), mean(3, 'backward')]);
    expect(lines).toHaveLength(2);
    const a = batches.slice(0, 3).reduce((s, b) => s + b.ode_a.forward, 0) / 3;
    expect(lines[0]).toContain(`epoch 1: NFE per batch (3 batches): ode_a forward ${a.toFixed(1)}, backward`);
    expect(lines[0]).toMatch(/; ode_b forward \d+\.\d, backward \d+\.\d$/);
  });

  it('finds ODE layers inside nested models and inside other blocks’ dynamics; refuses a model without one', async () => {
    const inner = neuralOde({ name: 'inner', dynamics: concatDense({ units: 2 }), solver: { method: 'euler', stepSize: 0.5 } });
    const outer = neuralOde({ name: 'outer', dynamics: tfl.sequential({ layers: [tfl.layers.inputLayer({ inputShape: [2] }), inner] }), solver: { method: 'euler', stepSize: 0.5 } });
    const model = tfl.sequential({ layers: [tfl.layers.inputLayer({ inputShape: [2] }), outer] });
    expect(neuralOdeLayers(model).map((l) => l.name)).toEqual(['outer', 'inner']);
    const plain = tfl.sequential({ layers: [tfl.layers.dense({ units: 1, inputShape: [1] })] });
    plain.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    await expect(plain.fit(tf.ones([2, 1]), tf.ones([2, 1]), { epochs: 1, verbose: 0, callbacks: [nfeLogger({ log: false })] })).rejects.toThrow(
      /has no neuralOde layer/,
    );
  });
});
