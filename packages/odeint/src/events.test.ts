import { describe, expect, it } from 'vitest';
import { odeintFloat64 as odeint } from './odeint-float64';
import { OdeintError } from './errors';
import { illinois } from './events';
import { solver } from './solver';

const G = 9.81;
const fall = (_t: number, y: Float64Array) => [y[1], -G];

// Arenstorf's periodic orbit of the restricted three-body problem (Hairer, Nørsett & Wanner I, II.0).
const MU = 0.012277471;
const arenstorf = (_t: number, y: Float64Array) => {
  const [x, yy, vx, vy] = y;
  const d1 = ((x + MU) ** 2 + yy ** 2) ** 1.5;
  const d2 = ((x - 1 + MU) ** 2 + yy ** 2) ** 1.5;
  return [vx, vy, x + 2 * vy - ((1 - MU) * (x + MU)) / d1 - (MU * (x - 1 + MU)) / d2, yy - 2 * vx - ((1 - MU) * yy) / d1 - (MU * yy) / d2];
};
const ARENSTORF_Y0 = [0.994, 0, 0, -2.00158510637908252240537862224];
const ARENSTORF_PERIOD = 17.0652165601579625588917206249;

describe('events on float64 arrays', () => {
  it('bouncing ball: each bounce at its analytic time, restarting from the event state', () => {
    const e = 0.8; // coefficient of restitution
    let t = 0;
    let y = [1, 0];
    let v = Math.sqrt(2 * G * 1); // impact speed of the first fall
    let want = Math.sqrt(2 / G);
    const hits: number[] = [];
    for (let bounce = 0; bounce < 6; bounce++) {
      const sol = odeint(fall, y, [t, t + 10], { rtol: 1e-8, atol: 1e-10, events: [{ g: (_t: number, s: Float64Array) => s[0], direction: -1, terminal: true }] });
      expect(sol.events).toHaveLength(1);
      const ev = sol.events![0];
      expect(ev).toMatchObject({ index: 0, direction: -1, terminal: true });
      // The flight is a parabola: every interpolant is exact on it, so the event time is exact to round-off.
      expect(Math.abs(ev.t - want)).toBeLessThan(1e-12 * Math.max(1, want));
      expect(Math.abs(ev.y[0])).toBeLessThan(1e-12);
      expect(Math.abs(ev.y[1] + v)).toBeLessThan(1e-9);
      // ys stops at the event: [t0] only, since t + 10 lies beyond it.
      expect(sol.ys).toHaveLength(1);
      hits.push(ev.t);
      t = ev.t;
      v *= e;
      y = [0, v]; // restart from the ground (g = 0 at t0 is not an event)
      want = t + (2 * v) / G;
    }
    expect(hits).toHaveLength(6);
  });

  it("Arenstorf orbit: the period is the third downward crossing of y = 0; ys stops there", () => {
    const ts = [0, 5, 10, 15, 20];
    const sol = odeint(arenstorf, ARENSTORF_Y0, ts, { method: 'dopri5', rtol: 1e-10, atol: 1e-12, events: [{ g: (_t: number, y: Float64Array) => y[1], direction: -1, terminal: 3 }] });
    const evs = sol.events!;
    expect(evs.map((e) => e.terminal)).toEqual([false, false, true]);
    expect(Math.abs(evs[2].t - ARENSTORF_PERIOD)).toBeLessThan(1e-7);
    ARENSTORF_Y0.forEach((v, i) => expect(Math.abs(evs[2].y[i] - v)).toBeLessThan(1e-5));
    // Requested times beyond the terminal event are not produced.
    expect(sol.ys).toHaveLength(4);
  });

  it('terminal event backward in time: y = e^t from t = 0 down to y = 0.1', () => {
    const ts = [0, -1, -2, -3, -4];
    const sol = odeint((_t, y) => [y[0]], [1], ts, { rtol: 1e-10, atol: 1e-12, events: [{ g: (_t: number, y: Float64Array) => y[0] - 0.1, terminal: true }] });
    const ev = sol.events![0];
    expect(Math.abs(ev.t - Math.log(0.1))).toBeLessThan(1e-8);
    // Decreasing along the solve (t running backward): a downward crossing.
    expect(ev.direction).toBe(-1);
    expect(sol.ys).toHaveLength(3);
    expect(Math.abs(sol.ys[2][0] - Math.exp(-2))).toBeLessThan(1e-8);
    // Direction +1 would not match it: the solve runs to the end.
    const none = odeint((_t, y) => [y[0]], [1], ts, { rtol: 1e-10, atol: 1e-12, events: [{ g: (_t: number, y: Float64Array) => y[0] - 0.1, direction: 1, terminal: true }] });
    expect(none.events).toEqual([]);
    expect(none.ys).toHaveLength(5);
  });

  it('an event function that is zero at t0 is not an event there; its next crossing is', () => {
    // Thrown up from the ground: height 0 at t0, lands at 2 v / g.
    const sol = odeint(fall, [0, 5], [0, 3], { rtol: 1e-9, atol: 1e-12, events: [{ g: (_t: number, y: Float64Array) => y[0], terminal: true }] });
    expect(sol.events).toHaveLength(1);
    expect(Math.abs(sol.events![0].t - 10 / G)).toBeLessThan(1e-12);
    expect(sol.events![0].direction).toBe(-1);
  });

  it('two crossings inside one step are both found, in time order; step ends alone would miss them', () => {
    const g = (_t: number, y: Float64Array) => (y[0] - 0.3) * (y[0] - 0.7);
    const opts = { method: 'rk4', stepSize: 1 } as const;
    const sol = odeint(() => [1], [0], [0, 2], { ...opts, events: [{ g }] });
    expect(sol.stats.nAccepted).toBe(2);
    expect(sol.events!.map((e) => e.direction)).toEqual([-1, 1]);
    expect(Math.abs(sol.events![0].t - 0.3)).toBeLessThan(1e-14);
    expect(Math.abs(sol.events![1].t - 0.7)).toBeLessThan(1e-14);
    expect(odeint(() => [1], [0], [0, 2], { ...opts, events: [{ g, samples: 0 }] }).events).toEqual([]);
  });

  it('several event functions crossing in one step come out in time order; a terminal one drops those after it', () => {
    const late = { g: (t: number) => t - 0.7 };
    const early = { g: (t: number) => t - 0.3 };
    const sol = odeint(() => [0], [0], [0, 1], { method: 'rk4', stepSize: 1, events: [late, early] });
    expect(sol.events!.map((e) => [e.index, Number(e.t.toFixed(12))])).toEqual([
      [1, 0.3],
      [0, 0.7],
    ]);
    const stop = odeint(() => [0], [0], [0, 1], { method: 'rk4', stepSize: 1, events: [late, { ...early, terminal: true }] });
    expect(stop.events!.map((e) => e.index)).toEqual([1]);
  });

  it('a g that touches zero without crossing is no event (inside a step or at a step end)', () => {
    const touch = { g: (t: number) => (t - 0.5) ** 2 };
    for (const stepSize of [1, 0.25]) {
      // stepSize 0.25 puts a step end (and a sample) exactly on the touching point.
      const sol = odeint(() => [0], [0], [0, 1], { method: 'rk4', stepSize, events: [touch] });
      expect(sol.events).toEqual([]);
    }
    const adaptive = odeint((t) => [Math.cos(t)], [0], [0, 2 * Math.PI], { events: [{ g: (_t: number, y: Float64Array) => 1 - y[0] }] });
    expect(adaptive.events).toEqual([]); // sin t touches 1 at π/2
  });

  it('direction filtering: sin t crosses down at π and 3π, up at 2π', () => {
    const f = (_t: number, y: Float64Array) => [y[1], -y[0]];
    const g = (_t: number, y: Float64Array) => y[0];
    const run = (direction: 1 | -1 | 0) =>
      odeint(f, [0, 1], [0, 10], { rtol: 1e-10, atol: 1e-12, events: [{ g, direction }] }).events!.map((e) => [e.direction, e.t]);
    const close = (got: number[][], want: number[][]) => {
      expect(got).toHaveLength(want.length);
      got.forEach(([d, t], i) => {
        expect(d).toBe(want[i][0]);
        expect(Math.abs(t - want[i][1])).toBeLessThan(1e-8);
      });
    };
    close(run(0), [
      [-1, Math.PI],
      [1, 2 * Math.PI],
      [-1, 3 * Math.PI],
    ]);
    close(run(1), [[1, 2 * Math.PI]]);
    close(run(-1), [
      [-1, Math.PI],
      [-1, 3 * Math.PI],
    ]);
  });

  it('Illinois converges to a few ulps on a tight bracket', () => {
    const t = illinois((x) => x * x * x - 2, 0, -2, 2, 6, 4 * Number.EPSILON * 2);
    expect(Math.abs(t - Math.cbrt(2))).toBeLessThan(1e-14);
  });

  it('bad events are errors naming the argument', () => {
    expect(() => solver({ events: [{ g: 5 as never }] })).toThrow(/options\.events\.0\.g/);
    expect(() => solver({ events: [{ g: () => 0, direction: 2 as never }] })).toThrow(OdeintError);
    expect(() => solver({ events: [{ g: () => 0, terminal: -1 }] })).toThrow(/terminal/);
    expect(() => odeint(() => [1], [0], [0, 1], { events: [{ g: () => 'x' }] })).toThrow(/options\.events\[0\]\.g\(t = 0, y\) returned "x"/);
  });
});
