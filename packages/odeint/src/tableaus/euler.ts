import { defineTableau } from '../tableau';

/** Forward Euler: order 1, 1 stage, fixed step. */
export const euler = defineTableau({
  name: 'euler',
  description: 'Forward Euler, order 1, fixed step',
  c: [0],
  a: [[]],
  b: [1],
  order: 1,
  fsal: false,
  interpolation: { kind: 'hermite' },
});
