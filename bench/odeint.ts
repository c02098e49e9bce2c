// pnpm bench:odeint [--quick] [--skip wp,hairer,memory,overhead,grad,calls]
//
// 1. Work–precision on 13 standard non-stiff problems (float64 path): NFE, steps, wall time, error at the final
//    time and µs per function evaluation for bosh3, dopri5, tsit5, dopri8 at rtol = atol = 1e-3, 1e-6, 1e-9.
// 2. dopri5's NFE against a straight transcription of Hairer's DOPRI5 step-size logic (same problems, tolerances).
// 3. Gradient modes: peak tf.memory().numBytes and wall time of a solve + its gradient for a small conv vector field
//    in each gradient mode (tape, checkpoint with replay 'auto', 'step' and 'segment', backsolve) at 10, 50 and 200 rk4 steps.
// 4. Tensor-path overhead of dopri5: the solver's own kernels and host reads per step (f's kernels excluded).
// 5. Tape-gradient cost of a conv vector field (64 channels 7×7, batch 32; rk4 4 steps, dopri5): wall time of
//    value + gradient and the time and count of the solver's stage-combination kernels in the backward pass.
// 6. Fixed cost of small float64 solves: µs per odeint call for a 2-D linear system over 2 output times.
// Timings are wall-clock on a shared machine: repeat runs to judge the noise.
import * as tf from '@tensorflow/tfjs-core';
import { peakBytesOf } from '../packages/odeint/src/peak-bytes.test-fixtures';
import { initBackend } from '@neural-ode/backend';
import { odeint, solver, type GradientInput, type MethodName, type OdeintTensorSolution } from '@neural-ode/odeint';

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const skipArg = argv.indexOf('--skip');
const skip = new Set(skipArg >= 0 ? (argv[skipArg + 1] ?? '').split(',') : []);

type F = (t: number, y: Float64Array) => Float64Array;
interface Problem {
  name: string;
  f: F;
  y0: number[];
  T: number;
  exact?: (t: number) => number[];
}

