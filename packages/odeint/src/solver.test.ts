import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@neural-ode/backend';
import { odeint } from './odeint';
import { odeintAdjoint } from './adjoint';
import { thrownOdeintError } from './errors.test-fixtures';
import { OdeintError, SolveError } from './errors';
import { isSolver, solver } from './solver';

const decay = (_t: number, y: Float64Array) => [-y[0]];

const badArgument = thrownOdeintError;

beforeAll(async () => {
  await initBackend({ backend: 'cpu', log: false });
});

describe('solver(): one validated value', () => {
  it('is frozen, passes through unchanged and solves like the raw settings', () => {
    const s = solver({ method: 'dopri5', rtol: 1e-6, atol: 1e-8 });
    expect(isSolver(s)).toBe(true);
    expect(Object.isFrozen(s)).toBe(true);
    expect(solver(s)).toBe(s);
    expect(s.stepping).toBe('adaptive');
    expect(isSolver({ ...s })).toBe(false);
    const a = odeint(decay, [1], [0, 1], s);
    const b = odeint(decay, [1], [0, 1], { rtol: 1e-6, atol: 1e-8 });
    expect(a.ys[1][0]).toBe(b.ys[1][0]);
    expect(a.stats.nfe).toBe(b.stats.nfe);
  });

  it('a fixed-step solver carries no tolerances, an adaptive one no step size', () => {
    const f = solver({ method: 'rk4', stepSize: 0.1 });
    expect(f.stepping).toBe('fixed');
    expect('rtol' in f).toBe(false);
    const a = solver({ method: 'bosh3' });
    expect('stepSize' in a).toBe(false);
    expect('pcoeff' in a).toBe(false);
    expect(solver({ controller: 'PID', pcoeff: 0.3 }).stepping === 'adaptive' && 'pcoeff' in solver({ controller: 'PID' })).toBe(true);
  });

  it.each([
    [{ method: 'dopri5', stepSize: 0.1 }, 'options.stepSize', /does not apply to 'dopri5', an adaptive method/],
    [{ method: 'rk4', stepSize: 0.1, rtol: 1e-3 }, 'options.rtol', /does not apply to 'rk4', a fixed-step method/],
    [{ method: 'euler', atol: 1e-3 }, 'options.atol', /fixed-step/],
    [{ pcoeff: 0.3 }, 'options.pcoeff', /PID controller, but the controller is 'I'/],
    [{ minStep: 0.5, maxStep: 0.1 }, 'options.minStep', /minStep = 0.5 is larger than options.maxStep = 0.1/],
    [{ method: 'rk4', grid: [0, 0.5, 0.2, 1] }, 'options.grid', /strictly monotonic/],
    [{ method: 'rk4', grid: [0, 1], stepSize: 0.1 }, 'options.grid', /both set the steps/],
    [{ atol: Number.NaN }, 'options.atol', /must be a positive number/],
  ])('refuses %j naming %s', (input, argument, message) => {
    const e = badArgument(() => solver(input as never));
    expect(e.argument).toBe(argument);
    expect(e.message).toMatch(message);
    expect(e.message).toMatch(/Fix: /);
    expect(e.message).not.toMatch(/Invalid input/);
    // odeint refuses the same settings.
    expect(() => odeint(decay, [1], [0, 1], input as never)).toThrow(OdeintError);
  });
});

describe('errors during a solve', () => {
  it('a grid that does not cover ts is refused (not a long last step)', () => {
    const e = badArgument(() => odeint(decay, [1], [0, 2], { method: 'rk4', grid: [0, 0.5, 1] }));
    expect(e.argument).toBe('options.grid');
    expect(e.message).toMatch(/spans \[0, 1\] but ts spans \[0, 2\]/);
  });

  it('a step far below maxSteps is refused before the grid is built', () => {
    const t0 = performance.now();
    const e = badArgument(() => odeint(decay, [1], [0, 1], { method: 'rk4', stepSize: 1e-9, maxSteps: 10 }));
    expect(e.argument).toBe('options.maxSteps');
    expect(performance.now() - t0).toBeLessThan(1000);
  });

  it('an exception of f becomes a SolveError with t and the cause', () => {
    const boom = new Error('boom');
    const f = (t: number, y: Float64Array) => {
      if (t > 0.3) throw boom;
      return [-y[0]];
    };
    try {
      odeint(f, [1], [0, 1], { method: 'rk4', stepSize: 0.1 });
      throw new Error('expected a throw');
    } catch (e) {
      expect(e).toBeInstanceOf(SolveError);
      const err = e as SolveError;
      expect(err.reason).toBe('f-threw');
      expect(err.t).toBeGreaterThan(0.3);
      expect(err.t).toBeLessThan(0.45);
      expect(err.cause).toBe(boom);
      expect(err.message).toMatch(/f threw at t = 0\.\d+.*boom/);
    }
  });

  it('a NaN in a tensor y0 is found before the first step', () => {
    let calls = 0;
    const f = (_t: tf.Scalar, y: tf.Tensor) => {
      calls++;
      return tf.neg(y);
    };
    const e = badArgument(() => odeint(f, tf.tensor1d([1, Number.NaN]), [0, 1]));
    expect(e.argument).toBe('y0');
    expect(e.message).toMatch(/NaN or Inf/);
    expect(calls).toBe(0);
  });
});

