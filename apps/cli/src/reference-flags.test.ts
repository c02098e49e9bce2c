import { describe, expect, it } from 'vitest';
import { referenceDecision, type NativeChoice } from './reference-flags';

/** What the library's own flags set: nothing unless given. */
const native = (over: Partial<NativeChoice> & { set?: Record<string, string> } = {}): NativeChoice => {
  const { set = {}, ...rest } = over;
  return { data: 'mnist', solver: {}, origin: (p) => set[p], ...rest };
};

describe('referenceDecision: the study scripts\' flags as trainer options (pure)', () => {
  it('--solver runge_kutta --tol 1e-2 is RK4 at step 0.04; --solver euler --tol 1e-2 is Euler at 0.01 (the study\'s code)', () => {
    expect(referenceDecision({ useOde: true, solver: 'runge_kutta', tol: 1e-2 }, native()).solver).toEqual({ method: 'rk4', stepSize: 0.04 });
    expect(referenceDecision({ useOde: true, solver: 'euler', tol: 1e-2 }, native({ data: 'ag-news' }))).toEqual({
      model: 'vdcnn-ode',
      solver: { method: 'euler', stepSize: 0.01 },
      origin: { model: '--use_ode', 'solver.method': '--solver', 'solver.stepSize': '--tol' },
    });
  });

  it('--tol alone is the scripts\' default solver (euler); --solver alone takes their default tol 1e-3', () => {
    expect(referenceDecision({ useOde: false, tol: 0.05 }, native()).solver).toEqual({ method: 'euler', stepSize: 0.05 });
    expect(referenceDecision({ useOde: false, solver: 'runge_kutta' }, native()).solver).toEqual({ method: 'rk4', stepSize: 4e-3 });
  });

  it('--tol with an adaptive method is rtol = atol = tol, and sets no step', () => {
    expect(referenceDecision({ useOde: false, tol: 1e-4 }, native({ solver: { method: 'dopri5' }, set: { 'solver.method': '--method' } })).solver).toEqual({
      method: 'dopri5',
      rtol: 1e-4,
      atol: 1e-4,
    });
  });

  it('--use_ode picks the data\'s ODE model; ag-news without a model trains vdcnn', () => {
    expect(referenceDecision({ useOde: true }, native()).model).toBe('odenet');
    expect(referenceDecision({ useOde: false }, native({ data: 'ag-news' })).model).toBe('vdcnn');
    expect(referenceDecision({ useOde: false }, native()).model).toBeUndefined();
  });

  it('refuses flags that contradict the library\'s own, naming both', () => {
    expect(() => referenceDecision({ useOde: true }, native({ model: 'resnet', set: { model: '--model' } }))).toThrow(/--use_ode conflicts with --model resnet/);
    expect(() => referenceDecision({ useOde: false, solver: 'euler' }, native({ solver: { method: 'rk4' }, set: { 'solver.method': '--method' } }))).toThrow(
      /--solver and --method both choose the solver/,
    );
    expect(() => referenceDecision({ useOde: false, tol: 0.1 }, native({ solver: { method: 'rk4', stepSize: 0.2 }, set: { 'solver.method': '--method', 'solver.stepSize': '--step-size' } }))).toThrow(
      /--tol and --step-size both set the step size/,
    );
    expect(() => referenceDecision({ useOde: false, tol: 0.1 }, native({ solver: { method: 'dopri5', rtol: 1e-3 }, set: { 'solver.method': '--method', 'solver.rtol': '--rtol' } }))).toThrow(
      /--tol and --rtol both set the tolerance/,
    );
    expect(() => referenceDecision({ useOde: false, solver: 'rk5' }, native())).toThrow(/--solver: unknown solver "rk5".*euler, runge_kutta.*dopri5/);
  });
});
