import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TrainJsonResult } from './commands/train';
import { writeQuadrantMnist } from './testing/mnist-idx';
import { runCli } from './testing/run-cli';

// End to end on generated MNIST-format files: train 2 epochs, Ctrl-C a run and resume it, evaluate, plot, report.
// Small on purpose (32 training / 16 test images, batch 16): the point is the CLI's plumbing, not accuracy
// (the trainer's own tests assert learning). Timeouts are generous because the machine running them may be shared.

const here = dirname(fileURLToPath(import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'cli-e2e-'));
const dataDir = join(root, 'data');
const BACKEND = process.env.NEURAL_ODE_TEST_BACKEND ?? 'wasm';
const COMMON = [
  '--data', 'mnist', '--data-dir', dataDir, '--no-download', '--blocks', '1', '--batch-size', '16',
  '--test-batch-size', '16', '--limit-train', '32', '--limit-test', '16', '--seed', '3', '--lr', '0.05',
  '--lr-schedule', 'none', '--backend', BACKEND, '--epochs', '2',
];

/** Runs the `neural-ode` bin from source in a child process (vite-node resolves the workspace like vitest). */
function spawnCli(argv: string[], onStderr: (text: string, kill: () => void) => void) {
  const viteNode = join(dirname(createRequire(import.meta.url).resolve('vite-node')), '..', 'vite-node.mjs');
  const child = spawn(process.execPath, [viteNode, '-c', join(here, '..', 'vitest.config.ts'), join(here, 'cli.ts'), ...argv], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
    onStderr(stderr, () => child.kill('SIGINT'));
  });
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, stdout, stderr })),
  );
}

let full: TrainJsonResult;

