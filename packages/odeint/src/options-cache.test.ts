import { describe, expect, it } from 'vitest';
import { odeint } from './float64';
import { OdeintError } from './errors';
import { odeintOptionsSchema, parseOptions } from './options';

const decay = (_t: number, y: Float64Array) => [-y[0]];

describe('resolved options are reused only while the options object is unchanged', () => {
  it('the same unchanged object (and equal content) resolves to one shared, frozen result', () => {
    const o = { method: 'rk4' as const, stepSize: 0.1 };
    const a = parseOptions('odeint', odeintOptionsSchema, o);
    expect(parseOptions('odeint', odeintOptionsSchema, o)).toBe(a);
    expect(parseOptions('odeint', odeintOptionsSchema, { method: 'rk4', stepSize: 0.1 })).toBe(a);
    expect(Object.isFrozen(a)).toBe(true);
    expect(a.method).toBe('rk4');
    expect(parseOptions('odeint', odeintOptionsSchema, undefined)).toBe(parseOptions('odeint', odeintOptionsSchema, undefined));
  });

  it('a value changed in place is validated again', () => {
    const o: { rtol: number; atol: number } = { rtol: 1e-6, atol: 1e-9 };
    expect(odeint(decay, [1], [0, 1], o).ys[1][0]).toBeCloseTo(Math.exp(-1), 5);
    o.rtol = -1;
    expect(() => odeint(decay, [1], [0, 1], o)).toThrow(OdeintError);
    expect(() => odeint(decay, [1], [0, 1], o)).toThrow(/options\.rtol = -1/);
    o.rtol = 1e-3;
    expect(parseOptions('odeint', odeintOptionsSchema, o).rtol).toBe(1e-3);
  });

  it('an array element changed in place, or a key added, is validated again', () => {
    const o: Record<string, unknown> = { rtol: [1e-6, 1e-6], atol: 1e-9 };
    expect(odeint((_t, y) => [-y[0], -y[1]], [1, 2], [0, 1], o).ys[1][1]).toBeCloseTo(2 * Math.exp(-1), 5);
    (o.rtol as number[])[1] = 0;
    expect(() => odeint((_t, y) => [-y[0], -y[1]], [1, 2], [0, 1], o)).toThrow(/options\.rtol\.1 = 0/);
    (o.rtol as number[])[1] = 1e-6;
    o.rtoll = 1;
    expect(() => odeint((_t, y) => [-y[0], -y[1]], [1, 2], [0, 1], o)).toThrow(/unknown option 'rtoll'/);
    delete o.rtoll;
    o.method = 'rk45';
    expect(() => odeint((_t, y) => [-y[0], -y[1]], [1, 2], [0, 1], o)).toThrow(/options\.method/);
  });

  it('content equal up to -0 / 0 and strings vs numbers is not confused', () => {
    expect(() => parseOptions('odeint', odeintOptionsSchema, { minStep: 0 })).not.toThrow();
    expect(() => parseOptions('odeint', odeintOptionsSchema, { minStep: '0' })).toThrow(/options\.minStep/);
    expect(() => parseOptions('odeint', odeintOptionsSchema, { maxSteps: 10 })).not.toThrow();
    expect(() => parseOptions('odeint', odeintOptionsSchema, { maxSteps: 10.5 })).toThrow(/options\.maxSteps/);
  });
});
