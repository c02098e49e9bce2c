import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { initBackend } from '@neural-ode/backend';
import { odeint, solver } from '@neural-ode/odeint';
import { beforeAll, describe, expect, it } from 'vitest';
import { concatDense } from './concat-dense';
import { neuralOde } from './neural-ode';

beforeAll(async () => {
  await initBackend({ backend: 'cpu', log: false });
});

const seeded = (seed: number) => tfl.initializers.glorotUniform({ seed });

/** dy/dt = W₂ tanh(W₁ cat(y, t)) on 2-D states: small enough for fast tests. */
function dynamics(seed = 1, extra: Partial<Parameters<typeof concatDense>[0]> = {}) {
  return tfl.sequential({
    layers: [
      concatDense({ units: 8, activation: 'tanh', inputShape: [2], kernelInitializer: seeded(seed), ...extra }),
      concatDense({ units: 2, kernelInitializer: seeded(seed + 1) }),
    ],
  });
}

const max = (t: tf.Tensor) => tf.max(tf.abs(t)).dataSync()[0];

describe('neuralOde', () => {
  it("outputs odeint's solution of the dynamics at t1, with the dynamics' weights as its trainable weights", () => {
    const dyn = dynamics();
    const ode = neuralOde({ dynamics: dyn, solver: { method: 'rk4', stepSize: 0.1 }, t1: 0.7 });
    const model = tfl.sequential({ layers: [tfl.layers.inputLayer({ inputShape: [2] }), ode] });
    const x = tf.randomNormal([3, 2], 0, 1, 'float32', 4);
    const y = model.predict(x) as tf.Tensor;
    expect(y.shape).toEqual([3, 2]);
    // The same solve written by hand: the time feature appended to the state, the weights read back.
    const [k1, b1, k2, b2] = dyn.getWeights();
    const f = (t: tf.Scalar, s: tf.Tensor) => {
      const withT = (z: tf.Tensor) => tf.concat([z, tf.mul(tf.ones([z.shape[0], 1]), t)], 1);
      const h = tf.tanh(tf.add(tf.matMul(withT(s), k1), b1));
      return tf.add(tf.matMul(withT(h), k2), b2);
    };
    const ref = tf.unstack(odeint(f, x, [0, 0.7], { method: 'rk4', stepSize: 0.1 }).ys)[1];
    expect(max(tf.sub(y, ref))).toBeLessThan(1e-6);
    expect(max(tf.sub(y, x))).toBeGreaterThan(1e-2);
    expect(model.trainableWeights.map((w) => w.shape)).toEqual([[3, 8], [8], [9, 2], [2]]);
    expect(ode.trainableWeights).toEqual(dyn.trainableWeights);
    expect(ode.nfe).toEqual({ forward: 28, backward: 0 });
  });

  it('outputs the state at every outputTimes on a time axis after the batch axis', () => {
    const ode = neuralOde({ dynamics: dynamics(), solver: { method: 'rk4', stepSize: 0.05 }, outputTimes: [0.25, 0.5, 1] });
    const model = tfl.sequential({ layers: [tfl.layers.inputLayer({ inputShape: [2] }), ode] });
    expect(model.outputs[0].shape).toEqual([null, 3, 2]);
    const x = tf.randomNormal([4, 2], 0, 1, 'float32', 5);
    const ys = model.predict(x) as tf.Tensor;
    expect(ys.shape).toEqual([4, 3, 2]);
    const at1 = neuralOde({ dynamics: ode.dynamics, solver: { method: 'rk4', stepSize: 0.05 }, t1: 1 });
    const last = tf.squeeze(tf.slice(ys, [0, 2, 0], [4, 1, 2]), [1]);
    expect(max(tf.sub(last, at1.apply(x) as tf.Tensor))).toBeLessThan(1e-6);
  });

  for (const gradient of ['tape', 'checkpoint', 'backsolve'] as const) {
    it(`trains with model.fit (gradient: '${gradient}') and reports the NFE of the batch's forward and backward pass`, async () => {
      const ode = neuralOde({ dynamics: dynamics(), solver: { method: 'rk4', stepSize: 0.25 }, gradient });
      expect(ode.solver.gradient.mode).toBe(gradient);
      const model = tfl.sequential({ layers: [tfl.layers.inputLayer({ inputShape: [2] }), ode] });
      model.compile({ optimizer: tf.train.adam(0.05), loss: 'meanSquaredError' });
      const x = tf.randomNormal([16, 2], 0, 1, 'float32', 6);
      const target = tf.mul(x, 2);
      const before = tf.clone(ode.trainableWeights[0].read());
      const seen: { forward: number; backward: number }[] = [];
      const history = await model.fit(x, target, {
        epochs: 8,
        batchSize: 16,
        verbose: 0,
        callbacks: { onBatchEnd: async () => void seen.push(ode.nfe) },
      });
      const loss = history.history.loss as number[];
      expect(loss[loss.length - 1]).toBeLessThan(0.5 * loss[0]);
      expect(max(tf.sub(before, ode.trainableWeights[0].read()))).toBeGreaterThan(1e-3);
      // rk4, 4 steps: 16 evaluations forward; backward 16 VJPs (tape and checkpoint: one per evaluation; backsolve: the
      // adjoint's rk4 on the same grid).
      expect(seen).toHaveLength(8);
      expect(seen.every((n) => n.forward === 16 && n.backward === 16)).toBe(true);
    });
  }

  it("passes the gradient mode to odeint: checkpoint's gradients equal the tape's, backsolve's agree to the adjoint's accuracy", () => {
    const x = tf.randomNormal([4, 2], 0, 1, 'float32', 11);
    const target = tf.randomNormal([4, 2], 0, 1, 'float32', 12);
    const dyn = dynamics(3);
    const grads = (gradient: 'tape' | 'checkpoint' | 'backsolve') => {
      const ode = neuralOde({ dynamics: dyn, solver: { method: 'rk4', stepSize: 0.1 }, gradient });
      const weights = ode.trainableWeights.map((w) => w.read() as tf.Variable);
      const { grads: g } = tf.variableGrads(() => tf.losses.meanSquaredError(target, ode.apply(x) as tf.Tensor) as tf.Scalar, weights);
      return weights.map((w) => g[w.name]);
    };
    const tape = grads('tape');
    const relative = (a: tf.Tensor[], b: tf.Tensor[]) => Math.max(...a.map((t, i) => max(tf.sub(t, b[i])) / max(b[i])));
    expect(tape.every((g) => max(g) > 1e-3)).toBe(true);
    expect(relative(grads('checkpoint'), tape)).toBeLessThan(1e-5);
    expect(relative(grads('backsolve'), tape)).toBeLessThan(1e-4);
  });

  it('works in a functional tf.model and as the first layer of a tf.sequential (inputShape)', async () => {
    const input = tfl.input({ shape: [2] });
    const ode = neuralOde({ dynamics: dynamics(5), solver: { method: 'midpoint', stepSize: 0.25 }, outputTimes: [0.5, 1] });
    const h = ode.apply(input) as tfl.SymbolicTensor;
    const out = tfl.layers.dense({ units: 1, kernelInitializer: seeded(6) }).apply(tfl.layers.flatten().apply(h)) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: out });
    expect(h.shape).toEqual([null, 2, 2]);
    expect(model.trainableWeights).toHaveLength(6);
    model.compile({ optimizer: tf.train.adam(0.05), loss: 'meanSquaredError' });
    const x = tf.randomNormal([8, 2], 0, 1, 'float32', 13);
    const history = await model.fit(x, tf.sum(x, 1, true), { epochs: 5, verbose: 0 });
    const loss = history.history.loss as number[];
    expect(loss[4]).toBeLessThan(loss[0]);

    const first = neuralOde({ dynamics: dynamics(7), solver: { method: 'euler', stepSize: 0.5 }, inputShape: [2] });
    const seq = tfl.sequential({ layers: [first] });
    expect(seq.outputs[0].shape).toEqual([null, 2]);
    expect((seq.predict(tf.ones([3, 2])) as tf.Tensor).shape).toEqual([3, 2]);
  });

  it('trainable = false freezes the dynamics: no trainable weights, fit leaves them unchanged', async () => {
    const ode = neuralOde({ dynamics: dynamics(), solver: { method: 'rk4', stepSize: 0.25 } });
    const model = tfl.sequential({ layers: [tfl.layers.dense({ units: 2, inputShape: [2], kernelInitializer: seeded(9) }), ode] });
    ode.trainable = false;
    expect(ode.trainableWeights).toEqual([]);
    expect(ode.nonTrainableWeights).toHaveLength(4);
    expect(model.trainableWeights).toHaveLength(2);
    model.compile({ optimizer: tf.train.sgd(0.1), loss: 'meanSquaredError' });
    const before = ode.getWeights().map((w) => w.dataSync().slice());
    const x = tf.randomNormal([8, 2], 0, 1, 'float32', 7);
    await model.fit(x, tf.mul(x, 2), { epochs: 2, verbose: 0 });
    expect(ode.getWeights().map((w) => w.dataSync().slice())).toEqual(before);
    expect(neuralOde({ dynamics: dynamics(), solver: { method: 'euler', stepSize: 0.5 }, trainable: false }).trainableWeights).toEqual([]);
  });

  it("adds the dynamics' regularization losses to the model's loss", () => {
    const ode = neuralOde({ dynamics: dynamics(1, { kernelRegularizer: tfl.regularizers.l2({ l2: 0.5 }) }), solver: { method: 'rk4', stepSize: 0.5 } });
    const model = tfl.sequential({ layers: [tfl.layers.inputLayer({ inputShape: [2] }), ode] });
    model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' }); // builds the model, as fit does
    const losses = model.calculateLosses();
    expect(losses).toHaveLength(1);
    const kernel = ode.trainableWeights[0].read();
    expect(losses[0].dataSync()[0]).toBeCloseTo(0.5 * tf.sum(tf.square(kernel)).dataSync()[0], 5);
  });

  it('rejects bad options with errors that name the option, the value and the fix', () => {
    const d = dynamics();
    expect(() => neuralOde({ dynamics: d, solver: { method: 'rk4' } })).toThrow(/fixed-step but no solver.stepSize.*Fix: pass e.g. stepSize/);
    expect(() => neuralOde({ dynamics: {} as never, solver: { method: 'rk4', stepSize: 0.1 } })).toThrow(/option 'dynamics'.*must be a tf.layers.Layer/);
    expect(() => neuralOde({ dynamics: d, solver: { method: 'dopri5' }, outputTimes: [0.5, 0.2] })).toThrow(
      /'outputTimes' = \[0.5,0.2\] must be strictly monotonic.*Fix: sort/,
    );
    expect(() => neuralOde({ dynamics: d, solver: { method: 'dopri5' }, t1: 2, outputTimes: [1] })).toThrow(/'t1' \(2\) and 'outputTimes' both/);
    expect(() => neuralOde({ dynamics: d, solver: { method: 'dopri5' }, gradient: 'adjoint' as never })).toThrow(/options.gradient = "adjoint" is not a gradient mode. Fix: use one of/);
    expect(() => neuralOde({ dynamics: d, solver: solver({ method: 'dopri5' }), gradient: 'backsolve' })).toThrow(
      /option 'gradient' \("backsolve"\) is given beside a Solver value.*Fix: build the solver with solver\(\{ ..., gradient: "backsolve" \}\)/,
    );
    expect(() => neuralOde({ dynamics: d, solver: { method: 'dopri5', gradient: 'tape' }, gradient: 'backsolve' })).toThrow(/'gradient' and 'solver.gradient' both/);
    expect(() => neuralOde({ dynamics: d, solver: { method: 'dopri5' }, stepSize: 0.1 } as never)).toThrow(/option 'stepSize'.*unknown option/);
    const wrongShape = tfl.sequential({ layers: [tfl.layers.dense({ units: 3, inputShape: [2] })] });
    const ode = neuralOde({ dynamics: wrongShape, solver: { method: 'dopri5' } });
    expect(() => tfl.sequential({ layers: [tfl.layers.inputLayer({ inputShape: [2] }), ode] })).toThrow(/dy\/dt must have the shape of y/);
  });
});
