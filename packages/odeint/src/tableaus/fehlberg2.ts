import { defineTableau } from '../tableau';

/**
 * Runge–Kutta–Fehlberg 1(2) with local extrapolation (as torchdiffeq's `fehlberg2`): the order-2
 * solution is propagated, the order-1 one estimates the error; 3 stages, not FSAL. Dense output: Hermite.
 */
export const fehlberg2 = defineTableau({
  name: 'fehlberg2',
  description: 'Runge–Kutta–Fehlberg 2(1) pair, adaptive',
  c: [0, 1 / 2, 1],
  a: [[], [1 / 2], [1 / 256, 255 / 256]],
  b: [1 / 512, 255 / 256, 1 / 512],
  bErr: [1 / 512 - 1 / 256, 0, 1 / 512],
  order: 2,
  embeddedOrder: 1,
  fsal: false,
  interpolation: { kind: 'hermite' },
});
