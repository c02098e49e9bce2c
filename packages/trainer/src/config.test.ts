import { describe, expect, it } from 'vitest';
import { isSolver, solver } from '@neural-ode/odeint';
import { EXPERIMENT_SOLVER, parseTrainConfig, spiralSolver, trainConfigSchema, spiralConfigSchema, upgradeStoredConfig } from './config';

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
      weightDecay: 0,
      lrSchedule: { type: 'step', every: 40, gamma: 0.1 },
      batchSize: 128,
      solver: { stepping: 'adaptive', method: 'bosh3', rtol: 1e-2, atol: 1e-2, gradient: { mode: 'checkpoint', checkpoints: 'auto' } },
      download: true,
      backend: 'auto',
      embeddingSize: 16,
      seqLen: 1014,
    });
    expect(trainConfigSchema.parse({ lrSchedule: { type: 'step' } }).lrSchedule).toEqual({ type: 'step', every: 40, gamma: 0.1 });
    expect(trainConfigSchema.parse({ solver: { method: 'rk4', stepSize: 0.04 } }).solver).toMatchObject({ stepping: 'fixed', method: 'rk4', stepSize: 0.04, maxSteps: 100_000, jumpTimes: [], stepTimes: [], gradient: { mode: 'checkpoint', checkpoints: 'auto' } });
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

describe('the run solver (one parse, the experiments\' defaults stated once)', () => {
  it('is an odeint Solver, completed with the experiments\' defaults only where a setting is missing', () => {
    const c = trainConfigSchema.parse({});
    expect(isSolver(c.solver)).toBe(true);
    expect(c.solver).toMatchObject({ ...EXPERIMENT_SOLVER, gradient: { mode: 'checkpoint' } });
    // An adaptive method without tolerances gets the experiments' 1e-2, not odeint's 1e-7 / 1e-9.
    expect(trainConfigSchema.parse({ solver: { method: 'dopri5' } }).solver).toMatchObject({ method: 'dopri5', rtol: 1e-2, atol: 1e-2 });
    // Tolerances alone keep the experiments' method.
    expect(trainConfigSchema.parse({ solver: { rtol: 1e-3 } }).solver).toMatchObject({ method: 'bosh3', rtol: 1e-3, atol: 1e-2 });
  });

  it('passes a Solver value through untouched', () => {
    const s = solver({ method: 'tsit5', rtol: 1e-4, atol: 1e-6 });
    expect(trainConfigSchema.parse({ solver: s }).solver).toBe(s);
  });

  it('refuses settings that do not apply to the method, and a fixed-step method without its step', () => {
    expect(() => parseTrainConfig({ solver: { method: 'rk4', stepSize: 0.1, rtol: 1e-3 } })).toThrow(/option 'solver.rtol' \(got 0.001\): options\.rtol does not apply to 'rk4'/);
    expect(() => parseTrainConfig({ solver: { method: 'dopri5', stepSize: 0.1 } })).toThrow(/options\.stepSize does not apply to 'dopri5'/);
    expect(() => parseTrainConfig({ solver: { method: 'rk4' } })).toThrow(/solver\.method 'rk4' is fixed-step: give its step size/);
    expect(() => parseTrainConfig({ solver: { method: 'rk5' } })).toThrow(/option 'solver.method' \(got "rk5"\).*use one of: .*dopri5/);
    expect(() => parseTrainConfig({ solver: { method: 'euler', stepSize: 2 } })).toThrow(/option 'solver.stepSize' \(got 2\).*must be <= 1/);
    expect(() => parseTrainConfig({ solver: { method: 'rodas5' } })).toThrow(/option 'solver.method' \(got "rodas5"\).*stiff method.*use an explicit method/);
  });

  it('reads back the resolved solver it records in config.json', () => {
    const c = trainConfigSchema.parse({ solver: { method: 'rk4', stepSize: 0.04, gradient: { mode: 'backsolve', norm: 'seminorm' } } });
    const again = trainConfigSchema.parse(JSON.parse(JSON.stringify(c)));
    expect(again.solver).toEqual(c.solver);
    expect(again.solver.gradient).toMatchObject({ mode: 'backsolve', norm: 'seminorm' });
  });

  it("upgrades a trainer 0.1 config.json (solver.adjoint, the other mode's defaults filled in)", () => {
    const old = { model: 'odenet', solver: { method: 'rk4', stepSize: 0.04, rtol: 0.01, atol: 0.01, adjoint: true } };
    const c = trainConfigSchema.parse(upgradeStoredConfig(old));
    expect(c.solver).toMatchObject({ stepping: 'fixed', method: 'rk4', stepSize: 0.04, gradient: { mode: 'backsolve' } });
    const adaptive = trainConfigSchema.parse(upgradeStoredConfig({ solver: { method: 'bosh3', rtol: 0.01, atol: 0.01, adjoint: false } }));
    expect(adaptive.solver).toMatchObject({ stepping: 'adaptive', method: 'bosh3', rtol: 0.01, gradient: { mode: 'tape' } });
  });
});

describe('spiralSolver', () => {
  it('an adaptive method takes the spiral tolerances unless given; a fixed-step one refuses them', () => {
    expect(spiralSolver(spiralConfigSchema.parse({}))).toMatchObject({ method: 'dopri5', rtol: 1e-5, atol: 1e-7 });
    expect(spiralSolver(spiralConfigSchema.parse({ method: 'tsit5', rtol: 1e-3 }))).toMatchObject({ method: 'tsit5', rtol: 1e-3, atol: 1e-7 });
    expect(spiralSolver(spiralConfigSchema.parse({ method: 'rk4' }))).toMatchObject({ stepping: 'fixed', method: 'rk4' });
    expect(() => spiralSolver(spiralConfigSchema.parse({ method: 'rk4', rtol: 1e-3 }))).toThrow(/spiral: option 'rtol' does not apply to 'rk4'/);
  });
});
