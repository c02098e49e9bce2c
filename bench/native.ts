// `tsx --tsconfig bench/tsconfig.json bench/native.ts [--seconds S] [--rounds R] [--threads N] [--no-torch] [--torch-passive]
//   [--rows name,name] [--ablate Kernel,Kernel] [--ablate-gradients] [--profile]`
// Training samples/s at batch 128 on the 'native' backend of @neural-ode/backend-native: the MNIST ResNet(1),
// ResNet(6) and ODE-Net (RK4, 4 steps) of reference-nets.ts, and the workloads of native-workloads.ts written the
// way tfjs users write them (plain-ops ResNet(1), a tf.layers convnet and an MLP trained with model.fit) plus the
// project's text models (VDCNN(6), VDCNN(1), vdcnn-ode); the share of each step spent outside kernels (engine,
// autodiff, allocation, JS), the kernels that dominate, and PyTorch CPU's figures measured in the same run
// (bench/pytorch_reference.py, when `python3 -c "import torch"` works). Native and PyTorch alternate in short
// slices over several rounds and each reports its best slice, so that load from other processes on a shared
// machine hits both alike. --rows picks rows by name (substring match, comma-separated). --ablate K1,K2 measures
// each picked row again with kernel Ki run by tfjs-backend-cpu's kernel instead of the native one (the "before"
// of a native kernel, in the same run). --ablate-gradients measures each picked row again with tfjs-core's own
// gradient functions of FusedBatchNorm, Mean, Sum, Relu and Relu6 instead of the native backend's (the "before" of those, in the
// same run). --profile prints, per picked row, every kernel's ms and calls per step, whether
// it ran the addon ('native'), tfjs-backend-cpu's kernel copied for 'native' ('cpu'), or a native kernel that handed
// the call to the cpu kernel ('fallback'), and the time outside kernels per step.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import * as os from 'node:os';
import { join } from 'node:path';
import { nativeStatus, registerNativeBackend, setNativeConvAlgorithm } from '@neural-ode/backend-native';
import { nativeFallbackCounts } from '../packages/backend-native/src/native-backend';
import type { MnistNetConfig } from '../packages/backend-native/src/reference-nets';
import { buildMnistNet, sgdStep, syntheticBatch } from '../packages/backend-native/src/reference-nets';
import type { Workload } from './native-workloads';
import { layersConvNet, mlp, plainOpsResnet, vdcnnOdeWorkload, vdcnnWorkload } from './native-workloads';

const argv = process.argv.slice(2);
const flag = (name: string, fallback: number) => {
  const i = argv.indexOf(name);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
};
const seconds = flag('--seconds', 6);
const threads = flag('--threads', 2);
const batch = flag('--batch', 128);
const rounds = flag('--rounds', 3);
const withTorch = !argv.includes('--no-torch');
// The addon sets OMP_WAIT_POLICY=PASSIVE for itself when it loads; PyTorch runs with the user's own setting.
// --torch-passive gives PyTorch the same OMP_WAIT_POLICY=PASSIVE (fairer on a loaded machine, where spinning
// OpenMP workers lose their time slices).
const torchPassive = argv.includes('--torch-passive');
const userOmpWaitPolicy = torchPassive ? 'PASSIVE' : process.env.OMP_WAIT_POLICY;
const list = (name: string) => {
  const i = argv.indexOf(name);
  return i >= 0 ? (argv[i + 1] ?? '').split(',').filter(Boolean) : [];
};
const pickedRows = list('--rows');
const ablate = list('--ablate');
const profile = argv.includes('--profile');
const ablateGradients = argv.includes('--ablate-gradients');
/** The gradients the native backend replaces, as tfjs-core registers them (captured before registering it). */
const NATIVE_GRADIENTS = ['FusedBatchNorm', 'Mean', 'Sum', 'Relu', 'Relu6'];
const tfjsGradients = new Map(NATIVE_GRADIENTS.map((k) => [k, tf.getGradient(k)]));

