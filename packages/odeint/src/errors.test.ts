import { describe, expect, it } from 'vitest';
import { odeint } from './float64';
import { thrownOdeintError } from './errors.test-fixtures';
import { OdeintError, SolveError } from './errors';
import { METHODS } from './methods';
import { float64Algebra } from './float64-algebra';

const decay = (_t: number, y: Float64Array) => [-y[0]];

const thrown = thrownOdeintError;

function failed(fn: () => unknown): SolveError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(SolveError);
    expect(e).not.toBeInstanceOf(OdeintError);
    return e as SolveError;
  }
  throw new Error('expected a SolveError');
}

describe('errors name the argument, the value and the fix', () => {
  it('unknown option: names it and lists the valid ones', () => {
    const e = thrown(() => odeint(decay, [1], [0, 1], { rtoll: 1e-6 } as never));
    expect(e.argument).toBe('options.rtoll');
    expect(e.message).toMatch(/unknown option 'rtoll'/);
    expect(e.message).toMatch(/rtol, atol/);
  });

  it('unknown method: lists every valid method', () => {
    const e = thrown(() => odeint(decay, [1], [0, 1], { method: 'rk45' } as never));
    expect(e.argument).toBe('options.method');
    expect(e.message).toMatch(/"rk45"/);
    for (const m of METHODS) expect(e.message).toContain(m);
  });

  it.each([
    [[0, 1, 1], /duplicate/],
    [[0, 2, 1], /out of order/],
    [[1, 0, 0.5], /out of order/],
  ])('times %j are rejected', (ts, why) => {
    const e = thrown(() => odeint(decay, [1], ts));
    expect(e.argument).toBe('ts');
    expect(e.message).toMatch(why);
    expect(e.message).toMatch(/Fix: sort the times/);
  });

  it.each([
    ['rtol', 0],
    ['atol', -1e-6],
    ['rtol', [1e-6, 0]],
  ])('tolerance %s = %j ≤ 0 is rejected', (name, value) => {
    const e = thrown(() => odeint(decay, [1, 2], [0, 1], { [name]: value }));
    expect(e.argument).toBe(`options.${name}`);
    expect(e.message).toContain(Array.isArray(value) ? `options.${name}.1 = 0` : `options.${name} = ${value}`);
    expect(e.message).toMatch(/must be > 0/);
  });

  it('per-component tolerance of the wrong length', () => {
    const e = thrown(() => odeint(decay, [1], [0, 1], { rtol: [1e-6, 1e-6] }));
    expect(e.argument).toBe('options.rtol');
    expect(e.message).toMatch(/2 values but the state has 1/);
  });

  it('a state that turns NaN says at which t (adaptive and fixed)', () => {
    const f = (t: number, y: Float64Array) => [t > 0.5 ? Math.sqrt(-1) : -y[0]];
    const e = failed(() => odeint(f, [1], [0, 1]));
    expect(e.reason).toBe('non-finite-state');
    expect(e.t).toBeGreaterThan(0.4);
    expect(e.message).toMatch(/NaN or Inf at t = 0\.[45]/);
    const e2 = failed(() => odeint(f, [1], [0, 1], { method: 'rk4', stepSize: 0.1 }));
    expect(e2.reason).toBe('non-finite-state');
    expect(e2.message).toMatch(/NaN or Inf between t = 0\.5\d* and t = 0\.6/);
  });

  it('a step that underflows says t and h', () => {
    // y' = y² blows up at t = 1.
    const e = failed(() => odeint((_t, y) => [y[0] * y[0]], [1], [0, 2], { maxSteps: 1e6 }));
    expect(e.reason).toBe('step-underflow');
    expect(e.t).toBeCloseTo(1, 2);
    expect(e.message).toMatch(/underflowed at t = (0\.99|1\.0)\d* \(h = [-\d.e]+\)/);
  });

  it('a relative tolerance below float64\'s resolution is refused; a tiny atol is a large error ratio, not a NaN state', () => {
    const e = thrown(() => odeint(decay, [1], [0, 1], { rtol: 1e-200, atol: 1e-200 }));
    expect(e.argument).toBe('options.rtol');
    expect(e.message).toMatch(/options.rtol = 1e-200 is below float64's resolution .*Fix: use rtol ≥ 1e-15/);
    // The RMS error ratio scales before squaring: 1e-10 errors over atol = 1e-300 are a ratio of 1e290, not Infinity.
    const alg = float64Algebra(2, Float64Array.of(1e-300, 1e-300), Float64Array.of(0, 0), 'rms');
    const ks = [Float64Array.of(1e-10, 1e-10)];
    expect(alg.errorRatio(1, ks, [1], Float64Array.of(0, 0), Float64Array.of(0, 0))).toBeCloseTo(1e290, -285);
  });

  it('exceeding maxSteps says where and how to fix it', () => {
    const e = failed(() => odeint((_t, y) => [-1000 * y[0]], [1], [0, 10], { maxSteps: 50 }));
    expect(e.reason).toBe('max-steps');
    expect(e.message).toMatch(/maxSteps = 50 steps at t = /);
    expect(e.message).toMatch(/Fix: raise maxSteps/);
    const e2 = thrown(() => odeint(decay, [1], [0, 10], { method: 'euler', stepSize: 0.001, maxSteps: 100 }));
    expect(e2.message).toMatch(/10000 steps, more than options.maxSteps = 100/);
  });

  it('f returning the wrong length, y0 not finite, f not a function', () => {
    expect(thrown(() => odeint(() => [1, 2], [1], [0, 1])).argument).toBe('f');
    expect(thrown(() => odeint(decay, [NaN], [0, 1])).message).toMatch(/y0\[0\] = NaN is not finite/);
    expect(thrown(() => odeint(42 as never, [1], [0, 1])).argument).toBe('f');
  });
});