// ---------------------------------------------------------------------------------------------------------------
// The test set (Hairer–Nørsett–Wanner and DETEST classics).
const pleiadesMass = [1, 2, 3, 4, 5, 6, 7];
const kepler = (e: number) => (t: number) => {
  // Solve Kepler's equation E − e sin E = t by Newton's method; orbit with period 2π, semi-major axis 1.
  let E = t;
  for (let i = 0; i < 50; i++) E -= (E - e * Math.sin(E) - t) / (1 - e * Math.cos(E));
  const r = 1 - e * Math.cos(E);
  const b = Math.sqrt(1 - e * e);
  return [Math.cos(E) - e, b * Math.sin(E), -Math.sin(E) / r, (b * Math.cos(E)) / r];
};
const PROBLEMS: Problem[] = [
  { name: 'decay (A1)', f: (_t, y) => Float64Array.of(-y[0]), y0: [1], T: 20, exact: (t) => [Math.exp(-t)] },
  {
    name: 'logistic (A3-like)',
    f: (_t, y) => Float64Array.of((y[0] / 4) * (1 - y[0] / 20)),
    y0: [1],
    T: 20,
    exact: (t) => [20 / (1 + 19 * Math.exp(-t / 4))],
  },
  {
    name: 'harmonic oscillator',
    f: (_t, y) => Float64Array.of(y[1], -y[0]),
    y0: [1, 0],
    T: 20,
    exact: (t) => [Math.cos(t), -Math.sin(t)],
  },
  { name: 'pendulum', f: (_t, y) => Float64Array.of(y[1], -Math.sin(y[0])), y0: [2, 0], T: 20 },
  {
    name: 'Lotka–Volterra',
    f: (_t, y) => Float64Array.of(1.5 * y[0] - y[0] * y[1], -3 * y[1] + y[0] * y[1]),
    y0: [1, 1],
    T: 20,
  },
  { name: 'Van der Pol μ=1', f: (_t, y) => Float64Array.of(y[1], (1 - y[0] * y[0]) * y[1] - y[0]), y0: [2, 0], T: 20 },
  {
    name: 'Brusselator',
    f: (_t, y) => Float64Array.of(1 + y[0] * y[0] * y[1] - 4 * y[0], 3 * y[0] - y[0] * y[0] * y[1]),
    y0: [1.5, 3],
    T: 20,
  },
  {
    name: 'Euler rigid body (B5)',
    f: (_t, y) => Float64Array.of(y[1] * y[2], -y[0] * y[2], -0.51 * y[0] * y[1]),
    y0: [0, 1, 1],
    T: 20,
  },
  {
    name: 'FitzHugh–Nagumo',
    f: (_t, y) => Float64Array.of(3 * (y[0] - y[0] ** 3 / 3 + y[1]), -(y[0] - 0.7 + 0.8 * y[1]) / 3),
    y0: [-1, 1],
    T: 20,
  },
  {
    name: 'Lorenz (T=2)',
    f: (_t, y) => Float64Array.of(10 * (y[1] - y[0]), y[0] * (28 - y[2]) - y[1], y[0] * y[1] - (8 / 3) * y[2]),
    y0: [1, 1, 1],
    T: 2,
  },
  {
    name: 'Kepler e=0.5 (D3)',
    f: (_t, y) => {
      const r3 = (y[0] * y[0] + y[1] * y[1]) ** 1.5;
      return Float64Array.of(y[2], y[3], -y[0] / r3, -y[1] / r3);
    },
    y0: [0.5, 0, 0, Math.sqrt(3)],
    T: 20,
    exact: kepler(0.5),
  },
  {
    name: 'Arenstorf orbit',
    f: (_t, y) => {
      const mu = 0.012277471;
      const mp = 1 - mu;
      const d1 = ((y[0] + mu) ** 2 + y[1] ** 2) ** 1.5;
      const d2 = ((y[0] - mp) ** 2 + y[1] ** 2) ** 1.5;
      return Float64Array.of(
        y[2],
        y[3],
        y[0] + 2 * y[3] - (mp * (y[0] + mu)) / d1 - (mu * (y[0] - mp)) / d2,
        y[1] - 2 * y[2] - (mp * y[1]) / d1 - (mu * y[1]) / d2,
      );
    },
    y0: [0.994, 0, 0, -2.00158510637908252240537862224],
    T: 17.0652165601579625588917206249,
  },
  {
    name: 'Pleiades (28 dims)',
    f: (_t, y) => {
      const out = new Float64Array(28);
      for (let i = 0; i < 7; i++) {
        out[i] = y[14 + i];
        out[7 + i] = y[21 + i];
      }
      for (let i = 0; i < 7; i++) {
        let ax = 0;
        let ay = 0;
        for (let j = 0; j < 7; j++) {
          if (j === i) continue;
          const dx = y[j] - y[i];
          const dy = y[7 + j] - y[7 + i];
          const r3 = (dx * dx + dy * dy) ** 1.5;
          ax += (pleiadesMass[j] * dx) / r3;
          ay += (pleiadesMass[j] * dy) / r3;
        }
        out[14 + i] = ax;
        out[21 + i] = ay;
      }
      return out;
    },
    y0: [3, 3, -1, -3, 2, -2, 2, 3, -3, 2, 0, 0, -4, 4, 0, 0, 0, 0, 0, 1.75, -1.5, 0, 0, 0, -1.25, 1, 0, 0],
    T: 3,
  },
];

const METHODS_WP: MethodName[] = ['bosh3', 'dopri5', 'tsit5', 'dopri8'];
const TOLS = [1e-3, 1e-6, 1e-9];

function pad(s: string | number, n: number, right = false): string {
  const str = String(s);
  return right ? str.padEnd(n) : str.padStart(n);
}
function table(header: string[], rows: (string | number)[][], widths: number[]): void {
  console.log(header.map((h, i) => pad(h, widths[i], i === 0)).join('  '));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(r.map((c, i) => pad(c, widths[i], i === 0)).join('  '));
  console.log();
}
const fmt = (v: number, d = 2) => (Number.isFinite(v) ? v.toExponential(d) : String(v));
const maxAbsErr = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])));
  return m;
};