/** Kernel time per kernel name, measured by wrapping every kernel of the native backend. */
const kernelMs = new Map<string, number>();
/** Top-level calls per kernel name. */
const kernelCalls = new Map<string, number>();
/** Kernels of 'native' that are tfjs-backend-cpu's own kernel function (not replaced by the addon). */
const cpuCopies = new Set<string>();
let kernelDepth = 0;
/** Kernels that run tfjs-backend-cpu's kernel instead of the native one (--ablate). */
const useCpuKernel = new Set<string>();
function instrumentKernels() {
  for (const k of tf.getKernelsForBackend('native')) {
    const native = k.kernelFunc;
    // getKernel is typed as always finding one; the GroupNorm kernels have no cpu version.
    const cpuConfig = tf.getKernel(k.kernelName, 'cpu') as tf.KernelConfig | undefined;
    if (cpuConfig && cpuConfig.kernelFunc === native) cpuCopies.add(k.kernelName);
    const run: typeof native = (args) => (cpuConfig && useCpuKernel.has(k.kernelName) ? cpuConfig.kernelFunc(args) : native(args));
    tf.unregisterKernel(k.kernelName, 'native');
    tf.registerKernel({
      ...k,
      kernelFunc: (args) => {
        if (kernelDepth > 0) return run(args);
        kernelDepth++;
        const t0 = performance.now();
        try {
          return run(args);
        } finally {
          kernelDepth--;
          kernelMs.set(k.kernelName, (kernelMs.get(k.kernelName) ?? 0) + performance.now() - t0);
          kernelCalls.set(k.kernelName, (kernelCalls.get(k.kernelName) ?? 0) + 1);
        }
      },
    });
  }
}

interface Row { model: string; backend: string; imagesPerS: number; outsideKernels: number; top: string; steps: number }

/** The MNIST networks of reference-nets.ts as a workload (plain SGD, as the PyTorch reference). */
function mnistWorkload(config: MnistNetConfig) {
  return (b: number): Workload => {
    const net = buildMnistNet({ ...config, seed: 1 });
    const data = syntheticBatch(b, 2);
    return {
      samplesPerStep: b,
      step: () => {
        sgdStep(net, data.x, data.labels, 0.01);
      },
      dispose: () => tf.dispose([data.x, data.labels, ...net.params]),
    };
  };
}

type Measured = {
  imagesPerS: number; kernels: Map<string, number>; calls: Map<string, number>; fallbacks: Map<string, number>; ms: number; steps: number;
};

/** A workload under training on the native backend, measured in slices. */
class NativeTrainer {
  private work: Workload;
  private constructor(work: Workload) {
    this.work = work;
  }
  static async create(make: (batch: number) => Workload) {
    const t = new NativeTrainer(make(batch));
    for (let i = 0; i < 2; ++i) await t.work.step();
    return t;
  }
  /** Steps for at least `s` seconds (≥ 2 steps): samples/s, kernel ms per kernel name, wall ms. */
  async measure(s: number): Promise<Measured> {
    kernelMs.clear();
    kernelCalls.clear();
    const fallbacksBefore = new Map(nativeFallbackCounts());
    let steps = 0;
    const t0 = performance.now();
    while (steps < 2 || performance.now() - t0 < s * 1000) {
      await this.work.step();
      steps++;
    }
    const ms = performance.now() - t0;
    const fallbacks = new Map<string, number>();
    for (const [k, n] of nativeFallbackCounts()) if (n > (fallbacksBefore.get(k) ?? 0)) fallbacks.set(k, n - (fallbacksBefore.get(k) ?? 0));
    return {
      imagesPerS: (this.work.samplesPerStep * steps * 1000) / ms, kernels: new Map(kernelMs), calls: new Map(kernelCalls), fallbacks, ms, steps,
    };
  }
  dispose() {
    this.work.dispose();
  }
}

async function nativeRow(model: string, backend: string, trainer: NativeTrainer): Promise<Row> {
  let best: Measured | undefined;
  for (let r = 0; r < rounds; ++r) {
    const m = await trainer.measure(seconds);
    if (!best || m.imagesPerS > best.imagesPerS) best = m;
  }
  return summarise(model, backend, best!);
}

