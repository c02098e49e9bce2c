import { defineTableau } from '../tableau';

/** The classic fourth-order Runge–Kutta method: order 4, 4 stages, fixed step. */
export const rk4Classic = defineTableau({
  name: 'rk4-classic',
  description: 'Classic fourth-order Runge–Kutta, fixed step',
  c: [0, 1 / 2, 1 / 2, 1],
  a: [[], [1 / 2], [0, 1 / 2], [0, 0, 1]],
  b: [1 / 6, 1 / 3, 1 / 3, 1 / 6],
  order: 4,
  fsal: false,
  interpolation: { kind: 'hermite' },
});
