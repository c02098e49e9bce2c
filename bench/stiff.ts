// pnpm bench:stiff [--quick] [--no-scipy] [--tensors] [--gradients [--problems=robertson,...] [--rtols=1e-4,1e-7] [--modes=tape,checkpoint]]
//   (run it under: flock /tmp/neural-ode-bench.lock pnpm bench:stiff)
//
// Hairer & Wanner's stiff problems — Robertson to 1e5, Van der Pol μ = 1000 to 3000, HIRES to 321.8122, OREGO to
// 360 — at rtol 1e-4, 1e-6, 1e-8 (atol = rtol·{1e-2, 1, 1e-2, 1}, the settings that reproduce the issue's scipy
// counts) for odeint's stiff methods (float64 path, finite-difference Jacobians) and, from the same run,
// scipy's Radau and BDF (bench/scipy_stiff.py under Debian's /usr/bin/python3, python3-scipy).
// Error: max_i |y_i − ref_i| / |ref_i| at the end, against the reference stored below (rodas5 at rtol 1e-13; it
// agrees with kvaerno5 and with scipy's Radau at rtol 1e-13 to ~1e-11, `--reference` recomputes it).
// f evaluations count every call of f, finite-difference Jacobian columns included (for scipy too: its own nfev
// leaves them out, so it is printed separately). Time: best of 3 runs (1 with --quick), wall clock on a shared,
// noisy 2-core machine: only ratios within one run mean anything.
// --tensors adds rodas5 and kvaerno5 on float32 tensor states: each problem as a batch of 2 identical rows
// ([2, d], block-diagonal Jacobian by autodiff) at rtol 1e-4 and 1e-6 (1e-8 is below float32's reach), cpu backend.
// --gradients runs only the gradient section: the same batches with gradients in each gradient mode (tape, checkpoint,
// backsolve): forward and backward time, nfe, peak bytes and the gradient's agreement with the tape's, and the exact
// dL/dθ: f is scaled by θ, so y_θ(t) = y(θt) and dy(T)/dθ = T·f(y(T)) (y(T) from a float64 rodas5 solve at rtol 1e-12).
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { peakBytesOf } from '../packages/odeint/src/peak-bytes.test-fixtures';
import { initBackend } from '@neural-ode/backend';
import { odeint, type MethodName, type SolveStats } from '@neural-ode/odeint';

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const repeat = quick ? 1 : 3;
const RTOLS = [1e-4, 1e-6, 1e-8];
const METHODS: MethodName[] = ['rodas5', 'kvaerno5', 'bdf', 'auto'];

type F = (t: number, y: Float64Array) => number[];
interface Problem {
  name: string;
  f: F;
  y0: number[];
  T: number;
  atolFactor: number;
  reference: number[];
}

const PROBLEMS: Problem[] = [
  {
    name: 'robertson',
    f: (_t, y) => [-0.04 * y[0] + 1e4 * y[1] * y[2], 0.04 * y[0] - 1e4 * y[1] * y[2] - 3e7 * y[1] * y[1], 3e7 * y[1] * y[1]],
    y0: [1, 0, 0],
    T: 1e5,
    atolFactor: 1e-2,
    reference: [0.01786592114209648, 7.274751468435187e-8, 0.9821340061103745],
  },
  {
    name: 'vanderpol',
    f: (_t, y) => [y[1], 1000 * (1 - y[0] * y[0]) * y[1] - y[0]],
    y0: [2, 0],
    T: 3000,
    atolFactor: 1,
    reference: [-1.5106069367438821, 0.0011783800007189851],
  },
  {
    name: 'hires',
    f: (_t, y) => [
      -1.71 * y[0] + 0.43 * y[1] + 8.32 * y[2] + 0.0007,
      1.71 * y[0] - 8.75 * y[1],
      -10.03 * y[2] + 0.43 * y[3] + 0.035 * y[4],
      8.32 * y[1] + 1.71 * y[2] - 1.12 * y[3],
      -1.745 * y[4] + 0.43 * y[5] + 0.43 * y[6],
      -280 * y[5] * y[7] + 0.69 * y[3] + 1.71 * y[4] - 0.43 * y[5] + 0.69 * y[6],
      280 * y[5] * y[7] - 1.81 * y[6],
      -280 * y[5] * y[7] + 1.81 * y[6],
    ],
    y0: [1, 0, 0, 0, 0, 0, 0, 0.0057],
    T: 321.8122,
    atolFactor: 1e-2,
    reference: [
      0.0007371312573324916, 0.0001442485726316037, 0.00005888729740966176, 0.0011756513432830105, 0.002386356198829071, 0.006238968252735585,
      0.002849998395184309, 0.0028500016048157465,
    ],
  },
  {
    name: 'orego',
    f: (_t, y) => [77.27 * (y[1] + y[0] * (1 - 8.375e-6 * y[0] - y[1])), (y[2] - (1 + y[0]) * y[1]) / 77.27, 0.161 * (y[0] - y[2])],
    y0: [1, 2, 3],
    T: 360,
    atolFactor: 1,
    reference: [1.0008148703185238, 1228.1785215500602, 132.05549428478324],
  },
];

