// The spiral experiment's data, exactly as the CLI's `neural-ode spiral` defines it: dz/dt = W z with
// W = [[-0.1, -1], [1, -0.1]], z0 = (0.6, 0.3), 200 observation times on [0, 3·6.29], noise N(0, 0.01²).

/** The spiral's observation times, noise-free states and noisy observations. */
export interface SpiralData {
  /** 200 equally spaced times on [0, 3·6.29]. */
  ts: Float64Array;
  /** The exact solution at `ts` (2 numbers per time, row-major [200, 2]). */
  truth: Float64Array;
  /** `truth` plus N(0, noise²) noise, row-major [200, 2]. */
  observed: Float64Array;
  /** The initial state z0. */
  z0: [number, number];
}

/** A seeded uniform [0, 1) generator (mulberry32): the page is reproducible for a given seed. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal draws from a uniform generator (Box–Muller). */
export function gaussian(uniform: () => number): () => number {
  return () => {
    const u = 1 - uniform();
    const v = uniform();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
}

/**
 * The spiral data. W = a·I + b·J with a = -0.1, b = 1 (J the 90° rotation), so the exact solution is
 * z(t) = e^{a t} R(b t) z0: no solver is involved in the ground truth.
 */
export function makeSpiralData(seed: number, points = 200, noise = 0.01): SpiralData {
  const z0: [number, number] = [0.6, 0.3];
  const tEnd = 3 * 6.29;
  const ts = new Float64Array(points);
  const truth = new Float64Array(points * 2);
  const observed = new Float64Array(points * 2);
  const normal = gaussian(mulberry32(seed));
  for (let i = 0; i < points; i++) {
    const t = (tEnd * i) / (points - 1);
    ts[i] = t;
    const decay = Math.exp(-0.1 * t);
    const c = Math.cos(t);
    const s = Math.sin(t);
    truth[2 * i] = decay * (c * z0[0] - s * z0[1]);
    truth[2 * i + 1] = decay * (s * z0[0] + c * z0[1]);
    observed[2 * i] = truth[2 * i] + noise * normal();
    observed[2 * i + 1] = truth[2 * i + 1] + noise * normal();
  }
  return { ts, truth, observed, z0 };
}
