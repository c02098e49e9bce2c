import type { StateAlgebra } from './algebra';
import { z } from 'zod';
import { OdeintError, show } from './errors';
import type { StepInterpolant } from './step-interpolant';

/**
 * An event function `g(t, y)`: an event happens where `g` crosses zero. On float64 states `t` is a number and `y` a
 * `Float64Array`; on tensor states `t` is a `tf.Scalar` and `y` a tensor of `y0`'s shape. Returns a number or a
 * scalar tensor. (Typed loosely so that one schema serves both state kinds.)
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type EventFunction = (t: any, y: any) => unknown;

/** An event as `solver({ events: [...] })` takes it. */
export interface EventInput {
  /** The event function: an event is a zero crossing of `g(t, y(t))`. */
  g: EventFunction;
  /**
   * Which crossings count: `1` from negative to positive, `-1` from positive to negative, `0` (default) both.
   */
  direction?: 1 | -1 | 0;
  /**
   * Whether the event stops the solve: `false` (default) never, `true` at its first occurrence, a positive integer
   * `n` at its `n`-th. The solve stops at the event time: `ys` holds the requested times up to it only.
   */
  terminal?: boolean | number;
  /**
   * Points inside each step (evenly spaced) where `g` is also evaluated on the dense output, so that two crossings
   * inside one step (which leave `g` with the same sign at both ends) are found. Default 4; 0 checks step ends only.
   */
  samples?: number;
}

/** The schema of one event (`solver({ events })`); unknown keys are errors. */
export const eventSchema = z
  .object({
    g: z.custom<EventFunction>((v) => typeof v === 'function', { message: 'g must be a function (t, y) => number' }),
    direction: z.union([z.literal(1), z.literal(-1), z.literal(0)]).default(0),
    terminal: z.union([z.boolean(), z.number().int().positive()]).default(false),
    samples: z.number().int().min(0).max(1000).default(4),
  })
  .strict();

/** An event after validation. */
export interface EventSpec {
  readonly g: EventFunction;
  readonly direction: 1 | -1 | 0;
  readonly terminal: boolean | number;
  readonly samples: number;
}

/** One event found by a solve. `Y` is the state kind: `Float64Array` or `tf.Tensor` (the shape of `y0`). */
export interface SolveEvent<Y> {
  /** Which event (its index in `events`). */
  index: number;
  /** When: the zero crossing, located to a few ulps of `t` on the dense output. */
  t: number;
  /** The state at `t` (dense output). */
  y: Y;
  /** The crossing's direction: `1` upward, `-1` downward. */
  direction: 1 | -1;
  /** Whether the solve stopped at this event. */
  terminal: boolean;
}

/**
 * Locates a zero of `F` in `[a, b]` where `F(a)` and `F(b)` have opposite signs, to `xtol` in `t`, by the Illinois
 * variant of regula falsi (superlinear; the bracket always shrinks). Returns the bracket end on the side of `b`'s
 * sign (the first time at which the crossing has happened), or an exact zero.
 * @param F - the function whose zero is sought, e.g. an event function on the dense output.
 * @param a - one end of the bracket (the earlier time in the solve's direction).
 * @param fa - `F(a)`, already known.
 * @param b - the other end of the bracket.
 * @param fb - `F(b)`, of the opposite sign to `fa`.
 * @param xtol - the tolerance on `t`: iterations stop once the bracket is this short (at most 200 iterations).
 */
export function illinois(F: (t: number) => number, a: number, fa: number, b: number, fb: number, xtol: number): number {
  let side = 0;
  for (let it = 0; it < 200 && Math.abs(b - a) > xtol; it++) {
    let c = (a * fb - b * fa) / (fb - fa);
    // Keep the iterate strictly inside: round-off at a tight bracket, or a flat end, would otherwise stall it.
    const lo = Math.min(a, b);
    const hi = Math.max(a, b);
    if (!(c > lo && c < hi)) c = (a + b) / 2;
    const fc = F(c);
    if (fc === 0) return c;
    if (Math.sign(fc) === Math.sign(fb)) {
      b = c;
      fb = fc;
      if (side === 1) fa /= 2;
      side = 1;
    } else {
      a = c;
      fa = fc;
      if (side === -1) fb /= 2;
      side = -1;
    }
  }
  return b;
}

/** How events read the user's `g` on one state kind. */
export interface EventReader<S, Y> {
  /** `g(t, y)` as a number (one host read on tensors). */
  value(g: EventFunction, t: number, y: S, index: number): number;
  /** The state as the solution reports it (a new value; `y` stays the caller's). */
  output(y: S, t: number): Y;
  /**
   * Extra fields of an event record (tensors: the differentiable event time), given the event function, the
   * state at the event and `dg/dt` along the solution there (`gDot`, by central differences on the dense output).
   */
  extra?(g: EventFunction, y: S, t: number, gDot: number): Record<string, unknown>;
}