/**
 * Times `fn`: a warm-up, then 5 rounds that each run it for at least `minMs / 5`; returns the fastest round's
 * wall-clock and CPU ms per run (the machine is shared: the minimum is the least disturbed estimate, and CPU time
 * excludes the time spent waiting for a core) and the last result.
 */
function timeIt<T>(fn: () => T, minMs = quick ? 10 : 50): { ms: number; cpuMs: number; result: T } {
  let result = fn();
  for (let i = 0; i < 3; i++) result = fn();
  let best = Infinity;
  let bestCpu = Infinity;
  for (let round = 0; round < 5; round++) {
    let runs = 0;
    const start = performance.now();
    const cpu0 = process.cpuUsage();
    do {
      result = fn();
      runs++;
    } while (performance.now() - start < minMs / 5);
    const cpu = process.cpuUsage(cpu0);
    best = Math.min(best, (performance.now() - start) / runs);
    bestCpu = Math.min(bestCpu, (cpu.user + cpu.system) / 1000 / runs);
  }
  return { ms: best, cpuMs: bestCpu, result };
}

function reference(p: Problem): number[] {
  if (p.exact) return p.exact(p.T);
  const sol = odeint(p.f, p.y0, [0, p.T], { method: 'dopri8', rtol: 1e-14, atol: 1e-14, maxSteps: 1e7 });
  return Array.from(sol.ys[1]);
}

