// pnpm bench:events [--quick]
//
// Issue #15's rows:
// 1. Cost of `dense: true` and of events against the same solve without them (float64 arrays and tensors): wall time
//    (fastest and median of alternated runs) and evaluations of f.
// 2. Between-step against step-end error at rtol = atol = 1e-10: dopri8 and dop853 (both with 7th-order dense output,
//    3 extra stages per step that an output falls in), dopri5 and tsit5, and dopri8 with the outputs as stepTimes
//    (exact, but more steps). Error against a dop853 reference at rtol 1e-14 that steps on every time.
// 3. Per-sample time grids: one batched solve of 256 series with 50 irregular times each (ts [256, 50]) against 256
//    separate solves and against one batched solve with 50 shared times.
// Timings are wall-clock on a shared machine: only ratios within one run mean anything. Run it under
// `flock /tmp/neural-ode-bench.lock`.
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@neural-ode/backend';
import { odeint, type MethodName, type SolverInput } from '@neural-ode/odeint';

const quick = process.argv.includes('--quick');

type F = (t: number, y: Float64Array) => number[];
const MU = 0.012277471;
const arenstorf: F = (_t, y) => {
  const [x, yy, vx, vy] = y;
  const d1 = ((x + MU) ** 2 + yy ** 2) ** 1.5;
  const d2 = ((x - 1 + MU) ** 2 + yy ** 2) ** 1.5;
  return [vx, vy, x + 2 * vy - ((1 - MU) * (x + MU)) / d1 - (MU * (x - 1 + MU)) / d2, yy - 2 * vx - ((1 - MU) * yy) / d1 - (MU * yy) / d2];
};
const ARENSTORF = { name: 'Arenstorf orbit', f: arenstorf, y0: [0.994, 0, 0, -2.00158510637908252240537862224], T: 17.0652165601579625588917206249 };
const vdp: F = (_t, y) => [y[1], 5 * (1 - y[0] ** 2) * y[1] - y[0]];
const VDP = { name: 'Van der Pol μ=5', f: vdp, y0: [2, 0], T: 20 };

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

/**
 * Alternates the variants `reps` times and returns each one's fastest and median wall time (ms) and its last result.
 * On a loaded shared machine the minimum is the steadier figure for millisecond solves.
 */
function timeAlternated<R>(variants: (() => R)[], reps: number): { ms: number; median: number; last: R }[] {
  for (const v of variants) v(); // warm-up (JIT)
  const times: number[][] = variants.map(() => []);
  const last: R[] = new Array(variants.length);
  for (let r = 0; r < reps; r++) {
    variants.forEach((v, i) => {
      const t0 = performance.now();
      last[i] = v();
      times[i].push(performance.now() - t0);
    });
  }
  return variants.map((_, i) => ({ ms: Math.min(...times[i]), median: median(times[i]), last: last[i] }));
}

function table(head: string[], rows: (string | number)[][]): void {
  const cells = [head, ...rows.map((r) => r.map(String))];
  const w = head.map((_, j) => Math.max(...cells.map((r) => r[j].length)));
  const line = (r: string[]) => '| ' + r.map((c, j) => c.padEnd(w[j])).join(' | ') + ' |';
  console.log(line(head));
  console.log('|' + w.map((x) => '-'.repeat(x + 2)).join('|') + '|');
  for (const r of cells.slice(1)) console.log(line(r));
  console.log();
}

const linspace = (a: number, b: number, n: number) => Array.from({ length: n }, (_, i) => a + ((b - a) * i) / (n - 1));
const e = (x: number) => x.toExponential(1);

function costFloat64(): void {
  console.log('## 1a. Cost of dense output and events, float64 arrays (dopri5, rtol = atol = 1e-8, 100 outputs)\n');
  const rows: (string | number)[][] = [];
  for (const p of [ARENSTORF, VDP]) {
    const ts = linspace(0, p.T, 100);
    const base: SolverInput = { method: 'dopri5', rtol: 1e-8, atol: 1e-8 };
    const g = (_t: number, y: Float64Array) => y[1];
    const variants: [string, SolverInput][] = [
      ['plain', base],
      ['dense: true', { ...base, dense: true }],
      ['1 event (samples 4)', { ...base, events: [{ g }] }],
      ['1 event (samples 0)', { ...base, events: [{ g, samples: 0 }] }],
      ['dense + 1 event', { ...base, dense: true, events: [{ g }] }],
    ];
    const res = timeAlternated(
      variants.map(([, o]) => () => odeint(p.f, p.y0, ts, o)),
      quick ? 5 : 41,
    );
    res.forEach((r, i) =>
      rows.push([p.name, variants[i][0], r.ms.toFixed(2), (r.ms / res[0].ms).toFixed(2), r.median.toFixed(2), r.last.stats.nfe, r.last.events?.length ?? '', r.last.dense?.steps ?? '']),
    );
  }
  table(['problem', 'variant', 'ms (min)', '× plain', 'ms (median)', 'nfe', 'events', 'dense steps'], rows);
}

