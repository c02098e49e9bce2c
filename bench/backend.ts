// pnpm bench:backend [--backends cpu,wasm,native] [--blocks 1,6] [--threads 2] [--batch 128] [--seconds 4]
//
// Train and forward images/s of the MNIST ResNet (the neural-ODE paper's residual baseline) with 1 and 6 residual
// blocks at batch 128, on every backend @neural-ode/backend can start here, each in its own process (so peak RSS
// is per backend), plus the kernels that dominate one training step. The network is built inline from tfjs ops:
// conv3x3 1→64 valid, GroupNorm(32)+ReLU, conv4x4 s2 p1, GN+ReLU, conv4x4 s2 p1, N × [GN-ReLU-conv3x3-GN-ReLU-conv3x3
// + skip], GN-ReLU-avgpool-linear 64→10, softmax cross-entropy, one SGD step.
import { spawnSync } from 'node:child_process';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@neural-ode/backend';

interface Args {
  backends: string[];
  blocks: number[];
  threads: number;
  batch: number;
  seconds: number;
  child: boolean;
}

function parseArgs(argv: string[]): Args {
  const get = (name: string, dflt: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 && argv[i + 1] != null ? argv[i + 1] : dflt;
  };
  return {
    backends: get('backends', 'cpu,wasm,native,tensorflow').split(','),
    blocks: get('blocks', '1,6').split(',').map(Number),
    threads: Number(get('threads', '2')),
    batch: Number(get('batch', '128')),
    seconds: Number(get('seconds', '4')),
    child: argv.includes('--child'),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The network, from tfjs ops.

function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function makeResNet(blocks: number, seed: number) {
  const rand = seeded(seed);
  const vars: tf.Variable[] = [];
  const uniform = (shape: number[], bound: number) => {
    const n = shape.reduce((a, b) => a * b);
    const v = tf.variable(tf.tensor(Float32Array.from({ length: n }, () => (2 * rand() - 1) * bound), shape));
    vars.push(v);
    return v;
  };
  const conv = (k: number, cin: number, cout: number) => uniform([k, k, cin, cout], 1 / Math.sqrt(k * k * cin));
  const constant = (shape: number[], value: number) => {
    const v = tf.variable(tf.fill(shape, value));
    vars.push(v);
    return v;
  };
  const gn = () => ({ g: constant([64], 1), b: constant([64], 0) });
  const p = {
    c1: conv(3, 1, 64),
    b1: uniform([64], 1 / 3),
    n1: gn(),
    c2: conv(4, 64, 64),
    b2: uniform([64], 1 / 32),
    n2: gn(),
    c3: conv(4, 64, 64),
    b3: uniform([64], 1 / 32),
    res: Array.from({ length: blocks }, () => ({ na: gn(), ca: conv(3, 64, 64), nb: gn(), cb: conv(3, 64, 64) })),
    nf: gn(),
    w: uniform([64, 10], 1 / 8),
    bw: uniform([10], 1 / 8),
  };
  const groupNormRelu = (x: tf.Tensor4D, n: { g: tf.Variable; b: tf.Variable }) => {
    const [N, H, W, C] = x.shape;
    const g = tf.reshape(x, [N, H, W, 32, C / 32]);
    const { mean, variance } = tf.moments(g, [1, 2, 4], true);
    const normed = tf.reshape(tf.mul(tf.sub(g, mean), tf.rsqrt(tf.add(variance, 1e-5))), [N, H, W, C]);
    return tf.relu(tf.add(tf.mul(normed, n.g), n.b)) as tf.Tensor4D;
  };
  const pad1: [[number, number], [number, number], [number, number], [number, number]] = [[0, 0], [1, 1], [1, 1], [0, 0]];
  const logits = (x: tf.Tensor4D) => {
    let h = tf.add(tf.conv2d(x, p.c1 as tf.Tensor4D, 1, 'valid'), p.b1) as tf.Tensor4D; // 26×26
    h = tf.add(tf.conv2d(groupNormRelu(h, p.n1), p.c2 as tf.Tensor4D, 2, pad1), p.b2) as tf.Tensor4D; // 13×13
    h = tf.add(tf.conv2d(groupNormRelu(h, p.n2), p.c3 as tf.Tensor4D, 2, pad1), p.b3) as tf.Tensor4D; // 6×6
    for (const r of p.res) {
      const a = tf.conv2d(groupNormRelu(h, r.na), r.ca as tf.Tensor4D, 1, pad1);
      h = tf.add(h, tf.conv2d(groupNormRelu(a, r.nb), r.cb as tf.Tensor4D, 1, pad1)) as tf.Tensor4D;
    }
    const pooled = tf.mean(groupNormRelu(h, p.nf), [1, 2]);
    return tf.add(tf.matMul(pooled, p.w), p.bw);
  };
  return { logits, vars };
}

// ---------------------------------------------------------------------------------------------------------------
// One backend, in this process.

interface Row {
  backend: string;
  threads: number;
  blocks: number;
  train: number;
  /** Training images per CPU-second (all threads): less sensitive to other load on a shared machine. */
  trainCpu: number;
  forward: number;
  rssMb: number;
  top: string;
  note?: string;
}

/** Seconds per call of `body`: wall clock, and CPU time of the whole process (all threads). */
function timeLoop(seconds: number, body: () => void): { wall: number; cpu: number } {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  let n = 0;
  do {
    body();
    n++;
  } while (performance.now() - t0 < seconds * 1000 || n < 2);
  const c = process.cpuUsage(c0);
  return { wall: (performance.now() - t0) / 1000 / n, cpu: (c.user + c.system) / 1e6 / n };
}

async function runChild(args: Args): Promise<void> {
  const backend = args.backends[0];
  const choice = await initBackend({ backend: backend as 'cpu', threads: args.threads, log: false });
  const rows: Row[] = [];
  for (const blocks of args.blocks) {
    const net = makeResNet(blocks, 1);
    const rand = seeded(7);
    const x = tf.tensor4d(Float32Array.from({ length: args.batch * 784 }, () => rand()), [args.batch, 28, 28, 1]);
    const y = tf.oneHot(tf.tensor1d(Int32Array.from({ length: args.batch }, (_, i) => i % 10), 'int32'), 10);
    const opt = tf.train.sgd(0.01);
    const loss = () => tf.losses.softmaxCrossEntropy(y, net.logits(x)) as tf.Scalar;
    const step = () => {
      const l = opt.minimize(loss, true) as tf.Scalar;
      l.dataSync();
      l.dispose();
    };
    step(); // warm-up: operator creation, allocation
    const before = tf.memory().numTensors;
    const trainS = timeLoop(args.seconds, step);
    const leaked = tf.memory().numTensors - before;
    const fwdS = timeLoop(args.seconds / 2, () => tf.tidy(() => void net.logits(x).dataSync()));
    const prof = await tf.profile(step);
    const byKernel = new Map<string, number>();
    let total = 0;
    for (const k of prof.kernels) {
      const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
      byKernel.set(k.name, (byKernel.get(k.name) ?? 0) + ms);
      total += ms;
    }
    const top = [...byKernel.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 5)
      .map(([name, ms]) => `${name} ${((100 * ms) / total).toFixed(0)}%`)
      .join(', ');
    rows.push({
      backend: choice.backend,
      threads: choice.threads,
      blocks,
      train: args.batch / trainS.wall,
      trainCpu: args.batch / trainS.cpu,
      forward: args.batch / fwdS.wall,
      rssMb: process.resourceUsage().maxRSS / 1024,
      top,
      note: leaked !== 0 ? `${leaked} tensors leaked over the timed steps` : undefined,
    });
    opt.dispose();
    tf.dispose([...net.vars, x, y]);
  }
  process.stdout.write(`@@ROWS ${JSON.stringify(rows)}\n`);
}

// ---------------------------------------------------------------------------------------------------------------
// The table.

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  if (args.child) {
    runChild(args).then(
      () => process.exit(0),
      (e) => {
        process.stdout.write(`@@ERROR ${(e as Error).message.split('\n')[0]}\n`);
        process.exit(1);
      },
    );
    return;
  }
  console.log(
    `MNIST ResNet, batch ${args.batch}, ${args.threads} threads, ≥${args.seconds}s per train figure; ` +
      `each backend in its own process. Load on this machine: ${(require('node:os') as typeof import('node:os')).loadavg()[0].toFixed(2)} (1-min avg).`,
  );
  const rows: Row[] = [];
  for (const backend of args.backends) {
    const r = spawnSync(
      process.execPath,
      [...process.execArgv, __filename, '--child', '--backends', backend, '--blocks', args.blocks.join(','),
        '--threads', String(args.threads), '--batch', String(args.batch), '--seconds', String(args.seconds)],
      { encoding: 'utf8', maxBuffer: 1 << 24 },
    );
    const out = r.stdout ?? '';
    const rowsLine = out.split('\n').find((l) => l.startsWith('@@ROWS '));
    if (rowsLine) {
      const got = JSON.parse(rowsLine.slice(7)) as Row[];
      // initBackend falls through to the next backend only for 'auto'; a named one that is missing throws.
      rows.push(...got);
    } else {
      const err = out.split('\n').find((l) => l.startsWith('@@ERROR ')) ?? (r.stderr ?? '').trim().split('\n').pop();
      console.log(`- ${backend}: not measured: ${(err ?? `exit ${r.status}`).replace('@@ERROR ', '')}`);
    }
  }
  const header = ['backend', 'threads', 'model', 'train img/s', 'train img/CPU-s', 'forward img/s', 'peak RSS MB', 'kernels that dominate a training step'];
  const table = rows.map((r) => [
    r.backend,
    String(r.threads),
    `ResNet(${r.blocks})`,
    r.train.toFixed(1),
    r.trainCpu.toFixed(1),
    r.forward.toFixed(1),
    r.rssMb.toFixed(0),
    r.top + (r.note ? ` (${r.note})` : ''),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const row of table) console.log(line(row));
  const wasm1 = rows.find((r) => r.backend === 'wasm' && r.blocks === 1);
  if (wasm1) {
    const met = wasm1.train >= 250;
    console.log(
      `Target (issue 2): ResNet(1) training >= 250 images/s on wasm with 2 threads: ${met ? 'MET' : 'NOT MET'} ` +
        `(${wasm1.train.toFixed(1)} images/s with ${wasm1.threads} thread${wasm1.threads === 1 ? "" : "s"}).`,
    );
  }
  console.log('PyTorch beside these models in one run: `pnpm bench:native --torch-passive` (this benchmark measures no reference).');
}

main();
