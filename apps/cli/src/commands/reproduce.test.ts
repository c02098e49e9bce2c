import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { writeQuadrantMnist } from '../testing/mnist-idx';
import { runCli } from '../testing/run-cli';
import { STUDY_COMMANDS } from '../reproduce/rows';

const root = mkdtempSync(join(tmpdir(), 'cli-reproduce-'));
const dataDir = join(root, 'data');
const BACKEND = process.env.NEURAL_ODE_TEST_BACKEND ?? 'wasm';
const QUICK = ['--data-dir', dataDir, '--no-download', '--limit-train', '32', '--limit-test', '16', '--backend', BACKEND, '--epochs', '1'];

describe('neural-ode reproduce', { timeout: 600_000 }, () => {
  beforeAll(() => writeQuadrantMnist(dataDir));

  it("--dry-run prints each row's command, and each resolves to the study's method, step and schedule", async () => {
    const r = await runCli(['reproduce', 'all', '--dry-run', '--json', '--out', 'runs'], { cwd: root });
    expect(r.code, r.stderr).toBe(0);
    const { rows } = JSON.parse(r.stdout) as { rows: Array<{ table: string; row: string; command: string }> };
    expect(rows.map((x) => `${x.table} ${x.row}`)).toEqual([
      'mnist resnet6', 'mnist resnet1', 'mnist odenet-rk4',
      'cifar10 resnet6', 'cifar10 resnet1', 'cifar10 odenet-rk4', 'cifar10 odenet-euler',
      'ag-news vdcnn6', 'ag-news vdcnn1', 'ag-news vdcnn-ode',
    ]);
    const expected: Record<string, Record<string, unknown>> = {
      'mnist odenet-rk4': { model: 'odenet', data: 'mnist', epochs: 100, optimizer: 'sgd', lr: 0.1 },
      'cifar10 odenet-euler': { model: 'odenet', data: 'cifar10' },
      'ag-news vdcnn-ode': { model: 'vdcnn-ode', data: 'ag-news', epochs: 20, batchSize: 256, optimizer: 'sgd', lr: 0.01 },
      'mnist resnet6': { model: 'resnet', blocks: 6, lrSchedule: { type: 'step', every: 40, gamma: 0.1 }, weightDecay: 0 },
    };
    const solvers: Record<string, Record<string, unknown>> = {
      'mnist odenet-rk4': { method: 'rk4', stepSize: 0.04 },
      'cifar10 odenet-euler': { method: 'euler', stepSize: 0.01 },
      'ag-news vdcnn-ode': { method: 'euler', stepSize: 0.01 },
    };
    for (const row of rows) {
      const argv = row.command.split(' ').slice(1);
      const dry = await runCli([...argv, '--dry-run'], { cwd: root });
      expect(dry.code, `${row.command}\n${dry.stderr}`).toBe(0);
      const config = JSON.parse(dry.stdout);
      const name = `${row.table} ${row.row}`;
      if (expected[name]) expect(config, name).toMatchObject(expected[name]);
      if (solvers[name]) expect(config.solver, name).toMatchObject(solvers[name]);
    }
    expect(existsSync(join(root, 'runs'))).toBe(false);
  });

  it('--epochs scales the LR step; --substitute relabels the rows; bad choices are usage errors', async () => {
    const r = await runCli(['reproduce', 'mnist', '--epochs', '10', '--substitute', 'fashion_mnist', '--dry-run', '--json'], { cwd: root });
    const { rows } = JSON.parse(r.stdout) as { rows: Array<{ dir: string; command: string }> };
    expect(rows[0].dir).toMatch(/fashion-mnist-resnet6$/);
    expect(rows[0].command).toContain('--data fashion-mnist');
    expect(rows[0].command).toContain('--epochs 10 --lr-step-every 4');
    expect((await runCli(['reproduce', 'ag-news', '--substitute', 'mnist', '--dry-run'], { cwd: root })).code).toBe(2);
    expect((await runCli(['reproduce', 'mnist', '--rows', 'vdcnn6', '--dry-run'], { cwd: root })).code).toBe(2);
    expect((await runCli(['reproduce', 'imagenet', '--dry-run'], { cwd: root })).code).toBe(2);
  });

  it('runs every row of a table into its own directory, then writes report.md in the study\'s format with a figure', async () => {
    const r = await runCli(['reproduce', 'mnist', ...QUICK, '--project-solver', '--out', 'quick', '--json'], { cwd: root });
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout) as { rows: Array<{ row: string; action: string; state: string }>; report: string };
    expect(result.rows.map((x) => [x.row, x.action, x.state])).toEqual([
      ['resnet6', 'trained', 'finished'],
      ['resnet1', 'trained', 'finished'],
      ['odenet-rk4', 'trained', 'finished'],
    ]);
    const report = readFileSync(result.report, 'utf8');
    expect(report).toContain('| Model | Test Error, % (study) | Test Error, % (ours) | # parameters (study) | # parameters (ours) |');
    expect(report).toMatch(/\| ResNet\(6\) \| 0\.34 \| \d+\.\d\d \| 577 K \| 577 K \| 13\.18 \| [\d.]+ \| 1 \|/);
    expect(report).toMatch(/\| OdeNet \(Runge-Kutta\) \| 0\.45 \| \d+\.\d\d \| 207 K \| 208 K \|/);
    expect(report).toContain("Epochs: 1 instead of the study's 100; the LR decays ×0.1 every 1 epochs (the study: every 40).");
    expect(report).toContain("odenet-rk4: integrated with bosh3 at rtol 0.01, atol 0.01 (checkpoint gradients), not the study's rk4 at step 0.04.");
    expect(report).toContain('Quick run: subsets of 32 training and 16 test examples');
    expect(report).toMatch(/Backend: \w+ \(\d+ threads\)/);
    expect(existsSync(join(root, 'quick', 'mnist-figure.png'))).toBe(true);
  });

  it('a second run skips finished rows and resumes an interrupted one', async () => {
    // resnet1 as if killed after epoch 1 of 2: its config asks for 2 epochs, its metrics hold 1.
    const config = join(root, 'quick', 'mnist-resnet1', 'config.json');
    const info = JSON.parse(readFileSync(config, 'utf8'));
    info.config.epochs = 2;
    writeFileSync(config, JSON.stringify(info, null, 2));
    const finishedMetrics = join(root, 'quick', 'mnist-resnet6', 'metrics.jsonl');
    const before = statSync(finishedMetrics).mtimeMs;
    const r = await runCli(['reproduce', 'mnist', ...QUICK, '--project-solver', '--out', 'quick', '--json'], { cwd: root });
    expect(r.code, r.stderr).toBe(0);
    const { rows } = JSON.parse(r.stdout) as { rows: Array<{ row: string; action: string; state: string }> };
    expect(rows.map((x) => [x.row, x.action, x.state])).toEqual([
      ['resnet6', 'skipped', 'finished'],
      ['resnet1', 'resumed', 'finished'],
      ['odenet-rk4', 'skipped', 'finished'],
    ]);
    expect(statSync(finishedMetrics).mtimeMs).toBe(before);
    expect(readFileSync(join(root, 'quick', 'mnist-resnet1', 'metrics.jsonl'), 'utf8').trim().split('\n')).toHaveLength(2);
  });

  it('--collect builds the report from run directories without training; none there is a usage error', async () => {
    const r = await runCli(['reproduce', 'mnist', '--collect', '--out', 'quick', '--json'], { cwd: root });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).rows.every((x: { action: string }) => x.action === 'collected')).toBe(true);
    const empty = await runCli(['reproduce', 'mnist', '--collect', '--out', 'nothing-here'], { cwd: root });
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/--collect: no run directory of these rows is in .*nothing-here/);
  });

  it('--emit slurm writes an sbatch array script that bash accepts, one task per row with its command', async () => {
    const r = await runCli(['reproduce', 'all', '--emit', 'slurm', '--cpus', '16', '--gpus', '1', '--out', 'cluster'], { cwd: root });
    expect(r.code, r.stderr).toBe(0);
    const file = join(root, 'cluster', 'reproduce.sbatch');
    const script = readFileSync(file, 'utf8');
    expect(spawnSync('bash', ['-n', file]).status).toBe(0);
    expect(script).toContain('#SBATCH --array=0-9');
    expect(script).toContain('#SBATCH --cpus-per-task=16');
    expect(script).toContain('#SBATCH --gres=gpu:1');
    for (const c of Object.values(STUDY_COMMANDS).flat()) expect(script).toContain(c.argv.join(' ').replace('--save_every 50', '--save_every 1'));
    expect(script).toContain('train --resume "$DIR"');
  });

  it('--emit k8s writes an indexed Job that parses as YAML, one completion per row; --image is required', async () => {
    expect((await runCli(['reproduce', 'mnist', '--emit', 'k8s', '--out', 'k8s'], { cwd: root })).code).toBe(2);
    const r = await runCli(['reproduce', 'mnist', '--emit', 'k8s', '--image', 'ghcr.io/me/neural-ode:1', '--out', 'k8s'], { cwd: root });
    expect(r.code, r.stderr).toBe(0);
    const job = parseYaml(readFileSync(join(root, 'k8s', 'reproduce-job.yaml'), 'utf8'));
    expect(job).toMatchObject({ apiVersion: 'batch/v1', kind: 'Job', spec: { completionMode: 'Indexed', completions: 3 } });
    const container = job.spec.template.spec.containers[0];
    expect(container.image).toBe('ghcr.io/me/neural-ode:1');
    expect(container.command[2]).toContain('$JOB_COMPLETION_INDEX');
    expect(container.command[2]).toContain('--solver runge_kutta --tol 1e-2 --use_ode');
    expect(job.spec.template.spec.volumes[0].persistentVolumeClaim.claimName).toBe('neural-ode-runs');
  });
});
