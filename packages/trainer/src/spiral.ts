import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@neural-ode/backend';
import { odeint, odeintAdjoint, type Solver } from '@neural-ode/odeint';
import { parseSpiralConfig, spiralSolver, type SpiralConfig, type SpiralConfigInput } from './config';
import { appendLineAtomic, writeFileAtomic } from './atomic-write';
import { Adam } from './optimizers';
import { plotSpiral } from './plot';
import { Rng } from './rng';

/** Files {@link runSpiral} writes into its `save` directory. */
export interface SpiralPaths {
  /** The plot (noisy observations, true and learned trajectories). */
  svg: string;
  png: string;
  /** `metrics.jsonl`: loss and NFE per logged iteration. */
  metrics: string;
  /** `result.json`: options, RMSE, learned weights. */
  result: string;
}

/** What {@link runSpiral} resolves with. */
export interface SpiralResult {
  /** RMSE of the learned trajectory from z0 against the noise-free one, over all observation times and both components. */
  rmse: number;
  /** Mean window loss (MSE) of the first iteration and mean over the last `logEvery` iterations. */
  initialLoss: number;
  finalLoss: number;
  /** Iterations done. */
  iterations: number;
  /** Wall seconds of training (evaluation and plotting excluded). */
  seconds: number;
  /** `true` when stopped by the signal. */
  interrupted: boolean;
  /** The learned f(z) = W2 (W1 z) + b2; weights as PyTorch `[out, in]`, row-major. */
  weights: { w1: number[]; w2: number[]; b2: number[] };
  /** Resolved options. */
  config: SpiralConfig;
  paths: SpiralPaths;
}

/** Progress of {@link runSpiral}. */
export type SpiralEvent =
  | { type: 'start'; config: SpiralConfig; dir: string }
  | {
      type: 'iteration';
      iteration: number;
      iterations: number;
      /** Mean window loss of this iteration. */
      loss: number;
      /** Function evaluations of this iteration's forward solves / backward (adjoint) solves. */
      nfeForward: number;
      nfeBackward: number;
    }
  | { type: 'log'; line: string };

/** Callbacks of {@link runSpiral}. */
export interface SpiralControl {
  onEvent?: (event: SpiralEvent) => void;
  /** Aborting stops after the current iteration; the result is still evaluated, plotted and written. */
  signal?: AbortSignal;
}

/** The true system of experiment 1: dz/dt = W z. */
export const SPIRAL_W = [
  [-0.1, -1],
  [1, -0.1],
] as const;
/** The true initial state. */
export const SPIRAL_Z0 = [0.6, 0.3] as const;

/**
 * The noise-free solution z(t) = e^{-0.1 t} R(t) z0 (W = -0.1 I + a rotation generator).
 * @param t - the time (same units as the observation times, starting from 0 at `SPIRAL_Z0`).
 */
export function spiralTruth(t: number): [number, number] {
  const d = Math.exp(-0.1 * t);
  const c = Math.cos(t);
  const s = Math.sin(t);
  return [d * (c * SPIRAL_Z0[0] - s * SPIRAL_Z0[1]), d * (s * SPIRAL_Z0[0] + c * SPIRAL_Z0[1])];
}

/** Parameters of f(z) = W2 (W1 z) + b2 as plain numbers (row-major `[out, in]`). */
interface Params {
  w1: Float64Array;
  w2: Float64Array;
  b2: Float64Array;
}

function field(p: Params) {
  return (_t: number, z: Float64Array): Float64Array => {
    const u0 = p.w1[0] * z[0] + p.w1[1] * z[1];
    const u1 = p.w1[2] * z[0] + p.w1[3] * z[1];
    return Float64Array.of(p.w2[0] * u0 + p.w2[1] * u1 + p.b2[0], p.w2[2] * u0 + p.w2[3] * u1 + p.b2[1]);
  };
}

/**
 * The adjoint system, integrated backwards in time: state s = [z (2), a (2), g (10)] with
 * z' = f(z), a' = −(∂f/∂z)ᵀ a, g' = −aᵀ ∂f/∂θ, θ = (W1, W2, b2). Started from g = 0 at the last time,
 * g at the first time is dL/dθ (Chen et al. 2018, Algorithm 1).
 */
