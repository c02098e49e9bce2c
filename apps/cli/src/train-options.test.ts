import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { METHODS } from '@neural-ode/odeint';
import { runCli } from './testing/run-cli';
import { trainFlags } from './train-options';

/** `train --dry-run` in a fresh directory: the resolved options, and that nothing was written. */
async function dryRun(argv: string[]) {
  const cwd = mkdtempSync(join(tmpdir(), 'cli-dry-'));
  const r = await runCli([...argv, '--dry-run'], { cwd });
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  expect(readdirSync(cwd)).toEqual([]);
  return { config: JSON.parse(r.stdout), cwd };
}

// The command lines of the reference study's README (../shared/REFERENCE.md), verbatim after the script name.
const REFERENCE_COMMANDS: Array<{ script: string; args: string; expect: Record<string, unknown>; solver?: Record<string, unknown> }> = [
  {
    script: './experiments/train.py',
    args: '--data mnist --save ./log_resnet6_mnist --save_every 50 --log_every 1 --optimizer sgd --lr 0.1 --num_res 6',
    expect: { data: 'mnist', model: 'resnet', blocks: 6, save: 'log_resnet6_mnist', saveEvery: 50, logEvery: 1, optimizer: 'sgd', lr: 0.1 },
  },
  {
    script: './experiments/train.py',
    args: '--data mnist --save ./log_resnet1_mnist --save_every 50 --log_every 1 --optimizer sgd --lr 0.1 --num_res 1',
    expect: { data: 'mnist', model: 'resnet', blocks: 1, save: 'log_resnet1_mnist', saveEvery: 50, logEvery: 1 },
  },
  {
    script: './experiments/train.py',
    args: '--data mnist --save ./log_odenet_mnist --save_every 50 --log_every 1 --optimizer sgd --lr 0.1 --solver runge_kutta  --tol 1e-2 --use_ode',
    expect: { data: 'mnist', model: 'odenet', save: 'log_odenet_mnist', optimizer: 'sgd', lr: 0.1 },
    solver: { method: 'rk4', stepSize: 0.04 },
  },
  {
    script: './experiments/train.py',
    args: '--data cifar --save ./log_resnet6_cifar --save_every 50 --log_every 1 --optimizer sgd --lr 0.1 --num_res 6',
    expect: { data: 'cifar10', model: 'resnet', blocks: 6, save: 'log_resnet6_cifar' },
  },
  {
    script: './experiments/train.py',
    args: '--data cifar --save ./log_resnet1_cifar --save_every 50 --log_every 1 --optimizer sgd --lr 0.1 --num_res 1',
    expect: { data: 'cifar10', model: 'resnet', blocks: 1, save: 'log_resnet1_cifar' },
  },
  {
    script: './experiments/train.py',
    args: '--data cifar --save ./log_odenet_cifar --save_every 50 --log_every 1 --optimizer sgd --lr 0.1 --use_ode --solver runge_kutta  --tol 1e-2 ',
    expect: { data: 'cifar10', model: 'odenet', save: 'log_odenet_cifar' },
    solver: { method: 'rk4', stepSize: 0.04 },
  },
  {
    script: './experiments/texts/vdcnn.py',
    args: '--batch_size 256 --max_epo 20 --save vdcnn6  ',
    expect: { data: 'ag-news', model: 'vdcnn', blocks: 6, batchSize: 256, epochs: 20, save: 'vdcnn6' },
  },
  {
    script: './experiments/texts/vdcnn.py',
    args: '--batch_size 256 --max_epo 20 --save vdcnn1 --num_blocks 1',
    expect: { data: 'ag-news', model: 'vdcnn', blocks: 1, batchSize: 256, epochs: 20, save: 'vdcnn1' },
  },
  {
    script: './experiments/texts/vdcnn.py',
    args: '--batch_size 256 --max_epo 20 --save vdcnn_ode --use_ode --solver euler  --tol 1e-2 ',
    expect: { data: 'ag-news', model: 'vdcnn-ode', batchSize: 256, epochs: 20, save: 'vdcnn_ode' },
    solver: { method: 'euler', stepSize: 0.01 },
  },
];

