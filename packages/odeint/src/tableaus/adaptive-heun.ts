import { defineTableau } from '../tableau';

/**
 * Heun–Euler pair: order 2 with an embedded Euler (order 1) error estimate; 2 stages, not FSAL.
 * Dense output: cubic Hermite.
 */
export const adaptiveHeun = defineTableau({
  name: 'adaptive-heun',
  description: 'Heun–Euler 2(1) pair, adaptive',
  c: [0, 1],
  a: [[], [1]],
  b: [1 / 2, 1 / 2],
  bErr: [1 / 2 - 1, 1 / 2],
  order: 2,
  embeddedOrder: 1,
  fsal: false,
  interpolation: { kind: 'hermite' },
});