function adjointField(p: Params) {
  const { w1, w2 } = p;
  return (_t: number, s: Float64Array): Float64Array => {
    const z0 = s[0], z1 = s[1], a0 = s[2], a1 = s[3];
    const u0 = w1[0] * z0 + w1[1] * z1;
    const u1 = w1[2] * z0 + w1[3] * z1;
    // v = W2ᵀ a;  (∂f/∂z)ᵀ a = W1ᵀ v
    const v0 = w2[0] * a0 + w2[2] * a1;
    const v1 = w2[1] * a0 + w2[3] * a1;
    const out = new Float64Array(14);
    out[0] = w2[0] * u0 + w2[1] * u1 + p.b2[0];
    out[1] = w2[2] * u0 + w2[3] * u1 + p.b2[1];
    out[2] = -(w1[0] * v0 + w1[2] * v1);
    out[3] = -(w1[1] * v0 + w1[3] * v1);
    // dW1[i][j] = v_i z_j
    out[4] = -v0 * z0; out[5] = -v0 * z1; out[6] = -v1 * z0; out[7] = -v1 * z1;
    // dW2[i][j] = a_i u_j
    out[8] = -a0 * u0; out[9] = -a0 * u1; out[10] = -a1 * u0; out[11] = -a1 * u1;
    out[12] = -a0; out[13] = -a1;
    return out;
  };
}

/** A training window: indices into the observation times, sorted. */
function sampleWindow(rng: Rng, ts: Float64Array, c: SpiralConfig): number[] {
  const tEnd = ts[ts.length - 1];
  const length = Math.min(c.minWindow + rng.uniform() * (c.maxWindow - c.minWindow), tEnd);
  const start = rng.uniform() * (tEnd - length);
  let idx: number[] = [];
  for (let i = 0; i < ts.length; i++) if (ts[i] >= start && ts[i] <= start + length) idx.push(i);
  if (idx.length < 2) {
    const i = Math.min(Math.max(0, idx[0] ?? Math.floor((start / tEnd) * (ts.length - 1))), ts.length - 2);
    idx = [i, i + 1];
  }
  if (idx.length > c.windowPoints) {
    // A sorted random subset (partial Fisher–Yates on a copy).
    const pool = idx.slice();
    for (let i = 0; i < c.windowPoints; i++) {
      const j = i + rng.int(pool.length - i);
      [pool[i], pool[j]] = [pool[j], pool[i]];
    }
    idx = pool.slice(0, c.windowPoints).sort((a, b) => a - b);
  }
  return idx;
}

interface WindowGrad {
  loss: number;
  grad: Float64Array; // 10: W1, W2, b2
  nfeForward: number;
  nfeBackward: number;
}

/** Loss (MSE over the window's points) and its gradient by the adjoint method, on float64 states. */
function windowGradFloat64(p: Params, ts: Float64Array, obs: Float64Array[], idx: number[], opts: Solver, scale: number): WindowGrad {
  const times = idx.map((i) => ts[i]);
  const y0 = obs[idx[0]];
  const fwd = odeint(field(p), y0, times, opts);
  const n = idx.length;
  const norm = scale / (2 * n);
  let loss = 0;
  const dLdz = fwd.ys.map((z, k) => {
    const o = obs[idx[k]];
    const e0 = z[0] - o[0], e1 = z[1] - o[1];
    loss += (e0 * e0 + e1 * e1) / (2 * n);
    return [2 * e0 * norm, 2 * e1 * norm];
  });
  let nfeBackward = 0;
  const s = new Float64Array(14);
  const zk = fwd.ys[n - 1];
  s[0] = zk[0]; s[1] = zk[1]; s[2] = dLdz[n - 1][0]; s[3] = dLdz[n - 1][1];
  const aug = adjointField(p);
  for (let k = n - 1; k > 0; k--) {
    const back = odeint(aug, s, [times[k], times[k - 1]], opts);
    nfeBackward += back.stats.nfe;
    s.set(back.ys[1]);
    // The state is re-solved backwards; resetting it to the forward solution keeps the adjoint on the true path.
    s[0] = fwd.ys[k - 1][0];
    s[1] = fwd.ys[k - 1][1];
    s[2] += dLdz[k - 1][0];
    s[3] += dLdz[k - 1][1];
  }
  return { loss, grad: s.slice(4), nfeForward: fwd.stats.nfe, nfeBackward };
}

function toParams(vars: tf.Variable[]): Params {
  const [w1, w2, b2] = vars.map((v) => Float64Array.from(v.dataSync()));
  return { w1, w2, b2 };
}

/**
 * Runs experiment 1 of the study (the spiral): generates the noisy observations, fits the neural ODE
 * f(z) = W2 (W1 z) + b2 on random windows with Adam and adjoint gradients, then integrates the learned ODE from z0
 * over the whole range and reports its RMSE against the noise-free trajectory. Writes `spiral.svg`, `spiral.png`,
 * `metrics.jsonl` and `result.json` into `save`.
 *
 * @param options - the experiment: `iterations`, `lr`, `batchWindows`, `method`, `rtol`, `atol`, `adjoint`, `save`,
 *   `seed`, …; `spiralConfigSchema` lists every option and its default.
 * @param control - `onEvent` (log lines and progress) and `signal` (abort: stop after the current iteration).
 *
 * @example
 * ```ts
 * const { rmse, paths } = await runSpiral({ iterations: 2000, save: 'runs/spiral' });
 * console.log(rmse, paths.png);
 * ```
 */
