import { defineTableau } from '../tableau';

/** Heun's method (explicit trapezoidal rule): order 2, 2 stages, fixed step. */
export const heun2 = defineTableau({
  name: 'heun2',
  description: "Heun's method (explicit trapezoid), order 2, fixed step",
  c: [0, 1],
  a: [[], [1]],
  b: [1 / 2, 1 / 2],
  order: 2,
  fsal: false,
  interpolation: { kind: 'hermite' },
});
