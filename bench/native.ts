// `tsx --tsconfig bench/tsconfig.json bench/native.ts [--seconds S] [--threads N] [--no-torch]`
// Training images/s of the MNIST ResNet(1), ResNet(6) and ODE-Net (RK4, 4 steps) at batch 128 on the
// 'native' backend of @neural-ode/backend-native, the share of each step spent outside kernels (engine,
// autodiff, allocation, JS), the kernels that dominate, and PyTorch CPU's figures measured in the same run
// (bench/pytorch_reference.py, when `python3 -c "import torch"` works). Networks are interleaved
// (native, then PyTorch, per network) so that load from other processes hits both alike.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { nativeStatus, registerNativeBackend, setNativeConvIm2col } from '@neural-ode/backend-native';
import type { MnistNetConfig } from '../packages/backend-native/src/reference-nets';
import { buildMnistNet, sgdStep, syntheticBatch } from '../packages/backend-native/src/reference-nets';

const argv = process.argv.slice(2);
const flag = (name: string, fallback: number) => {
  const i = argv.indexOf(name);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
};
const seconds = flag('--seconds', 6);
const threads = flag('--threads', 2);
const batch = flag('--batch', 128);
const withTorch = !argv.includes('--no-torch');

/** Kernel time per kernel name, measured by wrapping every kernel of the native backend. */
const kernelMs = new Map<string, number>();
let kernelDepth = 0;
function instrumentKernels() {
  for (const k of tf.getKernelsForBackend('native')) {
    const run = k.kernelFunc;
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
        }
      },
    });
  }
}

interface Row { model: string; backend: string; imagesPerS: number; outsideKernels: number; top: string; steps: number }

function measure(model: string, backend: string, config: MnistNetConfig): Row {
  const net = buildMnistNet({ ...config, seed: 1 });
  const { x, labels } = syntheticBatch(batch, 2);
  for (let i = 0; i < 2; ++i) sgdStep(net, x, labels, 0.01);
  kernelMs.clear();
  let steps = 0;
  const t0 = performance.now();
  while (steps < 3 || performance.now() - t0 < seconds * 1000) {
    sgdStep(net, x, labels, 0.01);
    steps++;
  }
  const ms = performance.now() - t0;
  const inKernels = [...kernelMs.values()].reduce((a, b) => a + b, 0);
  const top = [...kernelMs.entries()].sort((a, b) => b[1] - a[1]).slice(0, 4)
    .map(([name, t]) => `${name} ${((100 * t) / ms).toFixed(0)}%`).join(', ');
  tf.dispose([x, labels, ...net.params]);
  return { model, backend, imagesPerS: (batch * steps * 1000) / ms, outsideKernels: 1 - inKernels / ms, top, steps };
}

function torchPython(): string | null {
  for (const py of ['/usr/bin/python3', 'python3']) {
    const r = spawnSync(py, ['-c', 'import torch'], { stdio: 'ignore' });
    if (r.status === 0) return py;
  }
  return null;
}

function torchRow(py: string, model: string): Row | string {
  const script = join(__dirname, 'pytorch_reference.py');
  const r = spawnSync(py, [script, '--threads', String(threads), '--batch', String(batch), '--seconds', String(seconds), '--only', model], { encoding: 'utf8' });
  const line = r.stdout?.trim().split('\n').pop();
  if (r.status !== 0 || !line) return `PyTorch failed: ${r.stderr?.trim().split('\n').pop() ?? r.status}`;
  const j = JSON.parse(line) as { train_images_per_s: number; steps: number; torch: string };
  return { model, backend: `PyTorch ${j.torch} CPU`, imagesPerS: j.train_images_per_s, outsideKernels: NaN, top: '', steps: j.steps };
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
  console.log(`@neural-ode/backend-native bench: batch ${batch}, ${threads} threads, ≥${seconds}s per row, conv ${status.implementation}`);
  console.log(py ? `PyTorch reference: ${py} bench/pytorch_reference.py (same networks, same run)` : withTorch ? 'PyTorch reference: not run (python3 cannot import torch; Debian: apt-get install python3-torch)' : 'PyTorch reference: not run (--no-torch)');
  console.log('Timings are wall-clock on a machine shared with other jobs: compare rows of the same run.\n');

  const nets: [string, MnistNetConfig][] = [
    ['ResNet(1)', { kind: 'resnet', blocks: 1 }],
    ['ResNet(6)', { kind: 'resnet', blocks: 6 }],
    ['ODE-Net RK4x4', { kind: 'odenet', rk4Steps: 4 }],
  ];
  const rows: Row[] = [];
  const notes: string[] = [];
  for (const [name, config] of nets) {
    setNativeConvIm2col(false);
    rows.push(measure(name, `native (${status.implementation})`, config));
    if (name === 'ResNet(1)' && status.implementation?.startsWith('onednn')) {
      setNativeConvIm2col(true);
      rows.push(measure(name, 'native (im2col + GEMM convs)', config));
      setNativeConvIm2col(false);
    }
    if (py) {
      const t = torchRow(py, name);
      if (typeof t === 'string') notes.push(`${name}: ${t}`);
      else rows.push(t);
    }
    const last = rows[rows.length - 1]!;
    console.error(`  done ${name}: ${last.backend} ${last.imagesPerS.toFixed(0)} img/s`);
  }

  const pad = (s: string, n: number) => s.padEnd(n);
  console.log(`${pad('model', 15)}${pad('backend', 30)}${pad('train img/s', 13)}${pad('vs PyTorch', 12)}${pad('outside kernels', 17)}top kernels (share of step)`);
  for (const r of rows) {
    const torch = rows.find((o) => o.model === r.model && o.backend.startsWith('PyTorch'));
    const ratio = torch && !r.backend.startsWith('PyTorch') ? `${(r.imagesPerS / torch.imagesPerS).toFixed(2)}x` : '';
    const outside = Number.isNaN(r.outsideKernels) ? '' : `${(100 * r.outsideKernels).toFixed(0)}%`;
    console.log(`${pad(r.model, 15)}${pad(r.backend, 30)}${pad(r.imagesPerS.toFixed(0), 13)}${pad(ratio, 12)}${pad(outside, 17)}${r.top}`);
  }
  for (const n of notes) console.log(n);
  console.log(`\npeak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB (this process)`);
}

void main();