describe('odeintAdjoint: the backward solver', () => {
  let w: tf.Variable;
  let y0: tf.Tensor;
  const f = (_t: tf.Scalar, y: tf.Tensor) => tf.mul(y, w);
  beforeAll(() => {
    w = tf.variable(tf.tensor1d([-0.5, -1.5]));
    y0 = tf.tensor1d([1, 2]);
  });

  it.each([
    [{ adjointMethod: 'rk4' }, 'options.adjointStepSize', /no step size is given/],
    [{ adjointStepSize: 0.1 }, 'options.adjointStepSize', /does not apply to the adaptive backward method 'dopri5'/],
    [{ method: 'rk4', stepSize: 0.1, adjointRtol: 1e-3 }, 'options.adjointRtol', /fixed-step backward method 'rk4'/],
    [{ backward: { method: 'rk4', stepSize: 0.1 }, adjointMethod: 'euler' }, 'options.adjointMethod', /beside options.backward/],
  ])('refuses %j', (options, argument, message) => {
    const e = badArgument(() => odeintAdjoint(f, y0, [0, 1], { params: [w], ...(options as object) }));
    expect(e.argument).toBe(argument);
    expect(e.message).toMatch(message);
  });

  it('a nested backward solver is used for the backward solve', () => {
    const grads = (options: object) => {
      let sol: { adjointStats: { nSteps: number } | null } | undefined;
      const g = tf.grads((x: tf.Tensor) => {
        const s = odeintAdjoint(f, x, [0, 1], { params: [w], ...options });
        sol = s;
        return tf.sum(s.ys);
      })([y0])[0];
      return { g: Array.from(g.dataSync()), steps: sol!.adjointStats!.nSteps };
    };
    const fixed = grads({ rtol: 1e-6, atol: 1e-8, backward: solver({ method: 'rk4', stepSize: 0.25 }) });
    expect(fixed.steps).toBe(4);
    const exact = [1 + Math.exp(-0.5), 1 + Math.exp(-1.5)];
    fixed.g.forEach((v, i) => expect(v).toBeCloseTo(exact[i], 2));
    // A fixed forward grid carries over to the backward solve (not one step per output interval).
    expect(grads({ method: 'rk4', grid: [0, 0.25, 0.5, 0.75, 1] }).steps).toBe(4);
    const inline = grads({ solver: solver({ rtol: 1e-6, atol: 1e-8 }) });
    expect(inline.steps).toBeGreaterThan(0);
    expect(() => odeintAdjoint(f, y0, [0, 1], { params: [w], solver: solver({}), rtol: 1e-3 })).toThrow(/beside options.solver/);
  });

  it("a backward solver given as settings takes the forward's tolerances it leaves out (the smallest of each)", () => {
    const backwardOf = (input: object) => (solver(input).gradient as { backward?: Record<string, unknown> }).backward!;
    const forward = { method: 'dopri5', rtol: 1e-3, atol: [1e-5, 1e-6] } as const;
    expect(backwardOf({ ...forward, gradient: { mode: 'backsolve', backward: { method: 'tsit5' } } })).toMatchObject({ method: 'tsit5', rtol: 1e-3, atol: 1e-6 });
    expect(backwardOf({ ...forward, gradient: { mode: 'backsolve', backward: { rtol: 1e-5 } } })).toMatchObject({ method: 'dopri5', rtol: 1e-5, atol: 1e-6 });
    expect(backwardOf({ method: 'rodas5', rtol: 1e-4, atol: 1e-6, gradient: { mode: 'backsolve', backward: { method: 'kvaerno5' } } })).toMatchObject({ rtol: 1e-4, atol: 1e-6 });
    // A fixed-step backward solver, or one given as a Solver value, is left as it is.
    expect(backwardOf({ ...forward, gradient: { mode: 'backsolve', backward: { method: 'rk4', stepSize: 0.1 } } })).not.toHaveProperty('rtol');
    expect(backwardOf({ ...forward, gradient: { mode: 'backsolve', backward: solver({ method: 'tsit5' }) } })).toMatchObject({ rtol: (solver({}) as { rtol?: number }).rtol });
  });

  it('without params, a trainable variable that f reads is named (not tfjs\'s "Cannot find a connection")', () => {
    const e = badArgument(() => odeintAdjoint(f, y0, [0, 1]));
    expect(e.argument).toBe('options.params');
    expect(e.message).toContain(`'${w.name}'`);
    expect(e.message).toMatch(/params: \[\] to differentiate with respect to y0 only/);
    // params: [] says so explicitly: the gradient reaches y0 only.
    const g = tf.grads((x: tf.Tensor) => tf.sum(odeintAdjoint(f, x, [0, 1], { params: [] }).ys))([y0])[0];
    expect(g.shape).toEqual([2]);
    // A field that reads no variable needs no params.
    const free = (_t: tf.Scalar, y: tf.Tensor) => tf.neg(y);
    expect(() => odeintAdjoint(free, y0, [0, 1])).not.toThrow();
  });
});

describe('a Solver written as JSON', () => {
  it('parses back to an equal Solver (stepping included), and a stepping that contradicts the method is refused', () => {
    for (const s of [solver({ method: 'bosh3', rtol: 1e-2, atol: 1e-2 }), solver({ method: 'rk4', stepSize: 0.25 })]) {
      const again = solver(JSON.parse(JSON.stringify(s)));
      expect(again).toEqual(s);
    }
    const e = badArgument(() => solver({ method: 'rk4', stepSize: 0.1, stepping: 'adaptive' } as never));
    expect(e.argument).toBe('options.stepping');
    expect(e.message).toMatch(/'rk4' is a fixed-step method/);
  });
});