function workPrecision(): void {
  console.log('## Work–precision (float64 path; error = max over components of |y − y_ref| / max(1, |y_ref|) at T)\n');
  const refs = PROBLEMS.map(reference);
  // Cost of f alone (at y0), to separate the solver's own overhead per evaluation from the problem's.
  const fUs = PROBLEMS.map((p) => {
    const y = Float64Array.from(p.y0);
    const { cpuMs } = timeIt(() => {
      for (let i = 0; i < 1000; i++) p.f(0, y);
    });
    return cpuMs;
  });
  const summary = new Map<string, { nfe: number; ms: number; cpuMs: number; logErr: number; n: number; fMs: number }>();
  const rows: (string | number)[][] = [];
  for (const [pi, p] of PROBLEMS.entries()) {
    for (const tol of TOLS) {
      for (const method of METHODS_WP) {
        const { ms, cpuMs, result } = timeIt(() => odeint(p.f, p.y0, [0, p.T], { method, rtol: tol, atol: tol, maxSteps: 1e7 }));
        const err = maxAbsErr(result.ys[1], refs[pi]);
        const s = result.stats;
        const perEval = (ms * 1000) / s.nfe;
        const cpuPerEval = (cpuMs * 1000) / s.nfe;
        rows.push([p.name, fmt(tol, 0), method, s.nfe, `${s.nAccepted}/${s.nRejected}`, ms.toFixed(3), fmt(err), perEval.toFixed(2), cpuPerEval.toFixed(2), (cpuPerEval - fUs[pi]).toFixed(2)]);
        const key = `${method} ${fmt(tol, 0)}`;
        const acc = summary.get(key) ?? { nfe: 0, ms: 0, cpuMs: 0, logErr: 0, n: 0, fMs: 0 };
        acc.nfe += s.nfe;
        acc.ms += ms;
        acc.cpuMs += cpuMs;
        acc.fMs += (s.nfe * fUs[pi]) / 1000;
        acc.logErr += Math.log10(Math.max(err, 1e-17));
        acc.n++;
        summary.set(key, acc);
      }
    }
  }
  console.log('ms = wall time per solve; µs/eval = wall time / NFE; cpu µs/eval = process CPU time / NFE;');
  console.log('overhead = cpu µs/eval minus the CPU cost of f alone (the solver\'s own work per evaluation)\n');
  table(['problem', 'tol', 'method', 'NFE', 'acc/rej', 'ms', 'error', 'µs/eval', 'cpu µs/eval', 'overhead'], rows, [22, 5, 7, 7, 11, 9, 9, 8, 11, 8]);
  table(['problem', 'dim', 'f alone cpu µs'], PROBLEMS.map((p, i) => [p.name, p.y0.length, fUs[i].toFixed(3)]), [22, 4, 14]);
  console.log(`### Totals over the ${PROBLEMS.length} problems\n`);
  table(
    ['method', 'tol', 'total NFE', 'total ms', 'geo-mean error', 'µs/eval', 'cpu µs/eval', 'overhead µs/eval'],
    [...summary].map(([k, v]) => {
      const [m, tol] = k.split(' ');
      return [m, tol, v.nfe, v.ms.toFixed(2), fmt(10 ** (v.logErr / v.n)), ((v.ms * 1000) / v.nfe).toFixed(2), ((v.cpuMs * 1000) / v.nfe).toFixed(2), (((v.cpuMs - v.fMs) * 1000) / v.nfe).toFixed(2)];
    }),
    [7, 5, 10, 9, 14, 8, 11, 16],
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Hairer's DOPRI5 step-size logic, transcribed from the Fortran (hinit, error norm, controller with Lund
// stabilisation β, no growth right after a rejection, the 1.01·h rule for the last step), for NFE comparison.
function hairerDopri5(f: F, y0: number[], T: number, tol: number, beta: number): number {
  const n = y0.length;
  const c2 = 1 / 5, c3 = 3 / 10, c4 = 4 / 5, c5 = 8 / 9;
  const a21 = 1 / 5, a31 = 3 / 40, a32 = 9 / 40, a41 = 44 / 45, a42 = -56 / 15, a43 = 32 / 9;
  const a51 = 19372 / 6561, a52 = -25360 / 2187, a53 = 64448 / 6561, a54 = -212 / 729;
  const a61 = 9017 / 3168, a62 = -355 / 33, a63 = 46732 / 5247, a64 = 49 / 176, a65 = -5103 / 18656;
  const a71 = 35 / 384, a73 = 500 / 1113, a74 = 125 / 192, a75 = -2187 / 6784, a76 = 11 / 84;
  const e1 = 71 / 57600, e3 = -71 / 16695, e4 = 71 / 1920, e5 = -17253 / 339200, e6 = 22 / 525, e7 = -1 / 40;
  const safe = 0.9, facc1 = 1 / 0.2, facc2 = 1 / 10, expo1 = 0.2 - beta * 0.75;
  let nfe = 0;
  const call = (t: number, y: Float64Array) => {
    nfe++;
    return f(t, y);
  };
  let y = Float64Array.from(y0);
  let x = 0;
  let k1 = call(x, y);
  // hinit
  const sk = (i: number, yy: Float64Array) => tol + tol * Math.abs(yy[i]);
  let dnf = 0, dny = 0;
  for (let i = 0; i < n; i++) {
    dnf += (k1[i] / sk(i, y)) ** 2;
    dny += (y[i] / sk(i, y)) ** 2;
  }
  let h = dnf <= 1e-10 || dny <= 1e-10 ? 1e-6 : Math.sqrt(dny / dnf) * 0.01;
  h = Math.min(h, T);
  const y1 = y.map((v, i) => v + h * k1[i]);
  const f1 = call(x + h, y1);
  let der2 = 0;
  for (let i = 0; i < n; i++) der2 += ((f1[i] - k1[i]) / sk(i, y)) ** 2;
  der2 = Math.sqrt(der2) / h;
  const der12 = Math.max(Math.abs(der2), Math.sqrt(dnf));
  const h1 = der12 <= 1e-15 ? Math.max(1e-6, Math.abs(h) * 1e-3) : (0.01 / der12) ** (1 / 5);
  h = Math.min(100 * Math.abs(h), h1, T);
  let facold = 1e-4;
  let reject = false;
  const tmp = new Float64Array(n);
  for (let nstep = 0; nstep < 1e7; nstep++) {
    if (x + 1.01 * h - T > 0) h = T - x;
    for (let i = 0; i < n; i++) tmp[i] = y[i] + h * a21 * k1[i];
    const k2 = call(x + c2 * h, tmp);
    for (let i = 0; i < n; i++) tmp[i] = y[i] + h * (a31 * k1[i] + a32 * k2[i]);
    const k3 = call(x + c3 * h, tmp);
    for (let i = 0; i < n; i++) tmp[i] = y[i] + h * (a41 * k1[i] + a42 * k2[i] + a43 * k3[i]);
    const k4 = call(x + c4 * h, tmp);
    for (let i = 0; i < n; i++) tmp[i] = y[i] + h * (a51 * k1[i] + a52 * k2[i] + a53 * k3[i] + a54 * k4[i]);
    const k5 = call(x + c5 * h, tmp);
    for (let i = 0; i < n; i++) tmp[i] = y[i] + h * (a61 * k1[i] + a62 * k2[i] + a63 * k3[i] + a64 * k4[i] + a65 * k5[i]);
    const k6 = call(x + h, tmp);
    const ynew = new Float64Array(n);
    for (let i = 0; i < n; i++) ynew[i] = y[i] + h * (a71 * k1[i] + a73 * k3[i] + a74 * k4[i] + a75 * k5[i] + a76 * k6[i]);
    const k7 = call(x + h, ynew);
    let err = 0;
    for (let i = 0; i < n; i++) {
      const s = tol + tol * Math.max(Math.abs(y[i]), Math.abs(ynew[i]));
      const e = h * (e1 * k1[i] + e3 * k3[i] + e4 * k4[i] + e5 * k5[i] + e6 * k6[i] + e7 * k7[i]);
      err += (e / s) ** 2;
    }
    err = Math.sqrt(err / n);
    const fac11 = err ** expo1;
    let fac = fac11 / facold ** beta;
    fac = Math.max(facc2, Math.min(facc1, fac / safe));
    let hnew = h / fac;
    if (err <= 1) {
      facold = Math.max(err, 1e-4);
      k1 = k7;
      y = ynew;
      x += h;
      if (x >= T) return nfe;
      if (reject) hnew = Math.min(Math.abs(hnew), Math.abs(h));
      reject = false;
    } else {
      hnew = h / Math.min(facc1, fac11 / safe);
      reject = true;
    }
    h = hnew;
  }
  return nfe;
}

function hairerComparison(): void {
  console.log("## dopri5 NFE: this package vs Hairer's DOPRI5 controller (same tolerances)\n");
  const rows: (string | number)[][] = [];
  const totals = [0, 0, 0, 0];
  for (const p of PROBLEMS) {
    for (const tol of TOLS) {
      const mineI = odeint(p.f, p.y0, [0, p.T], { rtol: tol, atol: tol, maxSteps: 1e7 }).stats.nfe;
      const minePI = odeint(p.f, p.y0, [0, p.T], { rtol: tol, atol: tol, maxSteps: 1e7, controller: 'PID' }).stats.nfe;
      const h0 = hairerDopri5(p.f, p.y0, p.T, tol, 0);
      const h4 = hairerDopri5(p.f, p.y0, p.T, tol, 0.04);
      totals[0] += mineI;
      totals[1] += h0;
      totals[2] += minePI;
      totals[3] += h4;
      rows.push([p.name, fmt(tol, 0), mineI, h0, (mineI / h0).toFixed(3), minePI, h4, (minePI / h4).toFixed(3)]);
    }
  }
  rows.push(['TOTAL', '', totals[0], totals[1], (totals[0] / totals[1]).toFixed(3), totals[2], totals[3], (totals[2] / totals[3]).toFixed(3)]);
  table(['problem', 'tol', 'I (ours)', 'Hairer β=0', 'ratio', 'PID (ours)', 'Hairer β=.04', 'ratio'], rows, [22, 5, 8, 10, 6, 10, 12, 6]);
}

// ---------------------------------------------------------------------------------------------------------------
function convField(channels: number) {
  const seed = (n: number) => Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898) * 0.1);
  const W1 = tf.variable(tf.tensor4d(seed(9 * channels * channels), [3, 3, channels, channels]), true, 'bench_w1');
  const W2 = tf.variable(tf.tensor4d(seed(9 * channels * channels).reverse(), [3, 3, channels, channels]), true, 'bench_w2');
  const f = (_t: tf.Scalar, y: tf.Tensor) =>
    tf.conv2d(tf.tanh(tf.conv2d(y as tf.Tensor4D, W1, 1, 'same')), W2, 1, 'same') as tf.Tensor;
  return { f, params: [W1, W2], dispose: () => [W1, W2].forEach((v) => v.dispose()) };
}

