import { defineTableau } from '../tableau';

/** Explicit midpoint rule: order 2, 2 stages, fixed step. */
export const midpoint = defineTableau({
  name: 'midpoint',
  description: 'Explicit midpoint rule, order 2, fixed step',
  c: [0, 1 / 2],
  a: [[], [1 / 2]],
  b: [0, 1],
  order: 2,
  fsal: false,
  interpolation: { kind: 'hermite' },
});
