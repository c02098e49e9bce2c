import { defineTableau } from '../tableau';

/**
 * Dormand–Prince 5(4) (the default): order 5 with an embedded order-4 estimate; 7 stages, FSAL
 * (6 evaluations per step). Dense output: 4th-order quartic through Shampine's midpoint value.
 */
export const dopri5 = defineTableau({
  name: 'dopri5',
  description: 'Dormand–Prince 5(4) pair, adaptive, FSAL, 4th-order dense output (default)',
  c: [0, 1 / 5, 3 / 10, 4 / 5, 8 / 9, 1, 1],
  a: [
    [],
    [1 / 5],
    [3 / 40, 9 / 40],
    [44 / 45, -56 / 15, 32 / 9],
    [19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729],
    [9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656],
    [35 / 384, 0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84],
  ],
  b: [35 / 384, 0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84, 0],
  bErr: [
    35 / 384 - 5179 / 57600,
    0,
    500 / 1113 - 7571 / 16695,
    125 / 192 - 393 / 640,
    -2187 / 6784 + 92097 / 339200,
    11 / 84 - 187 / 2100,
    -1 / 40,
  ],
  order: 5,
  embeddedOrder: 4,
  fsal: true,
  interpolation: {
    kind: 'quartic',
    bMid: [
      6025192743 / 30085553152 / 2,
      0,
      51252292925 / 65400821598 / 2,
      -2691868925 / 45128329728 / 2,
      187940372067 / 1594534317056 / 2,
      -1776094331 / 19743644256 / 2,
      11237099 / 235043384 / 2,
    ],
  },
});