async function gradientModes(): Promise<void> {
  console.log('## Gradient modes: peak bytes above the baseline and wall time of d(sum ys²)/dθ (conv field, [4,8,8,8] state, rk4)\n');
  console.log('peak: tf.memory().numBytes sampled after every kernel (one run); ms: best of two more runs, unhooked; recomputed: steps the');
  console.log('backward pass recomputes (checkpoint) or takes (backsolve); rec. err: the backsolve reconstruction check; ×tape: ratio to\nthe tape at the same number of steps.\n');
  const { f, params, dispose } = convField(8);
  const y0 = tf.randomNormal([4, 8, 8, 8], 0, 1, 'float32', 1);
  const modes: [string, GradientInput][] = [
    ['tape', 'tape'],
    ['checkpoint (auto)', 'checkpoint'],
    ['checkpoint step', { mode: 'checkpoint', replay: 'step' }],
    ['checkpoint segment', { mode: 'checkpoint', replay: 'segment' }],
    ['backsolve', 'backsolve'],
  ];
  const rows: (string | number)[][] = [];
  for (const steps of quick ? [10, 50] : [10, 50, 200]) {
    let tapePeak = 0;
    let tapeMs = 0;
    for (const [label, gradient] of modes) {
      const s = solver({ method: 'rk4', stepSize: 1 / steps, gradient });
      let solution: OdeintTensorSolution | null = null;
      const run = () =>
        tf.tidy(() => {
          tf.variableGrads(() => {
            solution = odeint(f, y0, [0, 1], s, { params });
            return tf.sum(tf.square(solution.ys)) as tf.Scalar;
          }, params);
        });
      const peak = peakBytesOf(run);
      let ms = Number.POSITIVE_INFINITY;
      for (let r = 0; r < 2; r++) {
        const t0 = performance.now();
        run();
        ms = Math.min(ms, performance.now() - t0);
      }
      if (label === 'tape') {
        tapePeak = peak;
        tapeMs = ms;
      }
      const st = (solution as OdeintTensorSolution | null)?.gradientStats ?? null;
      const detail = st?.mode === 'checkpoint' ? `${st.checkpoints} ckpt, stride ${st.stride}` : st?.mode === 'backsolve' ? `rec. err ${st.reconstructionError.toExponential(1)}` : '';
      const recomputed = st?.mode === 'checkpoint' ? st.recomputedSteps : st?.mode === 'backsolve' ? st.nAccepted : 0;
      rows.push([steps, label, `${(peak / 1024).toFixed(0)} KiB`, (peak / tapePeak).toFixed(2), ms.toFixed(0), (ms / tapeMs).toFixed(2), recomputed, detail]);
    }
  }
  table(['steps', 'mode', 'peak', '×tape', 'ms', '×tape', 'recomputed', 'schedule'], rows, [5, 18, 10, 6, 7, 6, 10, 22]);
  y0.dispose();
  dispose();
}

