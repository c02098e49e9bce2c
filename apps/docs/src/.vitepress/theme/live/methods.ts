// The methods the live page offers: every method in odeint's registry, adaptive ones first (fixed-step ones
// step from one observation time to the next, ~0.095 time units apart).
import { METHOD_INFO, type MethodName } from '@neural-ode/odeint';

/** Method names for the page's select, adaptive first. */
export const liveMethods: MethodName[] = [...METHOD_INFO]
  .sort((a, b) => Number(b.adaptive) - Number(a.adaptive))
  .map((m) => m.name);