/** Every kernel's ms and calls per step, and the time outside kernels per step (--profile). */
function printProfile(model: string, m: Measured) {
  const perStep = (v: number) => v / m.steps;
  const inKernels = [...m.kernels.values()].reduce((a, b) => a + b, 0);
  const calls = [...m.calls.values()].reduce((a, b) => a + b, 0);
  console.log(`\nprofile of ${model}: ${perStep(m.ms).toFixed(1)} ms per step (${m.steps} steps), kernels ${perStep(inKernels).toFixed(1)} ms in ${perStep(calls).toFixed(0)} calls, outside kernels ${perStep(m.ms - inKernels).toFixed(1)} ms (${((100 * (m.ms - inKernels)) / m.ms).toFixed(0)}%)`);
  console.log(`  ${'kernel'.padEnd(28)}${'ms/step'.padEnd(10)}${'share'.padEnd(8)}${'calls/step'.padEnd(12)}runs`);
  for (const [k, t] of [...m.kernels.entries()].sort((a, b) => b[1] - a[1])) {
    const fb = m.fallbacks.get(k);
    const runs = cpuCopies.has(k) ? 'cpu' : fb ? `native, ${perStep(fb).toFixed(1)} fallbacks/step` : 'native';
    console.log(`  ${k.padEnd(28)}${perStep(t).toFixed(2).padEnd(10)}${`${((100 * t) / m.ms).toFixed(1)}%`.padEnd(8)}${perStep(m.calls.get(k) ?? 0).toFixed(1).padEnd(12)}${runs}`);
  }
  console.log('');
}

function summarise(model: string, backend: string, m: Measured): Row {
  const inKernels = [...m.kernels.values()].reduce((a, b) => a + b, 0);
  const top = [...m.kernels.entries()].sort((a, b) => b[1] - a[1]).slice(0, 4)
    .map(([name, t]) => `${name} ${((100 * t) / m.ms).toFixed(0)}%`).join(', ');
  return { model, backend, imagesPerS: m.imagesPerS, outsideKernels: 1 - inKernels / m.ms, top, steps: m.steps };
}

/** bench/pytorch_reference.py --serve: answers "<seconds> <network>" with one JSON line. */
class TorchServer {
  private waiting: ((line: string) => void)[] = [];
  private proc;
  version = '';
  constructor(py: string) {
    const env = { ...process.env };
    if (userOmpWaitPolicy === undefined) delete env.OMP_WAIT_POLICY;
    else env.OMP_WAIT_POLICY = userOmpWaitPolicy;
    this.proc = spawn(py, [join(__dirname, 'pytorch_reference.py'), '--serve', '--threads', String(threads), '--batch', String(batch)], { env, stdio: ['pipe', 'pipe', 'inherit'] });
    createInterface({ input: this.proc.stdout }).on('line', (line) => this.waiting.shift()?.(line));
  }
  private next(): Promise<string> {
    return new Promise((resolve) => this.waiting.push(resolve));
  }
  async ready() {
    this.version = (JSON.parse(await this.next()) as { torch: string }).torch;
  }
  async measure(model: string, s: number): Promise<number> {
    const answer = this.next();
    this.proc.stdin.write(`${s} ${model}\n`);
    return (JSON.parse(await answer) as { train_images_per_s: number }).train_images_per_s;
  }
  close() {
    this.proc.stdin.end();
  }
}

function torchPython(): string | null {
  for (const py of ['/usr/bin/python3', 'python3']) {
    const r = spawnSync(py, ['-c', 'import torch'], { stdio: 'ignore' });
    if (r.status === 0) return py;
  }
  return null;
}

