import { defineTableau } from '../tableau';

/** Kutta's 3/8 rule (torchdiffeq's `rk4`): order 4, 4 stages, fixed step. */
export const rk4 = defineTableau({
  name: 'rk4',
  description: "Kutta's 3/8-rule fourth-order method, fixed step",
  c: [0, 1 / 3, 2 / 3, 1],
  a: [[], [1 / 3], [-1 / 3, 1], [1, -1, 1]],
  b: [1 / 8, 3 / 8, 3 / 8, 1 / 8],
  order: 4,
  fsal: false,
  interpolation: { kind: 'hermite' },
});