function costTensor(): void {
  console.log('## 1b. Cost of dense output and events, tensors (batch 256 × 2, tanh field, dopri5, rtol = atol = 1e-6)\n');
  const W = tf.tensor2d([
    [-0.1, 2],
    [-2, -0.1],
  ]);
  const f = (_t: tf.Scalar, y: tf.Tensor) => tf.tanh(tf.matMul(y, W));
  const y0 = tf.randomNormal([256, 2], 0, 1, 'float32', 1);
  const g = (_t: tf.Scalar, y: tf.Tensor) => tf.mean(tf.slice(y, [0, 0], [-1, 1])) as tf.Scalar;
  const base: SolverInput = { method: 'dopri5', rtol: 1e-6, atol: 1e-6 };
  const variants: [string, SolverInput][] = [
    ['plain', base],
    ['dense: true', { ...base, dense: true }],
    ['1 event (samples 4)', { ...base, events: [{ g }] }],
    ['1 event (samples 0)', { ...base, events: [{ g, samples: 0 }] }],
  ];
  const ts = linspace(0, 10, 20);
  const res = timeAlternated(
    variants.map(([, o]) => () => {
      const sol = odeint(f, y0, ts, o);
      const out = { nfe: sol.stats.nfe, events: sol.events?.length, steps: sol.dense?.steps };
      sol.ys.dispose();
      sol.dense?.dispose();
      for (const ev of sol.events ?? []) tf.dispose([ev.y, ev.time]);
      return out;
    }),
    quick ? 3 : 15,
  );
  table(
    ['variant', 'ms (min)', '× plain', 'ms (median)', 'nfe', 'events', 'dense steps'],
    res.map((r, i) => [variants[i][0], r.ms.toFixed(1), (r.ms / res[0].ms).toFixed(2), r.median.toFixed(1), r.last.nfe, r.last.events ?? '', r.last.steps ?? '']),
  );
  tf.dispose([W, y0]);
}

function betweenSteps(): void {
  console.log('## 2. Error at step ends against between them, rtol = atol = 1e-10 (same solve; 200 outputs for the nfe)\n');
  console.log("Step-end error: max over the solve's own step ends; between-step: max over the points θ = 0.3 into each step (dense output);");
  console.log("interpolant's own: max over steps of (that error − the step's end errors interpolated linearly to θ).");
  console.log('Reference: dop853 at rtol = atol = 1e-14 stepping on every time compared.\n');
  const rows: (string | number)[][] = [];
  for (const p of [ARENSTORF, VDP]) {
    const ts = linspace(0, p.T, 200);
    const variants: [string, MethodName][] = [
      ['dopri8 (7th order, 3 extra stages)', 'dopri8'],
      ['dop853 (7th order, 3 extra stages)', 'dop853'],
      ['dopri5 (quartic, 4th order)', 'dopri5'],
      ['tsit5 (own weights, 4th order)', 'tsit5'],
    ];
    for (const [label, method] of variants) {
      const o = { method, rtol: 1e-10, atol: 1e-10 } as SolverInput;
      const endOnly = odeint(p.f, p.y0, [0, p.T], { ...o, dense: true });
      const nfe = endOnly.stats.nfe; // before the evaluations below (dop853's extra stages count into it)
      const ends = endOnly.dense!.times.slice(1);
      // Inside each step at θ = 0.3 (not 0.5: dopri5's quartic passes through a high-order midpoint value).
      const THETA = 0.3;
      const mids = endOnly.dense!.times.slice(1).map((t, i) => endOnly.dense!.times[i] + THETA * (t - endOnly.dense!.times[i]));
      const probe = [...ends, ...mids].sort((a, b) => a - b);
      const ref = odeint(p.f, p.y0, [0, ...probe], { method: 'dop853', rtol: 1e-14, atol: 1e-14, stepTimes: probe, maxSteps: 1_000_000 }).ys.slice(1);
      const refAt = new Map(probe.map((t, i) => [t, ref[i]]));
      // Error vectors (solution − reference) at the step ends and midpoints.
      const errs = (times: number[]) => endOnly.evaluate!(times).map((y, i) => Array.from(y, (v, j) => v - refAt.get(times[i])![j]));
      const maxAbs = (vs: number[][]) => Math.max(...vs.map((v) => Math.max(...v.map(Math.abs))));
      const eEnd = errs(ends);
      const eMid = errs(mids);
      const eStart = [new Array<number>(p.y0.length).fill(0), ...eEnd];
      // The interpolant's own error: the error at θ less its step's end errors interpolated to θ (the propagated
      // global error varies smoothly across a step).
      const own = eMid.map((v, i) => v.map((x, j) => x - ((1 - THETA) * eStart[i][j] + THETA * eEnd[i][j])));
      const withOutputs = odeint(p.f, p.y0, ts, o);
      // Steps with an output strictly inside: the ones whose extra stages (dopri8, dop853) the outputs pay for.
      const times = endOnly.dense!.times;
      const inside = new Set(ts.map((t) => times.findIndex((t0, k) => k + 1 < times.length && t0 < t && t < times[k + 1])).filter((k) => k >= 0)).size;
      const between = (maxAbs(eMid) / maxAbs(eEnd)).toFixed(2);
      rows.push([p.name, label, e(maxAbs(eEnd)), e(maxAbs(eMid)), between, e(maxAbs(own)), (maxAbs(own) / maxAbs(eEnd)).toFixed(2), nfe, withOutputs.stats.nfe, withOutputs.stats.nfe - nfe, inside]);
    }
    // The workaround: the outputs as stepTimes (exact outputs, more steps).
    const st = odeint(p.f, p.y0, ts, { method: 'dopri8', rtol: 1e-10, atol: 1e-10, stepTimes: ts });
    rows.push([p.name, 'dopri8, outputs as stepTimes', '', '', '', '', '', '', st.stats.nfe, '', '']);
  }
  table(['problem', 'method', 'step-end error', 'between-step error (θ = 0.3)', 'between / step-end', "interpolant's own", 'own / step-end', 'nfe (no outputs)', 'nfe (200 outputs)', 'extra nfe', 'steps with an output inside'], rows);
}

