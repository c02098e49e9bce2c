import type { Tableau } from './tableau';
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
} satisfies Record<string, Tableau>);

/** Name of a solver method (`'dopri5'`, `'rk4'`, …). */
export type MethodName = keyof typeof TABLEAUS;

/** Every method name, fixed-step ones first. */
export const METHODS = Object.freeze(Object.keys(TABLEAUS) as MethodName[]) as readonly MethodName[];

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
  interpolation: Tableau['interpolation']['kind'];
}

/** {@link MethodInfo} for a method name. */
export function methodInfo(name: MethodName): MethodInfo {
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
  };
}

/** {@link MethodInfo} for every method, in {@link METHODS} order. */
export const METHOD_INFO: readonly MethodInfo[] = Object.freeze(METHODS.map(methodInfo));
