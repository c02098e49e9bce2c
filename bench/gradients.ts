// pnpm bench:gradients [--batch 128] [--seconds 6] [--backend auto] [--torchdiffeq DIR] [--solvers rk4x4,dopri5-1e-3]
//
// The MNIST ODE-Net of @neural-ode/models trained (forward + backward + one SGD step on a fixed random batch) in each
// gradient mode of @neural-ode/odeint — tape, checkpoint, backsolve — for RK4 × 4 steps and dopri5 at rtol = atol =
// 1e-3, beside torchdiffeq's `odeint` and `odeint_adjoint` on the same network (bench/torchdiffeq_odenet.py, run in
// the same process tree and alternated row by row: only ratios from one run mean anything on a shared machine).
// Peak bytes: the largest growth of tf.memory().numBytes during one training step (tf.profile). The issue's targets:
// checkpoint at >= 0.8x the tape's training speed; the memory side of it at 200 steps is in `pnpm bench:odeint`.
import { spawn, spawnSync, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { createInterface } from 'node:readline';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@neural-ode/backend';
import { odenet, type OdeModel } from '@neural-ode/models';
import type { SolverInput } from '@neural-ode/odeint';

const argv = process.argv.slice(2);
const get = (name: string, dflt: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] != null ? argv[i + 1] : dflt;
};
const batch = Number(get('batch', '128'));
const seconds = Number(get('seconds', '6'));
const backend = get('backend', 'auto') as 'auto' | 'tensorflow' | 'native' | 'wasm' | 'cpu';
const torchdiffeqDir = get('torchdiffeq', process.env.TORCHDIFFEQ_DIR ?? '');
const here = dirname(fileURLToPath(import.meta.url));

const SOLVERS: Record<string, SolverInput> = {
  rk4x4: { method: 'rk4', stepSize: 0.25 },
  'dopri5-1e-3': { method: 'dopri5', rtol: 1e-3, atol: 1e-3 },
};
const MODES = ['tape', 'checkpoint', 'backsolve'] as const;
const solvers = get('solvers', Object.keys(SOLVERS).join(',')).split(',');
for (const s of solvers) if (!SOLVERS[s]) throw new Error(`--solvers: unknown '${s}'; use some of ${Object.keys(SOLVERS).join(',')}`);

/** torchdiffeq beside us, or why not. */
class Torchdiffeq {
  private child?: ChildProcessByStdio<Writable, Readable, null>;
  private lines?: AsyncIterableIterator<string>;
  why = '';
  info = '';

  async start(threads: number): Promise<void> {
    const py = ['/usr/bin/python3', 'python3'].find((p) => spawnSync(p, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0);
    if (!py) {
      this.why = 'python3 cannot import torch (Debian: apt-get install python3-torch)';
      return;
    }
    const args = [join(here, 'torchdiffeq_odenet.py'), '--batch', String(batch), '--threads', String(threads)];
    if (torchdiffeqDir) args.push('--torchdiffeq', torchdiffeqDir);
    const child = spawn(py, args, { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, OMP_WAIT_POLICY: 'PASSIVE' } });
    this.child = child;
    this.lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    const first = JSON.parse((await this.lines.next()).value ?? '{}');
    if (first.error || !first.ready) {
      this.why = first.error ?? 'the reference script did not start';
      child.kill();
      this.child = undefined;
      return;
    }
    this.info = `torch ${first.torch}, ${first.threads} threads`;
  }

  async measure(row: string): Promise<{ train_images_per_s: number; nfe_forward: number; nfe_backward: number } | undefined> {
    if (!this.child || !this.lines) return undefined;
    this.child.stdin.write(`${seconds} ${row}\n`);
    return JSON.parse((await this.lines.next()).value);
  }

  stop(): void {
    this.child?.stdin.end();
  }
}

interface Row {
  solver: string;
  gradient: string;
  imagesPerSecond: number;
  peakMiB: number | undefined;
  nfe: string;
  note: string;
}

