import { describe, expect, it } from 'vitest';
import { parseTrainConfig, trainConfigSchema, spiralConfigSchema } from './config';

describe('trainConfigSchema', () => {
  it('fills the reference defaults', () => {
    const c = trainConfigSchema.parse({});
    expect(c).toMatchObject({
      data: 'mnist',
      model: 'resnet',
      blocks: 6,
      optimizer: 'sgd',
      lr: 0.1,
      momentum: 0.9,
      weightDecay: 5e-4,
      lrSchedule: { type: 'step', every: 40, gamma: 0.1 },
      batchSize: 128,
      solver: { method: 'bosh3', rtol: 1e-2, atol: 1e-2, adjoint: false },
      download: true,
      backend: 'auto',
      embeddingSize: 16,
      seqLen: 1014,
    });
    expect(trainConfigSchema.parse({ lrSchedule: { type: 'step' } }).lrSchedule).toEqual({ type: 'step', every: 40, gamma: 0.1 });
    expect(trainConfigSchema.parse({ solver: { method: 'rk4', stepSize: 0.04 } }).solver.stepSize).toBe(0.04);
  });

  it('is strict and its errors name the option, the value and what is valid', () => {
    expect(() => parseTrainConfig({ epoch: 3 })).toThrow(/epoch/);
    expect(() => parseTrainConfig({ model: 'vgg' })).toThrow(/option 'model' \(got "vgg"\).*resnet/);
    expect(() => parseTrainConfig({ solver: { method: 'dopri5', tol: 1 } })).toThrow(/tol/);
    expect(() => parseTrainConfig({ batchSize: 0 })).toThrow(/option 'batchSize' \(got 0\)/);
    expect(() => parseTrainConfig({ embeddingSize: 0 })).toThrow(/option 'embeddingSize' \(got 0\)/);
    expect(() => parseTrainConfig({ seqLen: 2.5 })).toThrow(/option 'seqLen' \(got 2.5\)/);
  });

  it('spiral defaults are experiment 1 of the study', () => {
    expect(spiralConfigSchema.parse({})).toMatchObject({ iterations: 2000, lr: 0.01, points: 200, noise: 0.01, adjoint: true, windowPoints: 32, minWindow: 1, maxWindow: 5 });
    expect(spiralConfigSchema.parse({}).tEnd).toBeCloseTo(18.87, 12);
  });
});
