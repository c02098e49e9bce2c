import { defineEsdirk } from './esdirk';

const gamma = 0.26;

/**
 * Kværnø's ESDIRK 5(4) (Kværnø 2004, *BIT* 44: "Singly diagonally implicit Runge–Kutta methods with an explicit
 * first stage"): 7 stages, the first explicit, the others implicit with the same diagonal `γ = 0.26`; L-stable and
 * stiffly accurate (the solution is the last stage, the order-4 estimate the sixth). Stage predictors as in
 * OrdinaryDiffEq.jl's `Kvaerno5` (Hermite extrapolation of the earlier stages).
 */
export const kvaerno5 = defineEsdirk({
  name: 'kvaerno5',
  description: 'Kværnø ESDIRK 5(4), L-stable, stiffly accurate; simplified Newton reusing the Jacobian and LU across stages and steps',
  order: 5,
  embeddedOrder: 4,
  gamma,
  c: [0, 2 * gamma, 1.230333209967908, 0.895765984350076, 0.436393609858648, 1, 1],
  a: [
    [],
    [gamma],
    [0.13, 0.84033320996790809],
    [0.22371961478320505, 0.47675532319799699, -0.06470895363112615],
    [0.16648564323248321, 0.1045001884159172, 0.03631482272098715, -0.13090704451073998],
    [0.13855640231268224, 0, -0.04245337201752043, 0.02446657898003141, 0.61943039072480676],
    [0.13659751177640291, 0, -0.05496908796538376, -0.04118626728321046, 0.62993304899016403, 0.06962479448202728],
  ],
  embeddedStage: 5,
  predictors: [
    [],
    [1],
    [-1.366025403784441, 2.3660254037844357],
    [-0.19650552613122207, 0.8113579546496623, 0.38514757148155954],
    [0.10375304369958693, 0.937994698066431, -0.04174774176601781],
    [-0.17281112873898072, 0.6235784481025847, 0.5492326806363959],
    [0, 0, 0, 0, 0, 1],
  ],
});