export async function runSpiral(options: SpiralConfigInput = {}, control: SpiralControl = {}): Promise<SpiralResult> {
  const c = parseSpiralConfig(options);
  // One Solver for every window's solves, validated here before any work.
  const opts = spiralSolver(c);
  if (c.engine === 'float64' && !c.adjoint) {
    throw new Error("runSpiral: option 'adjoint' is false with engine 'float64': the float64 engine always uses the adjoint; use engine 'tensor' for backprop through the solver");
  }
  // The float64 engine only keeps Adam's state in tensors: the plain cpu backend is the fastest for that.
  await initBackend({ backend: 'cpu', log: false });
  const dir = resolve(c.save);
  const emit = (e: SpiralEvent) => control.onEvent?.(e);
  const paths: SpiralPaths = {
    svg: join(dir, 'spiral.svg'),
    png: join(dir, 'spiral.png'),
    metrics: join(dir, 'metrics.jsonl'),
    result: join(dir, 'result.json'),
  };
  writeFileAtomic(paths.metrics, '');
  emit({ type: 'start', config: c, dir });

  // Data: noise-free trajectory and noisy observations.
  const rng = new Rng(c.seed);
  const ts = Float64Array.from({ length: c.points }, (_, i) => (c.tEnd * i) / (c.points - 1));
  const truth = Array.from(ts, (t) => Float64Array.from(spiralTruth(t)));
  const obs = truth.map((z) => Float64Array.of(z[0] + c.noise * rng.normal(), z[1] + c.noise * rng.normal()));

  // PyTorch's nn.Linear(2, 2) init: U(-1/√2, 1/√2) for weights and bias.
  const bound = 1 / Math.sqrt(2);
  const init = (n: number) => Float32Array.from({ length: n }, () => (2 * rng.uniform() - 1) * bound);
  const names = ['func.0.weight', 'func.1.weight', 'func.1.bias'];
  const vars = tf.tidy(() => [
    tf.variable(tf.tensor2d(init(4), [2, 2]), true),
    tf.variable(tf.tensor2d(init(4), [2, 2]), true),
    tf.variable(tf.tensor1d(init(2)), true),
  ]);
  const adam = new Adam(
    vars.map((variable, i) => ({ name: names[i], variable })),
    { weightDecay: 0 },
  );

  const started = performance.now();
  let initialLoss = NaN;
  let recent: number[] = [];
  let iteration = 0;
  let interrupted = false;
  try {
    for (iteration = 0; iteration < c.iterations; ) {
      if (control.signal?.aborted) {
        interrupted = true;
        break;
      }
      const windows = Array.from({ length: c.batchWindows }, () => sampleWindow(rng, ts, c));
      const step =
        c.engine === 'float64' ? stepFloat64(vars, ts, obs, windows, opts) : stepTensor(vars, ts, obs, windows, c, opts);
      adam.step(
        Object.fromEntries(names.map((name, i) => [name, step.grads[i]])),
        c.lr,
      );
      step.grads.forEach((g) => g.dispose());
      iteration += 1;
      if (iteration === 1) initialLoss = step.loss;
      recent.push(step.loss);
      if (recent.length > c.logEvery) recent = recent.slice(-c.logEvery);
      emit({ type: 'iteration', iteration, iterations: c.iterations, loss: step.loss, nfeForward: step.nfeForward, nfeBackward: step.nfeBackward });
      if (iteration % c.logEvery === 0 || iteration === c.iterations) {
        const seconds = (performance.now() - started) / 1000;
        const mean = recent.reduce((a, b) => a + b, 0) / recent.length;
        appendLineAtomic(paths.metrics, JSON.stringify({ iteration, loss: mean, nfeForward: step.nfeForward, nfeBackward: step.nfeBackward, seconds }));
        emit({ type: 'log', line: `iter ${iteration}/${c.iterations}  loss ${mean.toExponential(3)}  NFE ${step.nfeForward}/${step.nfeBackward}  ${seconds.toFixed(1)} s` });
      }
      // Let an AbortSignal from Ctrl-C (or a timer) be delivered between iterations.
      if (iteration % 50 === 0) await new Promise((r) => setImmediate(r));
    }
    const seconds = (performance.now() - started) / 1000;

    const p = toParams(vars);
    const learned = odeint(field(p), SPIRAL_Z0, ts, { method: 'dopri5', rtol: 1e-8, atol: 1e-10 }).ys;
    let se = 0;
    learned.forEach((z, i) => {
      se += (z[0] - truth[i][0]) ** 2 + (z[1] - truth[i][1]) ** 2;
    });
    const rmse = Math.sqrt(se / (2 * ts.length));
    const finalLoss = recent.length ? recent.reduce((a, b) => a + b, 0) / recent.length : NaN;
    await plotSpiral(
      { observed: obs, truth, learned, title: `Spiral: ${iteration} iterations, RMSE ${rmse.toFixed(4)}` },
      join(dir, 'spiral'),
    );
    const weights = { w1: Array.from(p.w1), w2: Array.from(p.w2), b2: Array.from(p.b2) };
    const result: SpiralResult = { rmse, initialLoss, finalLoss, iterations: iteration, seconds, interrupted, weights, config: c, paths };
    writeFileAtomic(paths.result, JSON.stringify(result, null, 2) + '\n');
    emit({ type: 'log', line: `spiral: RMSE ${rmse.toFixed(4)} after ${iteration} iterations (${seconds.toFixed(1)} s); plot ${paths.png}` });
    return result;
  } finally {
    adam.dispose();
    vars.forEach((v) => v.dispose());
  }
}