describe('neural-ode end to end', { timeout: 600_000 }, () => {
  beforeAll(() => writeQuadrantMnist(dataDir));

  it('train: 2 epochs, one JSON object on stdout, progress on stderr, run files written', async () => {
    const r = await runCli(['train', ...COMMON, '--save', 'full', '--json'], { cwd: root });
    expect(r.code, r.stderr).toBe(0);
    full = JSON.parse(r.stdout) as TrainJsonResult;
    expect(full).toMatchObject({ command: 'train', interrupted: false, epoch: 2, epochs: 2, runDir: join(root, 'full') });
    expect(r.stderr).toMatch(/epoch 1\/2 step 2\/2 {2}loss \d/);
    expect(r.stderr).toMatch(/epoch 2\/2 {2}train loss/);
    const lines = readFileSync(join(root, 'full', 'metrics.jsonl'), 'utf8').trim().split('\n');
    expect(lines.map((l) => JSON.parse(l).epoch)).toEqual([1, 2]);
    // The result is the last epoch's measurement on the 16 test images: a whole number of them, a finite loss.
    const last = JSON.parse(lines[1]) as { testAccuracy: number; testLoss: number };
    expect(full.testAccuracy).toBe(last.testAccuracy);
    expect(full.testLoss).toBe(last.testLoss);
    expect(Number.isInteger(full.testAccuracy! * 16)).toBe(true);
    expect(full.testAccuracy).toBeLessThanOrEqual(1);
    expect(Number.isFinite(full.testLoss) && full.testLoss! > 0).toBe(true);
    expect(JSON.parse(readFileSync(full.paths.config, 'utf8'))).toBeTruthy();
    expect(existsSync(full.paths.checkpoint)).toBe(true);
  });

  it('Ctrl-C checkpoints and exits 130; --resume then reaches the uninterrupted run\'s result', async () => {
    let sent = false;
    const r = await spawnCli(['train', ...COMMON, '--save', 'cut', '--json'], (stderr, kill) => {
      if (!sent && /epoch 1\/2 step 1\/2/.test(stderr)) {
        sent = true;
        kill();
      }
    });
    expect(sent, r.stderr).toBe(true);
    expect(r.code, r.stderr).toBe(130);
    const cut = JSON.parse(r.stdout) as TrainJsonResult;
    expect(cut.interrupted).toBe(true);
    expect(cut.epoch).toBeLessThan(2);
    expect(existsSync(cut.paths.checkpoint)).toBe(true);

    const resumed = await runCli(['train', '--resume', 'cut', '--json'], { cwd: root });
    expect(resumed.code, resumed.stderr).toBe(0);
    const done = JSON.parse(resumed.stdout) as TrainJsonResult;
    expect(done).toMatchObject({ interrupted: false, epoch: 2 });
    // Same seed, same data: the interrupted-and-resumed run ends where the uninterrupted one did.
    expect(done.testLoss).toBeCloseTo(full.testLoss!, 4);
    expect(done.testAccuracy).toBe(full.testAccuracy);
    const epochs = readFileSync(join(root, 'cut', 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).epoch);
    expect(epochs).toEqual([1, 2]);
  });

  it('evaluate: the checkpoint\'s test accuracy and loss', async () => {
    const r = await runCli(['evaluate', '--checkpoint', 'full', '--limit', '16', '--json'], { cwd: root });
    expect(r.code, r.stderr).toBe(0);
    const e = JSON.parse(r.stdout);
    expect(e).toMatchObject({ command: 'evaluate', split: 'test', count: 16 });
    // The generated data has digits 0-3 only: the subset says so, on stderr and in the JSON.
    expect(e.warnings?.[0]).toMatch(/has 16 examples and none of class .*9/);
    expect(r.stderr).toContain(e.warnings[0]);
    expect(e.accuracy).toBeCloseTo(full.testAccuracy!, 6);
    expect(e.loss).toBeCloseTo(full.testLoss!, 4);
  });

  it('plot: SVG and PNG of both runs', async () => {
    const r = await runCli(['plot', 'full', 'cut', '--out', 'compare', '--json'], { cwd: root });
    expect(r.code, r.stderr).toBe(0);
    const p = JSON.parse(r.stdout);
    expect(p.paths).toEqual({ svg: join(root, 'compare.svg'), png: join(root, 'compare.png') });
    expect(readFileSync(p.paths.svg, 'utf8')).toContain('<svg');
    expect(readFileSync(p.paths.png).subarray(1, 4).toString()).toBe('PNG');
  });

  it('report: the results table, printed and written', async () => {
    const r = await runCli(['report', 'full', 'cut', '--out', 'results.md'], { cwd: root });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^### MNIST classification\n\n\| Model \| Test Error, % \| # parameters \| Time \(s\/epoch\) \| NFE \|/);
    expect(r.stdout).toMatch(/\| ResNet\(1\) \(2 ep\.\) \| \d+\.\d\d \| \d+ K \|/);
    expect(r.stdout.trim().split('\n').filter((l) => l.startsWith('|')).length).toBeGreaterThanOrEqual(4);
    expect(readFileSync(join(root, 'results.md'), 'utf8').trim()).toBe(r.stdout.trim());
    const j = await runCli(['report', 'full', '--json'], { cwd: root });
    expect(JSON.parse(j.stdout)).toMatchObject({ command: 'report', runs: [join(root, 'full')] });
  });

  it('datasets info and download read the local files without a network', async () => {
    const info = await runCli(['datasets', 'info', 'mnist', '--data-dir', dataDir, '--json'], { cwd: root });
    expect(info.code, info.stderr).toBe(0);
    const d = JSON.parse(info.stdout).datasets[0];
    expect(d.splits.train.count).toBe(60_000);
    expect(d.splits.test.files.every((f: { local: { path: string } | null }) => f.local?.path.startsWith(dataDir))).toBe(true);
    const dl = await runCli(['datasets', 'download', 'mnist', '--data-dir', dataDir, '--json'], { cwd: root });
    expect(dl.code, dl.stderr).toBe(0);
    expect(JSON.parse(dl.stdout).datasets[0].counts).toEqual({ train: 60_000, test: 10_000 });
  });

  it('spiral: RMSE and plot paths as JSON', async () => {
    const r = await runCli(['spiral', '--iterations', '20', '--save', 'spiral', '--json'], { cwd: root });
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s).toMatchObject({ command: 'spiral', iterations: 20, interrupted: false });
    expect(Number.isFinite(s.rmse)).toBe(true);
    for (const p of [s.paths.svg, s.paths.png, s.paths.result]) expect(existsSync(p)).toBe(true);
    expect(readdirSync(join(root, 'spiral'))).toContain('spiral.png');
  });
});