describe('the reference study\'s command lines', () => {
  for (const c of REFERENCE_COMMANDS) {
    const argv = c.args.trim().split(/\s+/);
    for (const form of ['script', 'train'] as const) {
      const full = form === 'script' ? [c.script, ...argv] : c.script.includes('texts') ? ['train', '--data', 'ag_news', ...argv] : ['train', ...argv];
      it(`${full.join(' ')}`, async () => {
        const { config, cwd } = await dryRun(full);
        for (const [k, v] of Object.entries(c.expect)) {
          expect(config[k], k).toEqual(k === 'save' ? resolve(cwd, v as string) : v);
        }
        if (c.solver) {
          expect(config.solver.method).toBe(c.solver.method);
          expect(config.solver.stepSize).toBeCloseTo(c.solver.stepSize as number, 12);
        }
      });
    }
  }

  it("the script form runs with the script's defaults: train.py 100 epochs (adam 1e-3 unless given), vdcnn.py SGD 1e-2, no schedule", async () => {
    const image = (await dryRun(['./experiments/train.py', '--data', 'mnist', '--optimizer', 'sgd', '--lr', '0.1', '--num_res', '6'])).config;
    expect(image).toMatchObject({ epochs: 100, optimizer: 'sgd', lr: 0.1, weightDecay: 0, lrSchedule: { type: 'step', every: 40, gamma: 0.1 }, saveEvery: 10, logEvery: 10 });
    expect((await dryRun(['./experiments/train.py'])).config).toMatchObject({ epochs: 100, optimizer: 'adam', lr: 1e-3 });
    const text = (await dryRun(['./experiments/texts/vdcnn.py', '--batch_size', '256', '--max_epo', '20', '--use_ode', '--solver', 'euler', '--tol', '1e-2'])).config;
    expect(text).toMatchObject({ data: 'ag-news', model: 'vdcnn-ode', epochs: 20, batchSize: 256, testBatchSize: 128, optimizer: 'sgd', lr: 1e-2, momentum: 0.9, lrSchedule: { type: 'none' } });
    expect(text.solver).toMatchObject({ method: 'euler', stepSize: 0.01 });
    // The CLI's own defaults without the script (or --reference).
    expect((await dryRun(['train'])).config).toMatchObject({ epochs: 160, optimizer: 'sgd', lr: 0.1 });
    expect((await dryRun(['train', '--reference', 'train.py'])).config).toMatchObject({ epochs: 100, optimizer: 'adam' });
  });

  it('--use_ode alone in the script form is the scripts\' default solver: euler at tol 1e-3', async () => {
    expect((await dryRun(['./experiments/train.py', '--use_ode'])).config.solver).toMatchObject({ method: 'euler', stepSize: 1e-3 });
    expect((await dryRun(['train', '--use_ode'])).config.solver).toMatchObject({ method: 'bosh3' });
  });

  it('--solver euler without --tol uses the reference default tol 1e-3; runge_kutta 4·1e-3', async () => {
    expect((await dryRun(['train', '--use_ode', '--solver', 'euler'])).config.solver).toMatchObject({ method: 'euler', stepSize: 1e-3 });
    expect((await dryRun(['train', '--use_ode', '--solver', 'runge_kutta'])).config.solver).toMatchObject({ method: 'rk4', stepSize: 4e-3 });
  });

  it('--tol with an adaptive method sets rtol and atol', async () => {
    const { config } = await dryRun(['train', '--use_ode', '--method', 'dopri5', '--tol', '1e-4']);
    expect(config.solver).toMatchObject({ method: 'dopri5', rtol: 1e-4, atol: 1e-4 });
    expect(config.solver.stepSize).toBeUndefined();
  });

  it('--tol alone means the reference default solver, euler', async () => {
    const { config } = await dryRun(['train', '--use_ode', '--tol', '0.05']);
    expect(config.solver).toMatchObject({ method: 'euler', stepSize: 0.05 });
  });

  it('--weight_decay alone is the reference 5e-4; with a value it is that value', async () => {
    expect((await dryRun(['train', '--weight_decay'])).config.weightDecay).toBe(5e-4);
    expect((await dryRun(['train', '--weight-decay', '0'])).config.weightDecay).toBe(0);
    expect((await dryRun(['train', '--weight_decay', '1e-3'])).config.weightDecay).toBe(1e-3);
  });

  it('--max_epochs, --num_res_blocks and --batch_size set epochs, blocks and batch size', async () => {
    const { config } = await dryRun(['train', '--max_epochs', '7', '--num_res_blocks', '3', '--batch_size', '64']);
    expect(config).toMatchObject({ epochs: 7, blocks: 3, batchSize: 64 });
  });

  it('--embd_size and --seq_len set the trainer\'s embeddingSize and seqLen (defaults 16 and 1014)', async () => {
    const { config } = await dryRun(['train', '--data', 'ag-news', '--embd_size', '32', '--seq_len', '512']);
    expect(config).toMatchObject({ data: 'ag-news', model: 'vdcnn', embeddingSize: 32, seqLen: 512 });
    const script = await dryRun(['./experiments/texts/vdcnn.py', '--use_ode', '--embd_size', '8', '--seq_len', '256']);
    expect(script.config).toMatchObject({ data: 'ag-news', model: 'vdcnn-ode', embeddingSize: 8, seqLen: 256 });
    expect((await dryRun(['train', '--data', 'ag-news'])).config).toMatchObject({ embeddingSize: 16, seqLen: 1014 });
  });
});