async function measureOurs(solverName: string, mode: (typeof MODES)[number]): Promise<Row> {
  const model = odenet({ inChannels: 1, solver: { ...SOLVERS[solverName], gradient: mode } }) as OdeModel;
  const x = tf.randomUniform([batch, 28, 28, 1], 0, 1, 'float32', 1);
  const labels = tf.oneHot(tf.randomUniformInt([batch], 0, 10, 2), 10);
  const vars = model.trainableVariables();
  const step = () =>
    tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(labels, model.apply(x, { training: true })) as tf.Scalar, vars);
      for (const v of vars) v.assign(tf.sub(v, tf.mul(0.01, grads[v.name])));
      value.dataSync();
    });
  // Quiet backsolve's reconstruction warning during the timing: its figure is in the row's note.
  const warn = console.warn;
  console.warn = () => {};
  try {
    step();
    step();
    let n = 0;
    const t0 = performance.now();
    while (n < 2 || performance.now() - t0 < seconds * 1000) {
      step();
      n++;
    }
    const dt = (performance.now() - t0) / 1000;
    const before = tf.memory().numBytes;
    const peak = (await tf.profile(step)).peakBytes - before;
    const stats = model.gradientStats;
    const note =
      stats?.mode === 'checkpoint'
        ? `${stats.checkpoints} checkpoints, ${stats.recomputedNfe} replayed NFE`
        : stats?.mode === 'backsolve'
          ? `reconstruction error ${stats.reconstructionError.toExponential(1)}`
          : '';
    const row: Row = {
      solver: solverName,
      gradient: mode,
      imagesPerSecond: (batch * n) / dt,
      peakMiB: peak / 2 ** 20,
      nfe: `${model.nfe.forward} / ${model.nfe.backward}`,
      note,
    };
    return row;
  } finally {
    console.warn = warn;
    x.dispose();
    labels.dispose();
    model.dispose();
  }
}

async function main(): Promise<void> {
  const choice = await initBackend({ backend, log: false });
  const torch = new Torchdiffeq();
  await torch.start(choice.threads);
  console.log(
    `backend: ${choice.backend} (tfjs '${choice.tfjsBackend}', ${choice.threads} threads); MNIST ODE-Net, batch ${batch}, >= ${seconds} s per row; ` +
      `torchdiffeq: ${torch.info || `not run: ${torch.why}`}`,
  );
  const rows: Row[] = [];
  for (const s of solvers) {
    for (const mode of MODES) {
      const r = await measureOurs(s, mode);
      rows.push(r);
      console.log(`  ${s} ${mode}: ${r.imagesPerSecond.toFixed(1)} images/s, peak ${r.peakMiB?.toFixed(0) ?? '?'} MiB, NFE ${r.nfe} ${r.note}`);
    }
    for (const tdq of ['odeint', 'odeint_adjoint']) {
      const m = await torch.measure(`${s} ${tdq}`);
      if (!m) continue;
      rows.push({ solver: s, gradient: `torchdiffeq ${tdq}`, imagesPerSecond: m.train_images_per_s, peakMiB: undefined, nfe: `${m.nfe_forward} / ${m.nfe_backward}`, note: '' });
      console.log(`  ${s} torchdiffeq ${tdq}: ${m.train_images_per_s.toFixed(1)} images/s, NFE ${m.nfe_forward} / ${m.nfe_backward}`);
    }
  }
  torch.stop();

  const table = rows.map((r) => {
    const tape = rows.find((x) => x.solver === r.solver && x.gradient === 'tape')!;
    const ref = rows.find((x) => x.solver === r.solver && x.gradient === 'torchdiffeq odeint');
    return [
      r.solver,
      r.gradient,
      r.imagesPerSecond.toFixed(1),
      (r.imagesPerSecond / tape.imagesPerSecond).toFixed(2),
      ref ? (r.imagesPerSecond / ref.imagesPerSecond).toFixed(2) : '-',
      r.peakMiB === undefined ? '-' : r.peakMiB.toFixed(0),
      r.nfe,
      r.note,
    ];
  });
  const header = ['solver', 'gradient', 'train images/s', 'x tape', 'x torchdiffeq odeint', 'peak MiB', 'NFE fwd / bwd', ''];
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((r) => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  console.log(['', line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...table.map(line)].join('\n'));
  for (const s of solvers) {
    const tape = rows.find((r) => r.solver === s && r.gradient === 'tape')!;
    const cp = rows.find((r) => r.solver === s && r.gradient === 'checkpoint')!;
    const ratio = cp.imagesPerSecond / tape.imagesPerSecond;
    const mem = cp.peakMiB !== undefined && tape.peakMiB !== undefined ? `, peak memory ${(cp.peakMiB / tape.peakMiB).toFixed(2)}x the tape's` : '';
    console.log(`Target (checkpoint >= 0.8x tape's training speed), ${s}: ${ratio >= 0.8 ? 'MET' : 'NOT MET'} (${ratio.toFixed(2)}x${mem}).`);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
