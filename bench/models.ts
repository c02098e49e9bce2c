// pnpm bench:models [--batch 128] [--reps 2] [--warmup 1] [--models resnet6,resnet1,odenet,vdcnn6,vdcnn1,vdcnn-ode] [--backend auto]
//                   [--length 1014] [--cifar] [--gradient checkpoint|tape|backsolve] [--method dopri5]
//
// Forward (evaluation mode) and training (forward + backward + one SGD step) throughput of every model of
// @neural-ode/models at batch 128 on the active backend (initBackend auto unless --backend), with the NFE per
// pass of the ODE models (dopri5, rtol = atol = 1e-3, the experiments' settings). Inputs are random (seeded):
// NFE at initialisation, not after training. Images: MNIST-shaped (CIFAR-shaped with --cifar); text: 1014 ids.
// --gradient chooses how the ODE models take gradients (default checkpoint, the trainer's): `tape` keeps every stage of
// every step, which for vdcnn-ode at batch 128 × 1014 is more memory than a 23 GB machine has (killed by the OOM
// killer). `pnpm bench:gradients` compares the modes side by side with torchdiffeq.
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@neural-ode/backend';
import { odenet, resnet, vdcnn, vdcnnOde, type Model, type OdeModel } from '@neural-ode/models';
import { isAdaptive, type MethodName, type SolverInput } from '@neural-ode/odeint';

const argv = process.argv.slice(2);
const get = (name: string, dflt: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] != null ? argv[i + 1] : dflt;
};
const batch = Number(get('batch', '128'));
const reps = Number(get('reps', '2'));
const warmup = Number(get('warmup', '1'));
const length = Number(get('length', '1014'));
const cifar = argv.includes('--cifar');
const wanted = get('models', 'resnet6,resnet1,odenet,vdcnn6,vdcnn1,vdcnn-ode').split(',');
const gradient = get('gradient', 'checkpoint') as 'tape' | 'checkpoint' | 'backsolve';
const method = get('method', 'dopri5') as MethodName;
// The experiments' tolerance for adaptive methods; fixed-step ones take 4 steps on [0, 1].
const solver: SolverInput = isAdaptive(method) ? { method, rtol: 1e-3, atol: 1e-3, gradient } : { method, stepSize: 0.25, gradient };
const backend = get('backend', 'auto') as 'auto' | 'tensorflow' | 'native' | 'wasm' | 'cpu';

const inChannels = cifar ? 3 : 1;
const side = cifar ? 32 : 28;
const makers: Record<string, () => Model> = {
  resnet6: () => resnet({ inChannels, blocks: 6 }),
  resnet1: () => resnet({ inChannels, blocks: 1 }),
  odenet: () => odenet({ inChannels, solver }),
  vdcnn6: () => vdcnn({ blocks: 6 }),
  vdcnn1: () => vdcnn({ blocks: 1 }),
  'vdcnn-ode': () => vdcnnOde({ solver }),
};
for (const name of wanted) {
  if (!makers[name]) throw new Error(`--models: unknown model '${name}'; use some of ${Object.keys(makers).join(',')}`);
}

function time(fn: () => void): number {
  const start = performance.now();
  fn();
  return (performance.now() - start) / 1000;
}

async function main() {
  const choice = await initBackend({ backend, log: false });
  console.log(`backend: ${choice.backend} (tfjs '${choice.tfjsBackend}', ${choice.threads} threads); batch ${batch}, ${reps} timed reps after ${warmup} warm-up; ODE: ${method}, gradient ${gradient}`);
  const rows: string[][] = [];
  for (const name of wanted) {
    const model = makers[name]();
    const x =
      model.inputKind === 'image'
        ? tf.randomNormal([batch, side, side, inChannels], 0, 1, 'float32', 1)
        : tf.randomUniformInt([batch, length], 0, 69, 1);
    const labels = tf.oneHot(tf.randomUniformInt([batch], 0, model.numClasses, 2), model.numClasses);
    const vars = model.trainableVariables();
    const forward = () => tf.tidy(() => model.apply(x).dataSync());
    const nfe = { forward: 0, backward: 0 };
    const train = () =>
      tf.tidy(() => {
        const { value, grads } = tf.variableGrads(
          () => tf.losses.softmaxCrossEntropy(labels, model.apply(x, { training: true })) as tf.Scalar,
          vars,
        );
        for (const v of vars) v.assign(tf.sub(v, tf.mul(0.01, grads[v.name])));
        value.dataSync();
        const counts = (model as Partial<OdeModel>).nfe;
        if (counts) {
          nfe.forward += counts.forward;
          nfe.backward += counts.backward;
        }
      });
    for (let r = 0; r < warmup; r++) forward();
    let fwdNfe = 0;
    let fwdSeconds = 0;
    for (let r = 0; r < reps; r++) {
      fwdSeconds += time(forward);
      fwdNfe += (model as Partial<OdeModel>).nfe?.forward ?? 0;
    }
    for (let r = 0; r < warmup; r++) train();
    nfe.forward = 0;
    nfe.backward = 0;
    let trainSeconds = 0;
    for (let r = 0; r < reps; r++) trainSeconds += time(train);
    const unit = model.inputKind === 'image' ? 'images/s' : 'docs/s';
    const isOde = 'nfe' in model;
    rows.push([
      name,
      model.countParams().toLocaleString('en-US'),
      `${((batch * reps) / fwdSeconds).toFixed(1)} ${unit}`,
      `${((batch * reps) / trainSeconds).toFixed(1)} ${unit}`,
      isOde ? (fwdNfe / reps).toFixed(1) : '-',
      isOde ? `${(nfe.forward / reps).toFixed(1)} / ${(nfe.backward / reps).toFixed(1)}` : '-',
    ]);
    console.log(`  ${rows[rows.length - 1].join('  ')}`);
    x.dispose();
    labels.dispose();
    model.dispose();
  }
  const header = ['model', 'params', 'forward', 'train', 'NFE eval fwd', 'NFE train fwd / bwd'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  console.log(['', line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n'));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
