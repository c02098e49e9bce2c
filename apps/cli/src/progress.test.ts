import type { TrainConfig } from '@neural-ode/trainer';
import { describe, expect, it } from 'vitest';
import type { CliIO } from './io';
import { bar, DownloadProgress, formatBytes, formatDuration, SpiralProgress, TrainProgress } from './progress';

function fakeIO(isTTY: boolean) {
  let t = 0;
  const io: CliIO & { err: string; tick: (ms: number) => void } = {
    stdout: () => undefined,
    stderr: (s) => (io.err += s),
    err: '',
    isTTY,
    columns: 120,
    cwd: '/',
    now: () => t,
    tick: (ms) => (t += ms),
  };
  return io;
}

const start = (steps: number) =>
  ({
    type: 'start', config: { epochs: 3 } as TrainConfig, runDir: '/r', backend: 'cpu', params: 10, steps, epoch: 1,
    step: 0, trainCount: steps * 8, testCount: 8, resumed: false,
  }) as const;

describe('progress formatting', () => {
  it('formats durations, sizes and bars', () => {
    expect(formatDuration(83.4)).toBe('1:23');
    expect(formatDuration(3700)).toBe('1:01:40');
    expect(formatDuration(NaN)).toBe('--:--');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(bar(0.5, 10)).toBe('[#####.....]');
    expect(bar(2, 4)).toBe('[####]');
  });
});

describe('TrainProgress', () => {
  it('on a terminal redraws one bar per epoch with loss, images/s, ETA and NFE', () => {
    const io = fakeIO(true);
    const p = new TrainProgress(io);
    p.onEvent(start(4));
    for (let step = 1; step <= 4; step++) {
      io.tick(1000);
      p.onEvent({ type: 'step', epoch: 1, step, steps: 4, loss: 1 / step, imagesPerSec: 100, nfeForward: 26, nfeBackward: 32 });
    }
    expect(io.err).toContain('\r\x1b[2Kepoch 1/3 [');
    // 1 s per step, 4 steps per epoch, 3 epochs: at step 2 of epoch 1, 2 s left in the epoch and 2 + 2·4 in the run.
    expect(io.err).toContain('] 2/4  loss 0.5000  100 img/s  ETA epoch 0:02  run 0:10  NFE fwd 26 bwd 32');
    expect(io.err).toContain('4/4  loss 0.2500');
    expect(io.err).not.toContain('\n');
    p.onEvent({ type: 'log', line: 'epoch 1/3  train loss 0.3' });
    expect(io.err.endsWith('\r\x1b[2Kepoch 1/3  train loss 0.3\n')).toBe(true);
  });

  // The study's ODE-Net command (`train --data mnist ... --solver runge_kutta --tol 1e-2 --use_ode`, 160 epochs of
  // 469 steps) deep into its run: the widest numbers the bar shows.
  const odeNetRun = (columns: number, nfe = true) => {
    const io = fakeIO(true);
    io.columns = columns;
    const p = new TrainProgress(io);
    p.onEvent({ ...start(469), config: { epochs: 160 } as TrainConfig, epoch: 100 });
    const lines: string[] = [];
    for (let step = 1; step <= 469; step += 39) {
      io.tick(2345);
      const before = io.err.length;
      p.onEvent({
        type: 'step', epoch: 100, step, steps: 469, loss: 0.012345, imagesPerSec: 54.6,
        ...(nfe ? { nfeForward: 26.4, nfeBackward: 32.7 } : {}),
      });
      lines.push(...io.err.slice(before).split('\r\x1b[2K').filter(Boolean));
    }
    return lines;
  };

  it.each([60, 70, 80, 120])('fits a %i-column terminal with the study ODE-Net command (no wrap, no newline)', (columns) => {
    for (const lines of [odeNetRun(columns), odeNetRun(columns, false)]) {
      expect(lines.length).toBeGreaterThan(5);
      for (const line of lines) {
        expect(line.length, line).toBeLessThan(columns);
        expect(line).not.toContain('\n');
        expect(line).toMatch(/^epoch 100\/160 .*\d+\/469 {2}loss 0\.0123 .*ETA epoch \d/);
      }
    }
  });

  it('shows the whole run ETA and NFE forward/backward when there is room', () => {
    const wide = odeNetRun(120);
    expect(wide[1]).toMatch(/\] 40\/469 {2}loss 0\.0123 {2}55 img\/s {2}ETA epoch \d+:\d+ {2}run \d+:\d{2} {2}NFE fwd 26\.4 bwd 32\.7$/);
    // Step 40 after 2 × 2.345 s: 429 steps left in this epoch, and 60 more epochs of 469 steps at the same pace.
    const perStep = (2 * 2.345) / 40;
    expect(wide[1]).toContain(`ETA epoch ${formatDuration(perStep * 429)}  run ${formatDuration(perStep * (429 + 60 * 469))}`);
    // Narrow terminals keep the epoch's ETA and drop the rest first.
    expect(odeNetRun(60)[1]).toBe(`epoch 100/160  40/469  loss 0.0123  ETA epoch ${formatDuration(perStep * 429)}`);
  });

  it('throttles terminal redraws', () => {
    const io = fakeIO(true);
    const p = new TrainProgress(io);
    p.onEvent(start(100));
    for (let step = 1; step <= 50; step++) {
      io.tick(10);
      p.onEvent({ type: 'step', epoch: 1, step, steps: 100, loss: 1, imagesPerSec: 1 });
    }
    expect(io.err.split('\r').length - 1).toBeLessThanOrEqual(6);
  });

  it('elsewhere prints plain lines about every tenth of an epoch', () => {
    const io = fakeIO(false);
    const p = new TrainProgress(io);
    p.onEvent(start(100));
    for (let step = 1; step <= 100; step++) p.onEvent({ type: 'step', epoch: 2, step, steps: 100, loss: 1, imagesPerSec: 5 });
    const lines = io.err.trim().split('\n');
    expect(lines).toHaveLength(10);
    expect(lines[0]).toMatch(/^epoch 2\/3 step 10\/100 {2}loss 1\.0000 {2}5 img\/s {2}ETA/);
    expect(io.err).not.toContain('\r');
    p.onEvent({ type: 'checkpoint', path: '/r/c.safetensors', epoch: 2, step: 0 });
    expect(io.err).toContain('checkpoint: /r/c.safetensors\n');
  });
});

