import { defineTableau } from '../tableau';

/** Heun's third-order method: order 3, 3 stages, fixed step. */
export const heun3 = defineTableau({
  name: 'heun3',
  description: "Heun's third-order method, fixed step",
  c: [0, 1 / 3, 2 / 3],
  a: [[], [1 / 3], [0, 2 / 3]],
  b: [1 / 4, 0, 3 / 4],
  order: 3,
  fsal: false,
  interpolation: { kind: 'hermite' },
});
