import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { initBackend } from '@neural-ode/backend';
import { solver } from '@neural-ode/odeint';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { concatConv2d } from './concat-conv2d';
import { concatDense } from './concat-dense';
import { fileSystem, registerFileSystemRouter } from './file-system';
import { NeuralOde, neuralOde } from './neural-ode';

beforeAll(async () => {
  await initBackend({ backend: 'cpu', log: false });
});

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'neural-ode-layers-'));
  dirs.push(d);
  return d;
};

const seeded = (seed: number) => tfl.initializers.glorotUniform({ seed });

/**
 * Two ODE blocks: one over an image whose dynamics are a nested tf.sequential of concatConv2d (adaptive solver,
 * adjoint gradient), one over vectors whose dynamics are a single concatDense layer (fixed steps, outputs at 3 times).
 */
function model() {
  const imageDynamics = tfl.sequential({
    layers: [
      concatConv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [6, 6, 4], kernelInitializer: seeded(1) }),
      concatConv2d({ filters: 4, kernelSize: 3, padding: 'same', kernelInitializer: seeded(2) }),
    ],
  });
  return tfl.sequential({
    layers: [
      tfl.layers.conv2d({ filters: 4, kernelSize: 1, inputShape: [6, 6, 2], kernelInitializer: seeded(3) }),
      // The PID controller: its name would not survive tfjs's snake-casing of saved strings (the solver is kept as JSON).
      neuralOde({ dynamics: imageDynamics, solver: solver({ method: 'dopri5', rtol: 1e-3, atol: 1e-4, controller: 'PID', gradient: 'backsolve' }) }),
      tfl.layers.globalAveragePooling2d({}),
      neuralOde({ dynamics: concatDense({ units: 4, activation: 'tanh', kernelInitializer: seeded(4) }), solver: { method: 'rk4', stepSize: 0.1 }, outputTimes: [0.5, 1, 1.5] }),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: 3, kernelInitializer: seeded(5) }),
    ],
  });
}

const input = () => tf.randomNormal([2, 6, 6, 2], 0, 1, 'float32', 8);
const bits = (t: tf.Tensor) => Array.from(new Uint32Array(t.dataSync().slice().buffer));

async function roundTrip(m: tfl.LayersModel): Promise<tfl.LayersModel> {
  let saved: tf.io.ModelArtifacts | undefined;
  await m.save(tf.io.withSaveHandler(async (artifacts) => ((saved = artifacts), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } })));
  return tfl.loadLayersModel(tf.io.fromMemory(saved!));
}

describe('serialization', () => {
  it('model.save + tf.loadLayersModel round-trip ODE blocks (nested dynamics model included) with bit-identical predictions', async () => {
    const m = model();
    const x = input();
    const before = m.predict(x) as tf.Tensor;
    const loaded = await roundTrip(m);
    expect(bits(loaded.predict(x) as tf.Tensor)).toEqual(bits(before));
    expect(loaded.getWeights().map(bits)).toEqual(m.getWeights().map(bits));
    expect(JSON.stringify(loaded.toJSON(null, false))).toEqual(JSON.stringify(m.toJSON(null, false)));
    const [odeBefore, odeAfter] = [m.layers[1], loaded.layers[1]] as NeuralOde[];
    expect(odeAfter).toBeInstanceOf(NeuralOde);
    expect(odeAfter.gradient).toBe('backsolve');
    expect(odeAfter.solver).toEqual(odeBefore.solver);
    expect(Object.isFrozen(odeAfter.solver)).toBe(true);
    expect((loaded.layers[3] as NeuralOde).outputTimes).toEqual([0.5, 1, 1.5]);
    expect(odeAfter.dynamics.getClassName()).toBe('Sequential');
  });

  it("writes the solver (gradient mode included) as its JSON in the layer's config, which solver() reads back", () => {
    const gradient = { mode: 'backsolve', backward: { method: 'rk4', stepSize: 0.05 }, norm: 'seminorm' } as const;
    const s = solver({ method: 'dopri5', rtol: 1e-4, atol: 1e-6, controller: 'PID', pcoeff: 0.2, gradient });
    const config = neuralOde({ dynamics: concatDense({ units: 2 }), solver: s, t0: 1, t1: 2 }).getConfig();
    expect(config).toMatchObject({ t0: 1, t1: 2 });
    const json = (config.solver as { name: string }).name;
    expect(JSON.parse(json)).toEqual(JSON.parse(JSON.stringify(s)));
    expect(solver(JSON.parse(json))).toEqual(s);
    expect((config.dynamics as { className: string }).className).toBe('ConcatDense');
  });

  it('trains after reloading (the reloaded blocks keep their weights trainable)', async () => {
    const loaded = await roundTrip(model());
    expect(loaded.trainableWeights).toHaveLength(10);
    loaded.compile({ optimizer: tf.train.sgd(0.1), loss: 'meanSquaredError' });
    const before = loaded.getWeights().map(bits);
    await loaded.fit(input(), tf.ones([2, 3]), { epochs: 1, verbose: 0 });
    const after = loaded.getWeights().map(bits);
    expect(after.filter((w, i) => JSON.stringify(w) !== JSON.stringify(before[i]))).toHaveLength(10);
  });

  it('fileSystem(dir) saves model.json + weights.bin and loads them back bit for bit', async () => {
    const m = model();
    const x = input();
    const dir = join(tempDir(), 'nested', 'model');
    const result = await m.save(fileSystem(dir));
    expect(readdirSync(dir).sort()).toEqual(['model.json', 'weights.bin']);
    expect(result.modelArtifactsInfo.weightDataBytes).toBe(m.countParams() * 4);
    for (const path of [dir, join(dir, 'model.json')]) {
      const loaded = await tfl.loadLayersModel(fileSystem(path));
      expect(bits(loaded.predict(x) as tf.Tensor)).toEqual(bits(m.predict(x) as tf.Tensor));
    }
    await expect(tfl.loadLayersModel(fileSystem(join(dir, 'missing.json')))).rejects.toThrow(/fileSystem: cannot read .*missing\.json.*Fix: pass the folder/);
    writeFileSync(join(dir, 'broken.json'), '{"modelTopology":');
    await expect(tfl.loadLayersModel(fileSystem(join(dir, 'broken.json')))).rejects.toThrow(/broken\.json is not JSON/);
  });

  it('registerFileSystemRouter routes file:// URLs to fileSystem (once)', async () => {
    expect(registerFileSystemRouter()).toBe(true);
    expect(registerFileSystemRouter()).toBe(false);
    const dir = tempDir();
    const m = model();
    await m.save(`file://${dir}/m`);
    expect(existsSync(join(dir, 'm', 'weights.bin'))).toBe(true);
    const loaded = await tfl.loadLayersModel(`file://${dir}/m/model.json`);
    const x = input();
    expect(bits(loaded.predict(x) as tf.Tensor)).toEqual(bits(m.predict(x) as tf.Tensor));
  });

  it('fromConfig names a dynamics class that is not registered, and how to fix it', () => {
    const config = neuralOde({ dynamics: concatDense({ units: 2 }), solver: { method: 'dopri5' } }).getConfig();
    const bad = { ...config, dynamics: { className: 'MyDynamics', config: {} } };
    expect(() => NeuralOde.fromConfig(NeuralOde, bad)).toThrow(/class 'MyDynamics' is not registered.*Fix: import the module/);
  });
});
