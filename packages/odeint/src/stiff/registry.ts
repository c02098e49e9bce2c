/**
 * The stiff methods by name (float64 states): what `solver({ method })` accepts beside the explicit tableaus, and
 * what the method table says about them.
 */
export const STIFF_METHOD_INFO = Object.freeze({
  rodas5: {
    family: 'rosenbrock',
    description: 'Rodas5P Rosenbrock 5(4), stiffly accurate, L-stable, own dense output; one Jacobian and LU per step',
    order: 5,
    embeddedOrder: 4,
    stages: 8,
    evaluationsPerStep: 9,
    stability: 'L-stable',
    costPerStep: '8 f + 1 f (∂f/∂t) + 1 Jacobian + 1 LU + 8 solves',
    interpolation: 'weights',
    interpolationOrder: 4,
  },
  kvaerno5: {
    family: 'esdirk',
    description: 'Kværnø ESDIRK 5(4), L-stable, stiffly accurate; simplified Newton reusing the Jacobian and LU',
    order: 5,
    embeddedOrder: 4,
    stages: 7,
    evaluationsPerStep: 13,
    stability: 'L-stable',
    costPerStep: '1 f + 6 implicit stages × Newton iterations (f + solve each); Jacobian and LU reused across steps',
    interpolation: 'weights',
    interpolationOrder: 4,
  },
  bdf: {
    family: 'bdf',
    description: 'variable-order (1–5) BDF/NDF with error control, as scipy BDF; Jacobian kept until Newton fails',
    order: 5,
    embeddedOrder: undefined,
    stages: 1,
    evaluationsPerStep: 2,
    stability: 'A(α)-stable (α from 90° at order 1–2 to 51° at order 5)',
    costPerStep: '1–4 Newton iterations (f + solve each); LU when h or the order changes; Jacobian when Newton fails',
    interpolation: 'backward-differences',
  },
  auto: {
    family: 'auto',
    description: 'tsit5 with a stiffness test, switching to rodas5 while the problem is stiff and back when it is not',
    order: 5,
    embeddedOrder: 4,
    stages: 7,
    evaluationsPerStep: 6,
    stability: 'tsit5 while non-stiff, rodas5 (L-stable) while stiff',
    costPerStep: 'tsit5: 6 f (FSAL); rodas5: 9 f + 1 Jacobian + 1 LU + 8 solves',
    interpolation: 'weights',
  },
} as const);

/** Name of a stiff method (`'rodas5'`, `'kvaerno5'`, …). */
export type StiffMethodName = keyof typeof STIFF_METHOD_INFO;

/** Every stiff method name. */
export const STIFF_METHODS = Object.freeze(Object.keys(STIFF_METHOD_INFO) as StiffMethodName[]) as readonly StiffMethodName[];

/**
 * Whether `method` names a stiff method (these take `jacobian` and run on float64 states only).
 * @param method - a method name as given in the options, e.g. `rodas5` or `dopri5`.
 */
export function isStiffMethod(method: string): method is StiffMethodName {
  return Object.prototype.hasOwnProperty.call(STIFF_METHOD_INFO, method);
}
