import { basename } from 'node:path';
import { PALETTE, renderPanel, svgDocument, type ChartSeries } from './chart';
import { writeFileAtomic } from './atomic-write';
import { svgToPng } from './png';
import { readRun } from './run-dir';

/** Paths of a plot written as SVG and PNG. */
export interface PlotPaths {
  svg: string;
  png: string;
}

function writePlot(svg: string, outPrefix: string): PlotPaths {
  if (typeof outPrefix !== 'string' || !outPrefix) {
    throw new Error(`plot: outPrefix ${JSON.stringify(outPrefix)} is not a path prefix: pass e.g. 'runs/compare' (writes .svg and .png)`);
  }
  const paths = { svg: `${outPrefix}.svg`, png: `${outPrefix}.png` };
  const png = svgToPng(svg);
  writeFileAtomic(paths.svg, svg);
  writeFileAtomic(paths.png, png);
  return paths;
}

/**
 * Plots test accuracy and test loss per epoch of several runs (their `metrics.jsonl`) in one figure, written to
 * `${outPrefix}.svg` and `${outPrefix}.png`.
 *
 * @param runDirs - the run directories written by `train`, one curve each, in this order.
 * @param outPrefix - where to write: `<outPrefix>.svg` and `<outPrefix>.png`.
 *
 * @example
 * ```ts
 * await plotRuns(['runs/resnet', 'runs/odenet'], 'runs/compare'); // runs/compare.svg, runs/compare.png
 * ```
 */
export async function plotRuns(runDirs: string[], outPrefix: string): Promise<PlotPaths> {
  if (!Array.isArray(runDirs) || runDirs.length === 0) {
    throw new Error('plotRuns: runDirs is empty: pass one or more run directories written by train');
  }
  const runs = runDirs.map((d) => readRun(d));
  const empty = runs.filter((r) => r.metrics.length === 0).map((r) => r.dir);
  if (empty.length === runs.length) {
    throw new Error(`plotRuns: no run has finished an epoch yet (${empty.join(', ')}): train at least one epoch first`);
  }
  const acc: ChartSeries[] = [];
  const loss: ChartSeries[] = [];
  runs.forEach((run, i) => {
    const color = PALETTE[i % PALETTE.length];
    const label = `${run.info.label} · ${basename(run.dir)}`;
    acc.push({ label, color, points: run.metrics.map((m) => [m.epoch, 100 * m.testAccuracy] as const) });
    loss.push({ label, color, points: run.metrics.map((m) => [m.epoch, m.testLoss] as const) });
  });
  const data = [...new Set(runs.map((r) => r.info.config.data))].join(', ');
  const width = 1100;
  // The legends sit below the axes: the figure grows with the runs, the axes keep their size.
  const height = 400 + runs.length * 17;
  const body =
    renderPanel({ title: `Test accuracy (${data})`, xLabel: 'epoch', yLabel: 'accuracy (%)', series: acc, integerX: true }, 0, 0, width / 2, height) +
    '\n' +
    renderPanel({ title: `Test loss (${data})`, xLabel: 'epoch', yLabel: 'cross-entropy', series: loss, integerX: true }, width / 2, 0, width / 2, height);
  return writePlot(svgDocument(width, height, body), outPrefix);
}

/** Data of the spiral figure ({@link plotSpiral}). */
export interface SpiralPlotData {
  /** Noisy observations, one `[x, y]` per time. */
  observed: ArrayLike<number>[];
  /** The noise-free trajectory, one `[x, y]` per time. */
  truth: ArrayLike<number>[];
  /** The learned trajectory from z0, one `[x, y]` per time. */
  learned: ArrayLike<number>[];
  /** Title line (e.g. the RMSE). */
  title?: string;
}

/**
 * Plots the spiral experiment in the phase plane: the noisy observations (dots), the true trajectory (dashed) and the
 * learned one, written to `${outPrefix}.svg` and `${outPrefix}.png`.
 * @param data - the observations, the true and the learned trajectory (one `[x, y]` per time each) and an optional
 *   title.
 * @param outPrefix - the output path without extension; `.svg` and `.png` are appended.
 */
export async function plotSpiral(data: SpiralPlotData, outPrefix: string): Promise<PlotPaths> {
  const xy = (zs: ArrayLike<number>[]) => zs.map((z) => [z[0], z[1]] as const);
  const body = renderPanel(
    {
      title: data.title ?? 'Spiral: dz/dt = W z',
      xLabel: 'z₁',
      yLabel: 'z₂',
      equalAspect: true,
      series: [
        { label: 'noisy observations', color: '#7f7f7f', style: 'dots', points: xy(data.observed) },
        { label: 'true trajectory', color: '#1f77b4', style: 'dashed', points: xy(data.truth) },
        { label: 'learned (neural ODE)', color: '#d62728', points: xy(data.learned) },
      ],
    },
    0,
    0,
    640,
    600,
  );
  return writePlot(svgDocument(640, 600, body), outPrefix);
}
