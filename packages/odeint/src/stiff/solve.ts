import type { ResolvedOdeintOptions } from '../options';
import { autoMethod } from './auto';
import { integrateBdf } from './bdf';
import { esdirkMethod } from './esdirk';
import { tsit5 } from '../tableaus/tsit5';
import { kvaerno5 } from './kvaerno5';
import { integrateOneStep, type OneStepMethod } from './one-step';
import { stiffProblem, stiffStats, type Float64Jacobian, type StiffStats } from './problem';
import type { StiffMethodName } from './registry';
import { rodas5 } from './rodas5';
import { rosenbrockMethod } from './rosenbrock';
import type { KeepableStep } from '../step-interpolant';

/**
 * Solves a float64 problem with a stiff method. `f` returns fresh arrays of length `y0.length` and reports its own
 * failures; `atol`/`rtol` are expanded per component. `onStep` (events, a dense solution) observes the accepted steps
 * and their interpolants.
 */
export function integrateStiff(
  method: StiffMethodName,
  f: (t: number, y: Float64Array) => Float64Array,
  y0: Float64Array,
  ts: Float64Array,
  direction: 1 | -1,
  opts: ResolvedOdeintOptions,
  atol: Float64Array,
  rtol: Float64Array,
  fn: string,
  stats: StiffStats = stiffStats(),
  onStep?: (step: KeepableStep<Float64Array>) => number | undefined,
): { ys: Float64Array[]; stats: StiffStats } {
  const p = stiffProblem(fn, y0.length, f, opts.jacobian as Float64Jacobian | undefined, atol, rtol, opts.norm, stats);
  if (method === 'bdf') return { ys: integrateBdf(p, y0, ts, direction, opts, onStep), stats };
  let stepper: OneStepMethod;
  if (method === 'rodas5') stepper = rosenbrockMethod(rodas5, p);
  else if (method === 'kvaerno5') stepper = esdirkMethod(kvaerno5, p);
  else {
    stats.nStiffSteps = 0;
    stats.nSwitches = 0;
    stepper = autoMethod(tsit5, rosenbrockMethod(rodas5, p), p);
  }
  return { ys: integrateOneStep(p, stepper, y0, ts, direction, opts, undefined, onStep), stats };
}