describe('DownloadProgress', () => {
  it('draws a bar with bytes, rate and ETA on a terminal, and ends it when verified', () => {
    const io = fakeIO(true);
    const d = new DownloadProgress(io);
    d.onProgress({ dataset: 'mnist', file: 'a.gz', url: 'u', bytes: 512, total: 1024, rate: 256, etaSeconds: 2, attempt: 1, done: false });
    expect(io.err).toMatch(/mnist a\.gz \[#+\.+\] 512 B \/ 1\.0 KB {2}256 B\/s {2}ETA 0:02/);
    io.tick(1000);
    d.onProgress({ dataset: 'mnist', file: 'a.gz', url: 'u', bytes: 1024, total: 1024, rate: 256, etaSeconds: 0, attempt: 2, done: true });
    expect(io.err).toContain('retry 1  verified\n');
  });

  it('says it is connecting before the first byte, and fits a narrow terminal', () => {
    const io = fakeIO(true);
    io.columns = 60;
    const d = new DownloadProgress(io);
    d.onProgress({ dataset: 'cifar10', file: 'cifar-10-binary.tar.gz', url: 'https://www.cs.toronto.edu/~kriz/c.tar.gz', bytes: 0, total: null, connecting: true });
    expect(io.err).toBe('cifar10 cifar-10-binary.tar.gz: connecting to www.cs.toronto.edu…\n');
    d.onProgress({ dataset: 'cifar10', file: 'cifar-10-binary.tar.gz', bytes: 5e7, total: 170052171, rate: 3e6, etaSeconds: 40, attempt: 1, done: false });
    const line = io.err.split('\r\x1b[2K').pop()!;
    expect(line.length).toBeLessThan(60);
    expect(line).toMatch(/^cifar10 cifar-10-binary\.tar\.gz {2}47\.7 MB \/ 162\.2 MB/);
  });

  it('prints a line about every 10% elsewhere', () => {
    const io = fakeIO(false);
    const d = new DownloadProgress(io);
    for (let b = 0; b <= 1000; b += 10) d.onProgress({ file: 'f', bytes: b, total: 1000, rate: 1, etaSeconds: null, done: b === 1000 });
    expect(io.err.trim().split('\n').length).toBe(11);
  });
});

describe('SpiralProgress', () => {
  it('draws an iteration bar on a terminal and prints the log lines above it', () => {
    const io = fakeIO(true);
    const p = new SpiralProgress(io);
    p.onEvent({ type: 'start', dir: '/s' });
    io.tick(1000);
    p.onEvent({ type: 'iteration', iteration: 10, iterations: 20, loss: 0.5, nfeForward: 30, nfeBackward: 60 });
    expect(io.err).toMatch(/spiral -> \/s\n\r\x1b\[2Kspiral \[#+\.+\] 10\/20 {2}loss 5\.000e-1 {2}ETA 0:01 {2}NFE fwd 30 bwd 60/);
    p.onEvent({ type: 'log', line: 'iter 10/20' });
    expect(io.err.endsWith('\r\x1b[2Kiter 10/20\n')).toBe(true);
  });
});