interface IterationStep {
  loss: number;
  grads: tf.Tensor[];
  nfeForward: number;
  nfeBackward: number;
}

function stepFloat64(vars: tf.Variable[], ts: Float64Array, obs: Float64Array[], windows: number[][], opts: Solver): IterationStep {
  const p = toParams(vars);
  const grad = new Float64Array(10);
  let loss = 0, nfeForward = 0, nfeBackward = 0;
  for (const idx of windows) {
    const w = windowGradFloat64(p, ts, obs, idx, opts, 1 / windows.length);
    loss += w.loss / windows.length;
    for (let i = 0; i < 10; i++) grad[i] += w.grad[i];
    nfeForward += w.nfeForward;
    nfeBackward += w.nfeBackward;
  }
  const grads = [tf.tensor2d(Float32Array.from(grad.subarray(0, 4)), [2, 2]), tf.tensor2d(Float32Array.from(grad.subarray(4, 8)), [2, 2]), tf.tensor1d(Float32Array.from(grad.subarray(8, 10)))];
  return { loss, grads, nfeForward, nfeBackward };
}

/** The same iteration on tfjs tensors with `odeintAdjoint` (or `odeint` with backprop when `adjoint` is off). */
function stepTensor(vars: tf.Variable[], ts: Float64Array, obs: Float64Array[], windows: number[][], c: SpiralConfig, opts: Solver): IterationStep {
  const [w1, w2, b2] = vars;
  // Row-vector states [1, 2]: f(z) = z W1ᵀ W2ᵀ + b2.
  const f = (_t: tf.Scalar, y: tf.Tensor): tf.Tensor =>
    tf.add(tf.matMul(tf.matMul(y as tf.Tensor2D, w1 as tf.Tensor2D, false, true), w2 as tf.Tensor2D, false, true), b2);
  let nfeForward = 0;
  const adjointSolutions: Array<{ adjointStats: { nfe: number } | null }> = [];
  const { value, grads } = tf.variableGrads(() => {
    const losses = windows.map((idx) => {
      const times = idx.map((i) => ts[i]);
      const y0 = tf.tensor2d(Float32Array.from(obs[idx[0]]), [1, 2]);
      const target = tf.tensor3d(Float32Array.from(idx.flatMap((i) => [obs[i][0], obs[i][1]])), [idx.length, 1, 2]);
      let sol;
      if (c.adjoint) {
        const adj = odeintAdjoint(f, y0, times, { solver: opts, params: vars });
        adjointSolutions.push(adj);
        sol = adj;
      } else {
        sol = odeint(f, y0, times, opts);
      }
      nfeForward += sol.stats.nfe;
      return tf.mean(tf.square(tf.sub(sol.ys, target)));
    });
    return tf.div(tf.addN(losses), windows.length) as tf.Scalar;
  }, vars);
  const loss = value.dataSync()[0];
  value.dispose();
  // With backprop through the solver, the backward pass replays each recorded evaluation once.
  const nfeBackward = c.adjoint ? adjointSolutions.reduce((n, s) => n + (s.adjointStats?.nfe ?? 0), 0) : nfeForward;
  return { loss, grads: vars.map((v) => grads[v.name]), nfeForward, nfeBackward };
}