async function tensorOverhead(): Promise<void> {
  console.log('## Tensor-path overhead per dopri5 step (cpu backend; kernels of f excluded)\n');
  const backend = tf.backend() as unknown as { readSync: (...a: unknown[]) => unknown };
  const origRead = backend.readSync;
  let reads = 0;
  backend.readSync = function (this: unknown, ...a: unknown[]) {
    reads++;
    return origRead.apply(this, a);
  };
  const rows: (string | number)[][] = [];
  for (const [label, shape] of [
    ['[2] (spiral-sized)', [2]],
    ['[64, 4, 8, 8] (conv-sized)', [64, 4, 8, 8]],
  ] as const) {
    const A = tf.randomNormal([shape[shape.length - 1], shape[shape.length - 1]], 0, 0.3, 'float32', 3);
    const f = (_t: tf.Scalar, y: tf.Tensor) => tf.tanh(tf.matMul(tf.reshape(y, [-1, A.shape[0]]), A)).reshape(y.shape);
    const y0 = tf.randomNormal([...shape], 0, 1, 'float32', 2);
    const probe = await tf.profile(() => tf.tidy(() => f(tf.scalar(0), y0)));
    const perEval = probe.kernels.length;
    for (const grad of [false, true]) {
      let stats = { nfe: 0, nSteps: 0 };
      const run = () =>
        tf.tidy(() => {
          if (!grad) {
            const sol = odeint(f, y0, [0, 4], { rtol: 1e-6, atol: 1e-7 });
            stats = sol.stats;
            return sol.ys;
          }
          return tf.grad((y: tf.Tensor) => {
            const sol = odeint(f, y, [0, 4], { rtol: 1e-6, atol: 1e-7 });
            stats = sol.stats;
            return tf.sum(sol.ys);
          })(y0);
        });
      tf.dispose(run()); // warm-up
      const t0 = performance.now();
      tf.dispose(run());
      const ms = performance.now() - t0;
      reads = 0;
      const info = await tf.profile(run);
      tf.dispose(info.result as tf.Tensor);
      // Includes the two zero-copy reshapes per evaluation in the solver's wrapper of f.
      const own = info.kernels.length - stats.nfe * perEval;
      rows.push([label, grad ? 'solve + tape grad' : 'solve', stats.nSteps, stats.nfe, (own / stats.nSteps).toFixed(1), (reads / stats.nSteps).toFixed(2), ((ms * 1000) / stats.nSteps).toFixed(0)]);
    }
    tf.dispose([A, y0]);
  }
  backend.readSync = origRead;
  table(['state', 'run', 'steps', 'NFE', 'solver kernels/step', 'host reads/step', 'µs/step'], rows, [26, 17, 5, 5, 19, 15, 8]);
  console.log('(host reads: one scalar per attempted step, plus 3 for the initial step estimate; µs/step timed without the profiler)\n');
}