/** Where an event function stands: the last non-zero sign seen and since when it has been zero. */
interface Track {
  /** Sign of the last non-zero value (0 before the first one: a zero at t0 is never an event). */
  sign: number;
  /** Time and value of that last non-zero value. */
  t: number;
  g: number;
  /** Occurrences so far. */
  count: number;
}

/**
 * Finds the events of a solve, one accepted step at a time (the stepper's `onStep` observer): `g` is sampled at the
 * step's end and at `samples` points inside it on the dense output, every sign change is bracketed and located by
 * {@link illinois} to a few ulps of `t`, the crossings of all event functions are taken in time order and a terminal
 * one stops the solve at its time.
 *
 * Conventions: a crossing needs a non-zero value on each side; values exactly zero are skipped, so `g(t0, y0) = 0`
 * is not an event (a solve restarted at an event does not see it again), and a `g` that touches zero without changing
 * sign is none either.
 */
export class EventFinder<S, Y> {
  readonly found: SolveEvent<Y>[] = [];
  private readonly tracks: Track[];

  constructor(
    private readonly fn: string,
    private readonly specs: readonly EventSpec[],
    private readonly alg: StateAlgebra<S>,
    private readonly reader: EventReader<S, Y>,
    private readonly direction: 1 | -1,
    t0: number,
    y0: S,
  ) {
    this.tracks = specs.map((spec, i) => {
      const g = this.value(i, t0, y0);
      return { sign: Math.sign(g), t: t0, g, count: 0 };
    });
  }

  private value(i: number, t: number, y: S): number {
    const g = this.reader.value(this.specs[i].g, t, y, i);
    if (typeof g !== 'number' || Number.isNaN(g)) {
      throw new OdeintError(
        `options.events[${i}].g`,
        `${this.fn}: options.events[${i}].g(t = ${t}, y) returned ${show(g)}. Fix: return a number (or a scalar tensor) that crosses zero at the event.`,
      );
    }
    return g;
  }

  /** The stepper's observer: records the step's events; returns the time of a terminal one to stop there. */
  onStep(step: StepInterpolant<S>): number | undefined {
    const d = this.direction;
    const gAt = (i: number, t: number): number => {
      if (t === step.t1) return this.value(i, t, step.y1);
      const y = step.at(t);
      try {
        return this.value(i, t, y);
      } finally {
        this.alg.dispose(y);
      }
    };
    const crossings: { index: number; t: number; direction: 1 | -1 }[] = [];
    this.specs.forEach((spec, i) => {
      const track = this.tracks[i];
      const n = spec.samples;
      for (let j = 1; j <= n + 1; j++) {
        const t = j === n + 1 ? step.t1 : step.t0 + (j / (n + 1)) * step.h;
        const g = gAt(i, t);
        const sign = Math.sign(g);
        if (sign === 0) continue;
        if (track.sign !== 0 && sign !== track.sign) {
          // The last non-zero value may lie in an earlier step (zeros in between): locate in this step only.
          let a = track.t;
          let ga = track.g;
          if (d * (a - step.t0) < 0) {
            a = step.t0;
            ga = gAt(i, a);
          }
          // A few ulps of t, and never below 1e-14 of the step (near t = 0 ulps alone would ask for 200 iterations).
          const tol = Math.max(4 * Number.EPSILON * Math.max(Math.abs(a), Math.abs(t)), 1e-14 * Math.abs(step.h));
          const tRoot = ga === 0 ? a : illinois((s) => gAt(i, s), a, ga, t, g, tol);
          const up = sign > 0 ? 1 : -1;
          if (spec.direction === 0 || spec.direction === up) crossings.push({ index: i, t: tRoot, direction: up });
        }
        track.sign = sign;
        track.t = t;
        track.g = g;
      }
    });
    crossings.sort((x, y) => d * (x.t - y.t) || x.index - y.index);
    for (const c of crossings) {
      const spec = this.specs[c.index];
      const track = this.tracks[c.index];
      track.count++;
      const stops = spec.terminal !== false && track.count >= (spec.terminal === true ? 1 : spec.terminal);
      const y = c.t === step.t1 ? this.alg.copy(step.y1) : step.at(c.t);
      try {
        const event: SolveEvent<Y> = { index: c.index, t: c.t, y: this.reader.output(y, c.t), direction: c.direction, terminal: stops };
        if (this.reader.extra) {
          // Wide enough for float32 states (g's round-off over 2δ), narrow enough for the polynomial's curvature.
          const delta = 1e-3 * Math.abs(step.h);
          const gDot = (gAt(c.index, c.t + delta) - gAt(c.index, c.t - delta)) / (2 * delta);
          Object.assign(event, this.reader.extra(spec.g, y, c.t, d * gDot > 0 || d * gDot < 0 ? gDot : Number.NaN));
        }
        this.found.push(event);
      } finally {
        this.alg.dispose(y);
      }
      if (stops) return c.t;
    }
    return undefined;
  }
}