describe('train options', () => {
  it('applies the schema defaults (the reference study\'s)', async () => {
    const { config, cwd } = await dryRun(['train']);
    expect(config).toMatchObject({
      data: 'mnist',
      model: 'resnet',
      optimizer: 'sgd',
      lr: 0.1,
      momentum: 0.9,
      weightDecay: 0,
      lrSchedule: { type: 'step', every: 40, gamma: 0.1 },
      batchSize: 128,
      save: resolve(cwd, 'runs/train'),
    });
  });

  it('maps every native flag to its option', async () => {
    const { config, cwd } = await dryRun([
      'train', '--data', 'fashion-mnist', '--data-dir', '.', '--no-download', '--model', 'odenet', '--blocks', '2',
      '--method', 'tsit5', '--rtol', '1e-4', '--atol', '1e-5', '--adjoint', '--optimizer', 'adam', '--lr', '0.001',
      '--momentum', '0.5', '--weight-decay', '0.0001', '--lr-schedule', 'step', '--lr-step-every', '10', '--lr-gamma', '0.5',
      '--epochs', '3', '--batch-size', '32', '--test-batch-size', '100', '--seed', '7', '--backend', 'cpu', '--threads', '2',
      '--save', 'out', '--save-every', '2', '--log-every', '3', '--limit-train', '100', '--limit-test', '50', '--no-augment',
    ]);
    expect(config).toMatchObject({
      data: 'fashion-mnist', dataDir: cwd, download: false, model: 'odenet', blocks: 2,
      solver: { stepping: 'adaptive', method: 'tsit5', rtol: 1e-4, atol: 1e-5, gradient: { mode: 'backsolve' } }, optimizer: 'adam', lr: 0.001, momentum: 0.5,
      weightDecay: 0.0001, lrSchedule: { type: 'step', every: 10, gamma: 0.5 }, epochs: 3, batchSize: 32,
      testBatchSize: 100, augment: false, seed: 7, backend: 'cpu', threads: 2, save: resolve(cwd, 'out'), saveEvery: 2,
      logEvery: 3, limitTrain: 100, limitTest: 50,
    });
  });

  it('schedule flags alone refine the step schedule', async () => {
    const { config } = await dryRun(['train', '--lr-gamma', '0.5']);
    expect(config.lrSchedule).toEqual({ type: 'step', every: 40, gamma: 0.5 });
    expect((await dryRun(['train', '--lr-schedule', 'none'])).config.lrSchedule).toEqual({ type: 'none' });
  });

  it('ag-news trains vdcnn unless a model is given', async () => {
    expect((await dryRun(['train', '--data', 'ag-news'])).config.model).toBe('vdcnn');
    expect((await dryRun(['train', '--data', 'ag_news', '--model', 'vdcnn-ode'])).config.model).toBe('vdcnn-ode');
  });

  it('--resume --dry-run shows the run\'s stored options with the new --epochs', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'cli-res-'));
    const first = await runCli(['train', '--data', 'mnist-sample', '--epochs', '2', '--save', 'r', '--dry-run'], { cwd });
    mkdirSync(join(cwd, 'r'));
    writeFileSync(join(cwd, 'r', 'config.json'), first.stdout);
    const r = await runCli(['train', '--resume', 'r', '--epochs', '5', '--dry-run'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    const shown = JSON.parse(r.stdout);
    expect(shown.resume).toBe(resolve(cwd, 'r'));
    expect(shown.config).toMatchObject({ data: 'mnist-sample', epochs: 5 });
  });

  it('--from names the checkpoint a resume continues from: only with --resume, and it must exist', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'cli-from-'));
    const alone = await runCli(['train', '--from', 'x.json', '--dry-run'], { cwd });
    expect(alone.code).toBe(2);
    expect(alone.stderr).toMatch(/--from picks the checkpoint a resumed run continues from: give it with --resume <dir>/);
    mkdirSync(join(cwd, 'r'));
    writeFileSync(join(cwd, 'r', 'config.json'), (await runCli(['train', '--save', 'r', '--dry-run'], { cwd })).stdout);
    const missing = await runCli(['train', '--resume', 'r', '--from', 'r/checkpoints/nope.json', '--dry-run'], { cwd });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--from: .*nope\.json does not exist/);
  });

  it('reads --config file.json, and flags override it', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'cli-cfg-'));
    writeFileSync(join(cwd, 'run.json'), JSON.stringify({ data: 'mnist-sample', model: 'odenet', solver: { method: 'bosh3', rtol: 0.01 }, epochs: 4, lrSchedule: { type: 'none' } }));
    const r = await runCli(['train', '--config', 'run.json', '--epochs', '9', '--atol', '0.02', '--dry-run'], { cwd });
    expect(r.code).toBe(0);
    const config = JSON.parse(r.stdout);
    expect(config).toMatchObject({ data: 'mnist-sample', model: 'odenet', epochs: 9, lrSchedule: { type: 'none' } });
    expect(config.solver).toMatchObject({ method: 'bosh3', rtol: 0.01, atol: 0.02 });
  });
});

