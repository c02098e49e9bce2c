import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeFileAtomic } from './atomic-write';
import { trainConfigSchema } from './config';
import type { EpochMetrics } from './events';
import { PALETTE } from './chart';
import { plotRuns, plotSpiral } from './plot';
import { reportRuns } from './report';
import { modelLabel, type RunInfo } from './run-dir';

/** Writes a run directory with the given metrics, as train() does. */
function fakeRun(
  root: string,
  name: string,
  model: 'resnet' | 'odenet' | 'vdcnn',
  params: number,
  rows: Array<Partial<EpochMetrics>>,
  data: 'mnist' | 'cifar10' | 'ag-news' = 'mnist',
): string {
  const dir = join(root, name);
  const config = trainConfigSchema.parse({ model, data, blocks: model === 'odenet' ? 1 : 6, save: dir });
  const info: RunInfo = { config, backend: { name: 'cpu', tfjs: 'cpu', threads: 1 }, versions: {}, params, label: modelLabel(config), startedAt: '' };
  writeFileAtomic(join(dir, 'config.json'), JSON.stringify(info));
  writeFileAtomic(join(dir, 'metrics.jsonl'), rows.map((r, i) => JSON.stringify({ epoch: i + 1, ...r }) + '\n').join(''));
  return dir;
}

