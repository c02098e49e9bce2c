import { describe, expect, it } from 'vitest';
import { odeintFloat64 as odeint } from './odeint-float64';
import { EXPLICIT_METHODS, methodInfo } from './methods';
import { rng } from './problems.test-fixtures';

// y' = cos(t) y: y = exp(sin t) from y(0) = 1 (non-autonomous, so the nodes c_i matter).
const f = (t: number, y: Float64Array) => [Math.cos(t) * y[0]];
const exact = (t: number) => Math.exp(Math.sin(t));

describe('dense solutions (dense: true, sol.evaluate)', () => {
  it.each(EXPLICIT_METHODS)('%s: evaluate at random times matches the exact solution, forward and backward', (method) => {
    const info = methodInfo(method);
    const rand = rng(7);
    for (const dir of [1, -1]) {
      const tEnd = dir * 3;
      const opts = info.adaptive ? { method, rtol: 1e-9, atol: 1e-11, dense: true } : { method, stepSize: method === 'euler' ? 1e-3 : 1e-2, dense: true };
      const sol = odeint(f, [1], [0, tEnd], opts);
      const dense = sol.dense!;
      // Memory proportional to the steps: one kept interpolant per accepted step.
      expect(dense.steps).toBe(sol.stats.nAccepted);
      expect(dense.span).toEqual([0, tEnd]);
      expect(dense.times).toHaveLength(sol.stats.nAccepted + 1);
      expect(dense.times[dense.times.length - 1]).toBe(tEnd);
      const ts = Array.from({ length: 40 }, () => rand() * tEnd);
      const ys = sol.evaluate!(ts);
      // Bound: the global error of the method at these settings, plus its interpolant's error (dopri8's and dop853's
      // are 7th order; dopri8's former 4th-order quartic fit missed this bound: 1.6e-7).
      const bound = info.adaptive ? (method === 'fehlberg2' ? 5e-6 : method === 'adaptive-heun' ? 1e-7 : 1e-8) : method === 'euler' ? 5e-3 : 50 * 1e-2 ** Math.min(info.order, 3);
      ts.forEach((t, i) => expect(Math.abs(ys[i][0] - exact(t))).toBeLessThan(bound));
      // A single time gives a single state; the ends give the solve's own states.
      expect(sol.evaluate!(0)[0]).toBe(1);
      expect(sol.evaluate!(tEnd)[0]).toBe(sol.ys[1][0]);
    }
  });

  it('evaluating outside the span is an error naming the time', () => {
    const sol = odeint(f, [1], [0, 1], { dense: true });
    expect(() => sol.evaluate!(1.5)).toThrow(/sol\.evaluate\(t = 1\.5\) is outside the solved span \[0, 1\]/);
    expect(() => sol.evaluate!([0.5, -1])).toThrow(/ts\[1\] = -1/);
    sol.dense!.dispose();
    expect(() => sol.evaluate!(0.5)).toThrow(/after sol\.dense\.dispose/);
  });

  it('a terminal event ends the dense span at the event', () => {
    const sol = odeint(f, [1], [0, 5], { dense: true, events: [{ g: (_t: number, y: Float64Array) => y[0] - 2, terminal: true }] });
    const tEvent = Math.asin(Math.log(2));
    expect(Math.abs(sol.events![0].t - tEvent)).toBeLessThan(2e-7); // default rtol 1e-7
    expect(sol.dense!.span[1]).toBe(sol.events![0].t);
    expect(() => sol.evaluate!(tEvent + 0.1)).toThrow(/outside the solved span/);
  });

  it('dopri8 and dop853 locate an event to their tolerance (on the 7th-order dense output), forward and backward', () => {
    // y = exp(sin t) crosses 2 at asin(ln 2), from below forward from 0 and from above backward from π/2.
    const tEvent = Math.asin(Math.log(2));
    for (const method of ['dopri8', 'dop853'] as const) {
      for (const span of [[0, 5], [Math.PI / 2, -3]]) {
        const events = [{ g: (_t: number, y: Float64Array) => y[0] - 2, terminal: true }];
        const sol = odeint(f, [exact(span[0])], span, { method, rtol: 1e-11, atol: 1e-13, events });
        expect(Math.abs(sol.events![0].t - tEvent)).toBeLessThan(1e-10);
        expect(Math.abs(sol.events![0].y[0] - 2)).toBeLessThan(1e-10);
      }
    }
  });

  it('without dense or events the solution has neither (no observer is installed)', () => {
    const sol = odeint(f, [1], [0, 1]);
    expect(sol.dense).toBeUndefined();
    expect(sol.events).toBeUndefined();
  });
});

describe('interpolant order', () => {
  // convergence.test.ts measures every method's against methodInfo's interpolationOrder; here what #15 asked for.
  it("dop853's and dopri8's dense outputs are 7th order", () => {
    expect(methodInfo('dop853').interpolationOrder).toBe(7);
    expect(methodInfo('dopri8').interpolationOrder).toBe(7);
  });

  it('their 3 extra stages are evaluated only for the steps an output falls in, once per step', () => {
    for (const method of ['dopri8', 'dop853'] as const) {
      const opts = { method, rtol: 1e-9, atol: 1e-11 };
      const plain = odeint(f, [1], [0, 3], opts);
      const times = odeint(f, [1], [0, 3], { ...opts, dense: true }).dense!.times;
      // One output inside step 1, two inside step 3: 2 steps pay 3 evaluations each; the steps do not change.
      const inside = [0.5 * (times[1] + times[2]), 0.9 * times[3] + 0.1 * times[4], 0.3 * times[3] + 0.7 * times[4]];
      const withOutputs = odeint(f, [1], [0, ...inside, 3], opts);
      expect(withOutputs.stats.nAccepted).toBe(plain.stats.nAccepted);
      expect(withOutputs.stats.nfe - plain.stats.nfe).toBe(2 * 3);
      inside.forEach((t, i) => expect(Math.abs(withOutputs.ys[i + 1][0] - exact(t))).toBeLessThan(1e-8));
    }
  });
});