async function tapeGradient(): Promise<void> {
  console.log('## Tape gradient of a conv field (cpu backend): f(y) = conv(tanh(conv(y))), 64 channels, state [32, 7, 7, 64]\n');
  const C = 64;
  const scale = 1 / Math.sqrt(9 * C);
  const seed = (n: number, k: number) => Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898 + k) * scale);
  const W1 = tf.variable(tf.tensor4d(seed(9 * C * C, 0), [3, 3, C, C]), true, 'bench_grad_w1');
  const W2 = tf.variable(tf.tensor4d(seed(9 * C * C, 1), [3, 3, C, C]), true, 'bench_grad_w2');
  const params = [W1, W2];
  const f = (_t: tf.Scalar, y: tf.Tensor) => tf.conv2d(tf.tanh(tf.conv2d(y as tf.Tensor4D, W1, 1, 'same')), W2, 1, 'same') as tf.Tensor;
  const y0 = tf.randomNormal([32, 7, 7, C], 0, 1, 'float32', 4);
  const rows: (string | number)[][] = [];
  const cases = [
    ['rk4, 4 steps', { method: 'rk4' as const, stepSize: 0.25 }],
    ['dopri5, rtol 1e-3', { method: 'dopri5' as const, rtol: 1e-3, atol: 1e-4 }],
  ] as const;
  // Kernels of the stage combinations and their gradients (f itself uses none of these).
  const combination = new Set(['BatchMatMul', 'Concat', 'SplitV', 'Slice', 'Multiply', 'AddN', 'Add']);
  for (const [label, opts] of cases) {
    let nfe = 0;
    const run = () =>
      tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => {
          const sol = odeint(f, y0, [0, 1], opts);
          nfe = sol.stats.nfe;
          return tf.mean(tf.square(sol.ys)) as tf.Scalar;
        }, params);
        value.dataSync();
        Object.values(grads).forEach((g) => g.dataSync());
        return value;
      });
    // One timed run (each costs minutes on the cpu backend: the conv backward dominates), then one profiled run.
    const t0 = performance.now();
    tf.dispose(run());
    const best = performance.now() - t0;
    const info = await tf.profile(run);
    tf.dispose(info.result as tf.Tensor);
    const byName = new Map<string, { n: number; ms: number }>();
    for (const k of info.kernels) {
      if (!combination.has(k.name)) continue;
      const e = byName.get(k.name) ?? { n: 0, ms: 0 };
      e.n++;
      e.ms += typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
      byName.set(k.name, e);
    }
    const detail = [...byName].map(([n, e]) => `${n} ${e.n}× ${e.ms.toFixed(0)} ms`).join(', ');
    const combMs = [...byName.values()].reduce((a, e) => a + e.ms, 0);
    rows.push([label, nfe, best.toFixed(0), combMs.toFixed(0), detail]);
  }
  table(['run', 'NFE', 'value+grad ms', 'combination-kernel ms', 'kernels (profiled run)'], rows, [18, 4, 13, 21, 0]);
  console.log('(combination kernels: those the stage combinations and their gradients launch; Add also accumulates gradients)\n');
  tf.dispose([W1, W2, y0]);
}

