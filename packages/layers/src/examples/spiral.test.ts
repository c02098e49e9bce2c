// The README's spiral example (between the README markers, checked against README.md by readme.test.ts).
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { initBackend } from '@neural-ode/backend';
import { beforeAll, describe, expect, it } from 'vitest';
import { neuralOde, nfeLogger } from '../index';

beforeAll(async () => {
  await initBackend({ backend: 'cpu', log: false });
});

describe('README: the spiral with tf.sequential + neuralOde', () => {
  it('fits the spiral and logs the NFE per epoch', async () => {
    // README:begin spiral
    // The study's spiral: z(t) of dz/dt = W z, W = [[-0.1, -1], [1, -0.1]], z(0) = [0.6, 0.3].
    const spiral = (t: number) => {
      const d = Math.exp(-0.1 * t);
      return [d * (0.6 * Math.cos(t) - 0.3 * Math.sin(t)), d * (0.6 * Math.sin(t) + 0.3 * Math.cos(t))];
    };
    // Training pairs: a state on the spiral → the next 10 states, 0.1 apart.
    const starts = Array.from({ length: 100 }, (_, i) => i * 0.1);
    const ahead = Array.from({ length: 10 }, (_, k) => (k + 1) * 0.1);
    const x = tf.tensor2d(starts.map(spiral));
    const y = tf.tensor3d(starts.map((t) => ahead.map((dt) => spiral(t + dt))));

    const seeded = (seed: number) => tfl.initializers.glorotUniform({ seed });
    const ode = neuralOde({
      dynamics: tfl.sequential({
        layers: [
          tfl.layers.dense({ units: 16, activation: 'tanh', inputShape: [2], kernelInitializer: seeded(1) }),
          tfl.layers.dense({ units: 2, kernelInitializer: seeded(2) }),
        ],
      }),
      solver: { method: 'rk4', stepSize: 0.1 },
      outputTimes: ahead, // the output is [batch, 10, 2]: the state at each of these times
    });
    const model = tfl.sequential({ layers: [tfl.layers.inputLayer({ inputShape: [2] }), ode] });
    model.compile({ optimizer: tf.train.adam(0.02), loss: 'meanSquaredError' });
    const logged: string[] = [];
    const history = await model.fit(x, y, { epochs: 30, batchSize: 25, verbose: 0, callbacks: [nfeLogger({ log: (line) => logged.push(line) })] });
    // history.history.loss falls; logged[29] is 'epoch 30: NFE per batch (4 batches): neural_ode_… forward 40.0, backward 40.0'
    // README:end
    const loss = history.history.loss as number[];
    expect(loss[loss.length - 1]).toBeLessThan(loss[0] / 1000);
    expect(logged).toHaveLength(30);
    expect(logged[29]).toMatch(/^epoch 30: NFE per batch \(4 batches\): neural_ode_\S+ forward 40\.0, backward 40\.0$/);
    // The learned dynamics extrapolate: from z(0), 10 time units ahead (the training pairs span 0.1 to 10.9).
    const far = neuralOde({ dynamics: ode.dynamics, solver: { method: 'rk4', stepSize: 0.1 }, outputTimes: [2.5, 5, 7.5, 10] });
    const predicted = far.apply(tf.tensor2d([spiral(0)])) as tf.Tensor;
    const truth = tf.tensor3d([[2.5, 5, 7.5, 10].map(spiral)]);
    expect(tf.sqrt(tf.mean(tf.square(tf.sub(predicted, truth)))).dataSync()[0]).toBeLessThan(0.03); // the states themselves are ~0.27 (RMS)
  });
});
