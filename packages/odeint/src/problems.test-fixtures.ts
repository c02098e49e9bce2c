// Problems with exact solutions shared by the tests (not a test file itself).

/** Matrix exponential by scaling and squaring of a Taylor series (float64; exact to ~1e-15 for small norms). */
export function expm(A: number[][]): number[][] {
  const n = A.length;
  const norm = Math.max(...A.map((r) => r.reduce((s, v) => s + Math.abs(v), 0)));
  const squarings = Math.max(0, Math.ceil(Math.log2(norm + 1e-300)) + 4);
  const scale = 2 ** -squarings;
  const mul = (X: number[][], Y: number[][]) => X.map((r) => Y[0].map((_, j) => r.reduce((s, v, k) => s + v * Y[k][j], 0)));
  const As = A.map((r) => r.map((v) => v * scale));
  let term: number[][] = A.map((_, i) => A.map((__, j) => (i === j ? 1 : 0)));
  let sum = term.map((r) => r.slice());
  for (let k = 1; k <= 20; k++) {
    term = mul(term, As).map((r) => r.map((v) => v / k));
    sum = sum.map((r, i) => r.map((v, j) => v + term[i][j]));
  }
  for (let s = 0; s < squarings; s++) sum = mul(sum, sum);
  return sum;
}

/** A seeded uniform RNG in [0, 1) (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A test problem: field, initial state and exact solution. */
export interface ExactProblem {
  name: string;
  f: (t: number, y: Float64Array) => number[];
  y0: number[];
  exact: (t: number) => number[];
}

const random = rng(7);
const A3 = [0, 1, 2].map(() => [0, 1, 2].map(() => random() * 2 - 1));
const expA3 = (t: number) => expm(A3.map((r) => r.map((v) => v * t)));
const y0A3 = [1, -0.5, 0.25];

/** Linear systems (matrix exponential) and scalar ODEs with closed forms. */
export const EXACT_PROBLEMS: ExactProblem[] = [
  {
    name: 'linear 3x3 (seeded random A, expm)',
    f: (_t, y) => A3.map((r) => r[0] * y[0] + r[1] * y[1] + r[2] * y[2]),
    y0: y0A3,
    exact: (t) => expA3(t).map((r) => r[0] * y0A3[0] + r[1] * y0A3[1] + r[2] * y0A3[2]),
  },
  {
    name: "y' = y cos t",
    f: (t, y) => [y[0] * Math.cos(t)],
    y0: [1],
    exact: (t) => [Math.exp(Math.sin(t))],
  },
  {
    name: "logistic y' = y (1 − y)",
    f: (_t, y) => [y[0] * (1 - y[0])],
    y0: [0.1],
    exact: (t) => [1 / (1 + 9 * Math.exp(-t))],
  },
];