const pad = (s: string, n: number) => s.padEnd(n);
const lpad = (s: string, n: number) => s.padStart(n);

function relError(y: ArrayLike<number>, ref: readonly number[]): number {
  let e = 0;
  for (let i = 0; i < ref.length; i++) e = Math.max(e, Math.abs(y[i] - ref[i]) / Math.abs(ref[i]));
  return e;
}

interface Row {
  problem: string;
  rtol: number;
  method: string;
  error: number;
  nfe: number;
  extra: string;
  njev: number;
  nlu: number;
  steps: string;
  ms: number;
}

/** The float64 section: odeint's stiff methods beside scipy's Radau and BDF (and `--reference`). */
function float64Section(): void {
  if (argv.includes('--reference')) {
    for (const p of PROBLEMS) {
      const s = odeint(p.f, p.y0, [0, p.T], { method: 'rodas5', rtol: 1e-13, atol: 1e-13 * p.atolFactor, maxSteps: 1e7 });
      console.log(p.name, JSON.stringify(Array.from(s.ys[1])));
    }
    process.exit(0);
  }

  const rows: Row[] = [];
  for (const p of PROBLEMS) {
    for (const rtol of RTOLS) {
      for (const method of METHODS) {
        let best = Number.POSITIVE_INFINITY;
        let y: Float64Array | null = null;
        let stats: SolveStats | null = null;
        let failed = '';
        for (let r = 0; r < repeat; r++) {
          const t0 = performance.now();
          try {
            const sol = odeint(p.f, p.y0, [0, p.T], { method, rtol, atol: rtol * p.atolFactor, maxSteps: 1e6 });
            best = Math.min(best, performance.now() - t0);
            y = sol.ys[1];
            stats = sol.stats;
          } catch (e) {
            failed = String(e).slice(0, 120);
            break;
          }
        }
        if (failed || !y || !stats) {
          console.log(`${p.name} ${rtol} ${method}: FAILED ${failed}`);
          continue;
        }
        rows.push({
          problem: p.name,
          rtol,
          method,
          error: relError(y, p.reference),
          nfe: stats.nfe,
          extra: method === 'auto' ? `${stats.nStiffSteps}/${stats.nAccepted} stiff, ${stats.nSwitches} switches` : stats.nNewton ? `${stats.nNewton} Newton` : '',
          njev: stats.njev ?? 0,
          nlu: stats.nlu ?? 0,
          steps: `${stats.nAccepted}/${stats.nRejectedError ?? 0}/${stats.nRejectedConvergence ?? 0}`,
          ms: best,
        });
      }
    }
  }

  let scipyVersion = 'not run';
  if (!argv.includes('--no-scipy')) {
    const here = dirname(fileURLToPath(import.meta.url));
    const py = spawnSync('/usr/bin/python3', [join(here, 'scipy_stiff.py')], { input: JSON.stringify({ rtols: RTOLS, repeat }), encoding: 'utf8', maxBuffer: 1 << 24 });
    if (py.status !== 0) {
      console.log(`scipy reference failed (exit ${py.status}): ${py.stderr.slice(-400)}\nInstall it with: apt-get install -y python3-scipy`);
    } else {
      const lines = py.stdout.trim().split('\n').map((l) => JSON.parse(l));
      scipyVersion = `scipy ${lines[0].scipy}, numpy ${lines[0].numpy}`;
      for (const r of lines.slice(1)) {
        const p = PROBLEMS.find((q) => q.name === r.problem) as Problem;
        rows.push({
          problem: r.problem,
          rtol: r.rtol,
          method: `scipy ${r.method}`,
          error: r.success ? relError(r.y, p.reference) : Number.NaN,
          nfe: r.nfe,
          extra: `nfev ${r.nfev} (without FD columns)`,
          njev: r.njev,
          nlu: r.nlu,
          steps: '',
          ms: r.ms,
        });
      }
    }
  }

  console.log(`\nStiff problems, float64 (odeint on Node ${process.version}; ${scipyVersion}). Time: best of ${repeat}.`);
  console.log(`${pad('problem', 10)} ${pad('rtol', 6)} ${pad('method', 14)} ${lpad('error', 9)} ${lpad('f evals', 8)} ${lpad('njev', 5)} ${lpad('nlu', 5)} ${pad(' acc/rejE/rejC', 15)} ${lpad('ms', 8)}  notes`);
  for (const p of PROBLEMS) {
    for (const rtol of RTOLS) {
      for (const r of rows.filter((x) => x.problem === p.name && x.rtol === rtol)) {
        console.log(
          `${pad(r.problem, 10)} ${pad(rtol.toExponential(0), 6)} ${pad(r.method, 14)} ${lpad(r.error.toExponential(1), 9)} ${lpad(String(r.nfe), 8)} ${lpad(String(r.njev), 5)} ${lpad(String(r.nlu), 5)} ${pad(' ' + r.steps, 15)} ${lpad(r.ms.toFixed(1), 8)}  ${r.extra}`,
        );
      }
    }
  }

  // The issue's target: error no worse than scipy's Radau, with no more f evaluations than scipy's BDF.
  console.log('\nTarget (per problem and rtol): error ≤ scipy Radau\'s and f evals ≤ scipy BDF\'s (FD columns counted on both sides).');
  for (const method of METHODS) {
    const verdicts: string[] = [];
    for (const p of PROBLEMS) {
      for (const rtol of RTOLS) {
        const ours = rows.find((r) => r.problem === p.name && r.rtol === rtol && r.method === method);
        const radau = rows.find((r) => r.problem === p.name && r.rtol === rtol && r.method === 'scipy Radau');
        const bdf = rows.find((r) => r.problem === p.name && r.rtol === rtol && r.method === 'scipy BDF');
        if (!ours || !radau || !bdf) continue;
        const errOk = ours.error <= radau.error;
        const nfeOk = ours.nfe <= bdf.nfe;
        verdicts.push(`${p.name}@${rtol.toExponential(0)}: ${errOk && nfeOk ? 'met' : `not met (${errOk ? '' : 'error'}${!errOk && !nfeOk ? ', ' : ''}${nfeOk ? '' : 'f evals'})`}`);
      }
    }
    console.log(`${pad(method, 9)} ${verdicts.filter((v) => v.endsWith('met')).length}/${verdicts.length} met; ${verdicts.join('; ')}`);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Tensor states: the same problems as batches of 2 rows.
/** The four problems as tensor fields on a batch of rows `[batch, d]`. */
function tensorFields(): Record<string, (t: tf.Scalar, y: tf.Tensor) => tf.Tensor> {
  const col = (y: tf.Tensor, i: number) => tf.slice(y, [0, i], [y.shape[0] as number, 1]);
  const lin = (y: tf.Tensor, terms: [number, number][], c = 0) => terms.reduce((acc: tf.Tensor, [w, i]) => tf.add(acc, tf.mul(col(y, i), w)), tf.fill([y.shape[0] as number, 1], c));
  return {
    robertson: (_t, y) => {
      const bc = tf.mul(col(y, 1), col(y, 2));
      const b2 = tf.square(col(y, 1));
      return tf.concat([tf.add(tf.mul(col(y, 0), -0.04), tf.mul(bc, 1e4)), tf.sub(tf.sub(tf.mul(col(y, 0), 0.04), tf.mul(bc, 1e4)), tf.mul(b2, 3e7)), tf.mul(b2, 3e7)], 1);
    },
    vanderpol: (_t, y) => tf.concat([col(y, 1), tf.sub(tf.mul(tf.mul(tf.sub(1, tf.square(col(y, 0))), col(y, 1)), 1000), col(y, 0))], 1),
    hires: (_t, y) => {
      const r = tf.mul(tf.mul(col(y, 5), col(y, 7)), 280);
      return tf.concat(
        [
          lin(y, [[-1.71, 0], [0.43, 1], [8.32, 2]], 0.0007),
          lin(y, [[1.71, 0], [-8.75, 1]]),
          lin(y, [[-10.03, 2], [0.43, 3], [0.035, 4]]),
          lin(y, [[8.32, 1], [1.71, 2], [-1.12, 3]]),
          lin(y, [[-1.745, 4], [0.43, 5], [0.43, 6]]),
          tf.sub(lin(y, [[0.69, 3], [1.71, 4], [-0.43, 5], [0.69, 6]]), r),
          tf.add(r, tf.mul(col(y, 6), -1.81)),
          tf.sub(tf.mul(col(y, 6), 1.81), r),
        ],
        1,
      );
    },
    orego: (_t, y) => {
      const [a, b, c] = [0, 1, 2].map((i) => col(y, i));
      return tf.concat(
        [tf.mul(tf.add(b, tf.mul(a, tf.sub(tf.sub(1, tf.mul(a, 8.375e-6)), b))), 77.27), tf.div(tf.sub(c, tf.mul(tf.add(1, a), b)), 77.27), tf.mul(tf.sub(a, c), 0.161)],
        1,
      );
    },
  };
}

async function tensorSection(): Promise<void> {
  await initBackend({ backend: 'cpu', log: false });
  const TENSOR_F = tensorFields();
  console.log('\nTensor states (float32, batch of 2 identical rows, cpu backend): error of row 0, f evaluations, time of one run.');
  console.log(`${pad('problem', 10)} ${pad('rtol', 6)} ${pad('method', 10)} ${lpad('error', 9)} ${lpad('f evals', 8)} ${lpad('njev', 5)} ${lpad('steps', 6)} ${lpad('ms', 9)}`);
  for (const p of PROBLEMS) {
    for (const rtol of [1e-4, 1e-6]) {
      for (const method of ['rodas5', 'kvaerno5'] as const) {
        const t0 = performance.now();
        try {
          const y0 = tf.tensor2d([p.y0, p.y0]);
          const sol = odeint(TENSOR_F[p.name], y0, [0, p.T], { method, rtol, atol: rtol * p.atolFactor, maxSteps: 1e5 });
          const ms = performance.now() - t0;
          const y = (sol.ys.arraySync() as number[][][])[1][0];
          console.log(
            `${pad(p.name, 10)} ${pad(rtol.toExponential(0), 6)} ${pad(method, 10)} ${lpad(relError(y, p.reference).toExponential(1), 9)} ${lpad(String(sol.stats.nfe), 8)} ${lpad(String(sol.stats.njev), 5)} ${lpad(String(sol.stats.nAccepted), 6)} ${lpad(ms.toFixed(0), 9)}`,
          );
          tf.dispose([y0, sol.ys]);
        } catch (e) {
          console.log(`${pad(p.name, 10)} ${pad(rtol.toExponential(0), 6)} ${pad(method, 10)} FAILED ${String(e).slice(0, 160)}`);
        }
      }
    }
  }
}


// ---------------------------------------------------------------------------------------------------------------
// Gradients on tensor states: each problem as a batch of 2 rows, d(loss)/d(y0, θ) in each gradient mode.

async function gradientSection(): Promise<void> {
  await initBackend({ backend: 'cpu', log: false });
  const fields = tensorFields();
  const only = argv.find((a) => a.startsWith('--problems='))?.slice('--problems='.length).split(',');
  const listArg = (name: string) => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3).split(',');
  const rtols = listArg('rtols')?.map(Number) ?? (quick ? [1e-4] : [1e-4, 1e-6]);
  const modes = (listArg('modes') ?? ['tape', 'checkpoint', 'backsolve']) as ('tape' | 'checkpoint' | 'backsolve')[];
  console.log(
    '\nGradients on tensor states (float32, cpu backend, one run each, wall clock on a shared noisy 2-core machine): each problem as a batch of 2 rows\n' +
      '(row 2 starts from y0 + 1% of its scale), loss = Σ_rows Σ_i y_i(T) / max(|ref_i|, atol) with f scaled by a variable θ = 1; gradients with respect\n' +
      'to y0 and θ. fwd ms: the solve inside the gradient computation; grad ms: the backward pass; nfe: forward / recomputed in the backward pass\n' +
      '(checkpoint) or of the backward adjoint solve, with the quadrature VJPs (backsolve: an interpolating adjoint, the state from the forward\n' +
      'dense output); ' +
      'peak: tf.memory().numBytes above the start, sampled after every kernel, over forward + backward; vs tape: max |g − g_tape| / max |g_tape|;\n' +
      'after the tape row, dL/dθ by central differences of the same float32 solve (θ = 1 ± 1e-4, off the tape) for comparison.',
  );
  console.log(
    `${pad('problem', 10)} ${pad('rtol', 6)} ${pad('method', 9)} ${pad('gradient', 11)} ${lpad('steps', 6)} ${lpad('fwd ms', 9)} ${lpad('grad ms', 9)} ${lpad('nfe', 15)} ${lpad('peak MiB', 9)} ${lpad('vs tape', 8)}  dL/dθ`,
  );
  for (const p of PROBLEMS.filter((q) => !only || only.includes(q.name))) {
    for (const rtol of rtols) {
      for (const method of ['rodas5', 'kvaerno5'] as const) {
        let tapeGrads: number[] | null = null;
        for (const gradient of modes) {
          const atol = rtol * p.atolFactor;
          const theta = tf.variable(tf.scalar(1), true);
          const f = (t: tf.Scalar, y: tf.Tensor) => tf.mul(fields[p.name](t, y), theta);
          const y0 = tf.tensor2d([p.y0, p.y0.map((v, i) => v + 0.01 * Math.max(Math.abs(p.reference[i]), Math.abs(v)))]);
          const w = tf.tensor2d([p.reference.map((r) => 1 / Math.max(Math.abs(r), atol))]);
          const head = `${pad(p.name, 10)} ${pad(rtol.toExponential(0), 6)} ${pad(method, 9)} ${pad(gradient, 11)}`;
          try {
            let t0 = 0;
            let t1 = 0;
            let t2 = 0;
            let grads: number[] = [];
            let steps = 0;
            let nfe = '';
            const peak = peakBytesOf(() =>
              tf.tidy(() => {
                let sol: ReturnType<typeof odeint> | null = null;
                t0 = performance.now();
                const res = tf.engine().gradients(
                  () => {
                    sol = odeint(f, y0, [0, p.T], { method, rtol, atol, maxSteps: 1e5, gradient }, { params: [theta] });
                    const loss = tf.sum(tf.mul(tf.squeeze(tf.slice(sol.ys, [1], [1]), [0]), w));
                    t1 = performance.now();
                    return loss as tf.Scalar;
                  },
                  [y0, theta],
                );
                grads = res.grads.flatMap((g) => Array.from(g.dataSync()));
                t2 = performance.now();
                const s = sol as unknown as ReturnType<typeof odeint> & { gradientStats: { recomputedNfe?: number; nfe?: number } | null; stats: SolveStats };
                steps = s.stats.nAccepted;
                nfe = `${s.stats.nfe} / ${s.gradientStats?.recomputedNfe ?? s.gradientStats?.nfe ?? '-'}`;
              }),
            );
            if (gradient === 'tape') tapeGrads = grads;
            const scale = tapeGrads ? Math.max(...tapeGrads.map(Math.abs)) : Number.NaN;
            const agree = tapeGrads ? Math.max(...grads.map((g, i) => Math.abs(g - tapeGrads![i]))) / scale : Number.NaN;
            console.log(
              `${head} ${lpad(String(steps), 6)} ${lpad((t1 - t0).toFixed(0), 9)} ${lpad((t2 - t1).toFixed(0), 9)} ${lpad(nfe, 15)} ${lpad((peak / 2 ** 20).toFixed(1), 9)} ${lpad(gradient === 'tape' ? '-' : agree.toExponential(1), 8)}  ${grads[grads.length - 1].toExponential(3)}`,
            );
            if (gradient === 'tape') {
              const lossAt = (th: number) =>
                tf.tidy(() => {
                  const sol = odeint((t: tf.Scalar, y: tf.Tensor) => tf.mul(fields[p.name](t, y), th), y0, [0, p.T], { method, rtol, atol, maxSteps: 1e5 });
                  return tf.sum(tf.mul(tf.squeeze(tf.slice(sol.ys, [1], [1]), [0]), w)).dataSync()[0];
                });
              console.log(`${' '.repeat(head.length)} central difference of the float32 solve: dL/dθ ≈ ${((lossAt(1 + 1e-4) - lossAt(1 - 1e-4)) / 2e-4).toExponential(3)}; exact: ${exactDThetaOf(p, y0, w).toExponential(4)}`);
            }
          } catch (e) {
            console.log(`${head} ${String((e as Error).message ?? e).slice(0, 150)}`);
          } finally {
            tf.dispose([theta, y0, w]);
          }
        }
      }
    }
  }
}

/** The exact dL/dθ of the gradient section's loss: Σ_rows Σ_i w_i T f_i(y(T)) (y_θ(t) = y(θt)), y(T) by float64 rodas5 at rtol 1e-12. */
function exactDThetaOf(p: Problem, y0: tf.Tensor, w: tf.Tensor): number {
  const weights = w.dataSync();
  return (y0.arraySync() as number[][]).reduce((acc, row) => {
    const yT = odeint(p.f, row, [0, p.T], { method: 'rodas5', rtol: 1e-12, atol: 1e-14 * Math.max(...p.reference.map(Math.abs)), maxSteps: 1e6 }).ys[1];
    return acc + p.f(p.T, yT).reduce((sum, fi, i) => sum + weights[i] * p.T * fi, 0);
  }, 0);
}

if (argv.includes('--gradients')) void gradientSection();
else {
  float64Section();
  if (argv.includes('--tensors')) void tensorSection();
}
