import type { ResolvedOdeintOptions } from './options';

/** Decides the next step size from the error ratio of the step just attempted. */
export interface StepSizeController {
  /** The factor to multiply `h` by, given the attempted step's error ratio and whether it was accepted. */
  factor(ratio: number, accepted: boolean): number;
}

/**
 * Creates the I (integral) or PID controller of the options. `k` is the exponent denominator: the order
 * of the error estimate plus one (5 for dopri5). As in Hairer's codes the step never grows right after a
 * rejection.
 */
export function createController(opts: ResolvedOdeintOptions, k: number): StepSizeController {
  const { safety, ifactor, dfactor } = opts;
  let rejectedLast = false;
  const clamp = (f: number, accepted: boolean): number => {
    const hi = accepted && !rejectedLast ? ifactor : 1;
    rejectedLast = !accepted;
    return Math.min(hi, Math.max(dfactor, f));
  };
  if (opts.controller === 'I') {
    return {
      factor(ratio, accepted) {
        if (!Number.isFinite(ratio)) return clamp(dfactor, false);
        if (ratio === 0) return clamp(ifactor, accepted);
        return clamp(safety * ratio ** (-1 / k), accepted);
      },
    };
  }
  // Söderlind's PID in diffrax's parametrisation: β1 = p + i + d, β2 = −(p + 2d), β3 = d.
  const b1 = (opts.pcoeff + opts.icoeff + opts.dcoeff) / k;
  const b2 = -(opts.pcoeff + 2 * opts.dcoeff) / k;
  const b3 = opts.dcoeff / k;
  let prev1 = 1;
  let prev2 = 1;
  return {
    factor(ratio, accepted) {
      if (!Number.isFinite(ratio)) return clamp(dfactor, false);
      const r = Math.max(ratio, 1e-10);
      if (!accepted) return clamp(safety * r ** (-1 / k), false);
      const f = safety * r ** -b1 * prev1 ** -b2 * prev2 ** -b3;
      prev2 = prev1;
      prev1 = r;
      return clamp(f, true);
    },
  };
}
