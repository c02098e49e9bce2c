import { appendFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '@neural-ode/backend';
import { parseSafetensors } from '@neural-ode/models';
import { evaluate } from './evaluate';
import type { TrainEvent } from './events';
import { charRunSplit, SMALL_RUN, textureSplit } from './fixtures/textures';
import { resume, train } from './train';

// 12×12 images: the smallest size at which the reference downsampling keeps a few pixels per GroupNorm group.
const splits = { train: textureSplit(128, 1, 12), test: textureSplit(64, 2, 12, 'test') };
const small = { train: textureSplit(64, 3, 12), test: textureSplit(32, 4, 12, 'test') };
const base = SMALL_RUN;

function weightsOf(path: string) {
  return parseSafetensors(readFileSync(path)).tensors;
}

describe('train', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'cpu', log: false });
  });

  it('learns a small separable problem (accuracy well above the 25% of chance)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'trainer-learn-'));
    const events: TrainEvent[] = [];
    const result = await train({ ...base, epochs: 3, save: dir, saveEvery: 1 }, { splits, onEvent: (e) => events.push(e) });
    expect(result.interrupted).toBe(false);
    expect(result.metrics).toHaveLength(3);
    expect(result.final!.testAccuracy).toBeGreaterThan(0.85);
    expect(result.metrics[2].trainLoss).toBeLessThan(result.metrics[0].trainLoss);
    // Run directory: config, metrics, checkpoints.
    const info = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    expect(info.config.model).toBe('resnet');
    expect(info.params).toBe(result.params);
    expect(info.backend.tfjs).toBe('cpu');
    const lines = readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n');
    expect(lines.map((l) => JSON.parse(l).epoch)).toEqual([1, 2, 3]);
    const files = readdirSync(join(dir, 'checkpoints'));
    expect(files.filter((f) => f.endsWith('.json'))).toHaveLength(3);
    expect(files.filter((f) => f.endsWith('.optimizer.safetensors'))).toHaveLength(3);
    expect([...files, ...readdirSync(dir)].filter((f) => f.endsWith('.tmp'))).toEqual([]); // atomic writes leave none
    expect(events[0].type).toBe('start');
    expect(events.filter((e) => e.type === 'step')).toHaveLength(3 * 4);
    expect(events.filter((e) => e.type === 'checkpoint')).toHaveLength(3);
    // evaluate() on the checkpoint gives the last epoch's test metrics.
    const ev = await evaluate({ checkpoint: dir }, { split: splits.test });
    expect(ev.count).toBe(64);
    expect(ev.accuracy).toBeCloseTo(result.final!.testAccuracy, 6);
    expect(ev.loss).toBeCloseTo(result.final!.testLoss, 4);
    // ... and so does a checkpoint file of an earlier epoch, with its own (different) weights.
    const first = await evaluate({ checkpoint: join(dir, 'checkpoints', 'epoch-0001.safetensors') }, { split: splits.test });
    expect(first.accuracy).toBeCloseTo(result.metrics[0].testAccuracy, 6);
    await expect(evaluate({ checkpoint: join(dir, 'nothing-here') })).rejects.toThrow(/neither a run directory/);
    // A second train() into the same directory is refused (resume it instead).
    await expect(train({ ...base, epochs: 1, save: dir }, { splits })).rejects.toThrow(/already holds a run/);
  });

  it('resumes an interrupted run to the same weights and metrics as an uninterrupted one', async () => {
    const cfg = { ...base, optimizer: 'adam' as const, lr: 0.002, epochs: 2, augment: true, saveEvery: 1 };
    const straight = await train({ ...cfg, save: mkdtempSync(join(tmpdir(), 'trainer-a-')) }, { splits: small });

    const dir = mkdtempSync(join(tmpdir(), 'trainer-b-'));
    const abort = new AbortController();
    const first = await train({ ...cfg, save: dir }, {
      splits: small,
      onEvent: (e) => {
        if (e.type === 'step' && e.epoch === 1 && e.step === 1) abort.abort();
      },
      signal: abort.signal,
    });
    expect(first.interrupted).toBe(true);
    expect(first.metrics).toHaveLength(0);
    expect(first.checkpoint).toMatch(/epoch-0001-step-000001\.safetensors$/);
    const state = JSON.parse(readFileSync(join(dir, 'checkpoint.json'), 'utf8'));
    expect(state).toMatchObject({ epoch: 0, step: 1, optimizer: { kind: 'adam', step: 1 } });

    const resumed = await resume(dir, { splits: small });
    expect(resumed.interrupted).toBe(false);
    expect(resumed.metrics.map((m) => m.epoch)).toEqual([1, 2]);
    for (const key of ['trainLoss', 'trainAccuracy', 'testLoss', 'testAccuracy'] as const) {
      expect(resumed.metrics.map((m) => m[key])).toEqual(straight.metrics.map((m) => m[key]));
    }
    const a = weightsOf(straight.checkpoint);
    const b = weightsOf(resumed.checkpoint);
    expect([...b.keys()]).toEqual([...a.keys()]);
    for (const [name, t] of a) expect(Array.from(b.get(name)!.data), name).toEqual(Array.from(t.data));
  });

  it('resumes from an epoch boundary and trains on to more epochs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'trainer-c-'));
    const abort = new AbortController();
    const first = await train({ ...base, epochs: 3, save: dir }, {
      splits: small,
      onEvent: (e) => e.type === 'epoch' && abort.abort(),
      signal: abort.signal,
    });
    expect(first.interrupted).toBe(true);
    expect(first.metrics).toHaveLength(1);
    // A line logged after the last checkpoint (a crash between the two) is dropped and that epoch trained again.
    appendFileSync(join(dir, 'metrics.jsonl'), JSON.stringify({ epoch: 2, testAccuracy: -1 }) + '\n');
    const more = await resume(dir, { splits: small, epochs: 2 });
    expect(more.metrics.map((m) => m.epoch)).toEqual([1, 2]);
    const lines = readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((m) => m.epoch)).toEqual([1, 2]);
    expect(lines[1].testAccuracy).toBeGreaterThanOrEqual(0);
    expect(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')).config.epochs).toBe(2);
    expect(existsSync(join(dir, 'checkpoints', 'epoch-0002.safetensors'))).toBe(true);
  });

  it('trains an ODE-Net and records its NFE per batch', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'trainer-ode-'));
    const steps: TrainEvent[] = [];
    const result = await train(
      { ...base, model: 'odenet', solver: { method: 'euler', stepSize: 0.5 }, epochs: 1, save: dir },
      { splits: small, onEvent: (e) => e.type === 'step' && steps.push(e) },
    );
    // Euler with h = 0.5 on [0, 1]: 2 evaluations forward; backprop replays each recorded one.
    expect(steps[0]).toMatchObject({ nfeForward: 2 });
    expect((steps[0] as { nfeBackward: number }).nfeBackward).toBeGreaterThan(0);
    expect(result.final!.nfeForward).toBe(2);
    expect(result.params).toBe(208010);
    expect(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')).label).toBe('ODE-Net (euler, h 0.5)');
  });

  it("reports what the gradient cost: a checkpointed gradient's peak bytes, a backsolve's reconstruction error", async () => {
    const run = (gradient: 'checkpoint' | 'backsolve') =>
      train(
        { ...base, model: 'odenet', solver: { method: 'euler', stepSize: 0.125, gradient }, epochs: 1, save: mkdtempSync(join(tmpdir(), 'trainer-grad-')) },
        { splits: small },
      );
    const checkpoint = (await run('checkpoint')).final!;
    expect(checkpoint.gradientPeakBytes).toBeGreaterThan(0);
    expect(checkpoint.reconstructionError).toBeUndefined();
    const backsolve = (await run('backsolve')).final!;
    expect(Number.isFinite(backsolve.reconstructionError)).toBe(true);
    expect(backsolve.gradientPeakBytes).toBeUndefined();
  });

  it('evaluate and resume read a run written by trainer 0.1 (solver.adjoint, the other mode\'s tolerances filled in)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'trainer-old-'));
    await train({ ...base, model: 'odenet', solver: { method: 'euler', stepSize: 0.5 }, epochs: 1, save: dir }, { splits: small });
    const path = join(dir, 'config.json');
    const info = JSON.parse(readFileSync(path, 'utf8'));
    info.config.solver = { method: 'euler', stepSize: 0.5, rtol: 0.01, atol: 0.01, adjoint: false };
    writeFileSync(path, JSON.stringify(info));
    const ev = await evaluate({ checkpoint: dir }, { split: small.test });
    expect(ev.count).toBe(32);
    const resumed = await resume(dir, { epochs: 2, splits: small });
    expect(resumed.final!.epoch).toBe(2);
  });

  it('trains the text model on character ids and leaves no tensor behind', async () => {
    const before = tf.memory().numTensors;
    const result = await train(
      { ...base, data: 'ag-news', model: 'vdcnn', blocks: 1, epochs: 2, save: mkdtempSync(join(tmpdir(), 'trainer-text-')) },
      { splits: { train: charRunSplit(64, 5), test: charRunSplit(32, 6, 32, 'test') } },
    );
    expect(result.metrics).toHaveLength(2);
    expect(Number.isFinite(result.final!.testLoss)).toBe(true);
    expect(result.final!.nfeForward).toBeUndefined();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('trains the text ODE model with embeddingSize, reports NFE and leaves no tensor behind', async () => {
    const before = tf.memory().numTensors;
    const steps: TrainEvent[] = [];
    const dir = mkdtempSync(join(tmpdir(), 'trainer-text-ode-'));
    const result = await train(
      {
        ...base,
        data: 'ag-news',
        model: 'vdcnn-ode',
        embeddingSize: 8,
        solver: { method: 'euler', stepSize: 0.5 },
        batchSize: 16,
        epochs: 1,
        save: dir,
      },
      {
        splits: { train: charRunSplit(32, 8, 24), test: charRunSplit(16, 9, 24, 'test') },
        onEvent: (e) => e.type === 'step' && steps.push(e),
      },
    );
    expect(steps).toHaveLength(2);
    // Euler with h = 0.5 on [0, 1]: 2 evaluations forward per batch; backprop replays the recorded ones.
    expect(steps[0]).toMatchObject({ nfeForward: 2 });
    expect((steps[0] as { nfeBackward: number }).nfeBackward).toBeGreaterThan(0);
    expect(result.final!.nfeForward).toBe(2);
    expect(Number.isFinite(result.metrics[0].trainLoss)).toBe(true);
    expect(Number.isFinite(result.final!.testLoss)).toBe(true);
    // embeddingSize 8 instead of 16: (69 + 3·64)·8 fewer weights than the reference VDCNN-ODE's 162,196.
    expect(result.params).toBe(162_196 - 261 * 8);
    const saved = weightsOf(join(dir, 'checkpoints', 'epoch-0001.safetensors'));
    expect(saved.get('embed.weight')!.shape).toEqual([69, 8]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects bad options with the option, the value and the fix', async () => {
    await expect(train({ ...base, lr: -1 }, { splits: small })).rejects.toThrow(/option 'lr' \(got -1\)/);
    await expect(train({ ...base, model: 'vdcnn', save: mkdtempSync(join(tmpdir(), 'trainer-d-')) }, { splits: small })).rejects.toThrow(
      /option 'model' is 'vdcnn'.*use model resnet or odenet/,
    );
    await expect(train({ ...base, bogus: 1 } as never, { splits: small })).rejects.toThrow(/bogus/);
    await expect(
      train({ ...base, model: 'odenet', solver: { method: 'rk4' }, save: mkdtempSync(join(tmpdir(), 'trainer-e-')) }, { splits: small }),
    ).rejects.toThrow(/solver\.method 'rk4' is fixed-step: give its step size/);
  });
});