function smallCalls(): void {
  console.log('## Fixed cost of small float64 solves: odeint(f, [1, 0], [0, 1]) on y\' = [[-0.1, 1], [-1, -0.1]] y\n');
  const f = (_t: number, y: Float64Array) => [-0.1 * y[0] + y[1], -y[0] - 0.1 * y[1]];
  const rows: (string | number)[][] = [];
  const shared = { method: 'dopri5' as const, rtol: 1e-3, atol: 1e-6 };
  const cases: [string, () => unknown][] = [
    ['dopri5, a Solver (validated once)', (() => { const s = solver(shared); return () => odeint(f, [1, 0], [0, 1], s); })()],
    ['dopri5, same options object', () => odeint(f, [1, 0], [0, 1], shared)],
    ['dopri5, new options object', () => odeint(f, [1, 0], [0, 1], { method: 'dopri5', rtol: 1e-3, atol: 1e-6 })],
    ['dopri5, no options (defaults)', () => odeint(f, [1, 0], [0, 1])],
    ['rk4, stepSize 0.25, same options', (() => { const o = { method: 'rk4' as const, stepSize: 0.25 }; return () => odeint(f, [1, 0], [0, 1], o); })()],
  ];
  for (const [label, fn] of cases) {
    const nfe = (fn() as { stats: { nfe: number } }).stats.nfe;
    for (let i = 0; i < 20000; i++) fn(); // let the JIT settle
    const { ms, cpuMs } = timeIt(() => {
      for (let i = 0; i < 100; i++) fn();
    }, quick ? 50 : 300);
    rows.push([label, nfe, ((ms * 1000) / 100).toFixed(1), ((cpuMs * 1000) / 100).toFixed(1)]);
  }
  table(['call', 'NFE', 'µs/call', 'cpu µs/call'], rows, [34, 4, 8, 11]);
  console.log('(fastest of 5 rounds of 100-call batches; CPU time excludes waiting for a core on a shared machine)\n');
}

async function main(): Promise<void> {
  const choice = await initBackend({ backend: 'cpu', log: false });
  console.log(`# bench:odeint (tfjs backend: ${choice.tfjsBackend}; ${new Date().toISOString()})\n`);
  if (!skip.has('wp')) workPrecision();
  if (!skip.has('hairer')) hairerComparison();
  if (!skip.has('memory')) await gradientModes();
  if (!skip.has('overhead')) await tensorOverhead();
  if (!skip.has('grad')) await tapeGradient();
  if (!skip.has('calls')) smallCalls();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