function perSample(): void {
  const B = quick ? 64 : 256;
  const T = 50;
  console.log(`## 3. Per-sample time grids: ${B} series × ${T} irregular times (tanh field on [${B}, 2], dopri5, rtol = atol = 1e-6)\n`);
  const W = tf.tensor2d([
    [-0.1, 2],
    [-2, -0.1],
  ]);
  const f = (_t: tf.Scalar, y: tf.Tensor) => tf.tanh(tf.matMul(y, W));
  const y0 = tf.randomNormal([B, 2], 0, 1, 'float32', 2);
  let seed = 5;
  const rand = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
  const rows = Array.from({ length: B }, () => [0, ...Array.from({ length: T - 1 }, () => 5 * rand()).sort((a, b) => a - b)]);
  const shared = linspace(0, 5, T);
  const o: SolverInput = { method: 'dopri5', rtol: 1e-6, atol: 1e-6 };
  const rowsOf = Array.from({ length: B }, (_, b) => tf.slice(y0, [b, 0], [1, 2]));
  let separateNfe = 0;
  const res = timeAlternated(
    [
      () => {
        const sol = odeint(f, y0, rows, o);
        sol.ys.dispose();
        return sol.stats.nfe;
      },
      () => {
        separateNfe = 0;
        for (let b = 0; b < B; b++) {
          const sol = odeint(f, rowsOf[b], rows[b], o);
          separateNfe += sol.stats.nfe;
          sol.ys.dispose();
        }
        return separateNfe;
      },
      () => {
        const sol = odeint(f, y0, shared, o);
        sol.ys.dispose();
        return sol.stats.nfe;
      },
    ],
    quick ? 1 : 3,
  );
  table(
    ['variant', 'ms (min)', '× batched per-sample', 'nfe (batched evaluations)'],
    [
      [`one batched solve, per-sample ts [${B}, ${T}] (union of ${new Set(rows.flat()).size} times)`, res[0].ms.toFixed(0), '1.00', res[0].last],
      [`${B} separate solves, batch 1`, res[1].ms.toFixed(0), (res[1].ms / res[0].ms).toFixed(2), res[1].last],
      [`one batched solve, ${T} shared times (lower bound)`, res[2].ms.toFixed(0), (res[2].ms / res[0].ms).toFixed(2), res[2].last],
    ],
  );
  tf.dispose([W, y0, ...rowsOf]);
}

async function main(): Promise<void> {
  const backend = await initBackend({ backend: 'cpu', log: false });
  console.log(`# bench:events — tensors on tfjs backend '${tf.getBackend()}' (${typeof backend === 'string' ? backend : 'initBackend'}); shared 2-core machine\n`);
  costFloat64();
  costTensor();
  betweenSteps();
  perSample();
}

void main();
