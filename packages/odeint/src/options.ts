import { z } from 'zod';
import { METHODS, type MethodName } from './methods';
import { OdeintError, show } from './errors';
import type { Float64Jacobian } from './stiff/problem';
import { eventSchema } from './events';

const positive = (what: string) => z.number().refine((v) => v > 0 && !Number.isNaN(v), { message: `${what} must be > 0` });
const tolerance = z.union([positive('a tolerance'), z.array(positive('every tolerance')).min(1)], {
  error: 'a tolerance must be a positive number, or an array of positive numbers (one per state component)',
});
const times = z.array(z.number().refine(Number.isFinite, { message: 'times must be finite' }));

/**
 * Options of {@link odeint} (both state kinds). Defaults live here; the docs and the CLI read them from
 * this schema. Unknown keys are an error.
 */
export const odeintOptionsSchema = z
  .object({
    /** Solver (see `METHODS`). Adaptive ones control the step from an error estimate. */
    method: z.enum(METHODS as [MethodName, ...MethodName[]]).default('dopri5'),
    /** Relative tolerance: a number, or one per state component (flattened). */
    rtol: tolerance.default(1e-7),
    /** Absolute tolerance: a number, or one per state component (flattened). */
    atol: tolerance.default(1e-9),
    /** Fixed-step methods: the step size (the last step is shortened to land on the final time). */
    stepSize: positive('stepSize').optional(),
    /** Fixed-step methods: an explicit grid of step times (must cover `ts`); overrides `stepSize`. */
    grid: times.min(2).optional(),
    /** Adaptive methods: the first step size; by default estimated (Hairer, Nørsett & Wanner, II.4). */
    firstStep: positive('firstStep').optional(),
    /** Adaptive methods: smallest step; a step this small is accepted whatever its error. */
    minStep: z.number().min(0).default(0),
    /** Adaptive methods: largest step (`Infinity` or absent: no limit). */
    maxStep: z.union([positive('maxStep'), z.literal(Number.POSITIVE_INFINITY)]).optional(),
    /** Largest number of attempted steps (accepted + rejected) per solve. */
    maxSteps: z.number().int().positive().default(100_000),
    /** Safety factor of the step-size controller. */
    safety: z.number().gt(0).lte(1).default(0.9),
    /** Largest growth of the step size per step. */
    ifactor: z.number().gt(1).default(10),
    /** Largest shrink of the step size per step (a factor in (0, 1)). */
    dfactor: z.number().gt(0).lt(1).default(0.2),
    /** Step-size controller: `I` (integral, torchdiffeq's) or `PID` (Söderlind, diffrax's coefficients). */
    controller: z.enum(['I', 'PID']).default('I'),
    /** PID controller: proportional coefficient. */
    pcoeff: z.number().default(0.2),
    /** PID controller: integral coefficient. */
    icoeff: z.number().default(0.65),
    /** PID controller: derivative coefficient. */
    dcoeff: z.number().default(0),
    /** Error norm: root mean square (default) or maximum over components. */
    norm: z.enum(['rms', 'max']).default('rms'),
    /** Times where `f` is discontinuous: steps end exactly there and `f` is re-evaluated after them. */
    jumpTimes: times.default([]),
    /** Times steps must end on exactly (no re-evaluation of `f`). */
    stepTimes: times.default([]),
    /**
     * Stiff methods: `∂f/∂y` at `(t, y)` as `n` rows of `n` numbers (or one row-major array); by default finite
     * differences (`n` evaluations of `f` per Jacobian).
     */
    /**
     * Explicit methods: events, zero crossings of `g(t, y)` located on the dense output between steps (see
     * `EventInput`); found events are in the solution's `events`, and a terminal one stops the solve.
     */
    events: z.array(eventSchema).default([]),
    /** Explicit methods: keep every step's dense output, so that `sol.evaluate(t)` gives the state anywhere in the span. */
    dense: z.boolean().default(false),
    jacobian: z.custom<Float64Jacobian>((v) => typeof v === 'function', { message: 'must be a function (t, y) => ∂f/∂y' }).optional(),
  })
  .strict();

/** Options of {@link odeint} as a caller writes them (every field optional). */
export type OdeintOptions = z.input<typeof odeintOptionsSchema>;
/** Options of {@link odeint} with defaults applied. */
export type ResolvedOdeintOptions = z.output<typeof odeintOptionsSchema>;

const FIXES: Record<string, string> = {
  method: `use one of: ${METHODS.join(', ')}`,
  rtol: 'use a positive number such as 1e-6, or one positive number per state component',
  atol: 'use a positive number such as 1e-9, or one positive number per state component',
  stepSize: 'use a positive step such as 0.01',
  grid: 'pass at least two finite, strictly monotonic times that cover ts',
  firstStep: 'use a positive number, or leave it out to have it estimated',
  minStep: 'use 0 (the default) or a positive number',
  maxStep: 'use a positive number (default: no limit)',
  maxSteps: 'use a positive integer such as 10000',
  safety: 'use a number in (0, 1] such as 0.9',
  ifactor: 'use a number > 1 such as 10',
  dfactor: 'use a number in (0, 1) such as 0.2',
  controller: "use 'I' or 'PID'",
  norm: "use 'rms' or 'max'",
  jumpTimes: 'pass an array of finite times',
  stepTimes: 'pass an array of finite times',
  events: "pass an array of { g: (t, y) => number, direction?: 1 | -1 | 0, terminal?: boolean | n, samples?: n }",
  dense: 'pass true to keep the dense output (sol.evaluate), or leave it out',
  jacobian: 'pass a function (t, y) => rows of ∂f_i/∂y_j, or leave it out for finite differences',
};

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = input;
  for (const k of path) v = v != null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined;
  return v;
}

/**
 * Parses options with a zod schema and turns the first problem into an {@link OdeintError} that names the
 * option, the value given and the fix.
 */
export function parseOptions<S extends z.ZodType>(
  fn: string,
  schema: S,
  options: unknown,
  fixes: Record<string, string> = FIXES,
): z.output<S> {
  const result = schema.safeParse(options ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (issue.code === 'unrecognized_keys') {
    const known = Object.keys((schema as unknown as { shape: Record<string, unknown> }).shape ?? {});
    const key = issue.keys[0];
    throw new OdeintError(
      `options.${key}`,
      `${fn}: unknown option '${key}'. Valid options: ${known.join(', ')}. Fix: remove it or correct its spelling.`,
    );
  }
  const key = String(issue.path[0] ?? '');
  const where = issue.path.length ? `options.${issue.path.map(String).join('.')}` : 'options';
  const value = issue.path.length ? valueAt(options, issue.path) : options;
  const fix = fixes[key] ?? FIXES[key] ?? 'see odeintOptionsSchema';
  throw new OdeintError(`options.${key}`, `${fn}: ${where} = ${show(value)} is invalid (${issue.message}). Fix: ${fix}.`);
}
