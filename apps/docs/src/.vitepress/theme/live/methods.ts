// The methods the live page offers: every explicit method in odeint's registry, adaptive ones first (fixed-step ones
// step from one observation time to the next, ~0.095 time units apart). The stiff methods are left out: the spiral
// is not stiff, and their tensor path takes no adjoint.
import { METHOD_INFO, type MethodName } from '@neural-ode/odeint';

/** Method names for the page's select, adaptive first. */
export const liveMethods: MethodName[] = METHOD_INFO.filter((m) => !m.stiff)
  .sort((a, b) => Number(b.adaptive) - Number(a.adaptive))
  .map((m) => m.name);
