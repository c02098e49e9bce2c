import { z } from 'zod';
import { OdeintError, show } from './errors';
import { TABLEAUS, type MethodName } from './methods';
import { isStiffMethod } from './stiff/registry';
import type { Float64Jacobian } from './stiff/problem';
import { odeintOptionsSchema, parseOptions, type OdeintOptions, type ResolvedOdeintOptions } from './options';
import { parseGradient, type Gradient, type GradientInput } from './gradient';
import { smallestTolerance } from './tolerances';

/** Settings every method takes. */
const COMMON_KEYS = ['method', 'maxSteps', 'jumpTimes', 'stepTimes', 'events', 'dense'] as const;
/** Settings only fixed-step methods take. */
const FIXED_KEYS = ['stepSize', 'grid'] as const;
/** Settings only adaptive methods take. */
const ADAPTIVE_KEYS = ['rtol', 'atol', 'firstStep', 'minStep', 'maxStep', 'safety', 'ifactor', 'dfactor', 'controller', 'norm'] as const;
/** Settings only the PID controller takes. */
const PID_KEYS = ['pcoeff', 'icoeff', 'dcoeff'] as const;

const O = odeintOptionsSchema.shape;
const fixedSchema = z
  .object({ method: O.method, maxSteps: O.maxSteps, jumpTimes: O.jumpTimes, stepTimes: O.stepTimes, events: O.events, dense: O.dense, stepSize: O.stepSize, grid: O.grid })
  .strict();
const adaptiveSchema = z
  .object({
    method: O.method,
    maxSteps: O.maxSteps,
    jumpTimes: O.jumpTimes,
    stepTimes: O.stepTimes,
    events: O.events,
    dense: O.dense,
    rtol: O.rtol,
    atol: O.atol,
    firstStep: O.firstStep,
    minStep: O.minStep,
    maxStep: O.maxStep,
    safety: O.safety,
    ifactor: O.ifactor,
    dfactor: O.dfactor,
    controller: O.controller,
    norm: O.norm,
    pcoeff: O.pcoeff,
    icoeff: O.icoeff,
    dcoeff: O.dcoeff,
  })
  .strict();
const methodSchema = z.object({ method: O.method });
/** Stiff methods: the adaptive settings and the Jacobian. */
const stiffSchema = adaptiveSchema.extend({ jacobian: O.jacobian }).strict();

/** A validated fixed-step solver: steps of `stepSize`, or on `grid`, or (neither given) on the output times. */
export interface FixedSolver extends Readonly<z.output<typeof fixedSchema>> {
  /** How the method steps. */
  readonly stepping: 'fixed';
  /** How gradients of a tensor solve are computed (see {@link Gradient}). */
  readonly gradient: Gradient;
}

/** A validated adaptive solver: the step size is controlled from the method's embedded error estimate. */
export interface AdaptiveSolver extends Readonly<Omit<z.output<typeof adaptiveSchema>, 'jumpTimes' | 'stepTimes'>> {
  /** How the method steps. */
  readonly stepping: 'adaptive';
  /** How gradients of a tensor solve are computed (see {@link Gradient}). */
  readonly gradient: Gradient;
  readonly jumpTimes: readonly number[];
  readonly stepTimes: readonly number[];
  /** Stiff methods: the user's Jacobian `∂f/∂y` (finite differences when absent). */
  readonly jacobian?: Float64Jacobian;
}

/**
 * A solver: method, stepping and every setting, validated once by {@link solver} and frozen. Pass it to `odeint`,
 * `odeintAdjoint` or a model's ODE block as often as you like: it is used as it is, never parsed again.
 */
export type Solver = FixedSolver | AdaptiveSolver;

/**
 * What {@link solver} accepts: the options of `odeint` (the settings that apply to the chosen method only) and the
 * gradient mode (`'tape'` by default; see {@link GradientInput}).
 */
export type SolverInput = OdeintOptions & { gradient?: GradientInput };

/** The settings `integrate` reads, every field present (those of the other stepping mode inert), per solver. */
const resolvedOf = new WeakMap<Solver, ResolvedOdeintOptions>();

/** Inert values of the settings a solver's mode does not take (never read by that mode's stepper). */
const INERT = odeintOptionsSchema.parse({});

/**
 * Whether `value` is a {@link Solver} made by {@link solver}.
 * @param value - anything.
 */