async function main() {
  const status = nativeStatus();
  if (!status.available) {
    console.log(`native backend unavailable: ${status.reason}\nfix: ${status.fix}`);
    return;
  }
  await registerNativeBackend({ threads });
  await tf.setBackend('native');
  instrumentKernels();
  const py = withTorch ? torchPython() : null;
  console.log(`@neural-ode/backend-native bench: batch ${batch}, ${threads} threads, best of ${rounds} slices of ≥${seconds}s, conv ${status.implementation}`);
  console.log(py ? `PyTorch reference: ${py} bench/pytorch_reference.py (same networks, same run; OMP_WAIT_POLICY=${userOmpWaitPolicy ?? 'unset'})` : withTorch ? 'PyTorch reference: not run (python3 cannot import torch; Debian: apt-get install python3-torch)' : 'PyTorch reference: not run (--no-torch)');
  console.log('Timings are wall-clock on a machine shared with other jobs: compare rows of the same run.\n');

  const nets: [string, (b: number) => Workload][] = [
    ['ResNet(1)', mnistWorkload({ kind: 'resnet', blocks: 1 })],
    ['ResNet(6)', mnistWorkload({ kind: 'resnet', blocks: 6 })],
    ['ODE-Net RK4x4', mnistWorkload({ kind: 'odenet', rk4Steps: 4 })],
    ['plain-ops ResNet(1)', plainOpsResnet],
    ['tf.layers convnet', (b) => layersConvNet(b)],
    ['MLP', (b) => mlp(b)],
    ['VDCNN(6)', vdcnnWorkload(6)],
    ['VDCNN(1)', vdcnnWorkload(1)],
    ['vdcnn-ode Euler x4', vdcnnOdeWorkload],
  ];
  for (const k of ablate) {
    if (!tf.getKernel(k, 'cpu') || !tf.getKernel(k, 'native')) throw new Error(`--ablate: ${k} is not a kernel of both the cpu and the native backend`);
  }
  const picked = nets.filter(([name]) => pickedRows.length === 0 || pickedRows.some((p) => name.toLowerCase().includes(p.toLowerCase())));
  if (picked.length === 0) throw new Error(`--rows ${pickedRows.join(',')} matches none of ${nets.map(([n]) => n).join(', ')}`);
  const rows: Row[] = [];
  const torch = py ? new TorchServer(py) : null;
  await torch?.ready();
  for (const [name, make] of picked) {
    setNativeConvAlgorithm('auto');
    const trainer = await NativeTrainer.create(make);
    let best: Measured | undefined;
    let torchBest = 0;
    // Alternate native and PyTorch slices; keep each one's best slice.
    for (let r = 0; r < rounds; ++r) {
      const m = await trainer.measure(seconds);
      if (!best || m.imagesPerS > best.imagesPerS) best = m;
      if (torch) torchBest = Math.max(torchBest, await torch.measure(name, seconds));
    }
    rows.push(summarise(name, `native (${status.implementation})`, best!));
    if (profile) printProfile(name, best!);
    if (name === 'ResNet(1)' && status.implementation?.startsWith('onednn')) {
      setNativeConvAlgorithm('im2col');
      rows.push(await nativeRow(name, 'native (im2col + GEMM convs)', trainer));
      setNativeConvAlgorithm('auto');
    }
    if (ablateGradients) {
      for (const g of tfjsGradients.values()) if (g) tf.registerGradient(g);
      rows.push(await nativeRow(name, 'native, tfjs gradients', trainer));
      await registerNativeBackend({ threads }); // puts the native backend's gradients back
    }
    for (const k of ablate) {
      useCpuKernel.add(k);
      rows.push(await nativeRow(name, `native, cpu ${k}`, trainer));
      useCpuKernel.delete(k);
    }
    trainer.dispose();
    if (torch) rows.push({ model: name, backend: `PyTorch ${torch.version} CPU`, imagesPerS: torchBest, outsideKernels: NaN, top: '', steps: 0 });
    console.error(`  done ${name}`);
  }
  torch?.close();

  const pad = (s: string, n: number) => s.padEnd(n);
  console.log(`${pad('model', 21)}${pad('backend', 30)}${pad('samples/s', 11)}${pad('vs PyTorch', 12)}${pad('target', 9)}${pad('outside kernels', 17)}top kernels (share of step)`);
  for (const r of rows) {
    const torch = rows.find((o) => o.model === r.model && o.backend.startsWith('PyTorch'));
    const ratio = torch && !r.backend.startsWith('PyTorch') ? `${(r.imagesPerS / torch.imagesPerS).toFixed(2)}x` : '';
    const outside = Number.isNaN(r.outsideKernels) ? '' : `${(100 * r.outsideKernels).toFixed(0)}%`;
    // The issue's target: training throughput ≥ 1.0× PyTorch CPU in the same run, for every row.
    const met = torch && !r.backend.startsWith('PyTorch') && r.backend.startsWith('native (') ? (r.imagesPerS >= torch.imagesPerS ? 'met' : 'not met') : '';
    console.log(`${pad(r.model, 21)}${pad(r.backend, 30)}${pad(r.imagesPerS.toFixed(1), 11)}${pad(ratio, 12)}${pad(met, 9)}${pad(outside, 17)}${r.top}`);
  }
  console.log(`load average at the end: ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} on ${os.cpus().length} cores`);
  console.log('samples: images (MNIST-shaped, 28×28) or documents (1,014 characters); target: ≥ 1.0× PyTorch CPU');
  console.log(`\npeak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB (this process)`);
}

void main();