describe('the solver from the flags (one value, parsed once by the trainer)', () => {
  it("--method's choices are odeint's METHODS", () => {
    expect(trainFlags().find((f) => f.flag === '--method')?.choices).toEqual([...METHODS]);
  });

  it('dry-run shows the resolved solver: every setting, the experiments\' tolerances filled in', async () => {
    const { config } = await dryRun(['train', '--model', 'odenet', '--method', 'dopri5']);
    expect(config.solver).toMatchObject({
      stepping: 'adaptive', method: 'dopri5', rtol: 1e-2, atol: 1e-2, maxSteps: 100_000, jumpTimes: [], stepTimes: [],
      minStep: 0, safety: 0.9, ifactor: 10, dfactor: 0.2, controller: 'I', norm: 'rms', gradient: { mode: 'checkpoint' },
    });
  });

  it.each([
    [['--method', 'rk4', '--step-size', '0.1', '--rtol', '1e-3'], /^neural-ode train: --rtol: .*options\.rtol does not apply to 'rk4'/],
    [['--method', 'dopri5', '--step-size', '0.1'], /options\.stepSize does not apply to 'dopri5'/],
    [['--method', 'rk4'], /'rk4' is fixed-step: give its step size/],
    [['--blocks', '2', '--num_res', '3'], /--blocks and --num_res both set blocks \(to 2 and 3\)/],
    [['--adjoint', '--gradient', 'tape'], /--adjoint means --gradient backsolve, but --gradient tape was given/],
    [['--gradient', 'adjoint'], /--gradient.*options\.gradient = "adjoint" is not a gradient mode.*'tape', 'checkpoint', 'backsolve'/],
  ])('train %j is a usage error (exit 2) that names the flag', async (argv, message) => {
    const r = await runCli(['train', '--model', 'odenet', ...argv, '--dry-run'], { cwd: mkdtempSync(join(tmpdir(), 'cli-bad-')) });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  it('--gradient sets the gradient mode (default checkpoint); --adjoint is --gradient backsolve', async () => {
    expect((await dryRun(['train', '--model', 'odenet', '--gradient', 'tape'])).config.solver.gradient).toEqual({ mode: 'tape' });
    expect((await dryRun(['train', '--model', 'odenet', '--adjoint'])).config.solver.gradient).toMatchObject({ mode: 'backsolve', check: 'warn' });
    expect((await dryRun(['train', '--model', 'odenet'])).config.solver.gradient).toMatchObject({ mode: 'checkpoint' });
    expect(trainFlags().find((f) => f.flag === '--gradient')?.choices).toEqual(['tape', 'checkpoint', 'backsolve']);
  });

  it('the same flag twice with the same value is not a conflict', async () => {
    expect((await dryRun(['train', '--blocks', '3', '--num_res', '3'])).config.blocks).toBe(3);
  });
});
