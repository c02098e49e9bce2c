import type { Tableau } from './tableau';
import { OdeintError } from './errors';
import { STIFF_METHODS, STIFF_METHOD_INFO, isStiffMethod, type StiffMethodName } from './stiff/registry';
import { euler } from './tableaus/euler';
import { midpoint } from './tableaus/midpoint';
import { heun2 } from './tableaus/heun2';
import { heun3 } from './tableaus/heun3';
import { rk4 } from './tableaus/rk4';
import { rk4Classic } from './tableaus/rk4-classic';
import { adaptiveHeun } from './tableaus/adaptive-heun';
import { fehlberg2 } from './tableaus/fehlberg2';
import { bosh3 } from './tableaus/bosh3';
import { dopri5 } from './tableaus/dopri5';
import { tsit5 } from './tableaus/tsit5';
import { dopri8 } from './tableaus/dopri8';
import { dop853 } from './tableaus/dop853';

/** Every solver by name: one line per method (a new method is a tableau file plus a line here). */
export const TABLEAUS = Object.freeze({
  euler,
  midpoint,
  heun2,
  heun3,
  rk4,
  'rk4-classic': rk4Classic,
  'adaptive-heun': adaptiveHeun,
  fehlberg2,
  bosh3,
  dopri5,
  tsit5,
  dopri8,
  dop853,
} satisfies Record<string, Tableau>);

/** Name of an explicit Runge–Kutta method (one with a tableau in {@link TABLEAUS}). */
export type ExplicitMethodName = keyof typeof TABLEAUS;

/** Name of a solver method (`'dopri5'`, `'rk4'`, `'rodas5'`, …). */
export type MethodName = ExplicitMethodName | StiffMethodName;

/** Every explicit method name, fixed-step ones first. */
export const EXPLICIT_METHODS = Object.freeze(Object.keys(TABLEAUS) as ExplicitMethodName[]) as readonly ExplicitMethodName[];

/** Every method name: the explicit ones (fixed-step first), then the stiff ones (float64 states only). */
export const METHODS = Object.freeze([...EXPLICIT_METHODS, ...STIFF_METHODS]) as readonly MethodName[];

/**
 * The tableau the generic explicit stepper runs for `method`; a stiff method (float64 arrays only, so far) is an
 * {@link OdeintError} that says so.
 */
export function tableauOf(method: MethodName, fn: string): Tableau {
  if (isStiffMethod(method)) {
    throw new OdeintError(
      'options.method',
      `${fn}: method '${method}' solves float64 array states only (on tensors rodas5 and kvaerno5 run, in the tape gradient mode). ` +
        "Fix: pass y0 as an array of numbers, use rodas5 or kvaerno5 with y0 of shape [batch, d], or choose an explicit method such as dopri5.",
    );
  }
  return TABLEAUS[method];
}

/** What a method is, for docs, the CLI and the benchmarks. */
export interface MethodInfo {
  /** Registry name. */
  name: MethodName;
  /** One-line description. */
  description: string;
  /** Order of the propagated solution. */
  order: number;
  /** Order of the embedded error estimate (adaptive methods). */
  embeddedOrder?: number;
  /** Number of stages in the tableau. */
  stages: number;
  /** Function evaluations per accepted step in the steady state (stages − 1 when FSAL). */
  evaluationsPerStep: number;
  /** Whether the method controls its step size from an error estimate. */
  adaptive: boolean;
  /** Whether the last stage is reused as the next step's first. */
  fsal: boolean;
  /** Dense output kind. */
  interpolation: Tableau['interpolation']['kind'] | 'backward-differences';
  /**
   * Explicit methods: order of the dense output (its local error is `O(h^(p+1))` for order `p`); `convergence.test.ts`
   * measures it. Hermite: `min(3, order)`; quartic: `min(4, order)`; a method's own weights: `order − 1` unless the
   * tableau states it; the extra-stages extensions of dopri8 and dop853: 7.
   */
  interpolationOrder?: number;
  /** Method family: explicit Runge–Kutta, Rosenbrock (linearly implicit), ESDIRK, BDF, or the auto switch. */
  family: 'explicit' | 'rosenbrock' | 'esdirk' | 'bdf' | 'auto';
  /** Whether the method is meant for stiff problems (implicit; takes `jacobian`; float64 states only). */
  stiff: boolean;
  /** Linear stability (stiff methods). */
  stability?: string;
  /** What one step costs (stiff methods): evaluations of `f`, Jacobians, LU factorisations, solves. */
  costPerStep?: string;
}

/**
 * {@link MethodInfo} for a method name.
 * @param name - a method name (`methodNames` lists them).
 */
export function methodInfo(name: MethodName): MethodInfo {
  if (isStiffMethod(name)) {
    const { embeddedOrder, ...s } = STIFF_METHOD_INFO[name];
    return { name, ...s, ...(embeddedOrder === undefined ? {} : { embeddedOrder }), adaptive: true, fsal: false, stiff: true };
  }
  const t: Tableau = TABLEAUS[name];
  return {
    name,
    description: t.description,
    order: t.order,
    ...(t.embeddedOrder !== undefined ? { embeddedOrder: t.embeddedOrder } : {}),
    stages: t.c.length,
    evaluationsPerStep: t.fsal ? t.c.length - 1 : t.c.length,
    adaptive: t.bErr !== undefined,
    fsal: t.fsal,
    interpolation: t.interpolation.kind,
    interpolationOrder: interpolationOrder(t),
    family: 'explicit',
    stiff: false,
  };
}

/** Order of a tableau's dense output (see {@link MethodInfo.interpolationOrder}). */
function interpolationOrder(t: Tableau): number {
  const i = t.interpolation;
  if (i.kind === 'hermite') return Math.min(3, t.order);
  if (i.kind === 'quartic') return Math.min(4, t.order);
  if (i.kind === 'extra-stages') return i.order;
  return t.order - 1;
}

/** {@link MethodInfo} for every method, in {@link METHODS} order. */
export const METHOD_INFO: readonly MethodInfo[] = Object.freeze(METHODS.map(methodInfo));