function pngSize(bytes: Buffer): { width: number; height: number } {
  expect(Array.from(bytes.subarray(0, 8))).toEqual([137, 80, 78, 71, 13, 10, 26, 10]);
  expect(bytes.subarray(12, 16).toString('ascii')).toBe('IHDR');
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

describe('plots and reports', () => {
  const root = mkdtempSync(join(tmpdir(), 'trainer-plot-'));
  const resnetDir = fakeRun(root, 'resnet', 'resnet', 576778, [
    { testAccuracy: 0.95, testLoss: 0.2, epochSeconds: 10 },
    { testAccuracy: 0.9952, testLoss: 0.05, epochSeconds: 12 },
  ]);
  const odeDir = fakeRun(root, 'odenet', 'odenet', 208010, [
    { testAccuracy: 0.9, testLoss: 0.3, epochSeconds: 30, nfeForward: 20, nfeBackward: 40 },
    { testAccuracy: 0.9958, testLoss: 0.04, epochSeconds: 34, nfeForward: 26, nfeBackward: 44 },
  ]);

  it('reportRuns writes the study\'s MNIST table: test error %, parameters in K', async () => {
    const md = await reportRuns([resnetDir, odeDir]);
    expect(md.trim().split('\n')).toEqual([
      '### MNIST classification',
      '',
      '| Model | Test Error, % | # parameters | Time (s/epoch) | NFE |',
      '|---|---:|---:|---:|---:|',
      '| ResNet(6) (2 ep.) | 0.48 | 577 K | 11.0 | – |',
      '| ODE-Net (bosh3, tol 0.01) (2 ep.) | 0.42 | 208 K | 32.0 | 23.0 / 42.0 |',
    ]);
  });

  it('reportRuns gives each dataset its own table: accuracy % for CIFAR-10 and AG-News', async () => {
    const cifar = fakeRun(root, 'cifar', 'resnet', 577930, [{ testAccuracy: 0.867, testLoss: 0.4, epochSeconds: 12 }], 'cifar10');
    const text = fakeRun(root, 'text', 'vdcnn', 162345, [{ testAccuracy: 0.8775, testLoss: 0.4, epochSeconds: 172 }], 'ag-news');
    const tables = (await reportRuns([cifar, resnetDir, text])).trim().split('\n\n### ');
    expect(tables.map((t) => t.split('\n')[0].replace(/^### /, ''))).toEqual(['CIFAR-10 classification', 'MNIST classification', 'Text classification (AG-News)']);
    expect(tables[0]).toContain('| Model | Accuracy, % | # parameters | Time (s/epoch) | NFE |\n|---|---:|---:|---:|---:|\n| ResNet(6) (1 ep.) | 86.70 | 578 K | 12.0 | – |');
    expect(tables[1]).toContain('| Test Error, % |');
    expect(tables[2]).toContain('| Accuracy, % |');
    expect(tables[2]).toContain('| 87.75 | 162 K | 172.0 |');
  });

  it('plotRuns draws one accuracy and one loss line per run, as SVG and a real PNG', async () => {
    const out = await plotRuns([resnetDir, odeDir], join(root, 'compare'));
    const svg = readFileSync(out.svg, 'utf8');
    expect(svg.match(/<polyline /g)).toHaveLength(4);
    expect(svg).toContain('ResNet(6) · resnet');
    expect(svg).toContain('ODE-Net (bosh3, tol 0.01) · odenet');
    expect(svg).toContain('Test accuracy (mnist)');
    const size = pngSize(readFileSync(out.png));
    expect(size.width).toBe(2200);
    expect(size.height).toBeGreaterThan(800);
  });

  it('plotRuns keeps the legend clear of the data, draws the first and last points whole, and shows a one-epoch run', async () => {
    // Accuracy rising to the top right corner, where a legend inside the axes would sit; a run of a single epoch.
    const rising = fakeRun(root, 'rising', 'resnet', 576778, [0.5, 0.8, 0.95, 1].map((a, i) => ({ testAccuracy: a, testLoss: 1 - a, epochSeconds: 1 + i })));
    const single = fakeRun(root, 'single', 'odenet', 208010, [{ testAccuracy: 0.9, testLoss: 0.3, epochSeconds: 30 }]);
    const svg = readFileSync((await plotRuns([rising, single], join(root, 'edges'))).svg, 'utf8');
    const num = (tag: string, name: string) => Number(new RegExp(`${name}="([-\\d.]+)"`).exec(tag)![1]);
    const rects = (stroke: string) =>
      [...svg.matchAll(new RegExp(`<rect [^>]*stroke="${stroke}"[^>]*>`, 'g'))].map(([t]) => ({ x: num(t, 'x'), y: num(t, 'y'), w: num(t, 'width'), h: num(t, 'height') }));
    const frames = rects('#333333');
    const legends = rects('#bbbbbb');
    expect(frames).toHaveLength(2);
    expect(legends).toHaveLength(2);
    const marks = [...svg.matchAll(/<circle [^>]*>/g)].map(([t]) => ({ x: num(t, 'cx'), y: num(t, 'cy'), r: num(t, 'r'), fill: /fill="([^"]+)"/.exec(t)![1] }));
    const points = [
      ...marks,
      ...[...svg.matchAll(/<polyline points="([^"]+)"/g)].flatMap(([, p]) => p.split(' ').map((xy) => ({ x: Number(xy.split(',')[0]), y: Number(xy.split(',')[1]), r: 1, fill: '' }))),
    ];
    const inside = (p: { x: number; y: number; r: number }, b: { x: number; y: number; w: number; h: number }) =>
      p.x - p.r >= b.x && p.x + p.r <= b.x + b.w && p.y - p.r >= b.y && p.y + p.r <= b.y + b.h;
    const touches = (p: { x: number; y: number; r: number }, b: { x: number; y: number; w: number; h: number }) =>
      p.x + p.r > b.x && p.x - p.r < b.x + b.w && p.y + p.r > b.y && p.y - p.r < b.y + b.h;
    // Data marks: each lies whole inside one frame (so the clip path cuts none), and on no legend.
    const data = points.filter((p) => frames.some((b) => touches(p, b)));
    expect(data.length).toBeGreaterThanOrEqual(2 * (4 + 4 + 1));
    for (const p of data) {
      expect(frames.some((b) => inside(p, b)), `point at ${p.x},${p.y} r ${p.r} cut by the frame`).toBe(true);
      for (const l of legends) expect(touches(p, l), `point at ${p.x},${p.y} under the legend`).toBe(false);
    }
    // The one-epoch run: one marker per panel, big enough to see, inside the frame.
    const lone = data.filter((p) => p.fill === PALETTE[1]);
    expect(lone).toHaveLength(2);
    for (const p of lone) expect(p.r).toBeGreaterThanOrEqual(4);
  });

  it('plotSpiral draws the observations, the truth and the learned path', async () => {
    const ts = Array.from({ length: 50 }, (_, i) => i * 0.3);
    const pts = ts.map((t) => [Math.exp(-0.1 * t) * Math.cos(t), Math.exp(-0.1 * t) * Math.sin(t)]);
    const out = await plotSpiral({ observed: pts, truth: pts, learned: pts, title: 'test spiral' }, join(root, 'spiral'));
    const svg = readFileSync(out.svg, 'utf8');
    expect(svg.match(/<circle /g)!.length).toBeGreaterThanOrEqual(50);
    expect(svg).toContain('stroke-dasharray');
    expect(svg).toContain('test spiral');
    expect(pngSize(readFileSync(out.png)).width).toBe(1280);
  });

  it('errors name what is wrong', async () => {
    await expect(reportRuns([])).rejects.toThrow(/runDirs is empty/);
    await expect(plotRuns([join(root, 'nope')], join(root, 'x'))).rejects.toThrow(/has no config.json: pass a directory written by train/);
  });
});
