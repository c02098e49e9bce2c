import { defineTableau } from '../tableau';

/**
 * Bogacki–Shampine 3(2): order 3 with an embedded order-2 estimate; 4 stages, FSAL (3 evaluations
 * per step). Dense output: cubic Hermite (exact to the method's order).
 */
export const bosh3 = defineTableau({
  name: 'bosh3',
  description: 'Bogacki–Shampine 3(2) pair, adaptive, FSAL',
  c: [0, 1 / 2, 3 / 4, 1],
  a: [[], [1 / 2], [0, 3 / 4], [2 / 9, 1 / 3, 4 / 9]],
  b: [2 / 9, 1 / 3, 4 / 9, 0],
  bErr: [2 / 9 - 7 / 24, 1 / 3 - 1 / 4, 4 / 9 - 1 / 3, -1 / 8],
  order: 3,
  embeddedOrder: 2,
  fsal: true,
  interpolation: { kind: 'hermite' },
});
