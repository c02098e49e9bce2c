// Float64 reference implementations the kernel tests compare against (plain loops, no tfjs).
// Not exported from the package.

/** A seeded generator of normal variates (mulberry32 + Box–Muller), so every test run sees the same data. */
export function seededNormal(seed: number): () => number {
  let a = seed >>> 0;
  const uniform = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(uniform() + 1e-12)) * Math.cos(2 * Math.PI * uniform());
}

/** `n` seeded normal values as float32 (what the tensors hold) read back as float64. */
export function randomValues(n: number, seed: number, scale = 1): Float64Array {
  const next = seededNormal(seed);
  const out = new Float64Array(n);
  for (let i = 0; i < n; ++i) out[i] = Math.fround(next() * scale);
  return out;
}

/** max|a − b| / max|b|: the relative error the tests bound (elementwise ratios blow up near zero). */
export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) throw new Error(`length ${actual.length} != ${expected.length}`);
  let diff = 0, scale = 0;
  for (let i = 0; i < expected.length; ++i) {
    if (!Number.isFinite(actual[i]!)) return Infinity;
    diff = Math.max(diff, Math.abs(actual[i]! - expected[i]!));
    scale = Math.max(scale, Math.abs(expected[i]!));
  }
  return scale === 0 ? diff : diff / scale;
}

/** Geometry of a 2-D convolution, NHWC input and HWIO filter. */
export interface ConvCase {
  n: number; h: number; w: number; c: number; kh: number; kw: number; k: number;
  sh: number; sw: number; dh: number; dw: number;
  pt: number; pb: number; pl: number; pr: number;
}

/** Output height and width of a convolution case (floor rounding, as tfjs). */
export function convOut(g: ConvCase): [number, number] {
  const oh = Math.floor((g.h + g.pt + g.pb - ((g.kh - 1) * g.dh + 1)) / g.sh) + 1;
  const ow = Math.floor((g.w + g.pl + g.pr - ((g.kw - 1) * g.dw + 1)) / g.sw) + 1;
  return [oh, ow];
}

/** TensorFlow's 'same' padding: output ceil(in/stride), the extra row/column at the bottom/right. */
export function samePadding(size: number, k: number, stride: number, dilation: number): [number, number] {
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + (k - 1) * dilation + 1 - size, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

type Visit = (xi: number, wi: number, yi: number) => void;

function eachTap(g: ConvCase, visit: Visit) {
  const [oh, ow] = convOut(g);
  for (let n = 0; n < g.n; ++n)
    for (let oy = 0; oy < oh; ++oy)
      for (let ox = 0; ox < ow; ++ox)
        for (let ky = 0; ky < g.kh; ++ky) {
          const iy = oy * g.sh - g.pt + ky * g.dh;
          if (iy < 0 || iy >= g.h) continue;
          for (let kx = 0; kx < g.kw; ++kx) {
            const ix = ox * g.sw - g.pl + kx * g.dw;
            if (ix < 0 || ix >= g.w) continue;
            for (let c = 0; c < g.c; ++c) {
              const xi = ((n * g.h + iy) * g.w + ix) * g.c + c;
              const wBase = ((ky * g.kw + kx) * g.c + c) * g.k;
              const yBase = ((n * oh + oy) * ow + ox) * g.k;
              for (let k = 0; k < g.k; ++k) visit(xi, wBase + k, yBase + k);
            }
          }
        }
}

/** y = conv(x, w) in float64. */
export function convForward(g: ConvCase, x: Float64Array, w: Float64Array): Float64Array {
  const [oh, ow] = convOut(g);
  const y = new Float64Array(g.n * oh * ow * g.k);
  eachTap(g, (xi, wi, yi) => (y[yi] += x[xi]! * w[wi]!));
  return y;
}

/** dx and dw of Σ dy ⊙ conv(x, w) in float64. */
export function convBackward(g: ConvCase, x: Float64Array, w: Float64Array, dy: Float64Array): { dx: Float64Array; dw: Float64Array } {
  const dx = new Float64Array(x.length), dw = new Float64Array(w.length);
  eachTap(g, (xi, wi, yi) => {
    dx[xi] += dy[yi]! * w[wi]!;
    dw[wi] += dy[yi]! * x[xi]!;
  });
  return { dx, dw };
}

/** GroupNorm(+ReLU) of channels-last x[n, s, c] in float64, with its per-(n, group) mean and 1/std. */
export function groupNormForward(
  x: Float64Array, gamma: Float64Array, beta: Float64Array, n: number, s: number, c: number,
  groups: number, eps: number, relu: boolean,
): { y: Float64Array; mean: Float64Array; rstd: Float64Array } {
  const cg = c / groups;
  const y = new Float64Array(x.length), mean = new Float64Array(n * groups), rstd = new Float64Array(n * groups);
  for (let i = 0; i < n; ++i)
    for (let g = 0; g < groups; ++g) {
      let sum = 0;
      for (let p = 0; p < s; ++p) for (let j = 0; j < cg; ++j) sum += x[(i * s + p) * c + g * cg + j]!;
      const m = sum / (s * cg);
      let sq = 0;
      for (let p = 0; p < s; ++p) for (let j = 0; j < cg; ++j) sq += (x[(i * s + p) * c + g * cg + j]! - m) ** 2;
      const r = 1 / Math.sqrt(sq / (s * cg) + eps);
      mean[i * groups + g] = m;
      rstd[i * groups + g] = r;
      for (let p = 0; p < s; ++p)
        for (let j = 0; j < cg; ++j) {
          const idx = (i * s + p) * c + g * cg + j;
          const v = (x[idx]! - m) * r * gamma[g * cg + j]! + beta[g * cg + j]!;
          y[idx] = relu ? Math.max(v, 0) : v;
        }
    }
  return { y, mean, rstd };
}

/** Gradient of Σ r ⊙ f(v) with respect to every element of v, by float64 central differences. */
export function numericGradient(f: (v: Float64Array) => Float64Array, v: Float64Array, r: Float64Array, h = 1e-6): Float64Array {
  const grad = new Float64Array(v.length);
  const dot = (a: Float64Array) => a.reduce((acc, ai, i) => acc + ai * r[i]!, 0);
  for (let i = 0; i < v.length; ++i) {
    const keep = v[i]!;
    v[i] = keep + h;
    const up = dot(f(v));
    v[i] = keep - h;
    const down = dot(f(v));
    v[i] = keep;
    grad[i] = (up - down) / (2 * h);
  }
  return grad;
}

/** Number of elements of a shape. */
export function sizeOf(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Row-major coordinates of flat index `i` in `shape`. */
export function coordsOf(i: number, shape: number[]): number[] {
  const c = new Array<number>(shape.length);
  for (let k = shape.length - 1; k >= 0; --k) {
    c[k] = i % shape[k]!;
    i = Math.floor(i / shape[k]!);
  }
  return c;
}

/** Flat row-major index of coordinates `c` in `shape`. */
export function flatOf(c: number[], shape: number[]): number {
  let i = 0;
  for (let k = 0; k < shape.length; ++k) i = i * shape[k]! + c[k]!;
  return i;
}