export function isSolver(value: unknown): value is Solver {
  return typeof value === 'object' && value !== null && resolvedOf.has(value as Solver);
}

/**
 * Whether `method` controls its step size from an error estimate.
 * @param method - a method name.
 */
export function isAdaptive(method: MethodName): boolean {
  return isStiffMethod(method) || TABLEAUS[method].bErr !== undefined;
}

function isPlain(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Validates solver settings once and returns a frozen {@link Solver}. The schema is shaped by the method's stepping:
 * fixed-step methods take `stepSize` or `grid`; adaptive ones take `rtol`, `atol`, the controller and step bounds. A
 * setting that does not apply to the chosen method is an {@link OdeintError} that names it. A `Solver` passed in is
 * returned unchanged.
 *
 * Library defaults (as torchdiffeq's): `dopri5`, `rtol = 1e-7`, `atol = 1e-9`, the I controller; a fixed-step
 * method without `stepSize` or `grid` steps from output time to output time.
 *
 * @param input - the settings (`method`, tolerances or step size, controller, events, `dense`, `gradient`; unknown
 *   names are errors), or a `Solver` to return unchanged; none: the defaults.
 * @param fn - the name to start error messages with (a caller that validates on behalf of its own function passes its
 *   name).
 *
 * @example
 * const s = solver({ method: 'dopri5', rtol: 1e-6, atol: 1e-8 });
 * odeint(f, y0, ts, s);
 */
export function solver(input?: SolverInput | Solver, fn = 'solver'): Solver {
  if (isSolver(input)) return input;
  if (input != null && !isPlain(input)) {
    throw new OdeintError('options', `${fn}: options = ${show(input)} must be an object of solver settings. Fix: pass e.g. { method: 'dopri5', rtol: 1e-6 }.`);
  }
  const { stepping, gradient: gradientInput, ...given } = (input ?? {}) as SolverInput & { stepping?: unknown };
  const method = parseOptions(fn, methodSchema, { method: given.method }).method;
  const adaptive = isAdaptive(method);
  // A Solver written out as JSON carries its stepping: it must agree with the method's.
  if (stepping !== undefined && stepping !== (adaptive ? 'adaptive' : 'fixed')) {
    throw new OdeintError(
      'options.stepping',
      `${fn}: options.stepping = ${show(stepping)} but '${method}' is ${adaptive ? 'an adaptive' : 'a fixed-step'} method. Fix: remove stepping (it follows from the method).`,
    );
  }
  const controller = given.controller ?? 'I';
  for (const key of Object.keys(given)) {
    if (method === 'bdf' && (key === 'controller' || (PID_KEYS as readonly string[]).includes(key))) {
      throw new OdeintError(
        `options.${key}`,
        `${fn}: options.${key} does not apply to 'bdf', which chooses its step and order from its own error estimates (as scipy's BDF). ` +
          `Fix: remove ${key}, or choose rodas5, kvaerno5 or auto, which use the I or PID controller.`,
      );
    }
    if (key === 'jacobian' && !isStiffMethod(method)) {
      throw new OdeintError(
        'options.jacobian',
        `${fn}: options.jacobian does not apply to '${method}', an explicit method (it never solves a linear system). ` +
          `Fix: remove jacobian, or choose a stiff method such as rodas5, kvaerno5, bdf or auto.`,
      );
    }
    if (adaptive && (FIXED_KEYS as readonly string[]).includes(key)) {
      throw new OdeintError(
        `options.${key}`,
        `${fn}: options.${key} does not apply to '${method}', an adaptive method (it controls its own step from rtol/atol). ` +
          `Fix: remove ${key}, or choose a fixed-step method such as rk4.`,
      );
    }
    if (!adaptive && ([...ADAPTIVE_KEYS, ...PID_KEYS] as readonly string[]).includes(key)) {
      throw new OdeintError(
        `options.${key}`,
        `${fn}: options.${key} does not apply to '${method}', a fixed-step method (it takes stepSize or grid). ` +
          `Fix: remove ${key}, or choose an adaptive method such as dopri5.`,
      );
    }
    if (adaptive && controller !== 'PID' && (PID_KEYS as readonly string[]).includes(key)) {
      throw new OdeintError(
        `options.${key}`,
        `${fn}: options.${key} is a coefficient of the PID controller, but the controller is '${controller}'. ` + `Fix: remove ${key}, or set controller: 'PID'.`,
      );
    }
  }
  const parsed = parseOptions(fn, isStiffMethod(method) ? stiffSchema : adaptive ? adaptiveSchema : fixedSchema, given) as Record<string, unknown>;
  if (adaptive) checkAdaptive(fn, parsed as z.output<typeof adaptiveSchema>);
  else checkFixed(fn, parsed as z.output<typeof fixedSchema>);
  if (adaptive && parsed.controller !== 'PID') for (const k of PID_KEYS) delete parsed[k];
  const gradient = parseGradient(fn, gradientInput, (b, name) => solver(isSolver(b) ? b : withForwardTolerances(b, parsed, adaptive), name));
  const value = deepFreeze({ stepping: adaptive ? 'adaptive' : 'fixed', ...parsed, gradient }) as Solver;
  resolvedOf.set(value, Object.freeze({ ...INERT, ...parsed }) as ResolvedOdeintOptions);
  return value;
}

/**
 * A backsolve's backward solver given as settings: the tolerances it leaves out are the forward's (the smallest of
 * each, as the default backward solver and torchdiffeq's `adjoint_rtol` / `adjoint_atol`), when both methods are
 * adaptive. (They were the library's defaults: `backward: { method: 'kvaerno5' }` under an rtol 1e-4 forward solve
 * then ran its stiff adjoint at rtol 1e-7, atol 1e-9 and took minutes.)
 */
function withForwardTolerances(backward: SolverInput, forward: Record<string, unknown>, forwardAdaptive: boolean): SolverInput {
  if (!forwardAdaptive || !isPlain(backward)) return backward;
  const method = methodSchema.safeParse({ method: backward.method });
  // An unknown method is left to the backward solver's own validation (its error names it).
  if (!method.success || !isAdaptive(method.data.method)) return backward;
  const tolerance = (tol: unknown) => smallestTolerance(tol as number | readonly number[]);
  return { ...backward, rtol: backward.rtol ?? tolerance(forward.rtol), atol: backward.atol ?? tolerance(forward.atol) };
}

function checkAdaptive(fn: string, s: z.output<typeof adaptiveSchema>): void {
  // A relative error below float64's resolution cannot be met: every step would be rejected down to underflow.
  const rtols = Array.isArray(s.rtol) ? s.rtol : [s.rtol];
  const tiny = rtols.find((r) => r < Number.EPSILON);
  if (tiny !== undefined) {
    throw new OdeintError(
      'options.rtol',
      `${fn}: options.rtol = ${tiny} is below float64's resolution (${Number.EPSILON.toExponential(1)}): no step can meet it. Fix: use rtol ≥ 1e-15 (1e-13 or more is practical).`,
    );
  }
  if (s.maxStep !== undefined && s.minStep > s.maxStep) {
    throw new OdeintError(
      'options.minStep',
      `${fn}: options.minStep = ${s.minStep} is larger than options.maxStep = ${s.maxStep}. Fix: make minStep ≤ maxStep (minStep defaults to 0).`,
    );
  }
  if (s.firstStep !== undefined && s.maxStep !== undefined && s.firstStep > s.maxStep) {
    throw new OdeintError('options.firstStep', `${fn}: options.firstStep = ${s.firstStep} is larger than options.maxStep = ${s.maxStep}. Fix: make firstStep ≤ maxStep.`);
  }
}

function checkFixed(fn: string, s: z.output<typeof fixedSchema>): void {
  if (s.stepSize !== undefined && s.grid !== undefined) {
    throw new OdeintError('options.grid', `${fn}: options.stepSize and options.grid both set the steps. Fix: give one of them.`);
  }
  const g = s.grid;
  if (g) {
    const d = g[1] > g[0] ? 1 : -1;
    for (let i = 1; i < g.length; i++) {
      if (!(d * (g[i] - g[i - 1]) > 0)) {
        throw new OdeintError(
          'options.grid',
          `${fn}: options.grid must be strictly monotonic, but grid[${i - 1}] = ${g[i - 1]} and grid[${i}] = ${g[i]}. Fix: sort the grid and remove duplicates.`,
        );
      }
    }
  }
}

/** The full settings the stepper reads for a solver (internal). */
export function resolvedSettings(s: Solver): ResolvedOdeintOptions {
  return resolvedOf.get(s)!;
}

function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v as object)) deepFreeze(x);
  }
  return v;
}
